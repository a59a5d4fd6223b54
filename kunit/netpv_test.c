// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for lvos_netpv's checks on what peers and the host write
 * (net-pv/layout.c): the region header (every bound, overflow, checksum),
 * descriptors, ring index math across the u32 wrap, the arena allocator and
 * the link state machine.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/slab.h>
#include <linux/virtio_net.h>

#include "../net-pv/netpv.h"

#define MIB	(1024ULL * 1024)

/* A valid header for 2 peers, 2 queues, 256 entries, 512 KiB arenas, 8 MiB. */
static void hdr_fill(struct lvos_npv_hdr *h)
{
	u32 chan = LVOS_NPV_CTRL_BYTES + 256 * LVOS_NPV_DESC_BYTES + 512 * 1024;

	memset(h, 0, LVOS_NPV_HDR_BYTES);
	memcpy(h->magic, LVOS_NPV_MAGIC, sizeof(h->magic));
	h->major = cpu_to_le16(1);
	h->hdr_bytes = cpu_to_le32(LVOS_NPV_HDR_BYTES);
	h->region_bytes = cpu_to_le64(8 * MIB);
	h->max_peers = cpu_to_le16(2);
	h->nqueues = cpu_to_le16(2);
	h->ring_entries = cpu_to_le32(256);
	h->arena_bytes = cpu_to_le32(512 * 1024);
	h->slot_off = cpu_to_le32(4096);
	h->slot_bytes = cpu_to_le32(LVOS_NPV_SLOT_BYTES);
	h->chan_off = cpu_to_le32(8192);
	h->chan_bytes = cpu_to_le32(chan);
	h->features = cpu_to_le32(LVOS_NPV_F_ALL);
	strscpy(h->name, "test", sizeof(h->name));
}

static void hdr_seal(struct lvos_npv_hdr *h)
{
	h->crc = cpu_to_le32(crc32_le(~0U, (void *)h, offsetof(struct lvos_npv_hdr, crc)) ^ ~0U);
}

static struct lvos_npv_hdr *hdr_new(struct kunit *test)
{
	struct lvos_npv_hdr *h = kunit_kzalloc(test, LVOS_NPV_HDR_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	hdr_fill(h);
	hdr_seal(h);
	return h;
}

static int hdr_parse(struct lvos_npv_hdr *h, u64 bar, struct lvos_npv_layout *l)
{
	const char *why;

	return lvos_npv_parse_header(h, bar, l, &why);
}

static void npv_header_valid(struct kunit *test)
{
	struct lvos_npv_hdr *h = hdr_new(test);
	struct lvos_npv_layout l;
	const char *why = "unset";

	KUNIT_EXPECT_EQ(test, lvos_npv_parse_header(h, 8 * MIB, &l, &why), 0);
	KUNIT_EXPECT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, l.max_peers, 2U);
	KUNIT_EXPECT_EQ(test, l.nqueues, 2U);
	KUNIT_EXPECT_EQ(test, l.ring_entries, 256U);
	KUNIT_EXPECT_EQ(test, l.arena_bytes, 512U * 1024);
	KUNIT_EXPECT_EQ(test, l.desc_off, 4096U);
	KUNIT_EXPECT_EQ(test, l.arena_off, 4096U + 8192U);
	KUNIT_EXPECT_STREQ(test, l.name, "test");
	/* channel (1 -> 0, q1) is the (1*2+0)*2+1 = 5th */
	KUNIT_EXPECT_EQ(test, lvos_npv_chan_offset(&l, 1, 0, 1), 8192ULL + 5ULL * l.chan_bytes);
	/* a bigger BAR is fine: only the validated span is used */
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 1024 * MIB, &l), 0);
}

static void npv_header_foreign(struct kunit *test)
{
	struct lvos_npv_hdr *h = hdr_new(test);
	struct lvos_npv_layout l;

	/* no magic: not ours (-ENODEV, no complaint); a zeroed region too */
	h->magic[0] = 'X';
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -ENODEV);
	memset(h, 0, LVOS_NPV_HDR_BYTES);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -ENODEV);
}

