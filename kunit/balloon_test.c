// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for lvos_balloon's pure decisions (balloon/policy.c): the
 * working-set floor, what to do about the host's target (refuse, deflate
 * under pressure, hysteresis, hold-off), how a message splits into 2 MiB
 * chunks and single pages, and how much cold cache guest-driven mode trims.
 * All counts are 4 KiB pages; 256 pages = 1 MiB.
 */
#include <kunit/test.h>

#include "../balloon/balloon.h"

#define MB(x)	((unsigned long)(x) * 256)

/* ---- the floor ---- */

static void bl_floor_basic(struct kunit *test)
{
	/* 512 MiB guest, no balloon, 400 MiB available: 112 MiB in use */
	struct lvos_bl_mem m = {
		.total = MB(512), .available = MB(400), .active_file = MB(50),
		.reserve = MB(32),
	};
	struct lvos_bl_floor f;

	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.ws, MB(112));
	KUNIT_EXPECT_EQ(test, f.floor, MB(144));
	KUNIT_EXPECT_EQ(test, f.limit, MB(368));

	/* the balloon counts neither as used nor as available */
	m.balloon = MB(200);
	m.available = MB(200);
	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.ws, MB(112));
	KUNIT_EXPECT_EQ(test, f.limit, MB(368));
}

static void bl_floor_hot_cache(struct kunit *test)
{
	struct lvos_bl_mem m = {
		.total = MB(512), .available = MB(400), .active_file = MB(50),
		.reserve = MB(32), .refaults = 10,
	};
	struct lvos_bl_floor f;

	/* refaulting: the active cache is working set too */
	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.ws, MB(162));
	KUNIT_EXPECT_EQ(test, f.floor, MB(194));
}

static void bl_floor_swapping(struct kunit *test)
{
	struct lvos_bl_mem m = {
		.total = MB(512), .balloon = MB(300), .available = MB(20),
		.reserve = MB(32), .swapins = 100,
	};
	struct lvos_bl_floor f;

	/* swapping in: keep all the guest has plus the reserve */
	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.floor, MB(244));
	KUNIT_EXPECT_EQ(test, f.limit, MB(268));
}

static void bl_floor_extremes(struct kunit *test)
{
	/* more available than total (a racy sample): nothing in use */
	struct lvos_bl_mem m = {
		.total = MB(512), .available = MB(600), .reserve = MB(32),
	};
	struct lvos_bl_floor f;

	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.ws, 0UL);
	KUNIT_EXPECT_EQ(test, f.floor, MB(32));
	/* working set above the guest: floor capped, limit 0, no underflow */
	m.available = 0;
	m.reserve = MB(64);
	m.active_file = MB(100);
	m.refaults = 1;
	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.floor, MB(512));
	KUNIT_EXPECT_EQ(test, f.limit, 0UL);
	/* a huge reserve parameter: still capped */
	m.reserve = ULONG_MAX / 2;
	lvos_bl_compute_floor(&m, &f);
	KUNIT_EXPECT_EQ(test, f.limit, 0UL);
}

/* ---- the decision ---- */

static void bl_decide_inflate(struct kunit *test)
{
	struct lvos_bl_floor f = { .floor = MB(144), .limit = MB(368) };
	struct lvos_bl_plan p;

	/* target within the limit: all of it */
	lvos_bl_decide(MB(256), 0, &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, (long)MB(256));
	KUNIT_EXPECT_EQ(test, p.refused, 0UL);
	KUNIT_EXPECT_EQ(test, p.reason, LVOS_BL_OK);
	/* target beyond: up to the limit, the rest refused (floor) */
	lvos_bl_decide(MB(450), MB(100), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, (long)MB(268));
	KUNIT_EXPECT_EQ(test, p.refused, MB(82));
	KUNIT_EXPECT_EQ(test, p.reason, LVOS_BL_FLOOR);
	KUNIT_EXPECT_FALSE(test, p.pressure);
	/* at the limit already: hold, still refused */
	lvos_bl_decide(MB(450), MB(368), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, 0L);
	KUNIT_EXPECT_EQ(test, p.refused, MB(82));
	/* hold-off: no inflation at all, reason says why */
	lvos_bl_decide(MB(256), MB(100), &f, MB(16), true, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, 0L);
	KUNIT_EXPECT_EQ(test, p.refused, MB(156));
	KUNIT_EXPECT_EQ(test, p.reason, LVOS_BL_HOLDOFF);
}

