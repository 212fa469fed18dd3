/* SPDX-License-Identifier: MIT */
/*
 * smmusim import qemu LOG -o TRACE and smmusim import ftrace FILE -o TRACE
 * [--clock-hz N] [--sid DEVICE=SID]... [--dma-device DEVICE]
 * [--qemu-log LOG] and smmusim import strace FILE -o TRACE [--maps MAPS]
 * [--device sid=S,ssid=N,pattern=P[,seed=N]] [--cpus N] [--keep-going]:
 * the library's importers (include/smmusim/import.h), and their summaries
 * on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_SIDS 64

struct import_args {
	const char *args[3];
	size_t n_args;
	const char *out_path;
	const char *clock_hz, *dma_device, *qemu_log;
	struct smmusim_import_sid sids[MAX_SIDS];
	char *sid_names[MAX_SIDS];
	size_t n_sids;
	bool ftrace_opts; /* an option only `import ftrace` takes */
	const char *maps, *device, *cpus;
	bool keep_going;
	bool strace_opts; /* an option only `import strace` takes */
};

/* A decimal or 0x hex number within max, or false. */
static bool parse_num(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end && *v <= max;
}

/* --sid DEVICE=SID */
static int add_sid(struct import_args *ia, const char *v)
{
	const char *eq = strrchr(v, '=');
	uint64_t sid;
	char *name;

	if (!eq || eq == v || !parse_num(eq + 1, UINT32_MAX, &sid))
		return fail("import ftrace: --sid '%s': expected DEVICE=SID, "
			    "SID 0..0xffffffff (e.g. 0000:00:02.0=0x10)",
			    v);
	if (ia->n_sids == MAX_SIDS)
		return fail("import ftrace: at most %d --sid options",
			    MAX_SIDS);
	name = strndup(v, (size_t)(eq - v));
	if (!name)
		return fail("import ftrace: out of memory");
	ia->sid_names[ia->n_sids] = name;
	ia->sids[ia->n_sids].device = name;
	ia->sids[ia->n_sids++].sid = (uint32_t)sid;
	return EXIT_CLEAN;
}

/* --maps, --device, --cpus: 1 taken, 0 not one of them, -1 reported. */
static int strace_option(struct import_args *ia, int argc, char **argv, int *i)
{
	static const char *const named[] = {"--maps", "--device", "--cpus"};
	const char *v = NULL;

	for (size_t k = 0; k < sizeof(named) / sizeof(*named); k++) {
		int m = opt_value(argc, argv, i, named[k], &v);

		if (m <= 0) {
			if (m < 0)
				return -1;
			continue;
		}
		if (!*v) {
			fail("import: option '%s' needs a value", named[k]);
			return -1;
		}
		ia->strace_opts = true;
		*(k == 0 ? &ia->maps : k == 1 ? &ia->device : &ia->cpus) = v;
		return 1;
	}
	return 0;
}

/* One option at argv[*i]: EXIT_CLEAN, or a failure status (reported);
 * *help for -h. */
static int one_option(struct import_args *ia, int argc, char **argv, int *i,
		      bool *help)
{
	static const char *const named[] = {"--clock-hz", "--dma-device",
					    "--qemu-log", "--sid"};
	const char *a = argv[*i], *v = NULL;
	int m;

	if (opt_flag(a, "-h") || opt_flag(a, "--help")) {
		*help = true;
		return EXIT_CLEAN;
	}
	if (opt_flag(a, "--keep-going")) {
		ia->keep_going = ia->strace_opts = true;
		return EXIT_CLEAN;
	}
	m = strace_option(ia, argc, argv, i);
	if (m != 0)
		return m > 0 ? EXIT_CLEAN : EXIT_USAGE;
	if ((m = opt_value(argc, argv, i, "-o", &v)) == 0)
		m = opt_value(argc, argv, i, "--out", &v);
	if (m > 0) {
		if (!*v)
			return fail("import: option '%s' needs a file name", a);
		if (ia->out_path)
			return fail("import: only one -o TRACE");
		ia->out_path = v;
		return EXIT_CLEAN;
	}
	for (size_t k = 0; m == 0 && k < sizeof(named) / sizeof(*named); k++) {
		m = opt_value(argc, argv, i, named[k], &v);
		if (m <= 0)
			continue;
		ia->ftrace_opts = true;
		if (k == 3)
			return add_sid(ia, v);
		if (!*v)
			return fail("import: option '%s' needs a value", a);
		*(k == 0   ? &ia->clock_hz
		  : k == 1 ? &ia->dma_device
			   : &ia->qemu_log) = v;
		return EXIT_CLEAN;
	}
	if (m < 0)
		return EXIT_USAGE;
	return fail("import: unknown option '%s' (see 'smmusim --help')", a);
}

static int parse_args(struct import_args *ia, int argc, char **argv, bool *help)
{
	bool dashdash = false;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (ia->n_args == 2)
				return fail("import: unexpected argument '%s' "
					    "(see 'smmusim --help')",
					    a);
			ia->args[ia->n_args++] = a;
			continue;
		}
		if (opt_flag(a, "--")) {
			dashdash = true;
			continue;
		}
		rc = one_option(ia, argc, argv, &i, help);
		if (rc != EXIT_CLEAN || *help)
			return rc;
	}
	return EXIT_CLEAN;
}