static void npv_header_crc(struct kunit *test)
{
	struct lvos_npv_hdr *h = hdr_new(test);
	struct lvos_npv_layout l;

	/* any byte changed after sealing fails the checksum */
	h->name[5] = 'x';
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), 0);
	h->crc = cpu_to_le32(le32_to_cpu(h->crc) ^ 1);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);
}

/* One field set to a bad value, resealed: refused. */
#define BAD_FIELD(lv, val) do {					\
	hdr_fill(h);						\
	(lv) = (val);						\
	hdr_seal(h);						\
	KUNIT_EXPECT_EQ_MSG(test, hdr_parse(h, 8 * MIB, &l), -EINVAL, \
			    #lv " = " #val);			\
} while (0)

/* ... and its neighbour on the good side: accepted (the bound is exact). */
#define GOOD_FIELD(lv, val) do {				\
	hdr_fill(h);						\
	(lv) = (val);						\
	hdr_seal(h);						\
	KUNIT_EXPECT_EQ_MSG(test, hdr_parse(h, 8 * MIB, &l), 0, \
			    #lv " = " #val);			\
} while (0)

static void npv_header_bounds(struct kunit *test)
{
	struct lvos_npv_hdr *h = hdr_new(test);
	struct lvos_npv_layout l;

	BAD_FIELD(h->major, cpu_to_le16(2));
	BAD_FIELD(h->hdr_bytes, cpu_to_le32(8192));
	BAD_FIELD(h->max_peers, cpu_to_le16(1));
	BAD_FIELD(h->max_peers, cpu_to_le16(17));
	BAD_FIELD(h->nqueues, cpu_to_le16(0));
	BAD_FIELD(h->nqueues, cpu_to_le16(9));
	BAD_FIELD(h->ring_entries, cpu_to_le32(32));
	BAD_FIELD(h->ring_entries, cpu_to_le32(8192));
	BAD_FIELD(h->ring_entries, cpu_to_le32(257));
	BAD_FIELD(h->arena_bytes, cpu_to_le32(128 * 1024));
	BAD_FIELD(h->arena_bytes, cpu_to_le32(512 * 1024 + 4096));
	BAD_FIELD(h->slot_bytes, cpu_to_le32(128));
	BAD_FIELD(h->slot_off, cpu_to_le32(0));
	BAD_FIELD(h->slot_off, cpu_to_le32(4097));
	BAD_FIELD(h->chan_off, cpu_to_le32(4096));		/* over the slots */
	BAD_FIELD(h->chan_off, cpu_to_le32(8193));
	BAD_FIELD(h->chan_bytes, cpu_to_le32(4096 + 8192 + 512 * 1024 - 4096));
	BAD_FIELD(h->chan_bytes, cpu_to_le32(4096 + 8192 + 512 * 1024 + 1));
	BAD_FIELD(h->features, cpu_to_le32(BIT(5)));
	BAD_FIELD(h->region_bytes, cpu_to_le64(16 * MIB));	/* past the 8 MiB BAR */
	BAD_FIELD(h->region_bytes, cpu_to_le64(4 * MIB));	/* channels past it */
	BAD_FIELD(h->region_bytes, cpu_to_le64(0));
	hdr_fill(h);
	memset(h->name, 'a', sizeof(h->name));
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);

	GOOD_FIELD(h->nqueues, cpu_to_le16(1));
	/* 3 peers, 1 queue: 9 channels, 4.6 MiB; with 2 queues 9.2 MiB */
	hdr_fill(h);
	h->max_peers = cpu_to_le16(3);
	h->nqueues = cpu_to_le16(1);
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), 0);
	h->nqueues = cpu_to_le16(2);
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);
	GOOD_FIELD(h->ring_entries, cpu_to_le32(64));
	GOOD_FIELD(h->features, cpu_to_le32(0));
	GOOD_FIELD(h->chan_off, cpu_to_le32(3 * 4096));
}