static void bl_decide_deflate(struct kunit *test)
{
	struct lvos_bl_floor f = { .floor = MB(144), .limit = MB(368) };
	struct lvos_bl_plan p;

	/* the host lowers its target */
	lvos_bl_decide(MB(100), MB(300), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, -(long)MB(200));
	KUNIT_EXPECT_EQ(test, p.reason, LVOS_BL_OK);
	KUNIT_EXPECT_FALSE(test, p.pressure);
	/* working set grew: within the hysteresis nothing moves */
	f.limit = MB(290);
	lvos_bl_decide(MB(300), MB(300), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, 0L);
	KUNIT_EXPECT_EQ(test, p.refused, MB(0));
	/* beyond it: back to the limit, below the host's target */
	f.limit = MB(250);
	lvos_bl_decide(MB(300), MB(300), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, -(long)MB(50));
	KUNIT_EXPECT_TRUE(test, p.pressure);
	KUNIT_EXPECT_EQ(test, p.refused, MB(50));
	KUNIT_EXPECT_EQ(test, p.reason, LVOS_BL_PRESSURE);
	/* a lower host target below the limit is not pressure */
	lvos_bl_decide(MB(100), MB(300), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, -(long)MB(200));
	KUNIT_EXPECT_FALSE(test, p.pressure);
	/* without deflate-on-oom the balloon never goes below the target */
	lvos_bl_decide(MB(300), MB(300), &f, MB(16), false, false, &p);
	KUNIT_EXPECT_EQ(test, p.delta, 0L);
	KUNIT_EXPECT_EQ(test, p.reason, LVOS_BL_OK);
	/* limit 0 (guest full): everything goes */
	f.limit = 0;
	lvos_bl_decide(MB(300), MB(300), &f, MB(16), false, true, &p);
	KUNIT_EXPECT_EQ(test, p.delta, -(long)MB(300));
	KUNIT_EXPECT_EQ(test, p.refused, MB(300));
}

/* ---- batching ---- */

static void bl_inflate_split(struct kunit *test)
{
	struct lvos_bl_split s;

	/* 64 MiB in one message: 32 chunks */
	lvos_bl_inflate_split(MB(256), LVOS_BL_BATCH, true, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 32UL);
	KUNIT_EXPECT_EQ(test, s.pages, 0UL);
	/* 3 MiB: one chunk and 256 pages */
	lvos_bl_inflate_split(MB(3), LVOS_BL_BATCH, true, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 1UL);
	KUNIT_EXPECT_EQ(test, s.pages, MB(1));
	/* under 2 MiB: pages only */
	lvos_bl_inflate_split(511, LVOS_BL_BATCH, true, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 0UL);
	KUNIT_EXPECT_EQ(test, s.pages, 511UL);
	/* chunks off */
	lvos_bl_inflate_split(MB(3), LVOS_BL_BATCH, false, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 0UL);
	KUNIT_EXPECT_EQ(test, s.pages, MB(3));
	/* the message is full: never more PFNs than room */
	lvos_bl_inflate_split(MB(3), 700, true, &s);
	KUNIT_EXPECT_EQ(test, s.chunks * LVOS_BL_CHUNK + s.pages, 700UL);
	lvos_bl_inflate_split(0, LVOS_BL_BATCH, true, &s);
	KUNIT_EXPECT_EQ(test, s.chunks + s.pages, 0UL);
}

