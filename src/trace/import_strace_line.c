/* SPDX-License-Identifier: MIT */
/*
 * strace's text (strace(1), "-f", "-t"/"-tt"/"-ttt"; the format of
 * strace 5.x/6.x's syscall printer, src/syscall.c and src/strace.c):
 *
 *   [PID | [pid PID]] [TIME] NAME(ARGS) = RET [ERRNO (text)] [<secs>]
 *   [PID] [TIME] NAME(ARGS <unfinished ...>
 *   [PID] [TIME] <... NAME resumed>REST) = RET ...
 *   [PID] [TIME] +++ exited with N +++      (or killed by SIGNAL)
 *   [PID] [TIME] --- SIGNAL {...} ---
 *
 * PID is there with -f (padded with spaces), TIME with -t (HH:MM:SS),
 * -tt (HH:MM:SS.USEC) or -ttt (SECONDS.USEC); neither is used beyond its
 * syntax (strace's own overhead is in its times).  ARGS are split at
 * their top-level commas, skipping strings ("..." with backslash escapes)
 * and nested (), [] and {}: an execve's argv or a clone3's struct is one
 * argument.  After RET anything is accepted: strace appends comments such
 * as "(flags O_RDWR)" or "<0.000012>" there.
 */
#include <string.h>

#include <smmusim/error.h>

#include "base/parse.h"
#include "trace/import_strace.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

static size_t skip_spaces(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

static bool starts(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);

	return n - i >= k && memcmp(s + i, w, k) == 0;
}

static bool ends(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && memcmp(s + n - k, w, k) == 0;
}

