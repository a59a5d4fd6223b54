// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for lvos_blkgrow's pure decisions (blkgrow/policy.c): what a
 * capacity change means (grow, shrink, guard), where the data ends, READ
 * CAPACITY parsing (including hostile answers), the helper's report lines,
 * the source names in the audit trail, and where the block class comes
 * from (a gendisk that is never added).
 */
#include <kunit/test.h>
#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/string.h>

#include "../blkgrow/policy.h"

/* ---- what a change means ---- */

static void bg_classify(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(100, 100, 100, true), LVOS_BG_SAME);
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(100, 200, 100, true), LVOS_BG_GROW);
	/* smaller but still past the data: reported, not guarded */
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(200, 150, 150, true), LVOS_BG_SHRINK);
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(200, 150, 0, true), LVOS_BG_SHRINK);
	/* one sector below the data end is below it */
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(200, 149, 150, true), LVOS_BG_GUARD);
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(200, 0, 150, true), LVOS_BG_GUARD);
	/* guard off: only reported */
	KUNIT_EXPECT_EQ(test, lvos_bg_classify(200, 149, 150, false), LVOS_BG_SHRINK);
	KUNIT_EXPECT_STREQ(test, lvos_bg_change_name(LVOS_BG_GUARD), "guard");
	KUNIT_EXPECT_STREQ(test, lvos_bg_change_name(LVOS_BG_SAME), "none");
	KUNIT_EXPECT_STREQ(test, lvos_bg_change_name(LVOS_BG_CHANGE_NR), "?");
}

static void bg_data_end(struct kunit *test)
{
	const struct lvos_bg_extent parts[] = {
		{ .start = 2048, .len = 1000 },
		{ .start = 100000, .len = 50000 },
		{ .start = 4096, .len = 10 },
	};

	/* the last-ending partition, whatever the order */
	KUNIT_EXPECT_EQ(test, lvos_bg_data_end(parts, 3, false, 999999), 150000ULL);
	KUNIT_EXPECT_EQ(test, lvos_bg_data_end(parts, 3, true, 999999), 150000ULL);
	KUNIT_EXPECT_EQ(test, lvos_bg_data_end(parts, 1, false, 999999), 3048ULL);
	/* no partitions: the whole disk, if someone holds it */
	KUNIT_EXPECT_EQ(test, lvos_bg_data_end(NULL, 0, true, 262144), 262144ULL);
	KUNIT_EXPECT_EQ(test, lvos_bg_data_end(NULL, 0, false, 262144), 0ULL);
}

/* ---- READ CAPACITY ---- */

static void bg_rc10(struct kunit *test)
{
	/* 128 MiB of 512-byte blocks: last LBA 262143 */
	const u8 rc512[8] = { 0x00, 0x03, 0xff, 0xff, 0x00, 0x00, 0x02, 0x00 };
	/* 1 GiB of 4 KiB blocks: last LBA 262143, 8 sectors each */
	const u8 rc4k[8] = { 0x00, 0x03, 0xff, 0xff, 0x00, 0x00, 0x10, 0x00 };
	const u8 big[8] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x02, 0x00 };
	const u8 zero_block[8] = { 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00 };
	const u8 odd_block[8] = { 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x03, 0x00 };
	const u8 huge_block[8] = { 0x00, 0x00, 0x10, 0x00, 0x00, 0x02, 0x00, 0x00 };
	u64 s = 7;

	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(rc512, 8, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 262144ULL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(rc4k, 8, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 2097152ULL);
	/* too big for (10): ask (16) */
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(big, 8, &s), -ERANGE);
	/* hostile or broken answers */
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(zero_block, 8, &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(odd_block, 8, &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(huge_block, 8, &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc10(rc512, 7, &s), -EINVAL);
}

static void bg_rc16(struct kunit *test)
{
	/* 4 TiB of 512-byte blocks: last LBA 0x1_ffff_ffff */
	u8 rc[32] = { 0, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0x00 };
	u8 overflow[32] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0x00 };
	u8 mul_overflow[32] = { 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0x00 };
	u64 s = 0;

	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc16(rc, 32, &s), 0);
	KUNIT_EXPECT_EQ(test, s, 0x200000000ULL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc16(overflow, 32, &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc16(mul_overflow, 32, &s), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_rc16(rc, 11, &s), -EINVAL);
}

/* ---- report lines ---- */

static void bg_report(struct kunit *test)
{
	char line[LVOS_BG_LINE_MAX];
	char long_line[LVOS_BG_LINE_MAX + 8];
	const char *ok = "fs grown ext4 /mnt 120M->248M\n";

	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report(ok, strlen(ok), line), LVOS_BG_LAYER_FS);
	KUNIT_EXPECT_STREQ(test, line, "fs grown ext4 /mnt 120M->248M");
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("partition unchanged", 19, line),
			LVOS_BG_LAYER_PARTITION);
	KUNIT_EXPECT_STREQ(test, line, "partition unchanged");
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("trim done /", 11, line), LVOS_BG_LAYER_TRIM);
	/* not a layer, not an outcome, prefixes of them, empty parts */
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("disk grown x", 12, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs great x", 10, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("f grown x", 9, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs grow x", 9, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs", 2, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs grown ", 9, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("\n", 1, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("", 0, line), -EINVAL);
	/* control characters, a second line, non-ASCII */
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs grown a\tb", 12, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs grown a\nb", 12, line), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report("fs grown \xc3\xa9", 11, line), -EINVAL);
	/* one byte under the limit is fine, the limit is not */
	memset(long_line, 'x', sizeof(long_line));
	memcpy(long_line, "fs done ", 8);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report(long_line, LVOS_BG_LINE_MAX - 1, line),
			LVOS_BG_LAYER_FS);
	KUNIT_EXPECT_EQ(test, strlen(line), (size_t)LVOS_BG_LINE_MAX - 1);
	KUNIT_EXPECT_EQ(test, lvos_bg_parse_report(long_line, LVOS_BG_LINE_MAX, line), -EINVAL);
}

