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
 *
 * On x86-64 the switch is our own (sm_fiber_switch below): glibc's
 * swapcontext and getcontext save and restore the signal mask with an
 * rt_sigprocmask system call each time, which was a quarter of the host
 * time of replaying an imported real DMA trace (docs/performance.md,
 * "Issue 12: the replay of an imported real trace").  Nothing here
 * changes the signal mask, so only the registers the System V AMD64 ABI
 * (section 3.2.1) makes a callee preserve need to move: rbx, rbp,
 * r12-r15 and the stack pointer.  The x87 control word and MXCSR are
 * callee-saved too, but the simulator never changes them, so they are the
 * same on every stack.  Builds with CET shadow stacks (__CET__ bit 2)
 * keep ucontext, whose glibc version knows them.
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

#if defined(__x86_64__) && defined(__GNUC__) &&                                \
    !(defined(__CET__) && (__CET__ & 2))
#define SM_FIBER_ASM 1
/* sm_fiber_switch(save, to): pushes the callee-saved registers, stores the
 * stack pointer in *save, loads `to` and pops the registers saved there.
 * A new fiber's first switch "returns" into sm_fiber_entry, which calls
 * rbx's function (r12) with rbx's argument: trampoline(f). */
void sm_fiber_switch(void **save, void *to);
void sm_fiber_entry(void);
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl sm_fiber_switch\n"
	".hidden sm_fiber_switch\n"
	".type sm_fiber_switch, @function\n"
	"sm_fiber_switch:\n"
	"\tpushq %rbp\n"
	"\tpushq %rbx\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbx\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size sm_fiber_switch, .-sm_fiber_switch\n"
	".globl sm_fiber_entry\n"
	".hidden sm_fiber_entry\n"
	".type sm_fiber_entry, @function\n"
	"sm_fiber_entry:\n"
	"\tmovq %rbx, %rdi\n"
	"\tcallq *%r12\n"
	"\tud2\n"
	".size sm_fiber_entry, .-sm_fiber_entry\n"
	".popsection\n");
#endif

struct sm_fiber {
	const struct smmusim_allocator *alloc;
#ifdef SM_FIBER_ASM
	void *sp, *caller_sp; /* saved stack pointers (sm_fiber_switch) */
#else
	ucontext_t ctx, caller;
#endif
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
#ifdef SM_FIBER_ASM
	sm_fiber_switch(&f->sp, f->caller_sp);
#else
	swapcontext(&f->ctx, &f->caller);
#endif
#ifdef SM_FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->fake_fiber, &f->caller_bottom,
					&f->caller_size);
#endif
}

static void fiber_body(struct sm_fiber *f)
{
#ifdef SM_FIBER_ASAN
	__sanitizer_finish_switch_fiber(NULL, &f->caller_bottom,
					&f->caller_size);
#endif
	f->rc = f->fn(f->arg);
	f->state = 2;
	switch_out(f, 1);
}

#ifdef SM_FIBER_ASM
static void trampoline(struct sm_fiber *f)
{
	fiber_body(f);
}

/* A new fiber's stack: the words sm_fiber_switch pops (r15, r14, r13, r12
 * = trampoline, rbx = f, rbp = 0), then sm_fiber_entry as the return
 * address, placed so that the stack is 16-byte aligned at its call
 * (ABI section 3.2.2). */
static void fiber_start(struct sm_fiber *f)
{
	uintptr_t top = ((uintptr_t)f->stack + f->size) & ~(uintptr_t)15;
	void **sp = (void **)(top - 24) - 6;
	sp[0] = sp[1] = sp[2] = NULL;		   /* r15 r14 r13 */
	sp[3] = (void *)(uintptr_t)trampoline;	   /* r12 */
	sp[4] = f;				   /* rbx */
	sp[5] = NULL;				   /* rbp */
	sp[6] = (void *)(uintptr_t)sm_fiber_entry; /* return address */
	f->sp = sp;
}
#else
/* makecontext passes ints: the fiber's address in two halves. */
static void trampoline(unsigned hi, unsigned lo)
{
	fiber_body(
	    (struct sm_fiber *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo));
}

static void fiber_start(struct sm_fiber *f)
{
	uintptr_t p = (uintptr_t)f;
	getcontext(&f->ctx);
	f->ctx.uc_stack.ss_sp = f->stack;
	f->ctx.uc_stack.ss_size = f->size;
	f->ctx.uc_link = NULL;
	makecontext(&f->ctx, (void (*)(void))trampoline, 2,
		    (unsigned)(p >> 16 >> 16), (unsigned)p);
}
#endif

int sm_fiber_run(struct sm_fiber *f, sm_fiber_fn fn, void *arg, int *rc)
{
	if (f->state != 1) {
		fiber_start(f);
		f->fn = fn;
		f->arg = arg;
		f->state = 1;
	}
#ifdef SM_FIBER_ASAN
	__sanitizer_start_switch_fiber(&f->fake_caller, f->stack, f->size);
#endif
#ifdef SM_FIBER_ASM
	sm_fiber_switch(&f->caller_sp, f->sp);
#else
	swapcontext(&f->caller, &f->ctx);
#endif
#ifdef SM_FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->fake_caller, NULL, NULL);
#endif
	if (!sm_fiber_stack_ok(f))
		return SM_FIBER_OVERFLOW;
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
