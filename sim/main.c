/* SPDX-License-Identifier: MIT */
/*
 * smmusim: the command-line front end of libsmmusim.
 *
 * Deliberately thin.  Everything that decides behaviour -- key names, their
 * allowed values, presets, the trace format, the report layout, the wording
 * of errors -- lives in the library, so a program that links libsmmusim and
 * this tool can never disagree.  These files only turn argv into calls of
 * the public API (include/smmusim/) and print what comes back; they include
 * nothing from src/.  One file per subcommand (cmd_*.c); options.c parses
 * the options they share; this one holds the usage text and dispatches.
 *
 * Exit status: 0 clean, 1 when a checked run reported coherence violations,
 * 2 for bad usage or bad input (the message is on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Where the docs are installed (meson.build); the source tree's otherwise. */
#ifndef SMMUSIM_DOCDIR
#define SMMUSIM_DOCDIR "docs"
#endif

const char cli_usage_text[] =
    "usage: smmusim COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  replay FILE [options]   replay a trace (docs/trace-format.md; plain,\n"
    "                          xz, gzip or zstd; '-' reads stdin) and\n"
    "                          print a report; one run per --policy, the\n"
    "                          trace read once for all\n"
    "  config --list           list every configuration key:\n"
    "                          name, type, default, allowed, description\n"
    "  config --get KEY        print the effective value of KEY under the\n"
    "                          given --policy/--hw/-c/-o options\n"
    "  policies                list the policy and hardware presets\n"
    "  stats --list            list every stat: name, kind, unit,\n"
    "                          description (docs/stats.md)\n"
    "  import qemu LOG -o TRACE\n"
    "                          convert a QEMU 7.2 SMMUv3 trace log (plain,\n"
    "                          xz, gzip or zstd, '-' for stdin; QEMU run\n"
    "                          with -trace 'smmuv3_*'\n"
    "                          -trace 'smmu_*' -D LOG) into a trace; '-o -'\n"
    "                          writes stdout; a summary goes to stderr\n"
    "  import ftrace FILE -o TRACE [--clock-hz N] [--sid DEVICE=SID]...\n"
    "         [--dma-device DEVICE] [--qemu-log LOG]\n"
    "                          convert a Linux ftrace text (tracefs\n"
    "                          'trace', plain or compressed) of the iommu\n"
    "                          tracepoints into dma_map/dma_unmap events\n"
    "                          at seconds * N cycles (default 2000000000);\n"
    "                          --qemu-log merges the translations of\n"
    "                          QEMU's log of the same run\n"
    "  import strace FILE -o TRACE [--maps MAPS] [--cpus N] [--keep-going]\n"
    "         [--device sid=S,ssid=N,pattern=all|fraction:F|faults[,seed=N]]\n"
    "                          convert 'strace -f -ttt' of a program's\n"
    "                          memory and process calls into an SVA\n"
    "                          workload (mm_create, mmap, touch, ...),\n"
    "                          optionally with a device bound to each mm\n"
    "  sweep TRACE... [options] --out TABLE.csv|TABLE.jsonl\n"
    "                          every point of traces x --policy x the grid\n"
    "                          of --set KEY=V1,V2,... values, one row per\n"
    "                          run; -j N at a time; points already in\n"
    "                          TABLE are skipped; --spec FILE; --stat NAME;\n"
    "                          --emit parallel|slurm DIR writes jobs\n"
    "                          instead (docs/sweeps.md)\n"
    "  merge DIR -o TABLE      join the rows of emitted jobs into TABLE\n"
    "  convert IN OUT          a trace into its other form: text into the\n"
    "                          compact binary form, binary into text\n"
    "                          (IN plain or compressed, '-' for stdin or\n"
    "                          stdout); replay reads both\n"
    "  help                    this text (also -h, --help)\n"
    "  version                 print the version (also --version)\n"
    "\n"
    "replay options (may come before or after FILE; -- ends options):\n"
    "  --policy NAME           replay under kernel policy preset NAME;\n"
    "                          repeat to compare several policies side by\n"
    "                          side (default: one run, 'default')\n"
    "  --hw NAME               apply hardware preset NAME to every run\n"
    "  -c FILE                 read settings from FILE: 'key = value'\n"
    "                          lines, '#' comments\n"
    "  -o KEY=VALUE            set a key (also --set KEY=VALUE); applied\n"
    "                          to every run after the presets and -c files,\n"
    "                          in command-line order\n"
    "  --no-check              disable the coherence oracle\n"
    "                          (same as -o check.enable=off)\n"
    "  --format text|json|csv|jsonl\n"
    "                          report format (default: text); csv and\n"
    "                          jsonl: one row per run\n"
    "  --label KEY=VALUE       a field of your own in the report\n"
    "  --keep-going            report a refused event on stderr and go on\n"
    "  -q                      no progress line (shown on a terminal)\n"
    "  --out FILE              write the report to FILE instead of stdout\n"
    "  --stats-memory          print the allocator's peak memory to stderr\n"
    "  --parse-only            read and check the trace, print its event\n"
    "                          count, simulate nothing (the reader's cost)\n"
    "  -j N, --jobs N          run the --policy runs on N threads (the\n"
    "                          trace still parsed once; same output)\n"
    "\n"
    "Options taking a value also accept --name=VALUE.\n"
    "\n"
    "exit status:\n"
    "  0  success, no coherence violation\n"
    "  1  a run reported coherence violations (checking on)\n"
    "  2  bad usage or bad input (unknown option or key, bad value,\n"
    "     malformed trace, unreadable file); the reason is on stderr\n"
    "  130, 143  stopped by SIGINT, SIGTERM: the report has what was\n"
    "     measured so far, marked interrupted\n"
    "Refused events skipped by --keep-going leave the status 0 or 1.\n"
    "Reports carry version, git revision, command line and the trace's\n"
    "sha256 (docs/cli.md).\n"
    "\n"
    "documentation: docs/NAME.md above is " SMMUSIM_DOCDIR "/NAME.md;\n"
    "man smmusim\n";