/* ---- sources and which buses are polled ---- */

static void bg_sources(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lvos_bg_source_of(LVOS_NOTIFY_CONFIG_IRQ), LVOS_BG_SRC_CONFIG_IRQ);
	KUNIT_EXPECT_EQ(test, lvos_bg_source_of(LVOS_NOTIFY_EVENT), LVOS_BG_SRC_EVENT);
	KUNIT_EXPECT_EQ(test, lvos_bg_source_of(LVOS_NOTIFY_AEN), LVOS_BG_SRC_AEN);
	KUNIT_EXPECT_EQ(test, lvos_bg_source_of(LVOS_NOTIFY_UNIT_ATTENTION), LVOS_BG_SRC_UA);
	KUNIT_EXPECT_EQ(test, lvos_bg_source_of(LVOS_NOTIFY_NONE), LVOS_BG_SRC_RESCAN);
	KUNIT_EXPECT_STREQ(test, lvos_bg_source_name(LVOS_BG_SRC_UA), "unit-attention");
	KUNIT_EXPECT_STREQ(test, lvos_bg_source_name(LVOS_BG_SRC_GUARD_CLEAR), "guard-clear");
	KUNIT_EXPECT_STREQ(test, lvos_bg_source_name(LVOS_BG_SRC_NR), "?");
	/* the driver reports it: no poll; nothing or only the next I/O: poll */
	KUNIT_EXPECT_FALSE(test, lvos_bg_needs_poll(LVOS_NOTIFY_CONFIG_IRQ, true));
	KUNIT_EXPECT_FALSE(test, lvos_bg_needs_poll(LVOS_NOTIFY_EVENT, true));
	KUNIT_EXPECT_FALSE(test, lvos_bg_needs_poll(LVOS_NOTIFY_AEN, true));
	KUNIT_EXPECT_TRUE(test, lvos_bg_needs_poll(LVOS_NOTIFY_NONE, true));
	KUNIT_EXPECT_TRUE(test, lvos_bg_needs_poll(LVOS_NOTIFY_UNIT_ATTENTION, true));
	KUNIT_EXPECT_TRUE(test, lvos_bg_needs_poll(LVOS_NOTIFY_ABSENT, true));
	/* bare metal: no command to any disk, whatever the bus */
	KUNIT_EXPECT_FALSE(test, lvos_bg_needs_poll(LVOS_NOTIFY_NONE, false));
	KUNIT_EXPECT_FALSE(test, lvos_bg_needs_poll(LVOS_NOTIFY_UNIT_ATTENTION, false));
	KUNIT_EXPECT_FALSE(test, lvos_bg_needs_poll(LVOS_NOTIFY_ABSENT, false));
}

/* ---- where the block class comes from ---- */

static void bg_block_class(struct kunit *test)
{
	struct gendisk *disk;
	struct device *dev;

	KUNIT_EXPECT_TRUE(test, lvos_bg_block_class_ok("block", "disk"));
	KUNIT_EXPECT_FALSE(test, lvos_bg_block_class_ok("block", "partition"));
	KUNIT_EXPECT_FALSE(test, lvos_bg_block_class_ok("blockx", "disk"));
	KUNIT_EXPECT_FALSE(test, lvos_bg_block_class_ok("memory", "disk"));
	KUNIT_EXPECT_FALSE(test, lvos_bg_block_class_ok(NULL, "disk"));
	KUNIT_EXPECT_FALSE(test, lvos_bg_block_class_ok("block", NULL));
	/* the premise: a disk never added already has its class and type */
	disk = lvos_alloc_bare_disk();
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(disk));
	dev = disk_to_dev(disk);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, dev->class);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, dev->type);
	if (dev->class && dev->type)
		KUNIT_EXPECT_TRUE(test, lvos_bg_block_class_ok(dev->class->name, dev->type->name));
	KUNIT_EXPECT_FALSE(test, device_is_registered(dev));
	put_disk(disk);
}

static struct kunit_case bg_policy_cases[] = {
	KUNIT_CASE(bg_classify),
	KUNIT_CASE(bg_data_end),
	KUNIT_CASE(bg_sources),
	KUNIT_CASE(bg_block_class),
	{}
};

static struct kunit_case bg_parse_cases[] = {
	KUNIT_CASE(bg_rc10),
	KUNIT_CASE(bg_rc16),
	KUNIT_CASE(bg_report),
	{}
};

static struct kunit_suite bg_policy_suite = {
	.name = "lvos_blkgrow_policy",
	.test_cases = bg_policy_cases,
};

static struct kunit_suite bg_parse_suite = {
	.name = "lvos_blkgrow_parse",
	.test_cases = bg_parse_cases,
};

kunit_test_suites(&bg_policy_suite, &bg_parse_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for lvos_blkgrow");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_IMPORT_NS(LVOS_NS);