/* Digits from i: their end, or i if there are none. */
static size_t digits(const char *s, size_t n, size_t i)
{
	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* The pid column: "PID " or "[pid PID] ", or nothing. */
static int parse_pid(struct sm_strace_importer *im, const char *s, size_t n,
		     size_t *i, int64_t *pid)
{
	size_t a = *i, e;
	uint64_t v;

	*pid = -1;
	if (starts(s, n, a, "[pid ")) {
		a = skip_spaces(s, n, a + 5);
		e = digits(s, n, a);
		if (e == a || e >= n || s[e] != ']')
			return sm_st_err(im, a + 1,
					 "expected '[pid PID]' (PID decimal)");
		e++;
	} else {
		e = digits(s, n, a);
		if (e == a || e >= n || s[e] != ' ')
			return 0; /* no pid column: a time or the call */
	}
	if (sm_parse_u64(s + a, digits(s, n, a) - a, false, &v, &(size_t){0}) ||
	    v == 0 || v > 0x7fffffff)
		return sm_st_err(im, a + 1, "pid out of range (1..2147483647)");
	*pid = (int64_t)v;
	*i = skip_spaces(s, n, e);
	return 0;
}

/* The time column: SECONDS.USEC or HH:MM:SS[.USEC], or nothing. */
static int parse_time(struct sm_strace_importer *im, const char *s, size_t n,
		      size_t *i)
{
	size_t a = *i, e = digits(s, n, a);

	if (e == a || e >= n || (s[e] != '.' && s[e] != ':'))
		return 0;
	if (s[e] == ':') {
		for (int k = 0; k < 2; k++) {
			size_t b;

			if (e >= n || s[e] != ':')
				goto bad;
			b = e + 1;
			e = digits(s, n, b);
			if (e - b != 2)
				goto bad;
		}
	}
	if (e < n && s[e] == '.') {
		size_t b = e + 1;

		e = digits(s, n, b);
		if (e == b)
			goto bad;
	}
	if (e >= n || s[e] != ' ')
		goto bad;
	*i = skip_spaces(s, n, e);
	return 0;
bad:
	return sm_st_err(im, *i + 1,
			 "malformed time (expected SECONDS.USEC as -ttt "
			 "prints it, or HH:MM:SS[.USEC])");
}

static int parse_marker(struct sm_strace_importer *im, const char *s, size_t n,
			size_t i, struct sm_st_line *l)
{
	bool ex = s[i] == '+';

	if (!ends(s, n, ex ? " +++" : " ---") || n - i < 8)
		return sm_st_err(im, i + 1, "expected '%s ... %s'",
				 ex ? "+++" : "---", ex ? "+++" : "---");
	l->kind = ex ? ST_EXITED : ST_SIGNAL;
	if (ex && !starts(s, n, i, "+++ exited with ") &&
	    !starts(s, n, i, "+++ killed by SIG"))
		return sm_st_err(im, i + 5,
				 "expected 'exited with N' or 'killed by "
				 "SIGNAME'");
	return 0;
}

/* "<... NAME resumed>REST" */
static int parse_resumed(struct sm_strace_importer *im, const char *s, size_t n,
			 size_t i, struct sm_st_line *l)
{
	size_t a = i + 5, e = a;

	while (e < n && is_name_char(s[e]))
		e++;
	if (e == a || !starts(s, n, e, " resumed>"))
		return sm_st_err(im, i + 1, "expected '<... NAME resumed>'");
	l->kind = ST_RESUMED;
	l->name = s + a;
	l->name_len = e - a;
	l->rest = s + e + 9;
	l->rest_len = n - (e + 9);
	l->rest_col = e + 10;
	return 0;
}

int sm_st_parse_line(struct sm_strace_importer *im, const char *s, size_t n,
		     struct sm_st_line *l)
{
	static const char unfinished[] = " <unfinished ...>";
	size_t i = 0, ctl = sm_qemu_control_byte_col(s, n), e;
	int rc;

	memset(l, 0, sizeof(*l));
	if (ctl)
		return sm_st_err(im, ctl,
				 "control byte 0x%02x in a line (strace "
				 "escapes them in strings)",
				 (unsigned char)s[ctl - 1]);
	if ((rc = parse_pid(im, s, n, &i, &l->pid)) ||
	    (rc = parse_time(im, s, n, &i)))
		return rc;
	l->body = s + i;
	l->body_len = n - i;
	l->body_col = i + 1;
	if (i == n)
		return sm_st_err(im, i + 1, "expected a system call");
	if (s[i] == '+' || s[i] == '-')
		return parse_marker(im, s, n, i, l);
	if (starts(s, n, i, "<... "))
		return parse_resumed(im, s, n, i, l);
	for (e = i; e < n && is_name_char(s[e]);)
		e++;
	if (e == i || e >= n || s[e] != '(')
		return sm_st_err(im, i + 1,
				 "expected 'NAME(ARGS) = RESULT' (a line of "
				 "strace -f -ttt)");
	l->name = s + i;
	l->name_len = e - i;
	if (ends(s, n, unfinished)) {
		l->kind = ST_UNFINISHED;
		l->rest = s + e + 1;
		l->rest_len = n - (e + 1) - (sizeof(unfinished) - 1);
		return 0;
	}
	l->kind = ST_CALL;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* A call                                                                 */
/* ---------------------------------------------------------------------- */

static void add_arg(struct sm_st_call *c, const char *s, size_t a, size_t e,
		    size_t col)
{
	while (a < e && s[a] == ' ')
		a++;
	while (e > a && s[e - 1] == ' ')
		e--;
	if (c->nargs < SM_ST_MAX_ARGS) {
		c->arg[c->nargs].s = s + a;
		c->arg[c->nargs].n = e - a;
		c->arg[c->nargs].col = col + a;
	}
	c->nargs++;
}

/* The arguments from s[i] to their ')': *end its offset, or a line error. */
static int scan_args(struct sm_strace_importer *im, const char *s, size_t n,
		     size_t i, size_t col, struct sm_st_call *c, size_t *end)
{
	char stack[32];
	size_t depth = 0, a = i;

	for (; i < n; i++) {
		char ch = s[i];

		if (ch == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n)
				break;
		} else if (ch == '(' || ch == '[' || ch == '{') {
			if (depth == sizeof(stack))
				return sm_st_err(im, col + i,
						 "arguments nested deeper "
						 "than %zu",
						 sizeof(stack));
			stack[depth++] = ch == '('   ? ')'
					 : ch == '[' ? ']'
						     : '}';
		} else if (ch == ')' && !depth) {
			if (i > a || c->nargs)
				add_arg(c, s, a, i, col);
			*end = i;
			return 0;
		} else if (ch == ')' || ch == ']' || ch == '}') {
			if (!depth || stack[depth - 1] != ch)
				return sm_st_err(im, col + i,
						 "unbalanced '%c' in the "
						 "arguments",
						 ch);
			depth--;
		} else if (ch == ',' && !depth) {
			add_arg(c, s, a, i, col);
			a = i + 1;
		}
	}
	return sm_st_err(im, col + n,
			 "the arguments do not end (expected ')' then "
			 "' = RESULT')");
}

/* "= RET [...]" from s[i]. */
static int parse_ret(struct sm_strace_importer *im, const char *s, size_t n,
		     size_t i, size_t col, struct sm_st_call *c)
{
	size_t a, e, bad;
	uint64_t v;
	bool neg;

	i = skip_spaces(s, n, i);
	if (i >= n || s[i] != '=')
		return sm_st_err(im, col + i,
				 "expected ' = RESULT' after the arguments");
	a = skip_spaces(s, n, i + 1);
	c->ret_col = col + a;
	for (e = a; e < n && s[e] != ' ';)
		e++;
	if (e - a == 1 && s[a] == '?') {
		c->ret_unknown = true;
		return 0;
	}
	neg = a < e && s[a] == '-';
	if (sm_parse_u64(s + a + neg, e - a - neg, false, &v, &bad) ||
	    (neg && v > ((uint64_t)1 << 63)))
		return sm_st_err(im, col + a,
				 "bad result '%.*s' (expected a number, 0x "
				 "hex or '?')",
				 (int)(e - a > 64 ? 64 : e - a), s + a);
	c->uret = neg ? 0 - v : v;
	c->ret = (int64_t)c->uret;
	if (!neg)
		return 0;
	c->failed = true;
	a = skip_spaces(s, n, e);
	for (e = a; e < n && is_name_char(s[e]);)
		e++;
	if (e == a || s[a] < 'A' || s[a] > 'Z')
		return sm_st_err(im, col + a,
				 "a negative result without its error name "
				 "(expected '-1 ENAME (text)')");
	c->err = s + a;
	c->err_len = e - a;
	return 0;
}

int sm_st_parse_call(struct sm_strace_importer *im, const char *s, size_t n,
		     size_t col, struct sm_st_call *c)
{
	size_t e = 0, end = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	while (e < n && is_name_char(s[e]))
		e++;
	if (e == 0 || e >= n || s[e] != '(')
		return sm_st_err(im, col, "expected 'NAME(ARGS) = RESULT'");
	c->name = s;
	c->name_len = e;
	c->name_col = col;
	if ((rc = scan_args(im, s, n, e + 1, col, c, &end)))
		return rc;
	c->args = s + e + 1;
	c->args_len = end - (e + 1);
	return parse_ret(im, s, n, end + 1, col, c);
}

/* ---------------------------------------------------------------------- */
/* Arguments                                                              */
/* ---------------------------------------------------------------------- */

int sm_st_need_args(struct sm_strace_importer *im, const struct sm_st_call *c,
		    size_t n)
{
	if (c->nargs >= n)
		return 0;
	return sm_st_err(im, c->name_col,
			 "%.*s with %zu argument(s): expected %zu",
			 (int)c->name_len, c->name, c->nargs, n);
}

int sm_st_arg_num(struct sm_strace_importer *im, const struct sm_st_call *c,
		  size_t i, uint64_t *v)
{
	const struct sm_st_arg *a = &c->arg[i];
	size_t bad;

	if (a->n == 4 && memcmp(a->s, "NULL", 4) == 0) {
		*v = 0;
		return 0;
	}
	if (sm_parse_u64(a->s, a->n, false, v, &bad) == SM_PARSE_OK)
		return 0;
	return sm_st_err(im, a->col,
			 "argument %zu of %.*s: expected a number, got "
			 "'%.*s'",
			 i + 1, (int)c->name_len, c->name,
			 (int)(a->n > 64 ? 64 : a->n), a->s);
}

bool sm_st_arg_has(const struct sm_st_arg *a, const char *flag)
{
	size_t k = strlen(flag);

	for (size_t i = 0; i + k <= a->n; i++) {
		bool left = i == 0 || a->s[i - 1] == '|' ||
			    a->s[i - 1] == ' ' || a->s[i - 1] == '=';
		bool right = i + k == a->n || !is_name_char(a->s[i + k]);

		if (left && right && memcmp(a->s + i, flag, k) == 0)
			return true;
	}
	return false;
}

int sm_st_arg_prot(struct sm_strace_importer *im, const struct sm_st_call *c,
		   size_t i, uint8_t *prot)
{
	static const struct {
		const char *name;
		uint8_t bits;
	} words[] = {
	    {"PROT_NONE", 0},	   {"PROT_READ", ST_R}, {"PROT_WRITE", ST_W},
	    {"PROT_EXEC", ST_X},   {"PROT_SEM", 0},	{"PROT_SAO", 0},
	    {"PROT_GROWSDOWN", 0}, {"PROT_GROWSUP", 0}, {"PROT_BTI", 0},
	    {"PROT_MTE", 0},
	};
	const struct sm_st_arg *a = &c->arg[i];
	size_t p = 0;

	*prot = 0;
	while (p < a->n) {
		size_t e = p, k, bad;
		uint64_t v;

		while (e < a->n && a->s[e] != '|')
			e++;
		for (k = 0; k < sizeof(words) / sizeof(*words); k++)
			if (strlen(words[k].name) == e - p &&
			    memcmp(words[k].name, a->s + p, e - p) == 0)
				break;
		if (k < sizeof(words) / sizeof(*words))
			*prot |= words[k].bits;
		else if (sm_parse_u64(a->s + p, e - p, false, &v, &bad) ==
			 SM_PARSE_OK)
			*prot |= (uint8_t)(v & (ST_R | ST_W | ST_X));
		else
			return sm_st_err(im, a->col + p,
					 "unknown protection '%.*s' (expected "
					 "PROT_READ|PROT_WRITE|PROT_EXEC, "
					 "PROT_NONE or a number)",
					 (int)(e - p > 64 ? 64 : e - p),
					 a->s + p);
		p = e + 1;
	}
	if (!a->n)
		return sm_st_err(im, a->col, "empty protection argument");
	return 0;
}
