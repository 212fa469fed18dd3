/* SPDX-License-Identifier: MIT */
/* A last-error message buffer, owned by each object that can fail. */
#ifndef SM_BASE_ERRBUF_H
#define SM_BASE_ERRBUF_H

#include <stdarg.h>

#define SM_ERRBUF_LEN 512

struct sm_errbuf {
	char msg[SM_ERRBUF_LEN];
};

/* Format a message into eb and return `code` (so callers can
 * `return sm_err(eb, SMMUSIM_EINVAL, "...")`). */
int sm_err(struct sm_errbuf *eb, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sm_verr(struct sm_errbuf *eb, int code, const char *fmt, va_list ap);
static inline void sm_err_clear(struct sm_errbuf *eb)
{
	eb->msg[0] = '\0';
}

#endif
