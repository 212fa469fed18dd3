/* SPDX-License-Identifier: MIT */
/*
 * smmusim stats --list: the library's table of stats (one row per counter,
 * histogram or family of counters), tab-separated like `config --list`:
 * name, kind, unit, description.  The same table registers the stats and
 * generates docs/stats.md, so this list, the reports and the docs agree.
 */
#include <stdio.h>

#include "cli.h"

static void list_stats(void)
{
	size_t n = smmusim_stat_def_count();

	for (size_t i = 0; i < n; i++) {
		const struct smmusim_stat_def *d = smmusim_stat_def_at(i);

		if (!d)
			continue;
		printf("%s\t%s\t%s\t%s\n", d->name,
		       smmusim_stat_kind_name(d->kind), d->unit ? d->unit : "",
		       d->description ? d->description : "");
	}
}

int cmd_stats(int argc, char **argv)
{
	struct opts o = {.cmd = "stats", .allowed = O_LIST};
	int status;

	if (cli_parse_command(&o, argc, argv, &status))
		goto done;
	status = EXIT_USAGE;
	if (o.n_args)
		fail("stats: unexpected argument '%s'", o.args[0]);
	else if (!o.list)
		fail("stats: use --list");
	else {
		list_stats();
		status = EXIT_CLEAN;
	}
done:
	opts_free(&o);
	return status;
}
