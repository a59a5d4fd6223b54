// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for lvos_pagefile's pure policy (pagefile-vol/policy.c):
 * sizing and cap from RAM, input parsing, the ageing and oldest-first
 * purge selection, compaction and writeback watermarks, the slot state
 * word and the backing-device block map, and stats arithmetic.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <lvos/sysfs.h>

#include "../pagefile-vol/policy.h"

#define MIB_PAGES(n)	((unsigned long)(n) << (20 - PAGE_SHIFT))

/* ---- size and cap policy ---- */

static void pf_size_follows_ram(struct kunit *test)
{
	/* 50% of a 1 GiB guest, then of the same guest after a 1 GiB hot-add */
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(MIB_PAGES(1024), 50), MIB_PAGES(512));
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(MIB_PAGES(2048), 50), MIB_PAGES(1024));
	/* ballooned down to 768 MiB */
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(MIB_PAGES(768), 50), MIB_PAGES(384));
	/* more than RAM is allowed (compression), up to 400% */
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(MIB_PAGES(256), 400), MIB_PAGES(1024));
	/* rounding is down, never past the percentage */
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(1001, 50), 500UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(1003, 50), 501UL);
}

static void pf_size_too_small(struct kunit *test)
{
	/* below LVOS_PF_MIN_PAGES there is no volume */
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(LVOS_PF_MIN_PAGES * 100 - 1, 1), 0UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(LVOS_PF_MIN_PAGES * 100, 1),
			(unsigned long)LVOS_PF_MIN_PAGES);
	KUNIT_EXPECT_EQ(test, lvos_pf_size_pages(0, 50), 0UL);
}

static void pf_cap_follows_ram(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lvos_pf_cap_pages(MIB_PAGES(1024), 25), MIB_PAGES(256));
	KUNIT_EXPECT_EQ(test, lvos_pf_cap_pages(MIB_PAGES(1536), 25), MIB_PAGES(384));
	KUNIT_EXPECT_EQ(test, lvos_pf_cap_pages(MIB_PAGES(1024), 90), 235929UL);
	/* never zero: a zero cap would refuse every write */
	KUNIT_EXPECT_EQ(test, lvos_pf_cap_pages(10, 1), 1UL);
	/* a 64-bit product: 16 TiB of RAM does not overflow */
	KUNIT_EXPECT_EQ(test, lvos_pf_cap_pages(1UL << 32, 50), 1UL << 31);
}

/* ---- input parsing ---- */

static void pf_parse_uint(struct kunit *test)
{
	unsigned int v = 7;

	/* the shared parser every module's sysfs uses (include/lvos/sysfs.h) */
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "25\n", 1, 90, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 25U);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "90", 1, 90, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 90U);
	v = 7;
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "-1", 1, 90, 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "abc", 1, 90, 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "", 1, 90, 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "12abc", 1, 90, 0, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "0", 1, 90, 0, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "91", 1, 90, 0, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "99999999999999999999", 1, 90, 0, &v),
			-ERANGE);
	/* a rejected value never changes the setting */
	KUNIT_EXPECT_EQ(test, v, 7U);
	/* the files whose ABI says any kstrtouint failure is -EINVAL */
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "99999999999999999999", 1, 90,
					      LVOS_UINT_OVF_EINVAL, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "91", 1, 90, LVOS_UINT_OVF_EINVAL, &v),
			-ERANGE);
	/* 0 as "off" besides the range */
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "0", 5, 90, LVOS_UINT_ZERO_OK, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0U);
	KUNIT_EXPECT_EQ(test, lvos_parse_uint("t", "4", 5, 90, LVOS_UINT_ZERO_OK, &v), -ERANGE);
	KUNIT_EXPECT_EQ(test, v, 0U);
}

static void pf_match_name(struct kunit *test)
{
	static const char *const names[] = { "lz4", "lzo", "lzo-rle", "zstd", NULL };

	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "lz4"), 0);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "lzo-rle\n"), 2);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "zstd"), 3);
	/* prefixes, suffixes, case and empty names are not names */
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "lz"), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "lz4hc"), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "LZ4"), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, ""), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_pf_match_name(names, "lz4\nx"), -EINVAL);
}

/* ---- slot state word ---- */

