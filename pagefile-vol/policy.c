// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy.c - lvos_pagefile's pure decisions (see policy.h). Exported only
 * to the KUnit suite (EXPORT_SYMBOL_IF_KUNIT); no state, no locks.
 */
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "policy.h"

unsigned long lvos_pf_size_pages(unsigned long ram_pages, unsigned int pct)
{
	u64 pages = div_u64((u64)ram_pages * pct, 100);

	return pages < LVOS_PF_MIN_PAGES ? 0 : (unsigned long)pages;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_size_pages);

unsigned long lvos_pf_cap_pages(unsigned long ram_pages, unsigned int pct)
{
	u64 pages = div_u64((u64)ram_pages * pct, 100);

	return pages ? (unsigned long)pages : 1;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_cap_pages);

/* The kernel's own lookup: sysfs_streq() (one trailing newline) up to NULL. */
int lvos_pf_match_name(const char *const *names, const char *name)
{
	return __sysfs_match_string(names, -1, name);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_match_name);

unsigned int lvos_pf_age_bucket(u32 age, u32 min_age)
{
	unsigned int b;

	if (age < min_age)
		return 0;
	b = fls(age - min_age);
	return min_t(unsigned int, b, LVOS_PF_AGE_BUCKETS - 1);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_age_bucket);

int lvos_pf_oldest_first_cut(const unsigned long *hist, unsigned long budget)
{
	unsigned long sum = 0;
	int b, cut = -1;

	for (b = LVOS_PF_AGE_BUCKETS - 1; b >= 0; b--) {
		if (!hist[b])
			continue;
		if (sum + hist[b] > budget)
			/* the oldest bucket alone may not fit: start there anyway */
			return cut >= 0 ? cut : b;
		sum += hist[b];
		cut = b;
	}
	return cut;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_oldest_first_cut);

static bool lvos_pf_holds_object(unsigned long word)
{
	return lvos_pf_slot_size(word) &&
	       !(word & (LVOS_PF_SAME | LVOS_PF_WB | LVOS_PF_UNDER_WB));
}

bool lvos_pf_want_recompress(unsigned long word, u32 now, u32 idle_age)
{
	if (!idle_age || !lvos_pf_holds_object(word))
		return false;
	if (word & (LVOS_PF_RECOMP | LVOS_PF_IDLE_DONE))
		return false;
	return now - lvos_pf_slot_time(word) >= idle_age;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_want_recompress);

/* Recompression is off: a recompressed page goes back to the primary algorithm. */
bool lvos_pf_want_back(unsigned long word)
{
	return lvos_pf_holds_object(word) && (word & LVOS_PF_RECOMP);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_want_back);

bool lvos_pf_want_writeback(unsigned long word, u32 now, u32 min_age)
{
	return lvos_pf_holds_object(word) &&
	       now - lvos_pf_slot_time(word) >= min_age;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_want_writeback);

unsigned int lvos_pf_frag_pct(unsigned long pool_pages, u64 compr_bytes)
{
	u64 total = (u64)pool_pages << PAGE_SHIFT;

	if (!total || compr_bytes >= total)
		return 0;
	return (unsigned int)div64_u64((total - compr_bytes) * 100, total);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_frag_pct);

bool lvos_pf_want_compact(unsigned long pool_pages, u64 compr_bytes,
			  unsigned int threshold_pct, unsigned long min_waste)
{
	u64 total = (u64)pool_pages << PAGE_SHIFT;

	if (!threshold_pct || compr_bytes >= total)
		return false;
	if ((total - compr_bytes) >> PAGE_SHIFT < min_waste)
		return false;
	return lvos_pf_frag_pct(pool_pages, compr_bytes) >= threshold_pct;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_want_compact);

unsigned long lvos_pf_wb_deficit(unsigned long used, unsigned long cap,
				 unsigned int high_pct, unsigned int low_pct)
{
	u64 low = div_u64((u64)cap * low_pct, 100);

	if ((u64)used * 100 < (u64)cap * high_pct || used <= low)
		return 0;
	return used - (unsigned long)low;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_wb_deficit);

unsigned long lvos_pf_backing_blocks(u64 dev_bytes, unsigned long nr_slots)
{
	return min_t(u64, dev_bytes >> PAGE_SHIFT, nr_slots);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_backing_blocks);

/* A zeroed map of @nbits blocks; vmalloc'd past what kmalloc gives. */
int lvos_pf_blkmap_alloc(struct lvos_pf_blkmap *m, unsigned long nbits)
{
	memset(m, 0, sizeof(*m));
	if (!nbits)
		return -EINVAL;
	m->bits = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL);
	if (!m->bits)
		return -ENOMEM;
	m->nbits = nbits;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_blkmap_alloc);

void lvos_pf_blkmap_free(struct lvos_pf_blkmap *m)
{
	kvfree(m->bits);
	memset(m, 0, sizeof(*m));
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_blkmap_free);

long lvos_pf_blk_alloc(struct lvos_pf_blkmap *m)
{
	unsigned long blk;

	if (!m->nbits || m->used >= m->nbits)
		return -ENOSPC;
	blk = find_next_zero_bit(m->bits, m->nbits, m->hint);
	if (blk >= m->nbits)
		blk = find_first_zero_bit(m->bits, m->nbits);
	if (blk >= m->nbits)
		return -ENOSPC;
	__set_bit(blk, m->bits);
	m->used++;
	m->hint = blk + 1 < m->nbits ? blk + 1 : 0;
	return blk;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_blk_alloc);

bool lvos_pf_blk_free(struct lvos_pf_blkmap *m, unsigned long blk)
{
	/* a bad or double free is reported, never corrupts the count */
	if (blk >= m->nbits || !__test_and_clear_bit(blk, m->bits))
		return false;
	m->used--;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_pf_blk_free);
