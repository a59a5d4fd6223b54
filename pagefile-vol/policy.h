/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy.h - the pure decisions of lvos_pagefile: sizing, caps, ageing,
 * compaction, slot bookkeeping and stats arithmetic. Nothing here touches
 * a device, a lock or the clock, so KUnit can test it with recorded inputs
 * (kunit/pagefile_test.c).
 */
#ifndef _LVOS_PAGEFILE_POLICY_H
#define _LVOS_PAGEFILE_POLICY_H

#include <linux/types.h>
#include <linux/bits.h>

/* Percent bounds of the sizing policy (module parameters and sysfs). */
#define LVOS_PF_SIZE_PCT_MIN	1
#define LVOS_PF_SIZE_PCT_MAX	400
#define LVOS_PF_CAP_PCT_MIN	1
#define LVOS_PF_CAP_PCT_MAX	90
/* A volume smaller than this is not worth a swap header. */
#define LVOS_PF_MIN_PAGES	256
/* Longest settable idle age: 30 days, in seconds. */
#define LVOS_PF_AGE_MAX		(30U * 24 * 3600)

/*
 * Per-slot state word, protected by the slot's bit spinlock (bit 0).
 * bits 0..7   flags below
 * bits 8..20  stored object size in bytes (0..PAGE_SIZE)
 * bits 32..63 access time, in seconds since the module was loaded
 */
#define LVOS_PF_LOCK		0	/* bit number, for bit_spin_lock() */
#define LVOS_PF_SAME		BIT(1)	/* handle holds the fill word */
#define LVOS_PF_HUGE		BIT(2)	/* stored raw, incompressible */
#define LVOS_PF_WB		BIT(3)	/* on the backing device; handle = block */
#define LVOS_PF_RECOMP		BIT(4)	/* compressed with the secondary algorithm */
#define LVOS_PF_IDLE_DONE	BIT(5)	/* recompression tried; do not retry */
#define LVOS_PF_UNDER_WB	BIT(6)	/* being moved; cleared by any change */
#define LVOS_PF_FLAG_MASK	GENMASK(7, 1)
#define LVOS_PF_SIZE_SHIFT	8
#define LVOS_PF_SIZE_MASK	GENMASK(20, 8)
#define LVOS_PF_TIME_SHIFT	32

static inline unsigned int lvos_pf_slot_size(unsigned long word)
{
	return (word & LVOS_PF_SIZE_MASK) >> LVOS_PF_SIZE_SHIFT;
}

static inline unsigned long lvos_pf_slot_set_size(unsigned long word,
						  unsigned int size)
{
	return (word & ~LVOS_PF_SIZE_MASK) |
	       (((unsigned long)size << LVOS_PF_SIZE_SHIFT) & LVOS_PF_SIZE_MASK);
}

static inline u32 lvos_pf_slot_time(unsigned long word)
{
	return (u32)(word >> LVOS_PF_TIME_SHIFT);
}

static inline unsigned long lvos_pf_slot_set_time(unsigned long word, u32 t)
{
	return (word & GENMASK(31, 0)) | ((unsigned long)t << LVOS_PF_TIME_SHIFT);
}

/* Volume size in pages for @pct percent of @ram_pages (0 if too small). */
unsigned long lvos_pf_size_pages(unsigned long ram_pages, unsigned int pct);
/* Memory cap in pages for @pct percent of @ram_pages (at least one page). */
unsigned long lvos_pf_cap_pages(unsigned long ram_pages, unsigned int pct);

/* Index of @name in the NULL-terminated @names (trailing newline ignored), or -EINVAL. */
int lvos_pf_match_name(const char *const *names, const char *name);

/*
 * Ageing: slots are put into LVOS_PF_AGE_BUCKETS buckets by age; the
 * oldest-first selection picks the youngest bucket whose cumulative count,
 * counted from the oldest, still fits the budget (or the oldest bucket, when
 * it alone is over budget); -1 when there is nothing to do.
 */
#define LVOS_PF_AGE_BUCKETS	32
unsigned int lvos_pf_age_bucket(u32 age, u32 min_age);
int lvos_pf_oldest_first_cut(const unsigned long *hist, unsigned long budget);

/* Is the slot with state @word idle enough to recompress / write back? */
bool lvos_pf_want_recompress(unsigned long word, u32 now, u32 idle_age);
bool lvos_pf_want_writeback(unsigned long word, u32 now, u32 idle_age);
bool lvos_pf_want_back(unsigned long word);

/*
 * Compaction: fragmentation is the share of the pool's pages not covered
 * by stored bytes. Compact when it passes @threshold_pct and at least
 * @min_waste pages would come back.
 */
unsigned int lvos_pf_frag_pct(unsigned long pool_pages, u64 compr_bytes);
bool lvos_pf_want_compact(unsigned long pool_pages, u64 compr_bytes,
			  unsigned int threshold_pct, unsigned long min_waste);

/* Pages to write back so usage falls from @used to @low_pct of @cap (0 if below @high_pct). */
unsigned long lvos_pf_wb_deficit(unsigned long used, unsigned long cap,
				 unsigned int high_pct, unsigned int low_pct);

/*
 * Backing-device block bookkeeping: a bitmap of @nbits blocks with a
 * next-fit hint. Callers serialise with their own lock.
 */
struct lvos_pf_blkmap {
	unsigned long *bits;
	unsigned long nbits;
	unsigned long hint;
	unsigned long used;
};

/*
 * Blocks of a backing device of @dev_bytes a volume of @nr_slots uses:
 * never more than its slots (each slot has at most one block), so the
 * bitmap is bounded by the volume's size, not the device's (a 16 TiB
 * device behind a 4 GiB volume costs a 128 KiB bitmap).
 */
unsigned long lvos_pf_backing_blocks(u64 dev_bytes, unsigned long nr_slots);
int lvos_pf_blkmap_alloc(struct lvos_pf_blkmap *m, unsigned long nbits);
void lvos_pf_blkmap_free(struct lvos_pf_blkmap *m);
long lvos_pf_blk_alloc(struct lvos_pf_blkmap *m);
bool lvos_pf_blk_free(struct lvos_pf_blkmap *m, unsigned long blk);

#endif /* _LVOS_PAGEFILE_POLICY_H */
