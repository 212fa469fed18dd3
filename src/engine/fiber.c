/* SPDX-License-Identifier: MIT */
/*
 * Fibers on POSIX ucontext (makecontext/swapcontext: glibc, FreeBSD; musl
 * needs libucontext).  Pure C11 cannot switch stacks; this file is the one
 * place that does, behind the four calls of fiber.h.
 *
 * Tools that track stacks are told of each switch: AddressSanitizer
 * (__sanitizer_start/finish_switch_fiber, or it reports false stack
 * overflows and loses fake stacks) and valgrind (VALGRIND_STACK_REGISTER,
 * or it takes the switch for a huge stack change).  The lowest word of
 * each stack holds a canary, for sm_fiber_stack_ok().
 */
#include "engine/fiber.h"

#include <stdint.h>
#include <ucontext.h>

#include <smmusim/error.h>

#include "base/alloc.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SM_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SM_FIBER_ASAN 1
#endif
#ifdef SM_FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SM_FIBER_VALGRIND 1
#endif
#endif

#define CANARY 0x5a17c0de5a17c0deull

struct sm_fiber {
	const struct smmusim_allocator *alloc;
	ucontext_t ctx, caller;
	void *stack;
	size_t size;
	sm_fiber_fn fn;
	void *arg;
	int rc;
	int state; /* 0 new, 1 running or suspended, 2 returned */
#ifdef SM_FIBER_VALGRIND
	unsigned vg_id;
#endif
#ifdef SM_FIBER_ASAN
	void *fake_caller, *fake_fiber;
	const void *caller_bottom;
	size_t caller_size;
#endif
};

int sm_fiber_new(struct sm_fiber **out, const struct smmusim_allocator *a,
		 size_t stack, struct sm_errbuf *eb)
{
	struct sm_fiber *f = sm_malloc(a, sizeof(*f));
	size_t size = (stack + 15) & ~(size_t)15;
	*out = NULL;
	if (!f || !(f->stack = sm_malloc(a, size))) {
		if (f)
			sm_free(a, f, sizeof(*f));
		return sm_err(eb, SMMUSIM_ENOMEM,
			      "out of memory allocating a kernel thread's "
			      "stack of %zu bytes (sim.kthread_stack)",
			      size);
	}
	f->alloc = a;
	f->size = size;
	f->state = 0;
	*(uint64_t *)f->stack = CANARY;
#ifdef SM_FIBER_VALGRIND
	f->vg_id = VALGRIND_STACK_REGISTER(f->stack, (char *)f->stack + size);
#endif
	*out = f;
	return 0;
}

void sm_fiber_free(struct sm_fiber *f)
{
	if (!f)
		return;
#ifdef SM_FIBER_VALGRIND
	VALGRIND_STACK_DEREGISTER(f->vg_id);
#endif
	sm_free(f->alloc, f->stack, f->size);
	sm_free(f->alloc, f, sizeof(*f));
}

int sm_fiber_suspended(const struct sm_fiber *f)
{
	return f->state == 1;
}

int sm_fiber_stack_ok(const struct sm_fiber *f)
{
	return *(const uint64_t *)f->stack == CANARY;
}

/* Leave f for its caller; `dying`: f will never run again. */
static void switch_out(struct sm_fiber *f, int dying)
{
#ifdef SM_FIBER_ASAN
	__sanitizer_start_switch_fiber(dying ? NULL : &f->fake_fiber,
				       f->caller_bottom, f->caller_size);
#else
	(void)dying;
#endif
	swapcontext(&f->ctx, &f->caller);
#ifdef SM_FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->fake_fiber, &f->caller_bottom,
					&f->caller_size);
#endif
}

/* makecontext passes ints: the fiber's address in two halves. */
static void trampoline(unsigned hi, unsigned lo)
{
	struct sm_fiber *f =
	    (struct sm_fiber *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
#ifdef SM_FIBER_ASAN
	__sanitizer_finish_switch_fiber(NULL, &f->caller_bottom,
					&f->caller_size);
#endif
	f->rc = f->fn(f->arg);
	f->state = 2;
	switch_out(f, 1);
}

int sm_fiber_run(struct sm_fiber *f, sm_fiber_fn fn, void *arg, int *rc)
{
	if (f->state != 1) {
		uintptr_t p = (uintptr_t)f;
		getcontext(&f->ctx);
		f->ctx.uc_stack.ss_sp = f->stack;
		f->ctx.uc_stack.ss_size = f->size;
		f->ctx.uc_link = NULL;
		makecontext(&f->ctx, (void (*)(void))trampoline, 2,
			    (unsigned)(p >> 16 >> 16), (unsigned)p);
		f->fn = fn;
		f->arg = arg;
		f->state = 1;
	}
#ifdef SM_FIBER_ASAN
	__sanitizer_start_switch_fiber(&f->fake_caller, f->stack, f->size);
#endif
	swapcontext(&f->caller, &f->ctx);
#ifdef SM_FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->fake_caller, NULL, NULL);
#endif
	if (f->state == 2) {
		*rc = f->rc;
		return 0;
	}
	return 1;
}

void sm_fiber_yield(struct sm_fiber *f)
{
	switch_out(f, 0);
}
