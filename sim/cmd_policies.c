/* SPDX-License-Identifier: MIT */
/*
 * smmusim policies: the library's policy and hardware presets, each with
 * its description and the -o settings it stands for; under each setting of
 * a kernel preset, the kernel file, function and commit or release it
 * comes from (smmusim_preset_source).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Print `text` word-wrapped to 79 columns, each line indented by `indent`. */
static void print_wrapped(const char *text, int indent)
{
	const int width = 79 - indent;
	const char *p = text;

	while (*p) {
		int len = (int)strlen(p), cut = len;

		if (len > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0) /* one long word: let it overflow */
				cut = (int)strcspn(p, " ");
		}
		printf("%*s%.*s\n", indent, "", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void list_presets(const char *kind, const char *option)
{
	size_t n = smmusim_preset_count(kind);

	if (n == 0) {
		printf("%s presets: none yet\n", kind);
		return;
	}
	printf("%s presets (%s NAME):\n", kind, option);
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL, *desc = NULL;
		const char *const *set = NULL;
		size_t n_set = 0;

		if (smmusim_preset_info(kind, i, &name, &desc, &set, &n_set) <
		    0)
			continue;
		printf("  %s\n", name ? name : "?");
		if (desc && *desc)
			print_wrapped(desc, 6);
		for (size_t j = 0; j < n_set; j++) {
			const char *src = smmusim_preset_source(kind, i, j);
			printf("      -o %s\n", set[j]);
			if (src)
				print_wrapped(src, 11);
		}
	}
}

int cmd_policies(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (opt_flag(argv[i], "-h") || opt_flag(argv[i], "--help")) {
			fputs(cli_usage_text, stdout);
			return EXIT_CLEAN;
		}
		return fail("policies: unexpected argument '%s'", argv[i]);
	}
	list_presets("policy", "--policy");
	putchar('\n');
	list_presets("hw", "--hw");
	return EXIT_CLEAN;
}