static void pf_slot_word(struct kunit *test)
{
	unsigned long w = BIT(LVOS_PF_LOCK) | LVOS_PF_HUGE;

	w = lvos_pf_slot_set_size(w, PAGE_SIZE);
	w = lvos_pf_slot_set_time(w, 0xfffffffeU);
	KUNIT_EXPECT_EQ(test, lvos_pf_slot_size(w), (unsigned int)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, lvos_pf_slot_time(w), 0xfffffffeU);
	/* size and time never touch the flags or the lock bit */
	KUNIT_EXPECT_TRUE(test, w & BIT(LVOS_PF_LOCK));
	KUNIT_EXPECT_TRUE(test, w & LVOS_PF_HUGE);
	KUNIT_EXPECT_FALSE(test, w & (LVOS_PF_SAME | LVOS_PF_WB | LVOS_PF_RECOMP));
	w = lvos_pf_slot_set_size(w, 1234);
	w = lvos_pf_slot_set_time(w, 5);
	KUNIT_EXPECT_EQ(test, lvos_pf_slot_size(w), 1234U);
	KUNIT_EXPECT_EQ(test, lvos_pf_slot_time(w), 5U);
	KUNIT_EXPECT_TRUE(test, w & LVOS_PF_HUGE);
	/* the fields do not overlap */
	KUNIT_EXPECT_EQ(test, LVOS_PF_FLAG_MASK & LVOS_PF_SIZE_MASK, 0UL);
	KUNIT_EXPECT_EQ(test, LVOS_PF_SIZE_MASK & GENMASK(63, LVOS_PF_TIME_SHIFT), 0UL);
	KUNIT_EXPECT_EQ(test, LVOS_PF_FLAG_MASK & BIT(LVOS_PF_LOCK), 0UL);
}

/* ---- ageing and purge policy ---- */

static unsigned long pf_obj(unsigned int size, u32 t, unsigned long flags)
{
	return lvos_pf_slot_set_time(lvos_pf_slot_set_size(flags, size), t);
}

static bool want_rc(unsigned long word, u32 now, u32 idle_age)
{
	return lvos_pf_want_recompress(word, now, idle_age);
}

static void pf_want_recompress(struct kunit *test)
{
	/* now = 1000 s, idle_age = 60 s */
	KUNIT_EXPECT_TRUE(test, want_rc(pf_obj(1500, 940, 0), 1000, 60));
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(1500, 941, 0), 1000, 60));
	/* incompressible pages get one try with the stronger algorithm */
	KUNIT_EXPECT_TRUE(test, want_rc(pf_obj(PAGE_SIZE, 0, LVOS_PF_HUGE), 1000, 60));
	/* never twice, never for same-filled, empty, written back or moving slots */
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(900, 0, LVOS_PF_RECOMP), 1000, 60));
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(1500, 0, LVOS_PF_IDLE_DONE), 1000, 60));
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(0, 0, LVOS_PF_SAME), 1000, 60));
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(0, 0, 0), 1000, 60));
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(PAGE_SIZE, 0, LVOS_PF_WB), 1000, 60));
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(1500, 0, LVOS_PF_UNDER_WB), 1000, 60));
	/* idle_age 0 disables idle purging */
	KUNIT_EXPECT_FALSE(test, want_rc(pf_obj(1500, 0, 0), 1000, 0));
	/* the clock wraps after 136 years of uptime; ages stay right across it */
	KUNIT_EXPECT_TRUE(test, want_rc(pf_obj(1500, 0xffffffc0U, 0), 10, 60));
}

static void pf_want_writeback(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, lvos_pf_want_writeback(pf_obj(1500, 100, 0), 200, 100));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_writeback(pf_obj(1500, 101, 0), 200, 100));
	/* a recompressed page still goes out when it stays idle */
	KUNIT_EXPECT_TRUE(test, lvos_pf_want_writeback(pf_obj(700, 0, LVOS_PF_RECOMP), 200, 100));
	/* watermark writeback (min age 0) takes any stored object */
	KUNIT_EXPECT_TRUE(test, lvos_pf_want_writeback(pf_obj(1500, 200, 0), 200, 0));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_writeback(pf_obj(0, 0, LVOS_PF_SAME), 200, 0));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_writeback(pf_obj(PAGE_SIZE, 0, LVOS_PF_WB), 200, 0));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_writeback(pf_obj(1500, 0, LVOS_PF_UNDER_WB), 200, 0));
}

static void pf_want_back(struct kunit *test)
{
	/* recompression off: every recompressed object goes back, any age */
	KUNIT_EXPECT_TRUE(test, lvos_pf_want_back(pf_obj(700, 0, LVOS_PF_RECOMP)));
	KUNIT_EXPECT_TRUE(test, lvos_pf_want_back(pf_obj(700, 0,
							 LVOS_PF_RECOMP | LVOS_PF_IDLE_DONE)));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_back(pf_obj(1500, 0, 0)));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_back(pf_obj(1500, 0, LVOS_PF_IDLE_DONE)));
	/* not while it is being moved, nor once it is on the backing device */
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_back(pf_obj(700, 0,
							  LVOS_PF_RECOMP | LVOS_PF_UNDER_WB)));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_back(pf_obj(PAGE_SIZE, 0,
							  LVOS_PF_RECOMP | LVOS_PF_WB)));
}