static void bl_deflate_split(struct kunit *test)
{
	struct lvos_bl_split s;

	/* chunks first */
	lvos_bl_deflate_split(MB(5), LVOS_BL_BATCH, 10, 1000, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 2UL);
	KUNIT_EXPECT_EQ(test, s.pages, MB(1));
	KUNIT_EXPECT_FALSE(test, s.split);
	/* pages run out: split a chunk */
	lvos_bl_deflate_split(300, LVOS_BL_BATCH, 3, 100, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 0UL);
	KUNIT_EXPECT_EQ(test, s.pages, 100UL);
	KUNIT_EXPECT_TRUE(test, s.split);
	/* nothing to split: take what there is */
	lvos_bl_deflate_split(MB(10), LVOS_BL_BATCH, 1, 100, &s);
	KUNIT_EXPECT_EQ(test, s.chunks, 1UL);
	KUNIT_EXPECT_EQ(test, s.pages, 100UL);
	KUNIT_EXPECT_FALSE(test, s.split);
	/* bounded by the room in the message */
	lvos_bl_deflate_split(MB(1000), LVOS_BL_BATCH, 1000, 0, &s);
	KUNIT_EXPECT_EQ(test, s.chunks * LVOS_BL_CHUNK, (unsigned long)LVOS_BL_BATCH);
	lvos_bl_deflate_split(MB(1), LVOS_BL_BATCH, 0, 0, &s);
	KUNIT_EXPECT_EQ(test, s.chunks + s.pages, 0UL);
	KUNIT_EXPECT_FALSE(test, s.split);
}

static void bl_trim(struct kunit *test)
{
	struct lvos_bl_mem m = { .total = MB(512), .balloon = 0 };
	struct lvos_bl_floor f = { .floor = MB(144) };

	/* cold: one step */
	KUNIT_EXPECT_EQ(test, lvos_bl_trim_step(&m, &f, MB(300), MB(32), MB(64)), MB(64));
	/* near the cache kept: the rest */
	KUNIT_EXPECT_EQ(test, lvos_bl_trim_step(&m, &f, MB(40), MB(32), MB(64)), MB(8));
	KUNIT_EXPECT_EQ(test, lvos_bl_trim_step(&m, &f, MB(32), MB(32), MB(64)), 0UL);
	/* busy: refaults or swap-ins mean the cache is wanted */
	m.refaults = 1;
	KUNIT_EXPECT_EQ(test, lvos_bl_trim_step(&m, &f, MB(300), MB(32), MB(64)), 0UL);
	m.refaults = 0;
	m.swapins = 1;
	KUNIT_EXPECT_EQ(test, lvos_bl_trim_step(&m, &f, MB(300), MB(32), MB(64)), 0UL);
	/* the guest at its floor already */
	m.swapins = 0;
	m.balloon = MB(368);
	KUNIT_EXPECT_EQ(test, lvos_bl_trim_step(&m, &f, MB(300), MB(32), MB(64)), 0UL);
}

static void bl_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, lvos_bl_reason_name(LVOS_BL_OK), "none");
	KUNIT_EXPECT_STREQ(test, lvos_bl_reason_name(LVOS_BL_FLOOR), "floor");
	KUNIT_EXPECT_STREQ(test, lvos_bl_reason_name(LVOS_BL_STALLED), "stalled");
	KUNIT_EXPECT_STREQ(test, lvos_bl_reason_name(LVOS_BL_REASON_NR), "unknown");
	KUNIT_EXPECT_STREQ(test, lvos_bl_deflate_name(LVOS_BL_DEF_OOM), "oom");
	KUNIT_EXPECT_STREQ(test, lvos_bl_deflate_name(LVOS_BL_DEF_NR), "unknown");
}

static struct kunit_case bl_floor_cases[] = {
	KUNIT_CASE(bl_floor_basic),
	KUNIT_CASE(bl_floor_hot_cache),
	KUNIT_CASE(bl_floor_swapping),
	KUNIT_CASE(bl_floor_extremes),
	KUNIT_CASE(bl_decide_inflate),
	KUNIT_CASE(bl_decide_deflate),
	{}
};

static struct kunit_suite bl_floor_suite = {
	.name = "lvos_balloon_floor",
	.test_cases = bl_floor_cases,
};

static struct kunit_case bl_batch_cases[] = {
	KUNIT_CASE(bl_inflate_split),
	KUNIT_CASE(bl_deflate_split),
	KUNIT_CASE(bl_trim),
	KUNIT_CASE(bl_names),
	{}
};

static struct kunit_suite bl_batch_suite = {
	.name = "lvos_balloon_batch",
	.test_cases = bl_batch_cases,
};

kunit_test_suites(&bl_floor_suite, &bl_batch_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for lvos_balloon's policy");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
