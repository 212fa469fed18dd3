/* SPDX-License-Identifier: MIT */
/*
 * smmusim config --list | --get KEY: the library's key table, or the value
 * one key has under the given --policy/--hw/-c/-o options.
 */
#include <stdio.h>

#include "cli.h"

static void list_keys(void)
{
	size_t n = smmusim_config_key_count();

	for (size_t i = 0; i < n; i++) {
		struct smmusim_key_info k;

		if (smmusim_config_key_info(i, &k) < 0)
			continue;
		printf("%s\t%s\t%s\t%s\t%s\n", k.name,
		       k.type_name ? k.type_name : "", k.def, k.allowed,
		       k.description ? k.description : "");
	}
}

/* The effective value of --get KEY. */
static int get_key(const struct opts *o)
{
	smmusim_config_t *cfg = NULL;
	char buf[256];
	int rc;

	if (o->n_policies > 1)
		return fail("config --get: at most one --policy");
	if (build_config(o, o->n_policies ? o->policies[0] : NULL, &cfg))
		return EXIT_USAGE;
	rc = smmusim_config_get(cfg, o->get_key, buf, sizeof(buf));
	if (rc < 0) {
		const char *m = smmusim_config_error(cfg);

		if (m && *m)
			fail("%s", m);
		else
			fail("unknown configuration key '%s' "
			     "(see 'smmusim config --list')",
			     o->get_key);
		smmusim_config_free(cfg);
		return EXIT_USAGE;
	}
	printf("%s\n", buf);
	smmusim_config_free(cfg);
	return EXIT_CLEAN;
}

int cmd_config(int argc, char **argv)
{
	struct opts o = {.cmd = "config",
			 .allowed = O_LIST | O_GET | O_POLICY | O_HW | O_SET |
				    O_CFILE | O_NOCHECK};
	int status;

	if (cli_parse_command(&o, argc, argv, &status))
		goto done;
	status = EXIT_USAGE;
	if (o.n_args)
		fail("config: unexpected argument '%s'", o.args[0]);
	else if (o.list == !!o.get_key)
		fail("config: use either --list or --get KEY");
	else if (o.list) {
		list_keys();
		status = EXIT_CLEAN;
	} else {
		status = get_key(&o);
	}
done:
	opts_free(&o);
	return status;
}