static void npv_header_overflow(struct kunit *test)
{
	struct lvos_npv_hdr *h = hdr_new(test);
	struct lvos_npv_layout l;

	/*
	 * 16 peers, 8 queues: 2048 channels of 2 MiB are 4 GiB, which is 0
	 * in u32 arithmetic and would "fit" in an 8 MiB region.
	 */
	hdr_fill(h);
	h->max_peers = cpu_to_le16(16);
	h->nqueues = cpu_to_le16(8);
	h->chan_bytes = cpu_to_le32(2 * MIB);
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);
	/* the largest channels: still refused, still no wrap */
	h->chan_bytes = cpu_to_le32(0xfffff000);
	h->region_bytes = cpu_to_le64(U64_MAX);
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);
	/* chan_off near the top: the sum overflows u64 nowhere, u32 would */
	hdr_fill(h);
	h->chan_off = cpu_to_le32(0xfffff000);
	hdr_seal(h);
	KUNIT_EXPECT_EQ(test, hdr_parse(h, 8 * MIB, &l), -EINVAL);
}

static void npv_layout_for(struct kunit *test, struct lvos_npv_layout *l)
{
	struct lvos_npv_hdr *h = hdr_new(test);

	KUNIT_ASSERT_EQ(test, hdr_parse(h, 8 * MIB, l), 0);
}

static void desc_fill(struct lvos_npv_desc *d, u32 seq, u32 off, u32 len)
{
	memset(d, 0, sizeof(*d));
	d->seq = cpu_to_le32(seq);
	d->off = cpu_to_le32(off);
	d->len = cpu_to_le32(len);
}

static void npv_desc_checks(struct kunit *test)
{
	struct lvos_npv_layout l;
	struct lvos_npv_desc d;
	struct lvos_npv_rxd rd;
	u32 arena;

	npv_layout_for(test, &l);
	arena = l.arena_bytes;

	desc_fill(&d, 7, 128, 60);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 7, 1518, true, &rd), LVOS_NPV_DESC_OK);
	KUNIT_EXPECT_EQ(test, rd.off, 128U);
	KUNIT_EXPECT_EQ(test, rd.len, 60U);
	/* stale or torn: seq is not the index */
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 8, 1518, true, &rd), LVOS_NPV_DESC_SEQ);
	/* lengths */
	desc_fill(&d, 1, 0, 13);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, 1518, true, &rd), LVOS_NPV_DESC_LEN);
	desc_fill(&d, 1, 0, 14);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, 1518, true, &rd), LVOS_NPV_DESC_OK);
	desc_fill(&d, 1, 0, 1519);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, 1518, true, &rd), LVOS_NPV_DESC_LEN);
	desc_fill(&d, 1, 0, LVOS_NPV_MAX_FRAME + 1);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, LVOS_NPV_MAX_FRAME, true, &rd),
			LVOS_NPV_DESC_LEN);
	desc_fill(&d, 1, 0, U32_MAX);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, U32_MAX, true, &rd),
			LVOS_NPV_DESC_LEN);
	/* offsets: the last byte in the arena, one past, and a u32 wrap */
	desc_fill(&d, 1, arena - 60, 60);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, 1518, true, &rd), LVOS_NPV_DESC_OK);
	desc_fill(&d, 1, arena - 59, 60);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, 1518, true, &rd), LVOS_NPV_DESC_OFF);
	desc_fill(&d, 1, U32_MAX - 10, 60);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 1, 1518, true, &rd), LVOS_NPV_DESC_OFF);
}