static int cmd_version(void)
{
	const char *lib = smmusim_version();

	if (lib && strcmp(lib, SMMUSIM_VERSION_STRING) != 0)
		printf("smmusim %s (libsmmusim %s)\n", SMMUSIM_VERSION_STRING,
		       lib);
	else
		printf("smmusim %s\n", SMMUSIM_VERSION_STRING);
	return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int status;

	if (argc < 2 || !argv[1]) {
		fputs(cli_usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "replay"))
		status = cmd_replay(argc, argv);
	else if (!strcmp(cmd, "config"))
		status = cmd_config(argc, argv);
	else if (!strcmp(cmd, "policies"))
		status = cmd_policies(argc, argv);
	else if (!strcmp(cmd, "import"))
		status = cmd_import(argc, argv);
	else if (!strcmp(cmd, "stats"))
		status = cmd_stats(argc, argv);
	else if (!strcmp(cmd, "sweep"))
		status = cmd_sweep(argc, argv);
	else if (!strcmp(cmd, "merge"))
		status = cmd_merge(argc, argv);
	else if (!strcmp(cmd, "convert"))
		status = cmd_convert(argc, argv);
	else if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") ||
		 !strcmp(cmd, "--help")) {
		fputs(cli_usage_text, stdout);
		status = EXIT_CLEAN;
	} else if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
		status = cmd_version();
	else
		status = fail("unknown command '%s' (commands: replay, config, "
			      "policies, stats, import, sweep, merge, "
			      "convert, help, version)",
			      cmd);

	/* Output to stdout that could not be written is an error too, and the
	 * exit status is the only way a script learns about it. */
	if (fflush(stdout) != 0 && status == EXIT_CLEAN)
		status = fail("cannot write to standard output: %s",
			      strerror(errno));
	return status;
}