static void pf_age_buckets(struct kunit *test)
{
	unsigned int b;

	KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(59, 60), 0U);
	KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(60, 60), 0U);
	KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(61, 60), 1U);
	KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(62, 60), 2U);
	KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(64, 60), 3U);
	KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(U32_MAX, 0), LVOS_PF_AGE_BUCKETS - 1);
	/* buckets are ordered by age and each starts at its minimum age */
	for (b = 1; b < LVOS_PF_AGE_BUCKETS - 1; b++) {
		/* bucket b > 0 holds ages min_age + [2^(b-1), 2^b) */
		u32 lo = 60 + (1U << (b - 1));

		KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(lo, 60), b);
		KUNIT_EXPECT_EQ(test, lvos_pf_age_bucket(lo - 1, 60), b - 1);
	}
}

static void pf_oldest_first(struct kunit *test)
{
	unsigned long hist[LVOS_PF_AGE_BUCKETS] = { 0 };

	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 100), -1);
	hist[2] = 50;
	hist[5] = 30;
	hist[9] = 10;
	/* everything fits: start at the youngest non-empty bucket */
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 90), 2);
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 1000), 2);
	/* 40 fit: the two oldest buckets only */
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 40), 5);
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 89), 5);
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 39), 9);
	/* the oldest bucket alone is over budget: still start there */
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 5), 9);
	KUNIT_EXPECT_EQ(test, lvos_pf_oldest_first_cut(hist, 0), 9);
}

static void pf_compaction(struct kunit *test)
{
	/* 100 pool pages holding 60 pages of objects: 40% fragmented */
	KUNIT_EXPECT_EQ(test, lvos_pf_frag_pct(100, 60 * PAGE_SIZE), 40U);
	KUNIT_EXPECT_EQ(test, lvos_pf_frag_pct(0, 0), 0U);
	KUNIT_EXPECT_EQ(test, lvos_pf_frag_pct(10, 11 * PAGE_SIZE), 0U);
	KUNIT_EXPECT_TRUE(test, lvos_pf_want_compact(100, 60 * PAGE_SIZE, 25, 16));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_compact(100, 80 * PAGE_SIZE, 25, 16));
	/* not worth it for a few pages, and never when disabled */
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_compact(20, 10 * PAGE_SIZE, 25, 16));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_compact(100, 0, 0, 16));
	KUNIT_EXPECT_FALSE(test, lvos_pf_want_compact(0, 0, 25, 0));
}

static void pf_writeback_watermarks(struct kunit *test)
{
	/* below 90% of the cap: nothing to do */
	KUNIT_EXPECT_EQ(test, lvos_pf_wb_deficit(899, 1000, 90, 80), 0UL);
	/* at 90%: down to 80% */
	KUNIT_EXPECT_EQ(test, lvos_pf_wb_deficit(900, 1000, 90, 80), 100UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_wb_deficit(1200, 1000, 90, 80), 400UL);
	/* high 0 means "any excess over the low mark" */
	KUNIT_EXPECT_EQ(test, lvos_pf_wb_deficit(801, 1000, 0, 80), 1UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_wb_deficit(800, 1000, 0, 80), 0UL);
}

/* ---- backing-device block map ---- */

static void pf_blkmap(struct kunit *test)
{
	struct lvos_pf_blkmap m = { .nbits = 70 };
	long a, b;
	int i;

	m.bits = kunit_kzalloc(test, BITS_TO_LONGS(m.nbits) * sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.bits);
	for (i = 0; i < 70; i++)
		KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)i);
	KUNIT_EXPECT_EQ(test, m.used, 70UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)-ENOSPC);
	/* freed blocks are found again, wrapping past the end */
	KUNIT_EXPECT_TRUE(test, lvos_pf_blk_free(&m, 3));
	KUNIT_EXPECT_TRUE(test, lvos_pf_blk_free(&m, 65));
	a = lvos_pf_blk_alloc(&m);
	b = lvos_pf_blk_alloc(&m);
	KUNIT_EXPECT_TRUE(test, (a == 3 && b == 65) || (a == 65 && b == 3));
	KUNIT_EXPECT_EQ(test, m.used, 70UL);
	/* double and out-of-range frees are refused and do not skew the count */
	KUNIT_EXPECT_TRUE(test, lvos_pf_blk_free(&m, 10));
	KUNIT_EXPECT_FALSE(test, lvos_pf_blk_free(&m, 10));
	KUNIT_EXPECT_FALSE(test, lvos_pf_blk_free(&m, 70));
	KUNIT_EXPECT_EQ(test, m.used, 69UL);
	KUNIT_EXPECT_EQ(test, (unsigned long)bitmap_weight(m.bits, m.nbits), m.used);
}

