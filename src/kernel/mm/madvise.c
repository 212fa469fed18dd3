/* SPDX-License-Identifier: MIT */
/*
 * madvise(MADV_DONTNEED), modelled on mm/madvise.c
 * (madvise_dontneed_single_vma -> zap_page_range_single) as of v6.6: the
 * PTEs of a mapped range go, the VMAs stay, and the mmu_gather flushes the
 * cleared span, last level only, as munmap's does.
 */
#include "kernel/mm/internal.h"

int sm_os_madvise_dontneed(struct sm_os *os, uint32_t id, unsigned pe,
			   uint64_t va, uint64_t len, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc = sm_syscall_enter(os, id, pe, va, len,
				  SM_SYS_MAPPED | SM_SYS_COST, &mm, &end, t);
	return rc < 0 ? rc
		      : sm_zap_and_flush(os, mm, pe, SM_MN_CLEAR, va, end, t);
}