static void npv_desc_offloads(struct kunit *test)
{
	struct lvos_npv_layout l;
	struct lvos_npv_desc d;
	struct lvos_npv_rxd rd;

	npv_layout_for(test, &l);
	/* a partial checksum inside the frame */
	desc_fill(&d, 0, 0, 100);
	d.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	d.csum_start = cpu_to_le16(34);
	d.csum_offset = cpu_to_le16(16);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_OK);
	d.csum_start = cpu_to_le16(90);		/* 90 + 16 + 2 > 100 */
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_FLAGS);
	d.csum_start = cpu_to_le16(0xffff);
	d.csum_offset = cpu_to_le16(0xffff);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_FLAGS);
	/* unknown flag bits */
	desc_fill(&d, 0, 0, 100);
	d.flags = 0x80;
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_FLAGS);

	/* a 64 KiB TSO frame: accepted past the MTU, with a checksum */
	desc_fill(&d, 0, 0, 65536);
	d.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	d.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	d.gso_size = cpu_to_le16(1448);
	d.hdr_len = cpu_to_le16(66);
	d.csum_start = cpu_to_le16(34);
	d.csum_offset = cpu_to_le16(16);
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_OK);
	KUNIT_EXPECT_EQ(test, rd.gso_size, 1448);
	d.gso_type = VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN;
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_OK);
	/* refused: GSO when not accepted, size 0, no checksum, UDP, ECN alone */
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, false, &rd), LVOS_NPV_DESC_GSO);
	d.gso_size = 0;
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_GSO);
	d.gso_size = cpu_to_le16(1448);
	d.flags = 0;
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_GSO);
	d.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	d.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_GSO);
	desc_fill(&d, 0, 0, 100);
	d.gso_type = VIRTIO_NET_HDR_GSO_ECN;
	KUNIT_EXPECT_EQ(test, lvos_npv_check_desc(&l, &d, 0, 1518, true, &rd), LVOS_NPV_DESC_GSO);
}

static void npv_ring_math(struct kunit *test)
{
	/* pending frames across the u32 wrap */
	KUNIT_EXPECT_EQ(test, lvos_npv_pending(5, 0, 256), 5);
	KUNIT_EXPECT_EQ(test, lvos_npv_pending(3, U32_MAX - 1, 256), 5);
	KUNIT_EXPECT_EQ(test, lvos_npv_pending(256, 0, 256), 256);
	KUNIT_EXPECT_EQ(test, lvos_npv_pending(257, 0, 256), -1);
	/* a producer moving backwards looks like 4 billion frames */
	KUNIT_EXPECT_EQ(test, lvos_npv_pending(9, 10, 256), -1);
	KUNIT_EXPECT_EQ(test, lvos_npv_pending(7, 7, 256), 0);

	/* cons from the peer must lie in [done, prod] */
	KUNIT_EXPECT_TRUE(test, lvos_npv_cons_ok(10, 20, 10));
	KUNIT_EXPECT_TRUE(test, lvos_npv_cons_ok(10, 20, 20));
	KUNIT_EXPECT_FALSE(test, lvos_npv_cons_ok(10, 20, 21));
	KUNIT_EXPECT_FALSE(test, lvos_npv_cons_ok(10, 20, 9));
	KUNIT_EXPECT_TRUE(test, lvos_npv_cons_ok(U32_MAX - 2, 3, 1));
	KUNIT_EXPECT_FALSE(test, lvos_npv_cons_ok(U32_MAX - 2, 3, 4));

	/* vring_need_event: kick iff the event index was passed */
	KUNIT_EXPECT_TRUE(test, lvos_npv_need_event(10, 11, 10));
	KUNIT_EXPECT_FALSE(test, lvos_npv_need_event(10, 10, 9));
	KUNIT_EXPECT_FALSE(test, lvos_npv_need_event(9, 12, 10));
	KUNIT_EXPECT_TRUE(test, lvos_npv_need_event(U32_MAX, 2, U32_MAX - 1));
	KUNIT_EXPECT_FALSE(test, lvos_npv_need_event(5, 5, 5));
}