static int import_qemu(const struct import_args *ia)
{
	struct smmusim_import_stats st;
	char msg[512];
	int rc;

	if (ia->ftrace_opts || ia->strace_opts)
		return fail("import qemu: --clock-hz, --sid, --dma-device and "
			    "--qemu-log are options of 'import ftrace', "
			    "--maps, --device, --cpus and --keep-going of "
			    "'import strace'");
	rc = smmusim_import_qemu(ia->args[1], ia->out_path, NULL, &st, msg,
				 sizeof(msg));
	if (rc < 0)
		return fail("%s", msg_or(msg, rc));
	fprintf(stderr,
		"smmusim: imported %s: %llu lines, %llu translations "
		"(QEMU IOTLB: %llu hits, %llu misses), %llu commands, "
		"%llu mappings, %llu lines skipped\n",
		ia->args[1], (unsigned long long)st.lines,
		(unsigned long long)st.translations,
		(unsigned long long)st.iotlb_hits,
		(unsigned long long)st.iotlb_misses,
		(unsigned long long)st.commands,
		(unsigned long long)st.mappings,
		(unsigned long long)st.skipped);
	return EXIT_CLEAN;
}

static int import_ftrace(const struct import_args *ia)
{
	struct smmusim_import_ftrace_opts o = {0};
	struct smmusim_import_ftrace_stats st;
	char msg[1024];
	int rc;

	if (ia->clock_hz &&
	    (!parse_num(ia->clock_hz, SMMUSIM_IMPORT_CLOCK_HZ_MAX,
			&o.clock_hz) ||
	     o.clock_hz < SMMUSIM_IMPORT_CLOCK_HZ_MIN))
		return fail("import ftrace: --clock-hz '%s' is out of range "
			    "(%llu..%llu cycles per second, as sim.clock_hz)",
			    ia->clock_hz, SMMUSIM_IMPORT_CLOCK_HZ_MIN,
			    SMMUSIM_IMPORT_CLOCK_HZ_MAX);
	if (ia->strace_opts)
		return fail("import ftrace: --maps, --device, --cpus and "
			    "--keep-going are options of 'import strace'");
	o.sids = ia->sids;
	o.n_sids = ia->n_sids;
	o.dma_device = ia->dma_device;
	o.qemu_log = ia->qemu_log;
	rc = smmusim_import_ftrace(ia->args[1], ia->out_path, &o, NULL, &st,
				   msg, sizeof(msg));
	if (rc < 0)
		return fail("%s", msg_or(msg, rc));
	fprintf(stderr,
		"smmusim: imported %s: %" PRIu64 " lines, %" PRIu64
		" devices, %" PRIu64 " maps (%" PRIu64 " pages), %" PRIu64
		" unmaps (%" PRIu64 " pages), %" PRIu64 " markers, %" PRIu64
		" faults",
		ia->args[1], st.lines, st.devices, st.maps, st.map_pages,
		st.unmaps, st.unmap_pages, st.markers, st.faults);
	if (ia->qemu_log)
		fprintf(stderr,
			"; %s: %" PRIu64 " translations (QEMU IOTLB: %" PRIu64
			" hits, %" PRIu64 " misses), %" PRIu64
			" invalidation points paired",
			ia->qemu_log, st.translations, st.iotlb_hits,
			st.iotlb_misses, st.points);
	fputc('\n', stderr);
	return EXIT_CLEAN;
}

/* One "key=value" of --device. */
static int device_key(struct smmusim_import_strace_opts *o, const char *k,
		      size_t kn, const char *v)
{
	uint64_t n;
	char *end;

	if (kn == 3 && !strncmp(k, "sid", 3) && parse_num(v, UINT32_MAX, &n))
		o->sid = (uint32_t)n;
	else if (kn == 4 && !strncmp(k, "ssid", 4) && parse_num(v, 0xfffff, &n))
		o->ssid = (uint32_t)n;
	else if (kn == 4 && !strncmp(k, "seed", 4) &&
		 parse_num(v, UINT64_MAX, &n))
		o->seed = n;
	else if (kn == 7 && !strncmp(k, "pattern", 7) && !strcmp(v, "all"))
		o->pattern = SMMUSIM_STRACE_DEV_ALL;
	else if (kn == 7 && !strncmp(k, "pattern", 7) && !strcmp(v, "faults"))
		o->pattern = SMMUSIM_STRACE_DEV_FAULTS;
	else if (kn == 7 && !strncmp(k, "pattern", 7) &&
		 !strncmp(v, "fraction:", 9)) {
		o->pattern = SMMUSIM_STRACE_DEV_FRACTION;
		errno = 0;
		o->fraction = strtod(v + 9, &end);
		if (errno || end == v + 9 || *end || !(o->fraction >= 0) ||
		    o->fraction > 1)
			return -1;
	} else
		return -1;
	return 0;
}

