/* SPDX-License-Identifier: MIT */
/*
 * smmusim sweep TRACE... [--policy P]... [--hw H]... [--set KEY=V1,V2,...]...
 *     [--stat NAME]... [--label KEY=VALUE]... [--spec FILE] [-j N] [-q]
 *     --out FILE.csv|FILE.jsonl
 * smmusim sweep ... --emit parallel|slurm DIR
 * smmusim sweep ... --point K --out DIR/K.jsonl
 *
 * Every point of traces x policies x the grid of --set values, one row per
 * run in the table (docs/sweeps.md).  --emit writes the points as jobs for
 * GNU parallel or a Slurm array instead of running them; each job runs one
 * point (--point K) into DIR, and `smmusim merge DIR -o FILE` joins their
 * rows into the table the sweep would have written.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sweep.h"

/* The study's command line with one point's options added, as sh reads it:
 * from where the sweep was started, by this very binary. */
static int job_command(const struct study *st, struct strbuf *b,
		       const char *dir, const char *point)
{
	char exe[PATH_MAX], cwd[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *w[2];

	if (n <= 0 || !getcwd(cwd, sizeof(cwd)))
		return fail("sweep: cannot find this program or the current "
			    "folder");
	exe[n] = '\0';
	strbuf_add(b, "cd");
	w[0] = cwd;
	shell_words(b, w, 1);
	strbuf_add(b, " &&");
	w[0] = exe;
	shell_words(b, w, 1);
	/* the study's words after "smmusim" */
	strbuf_add(b, st->command.s + strlen("smmusim"));
	strbuf_add(b, " -q --point ");
	strbuf_add(b, point);
	strbuf_add(b, " --out");
	w[0] = dir;
	shell_words(b, w, 1);
	strbuf_add(b, "/");
	strbuf_add(b, point);
	strbuf_add(b, ".jsonl");
	return b->oom ? fail("out of memory") : 0;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return fail("cannot write '%s': %s", path, strerror(errno));
	chmod(path, mode);
	return 0;
}

/* --emit parallel DIR: DIR/jobs.txt, one job a line, for `parallel`. */
static int emit_parallel(const struct study *st, const char *dir,
			 struct strbuf *out)
{
	char k[32];

	for (size_t i = 0; i < st->n_points; i++) {
		snprintf(k, sizeof(k), "%zu", i);
		if (job_command(st, out, dir, k))
			return EXIT_USAGE;
		strbuf_add(out, "\n");
	}
	return 0;
}

/* --emit slurm DIR: DIR/sweep.sbatch, an array job of one point a task. */
static int emit_slurm(const struct study *st, const char *dir,
		      struct strbuf *out)
{
	char n[64];

	strbuf_add(out, "#!/bin/sh\n# one point of the sweep per task\n"
			"#SBATCH --job-name=smmusim-sweep\n#SBATCH --array=0-");
	snprintf(n, sizeof(n), "%zu", st->n_points - 1);
	strbuf_add(out, n);
	strbuf_add(out, "\n#SBATCH --ntasks=1\n#SBATCH --output=");
	strbuf_add(out, dir); /* sbatch reads this line unquoted */
	strbuf_add(out, "/slurm-%a.log\n"
			"K=${SLURM_ARRAY_TASK_ID:?run by sbatch, or set it}\n");
	if (job_command(st, out, dir, "$K"))
		return EXIT_USAGE;
	strbuf_add(out, "\n");
	return 0;
}

static int emit(const struct study *st)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct strbuf text = {0};
	bool slurm = strcmp(st->o.emit, "slurm") == 0;
	int rc;

	if (mkdir(st->o.emit_dir, 0777) != 0 && errno != EEXIST)
		return fail("cannot make '%s': %s", st->o.emit_dir,
			    strerror(errno));
	if (!realpath(st->o.emit_dir, dir))
		return fail("'%s': %s", st->o.emit_dir, strerror(errno));
	rc = slurm ? emit_slurm(st, dir, &text) : emit_parallel(st, dir, &text);
	snprintf(path, sizeof(path), "%s/%s", dir,
		 slurm ? "sweep.sbatch" : "jobs.txt");
	if (!rc)
		rc = write_file(path, text.s, slurm ? 0755 : 0644);
	free(text.s);
	if (!rc && !st->o.quiet)
		printf("%zu points: %s %s\nthen: smmusim merge %s -o "
		       "TABLE.csv\n",
		       st->n_points, slurm ? "sbatch" : "parallel -j N <", path,
		       dir);
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	struct study st = {
	    .o = {.cmd = "sweep",
		  .allowed = O_POLICY | O_HW | O_SET | O_CFILE | O_OUT |
			     O_NOCHECK | O_LABEL | O_STAT | O_JOBS | O_SPEC |
			     O_EMIT | O_POINT | O_QUIET},
	};
	int rc = study_prepare(&st, argc, argv);

	if (rc)
		rc = rc < 0 ? EXIT_CLEAN : EXIT_USAGE;
	else if (st.o.emit)
		rc = emit(&st);
	else if (!st.o.out_path)
		rc = fail("sweep: --out FILE.csv|FILE.jsonl (or --emit "
			  "parallel|slurm DIR)");
	else
		rc = sweep_run_all(&st);
	study_free(&st);
	return rc;
}