/*
 * A backing device larger than 2^32 pages: the block count is not cut to
 * 32 bits, the map is bounded by the volume's slots, and a map past what
 * kmalloc gives (> 4 MiB: devices over 128 GiB behind a large volume) is
 * allocated and used to its last block.
 */
static void pf_blkmap_large(struct kunit *test)
{
	u64 tib16 = 1ULL << 44;		/* 2^32 pages */
	unsigned long big = (1UL << 25) + 70;	/* a 4 MiB + 16 byte map */
	struct lvos_pf_blkmap m;

	KUNIT_EXPECT_EQ(test, lvos_pf_backing_blocks(tib16, 1UL << 40), 1UL << 32);
	KUNIT_EXPECT_EQ(test, lvos_pf_backing_blocks(tib16 + PAGE_SIZE, 1UL << 40),
			(1UL << 32) + 1);
	KUNIT_EXPECT_EQ(test, lvos_pf_backing_blocks(tib16, 1000), 1000UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_backing_blocks(PAGE_SIZE - 1, 1000), 0UL);
	KUNIT_EXPECT_EQ(test, lvos_pf_blkmap_alloc(&m, 0), -EINVAL);
	KUNIT_EXPECT_NULL(test, m.bits);

	KUNIT_ASSERT_EQ(test, lvos_pf_blkmap_alloc(&m, big), 0);
	KUNIT_EXPECT_EQ(test, m.nbits, big);
	KUNIT_EXPECT_EQ(test, (unsigned long)bitmap_weight(m.bits, m.nbits), 0UL);
	/* the last blocks, past any 4 MiB boundary, are handed out and freed */
	bitmap_set(m.bits, 0, big - 3);
	m.used = big - 3;
	m.hint = big - 3;
	KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)(big - 3));
	KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)(big - 2));
	KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)(big - 1));
	KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)-ENOSPC);
	KUNIT_EXPECT_TRUE(test, lvos_pf_blk_free(&m, big - 1));
	KUNIT_EXPECT_FALSE(test, lvos_pf_blk_free(&m, big));
	KUNIT_EXPECT_EQ(test, m.used, big - 1);
	lvos_pf_blkmap_free(&m);
	KUNIT_EXPECT_NULL(test, m.bits);
	KUNIT_EXPECT_EQ(test, m.nbits, 0UL);
}

static void pf_blkmap_empty(struct kunit *test)
{
	struct lvos_pf_blkmap m = { 0 };

	KUNIT_EXPECT_EQ(test, lvos_pf_blk_alloc(&m), (long)-ENOSPC);
	KUNIT_EXPECT_FALSE(test, lvos_pf_blk_free(&m, 0));
}

static struct kunit_case pf_policy_cases[] = {
	KUNIT_CASE(pf_size_follows_ram),
	KUNIT_CASE(pf_size_too_small),
	KUNIT_CASE(pf_cap_follows_ram),
	KUNIT_CASE(pf_parse_uint),
	KUNIT_CASE(pf_match_name),
	{}
};

static struct kunit_case pf_ageing_cases[] = {
	KUNIT_CASE(pf_want_recompress),
	KUNIT_CASE(pf_want_writeback),
	KUNIT_CASE(pf_want_back),
	KUNIT_CASE(pf_age_buckets),
	KUNIT_CASE(pf_oldest_first),
	KUNIT_CASE(pf_compaction),
	KUNIT_CASE(pf_writeback_watermarks),
	{}
};

static struct kunit_case pf_slot_cases[] = {
	KUNIT_CASE(pf_slot_word),
	KUNIT_CASE(pf_blkmap),
	KUNIT_CASE(pf_blkmap_empty),
	KUNIT_CASE(pf_blkmap_large),
	{}
};

static struct kunit_suite pf_policy_suite = {
	.name = "lvos_pagefile_policy",
	.test_cases = pf_policy_cases,
};

static struct kunit_suite pf_ageing_suite = {
	.name = "lvos_pagefile_ageing",
	.test_cases = pf_ageing_cases,
};

static struct kunit_suite pf_slot_suite = {
	.name = "lvos_pagefile_slots",
	.test_cases = pf_slot_cases,
};

kunit_test_suites(&pf_policy_suite, &pf_ageing_suite, &pf_slot_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for lvos_pagefile");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
