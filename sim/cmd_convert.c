/* SPDX-License-Identifier: MIT */
/*
 * smmusim convert IN OUT: a trace into its other form (text into the
 * compact binary form, binary into text; docs/trace-format.md, "Binary
 * form"), the form of IN told by its first bytes after any decompression;
 * '-' is standard input or output.  The library does the work
 * (smmusim_trace_convert()); a one-line summary goes to stderr.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

int cmd_convert(int argc, char **argv)
{
	struct opts o = {.cmd = "convert", .allowed = 0};
	uint64_t n = 0;
	bool to_binary = false;
	char msg[512];
	int status, rc;

	if (cli_parse_command(&o, argc, argv, &status)) {
		opts_free(&o);
		return status;
	}
	if (o.n_args != 2) {
		opts_free(&o);
		return fail("convert: expected IN and OUT (see 'smmusim "
			    "--help')");
	}
	msg[0] = '\0';
	rc = smmusim_trace_convert(o.args[0], o.args[1], NULL, &n, &to_binary,
				   msg, sizeof(msg));
	if (rc < 0)
		status = fail("%s", msg_or(msg, rc));
	else
		fprintf(stderr, "%s: %" PRIu64 " events, %s written to %s\n",
			o.args[0], n, to_binary ? "binary" : "text", o.args[1]);
	opts_free(&o);
	return rc < 0 ? status : EXIT_CLEAN;
}
