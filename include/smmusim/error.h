/* SPDX-License-Identifier: MIT */
/*
 * smmusim error codes.
 *
 * Every library function that can fail returns 0 on success or one of the
 * negative codes below.  The list is a single X-macro so that the enum, the
 * symbolic names and the messages of smmusim_strerror() can never drift apart
 * (the libuv habit).  A code only says what class of failure happened; the
 * context (trace file:line:column, config key and allowed range, ...) is in
 * the per-object last-error message (smmusim_last_error(),
 * smmusim_config_error()).
 */
#ifndef SMMUSIM_ERROR_H
#define SMMUSIM_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

/* X(NAME, value, message) */
#define SMMUSIM_ERRORS(X)                                                      \
	X(INVAL, -1, "invalid argument")                                       \
	X(NOMEM, -2, "out of memory")                                          \
	X(RANGE, -3, "value out of range")                                     \
	X(NOKEY, -4, "unknown configuration key")                              \
	X(PARSE, -5, "malformed input")                                        \
	X(IO, -6, "input/output error")                                        \
	X(STATE, -7, "operation not valid in the current state")               \
	X(NOENT, -8, "no such object")                                         \
	X(EXIST, -9, "object already exists")                                  \
	X(UNSUPPORTED, -10, "not supported by this model")                     \
	X(INTERNAL, -11, "internal model error")

enum smmusim_error {
	SMMUSIM_OK = 0,
#define SMMUSIM_ERR_ENUM_(name, val, msg) SMMUSIM_E##name = (val),
	SMMUSIM_ERRORS(SMMUSIM_ERR_ENUM_)
#undef SMMUSIM_ERR_ENUM_
};

/* Message for an error code ("success" for 0, "unknown error" otherwise). */
const char *smmusim_strerror(int code);
/* Symbolic name of an error code, e.g. "SMMUSIM_EPARSE". */
const char *smmusim_errname(int code);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
