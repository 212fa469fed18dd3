/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include <smmusim/error.h>

#include "base/errbuf.h"

/* One row per code of the public X-macro list (include/smmusim/error.h). */
static const struct {
	int code;
	const char *name, *msg;
} sm_errors[] = {{0, "SMMUSIM_OK", "success"},
#define SM_ERR_ROW_(name, val, msg) {(val), "SMMUSIM_E" #name, (msg)},
		 SMMUSIM_ERRORS(SM_ERR_ROW_)
#undef SM_ERR_ROW_
};

static int error_row(int code)
{
	for (size_t i = 0; i < sizeof(sm_errors) / sizeof(sm_errors[0]); i++)
		if (sm_errors[i].code == code)
			return (int)i;
	return -1;
}

const char *smmusim_strerror(int code)
{
	int i = error_row(code);
	return i < 0 ? "unknown error" : sm_errors[i].msg;
}

const char *smmusim_errname(int code)
{
	int i = error_row(code);
	return i < 0 ? "SMMUSIM_E?" : sm_errors[i].name;
}

int sm_verr(struct sm_errbuf *eb, int code, const char *fmt, va_list ap)
{
	if (eb)
		vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	return code;
}

int sm_err(struct sm_errbuf *eb, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sm_verr(eb, code, fmt, ap);
	va_end(ap);
	return code;
}
