/* SPDX-License-Identifier: MIT */
/*
 * The table writers of the report (report_rows.c): one CSV or JSON Lines
 * row per run.
 */
#ifndef SM_SIM_REPORT_ROWS_H
#define SM_SIM_REPORT_ROWS_H

#include <stdbool.h>
#include <stdio.h>

#include <smmusim/smmusim.h>

/* Rows of runs[0..n): CSV (with its header unless o->no_header) or JSON
 * Lines. */
void sm_report_rows(FILE *f, smmusim_t *const *runs, size_t n, bool csv,
		    const struct smmusim_report_options *o);
/* Whether stat `name` is one of o->stats (every stat without a list). */
bool sm_report_stat_selected(const struct smmusim_report_options *o,
			     const char *name);

#endif