static void npv_alloc(struct kunit *test)
{
	struct lvos_npv_alloc a = { .size = 256 * 1024 };
	u32 off, span, first;

	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 100, &off, &span), 0);
	KUNIT_EXPECT_EQ(test, off, 0U);
	KUNIT_EXPECT_EQ(test, span, 128U);		/* 64-byte records */
	first = span;
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 64, &off, &span), 0);
	KUNIT_EXPECT_EQ(test, off, 128U);
	/* never larger than half the arena; never empty */
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 128 * 1024 + 1, &off, &span), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 0, &off, &span), -EMSGSIZE);
	/* fill to 192 used: a 100 KiB frame does not fit before the end */
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 100 * 1024, &off, &span), 0);
	KUNIT_EXPECT_EQ(test, off, 192U);
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 100 * 1024, &off, &span), 0);
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 60 * 1024, &off, &span), -ENOSPC);
	/* releasing the first two records is not enough for a wrap... */
	lvos_npv_alloc_release(&a, first);
	lvos_npv_alloc_release(&a, 64);
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 60 * 1024, &off, &span), -ENOSPC);
	/* ...releasing the third is: the record wraps to 0, skipping the tail */
	lvos_npv_alloc_release(&a, 100 * 1024);
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_reserve(&a, 60 * 1024, &off, &span), 0);
	KUNIT_EXPECT_EQ(test, off, 0U);
	KUNIT_EXPECT_EQ(test, span, 256U * 1024 - 192 - 200U * 1024 + 60 * 1024);
	/* what is held: the second 100 KiB record and the wrapped one */
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_free(&a), 256U * 1024 - 100 * 1024 - span);
	/* every record stays inside the arena, over many wraps */
	a.head = U32_MAX - 1000;
	a.tail = a.head;
	for (first = 0; first < 10000; first++) {
		u32 len = 1 + first * 37 % 65600;

		KUNIT_ASSERT_EQ(test, lvos_npv_alloc_reserve(&a, len, &off, &span), 0);
		KUNIT_ASSERT_LE(test, (u64)off + len, 256ULL * 1024);
		lvos_npv_alloc_release(&a, span);
	}
	KUNIT_EXPECT_EQ(test, lvos_npv_alloc_free(&a), 256U * 1024);
}

static void npv_link_states(struct kunit *test)
{
	struct lvos_npv_view v = { .alive = true, .their_gen = 5, .their_seen = 9 };

	/* not alive, or never bound (epoch 0): down */
	v.alive = false;
	KUNIT_EXPECT_EQ(test, lvos_npv_link_eval(&v, 5, 9), LVOS_NPV_ACT_DOWN);
	v.alive = true;
	v.their_gen = 0;
	KUNIT_EXPECT_EQ(test, lvos_npv_link_eval(&v, 0, 9), LVOS_NPV_ACT_DOWN);
	/* the peer started an epoch we have not reset for */
	v.their_gen = 6;
	KUNIT_EXPECT_EQ(test, lvos_npv_link_eval(&v, 5, 9), LVOS_NPV_ACT_RESET);
	/* reset for theirs, ours not acknowledged yet */
	v.their_seen = 8;
	KUNIT_EXPECT_EQ(test, lvos_npv_link_eval(&v, 6, 9), LVOS_NPV_ACT_WAIT);
	/* both acknowledged */
	v.their_seen = 9;
	KUNIT_EXPECT_EQ(test, lvos_npv_link_eval(&v, 6, 9), LVOS_NPV_ACT_UP);
	/* epochs skip 0 when they wrap */
	KUNIT_EXPECT_EQ(test, lvos_npv_next_gen(U32_MAX), 1U);
	KUNIT_EXPECT_EQ(test, lvos_npv_next_gen(0), 1U);
	KUNIT_EXPECT_EQ(test, lvos_npv_next_gen(41), 42U);
}

static struct kunit_case npv_layout_cases[] = {
	KUNIT_CASE(npv_header_valid),
	KUNIT_CASE(npv_header_foreign),
	KUNIT_CASE(npv_header_crc),
	KUNIT_CASE(npv_header_bounds),
	KUNIT_CASE(npv_header_overflow),
	{}
};

static struct kunit_suite npv_layout_suite = {
	.name = "lvos_netpv_layout",
	.test_cases = npv_layout_cases,
};

static struct kunit_case npv_ring_cases[] = {
	KUNIT_CASE(npv_desc_checks),
	KUNIT_CASE(npv_desc_offloads),
	KUNIT_CASE(npv_ring_math),
	KUNIT_CASE(npv_alloc),
	KUNIT_CASE(npv_link_states),
	{}
};

static struct kunit_suite npv_ring_suite = {
	.name = "lvos_netpv_ring",
	.test_cases = npv_ring_cases,
};

kunit_test_suites(&npv_layout_suite, &npv_ring_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for lvos_netpv");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