/* --device sid=S,ssid=N,pattern=all|fraction:F|faults[,seed=N] */
static int parse_device(const char *spec, struct smmusim_import_strace_opts *o)
{
	char buf[256];
	char *save = NULL;

	o->sid = 0x10;
	o->ssid = 1;
	o->seed = 1;
	o->pattern = SMMUSIM_STRACE_DEV_FAULTS;
	if (strlen(spec) >= sizeof(buf))
		goto bad;
	strcpy(buf, spec);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');

		if (!eq || device_key(o, t, (size_t)(eq - t), eq + 1))
			goto bad;
	}
	return EXIT_CLEAN;
bad:
	return fail("import strace: --device '%s': expected sid=S,ssid=N,"
		    "pattern=all|fraction:F|faults[,seed=N] (sid "
		    "0..0xffffffff, ssid 0..0xfffff, F 0..1; defaults "
		    "sid=0x10, ssid=1, pattern=faults, seed=1)",
		    spec);
}

/* --keep-going: the first few skipped lines, then their count. */
struct skipped_lines {
	uint64_t n;
};

static void on_skipped(void *ctx, const char *msg)
{
	struct skipped_lines *sk = ctx;

	if (sk->n++ < 5)
		fprintf(stderr, "smmusim: skipped: %s\n", msg);
}

static int import_strace(const struct import_args *ia)
{
	struct smmusim_import_strace_opts o = {0};
	struct smmusim_import_strace_stats st;
	struct skipped_lines sk = {0};
	uint64_t n;
	char msg[1024];
	int rc;

	if (ia->ftrace_opts)
		return fail("import strace: --clock-hz, --sid, --dma-device "
			    "and --qemu-log are options of 'import ftrace'");
	if (ia->device && (rc = parse_device(ia->device, &o)) != EXIT_CLEAN)
		return rc;
	if (ia->cpus) {
		if (!parse_num(ia->cpus, 256, &n) || n == 0)
			return fail("import strace: --cpus '%s' is out of "
				    "range (1..256, as cpu.count)",
				    ia->cpus);
		o.ncpus = (unsigned)n;
	}
	o.maps_path = ia->maps;
	o.keep_going = ia->keep_going;
	o.skipped = on_skipped;
	o.ctx = &sk;
	rc = smmusim_import_strace(ia->args[1], ia->out_path, &o, NULL, &st,
				   msg, sizeof(msg));
	if (rc < 0)
		return fail("%s", msg_or(msg, rc));
	fprintf(stderr,
		"smmusim: imported %s: %" PRIu64 " lines, %" PRIu64
		" calls, %" PRIu64 " processes, %" PRIu64 " mms; %" PRIu64
		" mmap, %" PRIu64 " munmap, %" PRIu64 " mprotect, %" PRIu64
		" madvise, %" PRIu64 " touch (%" PRIu64 " pages), %" PRIu64
		" dev_access; %" PRIu64 " implicit mappings; skipped: %" PRIu64
		" failed calls, %" PRIu64 " without result, %" PRIu64
		" other calls, %" PRIu64 " malformed lines\n",
		ia->args[1], st.lines, st.calls, st.processes, st.mms, st.mmaps,
		st.munmaps, st.mprotects, st.madvises, st.touches,
		st.touch_pages, st.dev_accesses, st.implicit, st.failed,
		st.no_return, st.ignored, st.malformed);
	return EXIT_CLEAN;
}

/*
 * smmusim import FORMAT INPUT -o TRACE [options].  Its own small parser:
 * -o names the output here, not a KEY=VALUE setting as for replay.
 */
int cmd_import(int argc, char **argv)
{
	struct import_args ia;
	bool help = false, ftrace, strace;
	int rc;

	memset(&ia, 0, sizeof(ia));
	rc = parse_args(&ia, argc, argv, &help);
	if (rc == EXIT_CLEAN && help)
		fputs(cli_usage_text, stdout);
	if (rc != EXIT_CLEAN || help)
		goto out;
	ftrace = ia.n_args && strcmp(ia.args[0], "ftrace") == 0;
	strace = ia.n_args && strcmp(ia.args[0], "strace") == 0;
	if (ia.n_args == 0)
		rc = fail("import: missing the log format (usage: smmusim "
			  "import qemu|ftrace|strace FILE -o TRACE)");
	else if (!ftrace && !strace && strcmp(ia.args[0], "qemu") != 0)
		rc = fail("import: unknown log format '%s' (known: qemu, "
			  "ftrace, strace)",
			  ia.args[0]);
	else if (ia.n_args < 2)
		rc = fail("import %s: missing %s (usage: smmusim import %s "
			  "%s -o TRACE)",
			  ia.args[0], ftrace || strace ? "FILE" : "LOG",
			  ia.args[0], ftrace || strace ? "FILE" : "LOG");
	else if (!ia.out_path)
		rc = fail("import %s: missing -o TRACE ('-o -' writes "
			  "standard output)",
			  ia.args[0]);
	else
		rc = strace   ? import_strace(&ia)
		     : ftrace ? import_ftrace(&ia)
			      : import_qemu(&ia);
out:
	for (size_t i = 0; i < ia.n_sids; i++)
		free(ia.sid_names[i]);
	return rc;
}
