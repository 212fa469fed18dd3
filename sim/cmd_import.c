/* SPDX-License-Identifier: MIT */
/*
 * smmusim import qemu LOG -o TRACE: the library's importer of QEMU 7.2
 * SMMUv3 trace logs (include/smmusim/import.h), and its summary on stderr.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/*
 * smmusim import qemu LOG -o TRACE.  Its own small parser: -o names the
 * output here, not a KEY=VALUE setting as for replay.
 */
int cmd_import(int argc, char **argv)
{
	struct smmusim_import_stats st;
	const char *args[3] = {NULL, NULL, NULL};
	const char *out_path = NULL;
	char msg[512];
	size_t n_args = 0;
	bool dashdash = false;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		int m;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (n_args == 2)
				return fail("import: unexpected argument '%s' "
					    "(see 'smmusim --help')",
					    a);
			args[n_args++] = a;
			continue;
		}
		if (opt_flag(a, "--")) {
			dashdash = true;
			continue;
		}
		if (opt_flag(a, "-h") || opt_flag(a, "--help")) {
			fputs(cli_usage_text, stdout);
			return EXIT_CLEAN;
		}
		if ((m = opt_value(argc, argv, &i, "-o", &v)) == 0)
			m = opt_value(argc, argv, &i, "--out", &v);
		if (m < 0)
			return EXIT_USAGE;
		if (m == 0)
			return fail("import: unknown option '%s' (see 'smmusim "
				    "--help')",
				    a);
		if (!*v)
			return fail("import: option '%s' needs a file name", a);
		if (out_path)
			return fail("import: only one -o TRACE");
		out_path = v;
	}
	if (n_args == 0)
		return fail("import: missing the log format (usage: smmusim "
			    "import qemu LOG -o TRACE)");
	if (strcmp(args[0], "qemu") != 0)
		return fail("import: unknown log format '%s' (known: qemu)",
			    args[0]);
	if (n_args < 2)
		return fail("import qemu: missing LOG (usage: smmusim import "
			    "qemu LOG -o TRACE)");
	if (!out_path)
		return fail("import qemu: missing -o TRACE ('-o -' writes "
			    "standard output)");

	rc =
	    smmusim_import_qemu(args[1], out_path, NULL, &st, msg, sizeof(msg));
	if (rc < 0)
		return fail("%s", msg_or(msg, rc));
	fprintf(stderr,
		"smmusim: imported %s: %llu lines, %llu translations "
		"(QEMU IOTLB: %llu hits, %llu misses), %llu commands, "
		"%llu mappings, %llu lines skipped\n",
		args[1], (unsigned long long)st.lines,
		(unsigned long long)st.translations,
		(unsigned long long)st.iotlb_hits,
		(unsigned long long)st.iotlb_misses,
		(unsigned long long)st.commands,
		(unsigned long long)st.mappings,
		(unsigned long long)st.skipped);
	return EXIT_CLEAN;
}
