/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include <smmusim/error.h>

#include "base/errbuf.h"

const char *smmusim_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
#define SM_ERR_MSG_(name, val, msg)                                            \
	case (val):                                                            \
		return msg;
		SMMUSIM_ERRORS(SM_ERR_MSG_)
#undef SM_ERR_MSG_
	default:
		return "unknown error";
	}
}

const char *smmusim_errname(int code)
{
	switch (code) {
	case 0:
		return "SMMUSIM_OK";
#define SM_ERR_NAME_(name, val, msg)                                           \
	case (val):                                                            \
		return "SMMUSIM_E" #name;
		SMMUSIM_ERRORS(SM_ERR_NAME_)
#undef SM_ERR_NAME_
	default:
		return "SMMUSIM_E?";
	}
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
