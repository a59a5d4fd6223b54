// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_netpv: the pure checks on what a peer or the host wrote: the region
 * header, descriptors, ring indices, the private arena allocator and the
 * link state machine. Each works on a private copy, so a peer changing the
 * bytes underneath cannot make a check pass and a use see something else.
 */
#include <kunit/visibility.h>
#include <linux/align.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/virtio_net.h>

#include "netpv.h"

static bool lvos_npv_page_aligned(u64 v)
{
	return !(v & (LVOS_NPV_CTRL_BYTES - 1));
}

/**
 * lvos_npv_parse_header() - validate a region header and snapshot it
 * @buf: a private copy of the first LVOS_NPV_HDR_BYTES of the region
 * @bar_bytes: the size of the BAR the region is in
 * @l: the layout, filled on success
 * @why: set to the reason on failure
 *
 * Return: 0; -ENODEV when the magic is absent (not an lvos region: some
 * other ivshmem user); -EINVAL when it is an lvos header that is wrong.
 */
int lvos_npv_parse_header(const void *buf, u64 bar_bytes,
					   struct lvos_npv_layout *l, const char **why)
{
	const struct lvos_npv_hdr *h = buf;
	u64 slots_end, chans, chan_need, end;
	u32 crc;

	*why = "no lvos magic";
	if (memcmp(h->magic, LVOS_NPV_MAGIC, sizeof(h->magic)))
		return -ENODEV;
	*why = "unsupported major version";
	if (le16_to_cpu(h->major) != LVOS_NPV_MAJOR)
		return -EINVAL;
	*why = "bad checksum";
	crc = crc32_le(~0U, buf, offsetof(struct lvos_npv_hdr, crc)) ^ ~0U;
	if (crc != le32_to_cpu(h->crc))
		return -EINVAL;

	memset(l, 0, sizeof(*l));
	l->region_bytes = le64_to_cpu(h->region_bytes);
	l->max_peers = le16_to_cpu(h->max_peers);
	l->nqueues = le16_to_cpu(h->nqueues);
	l->ring_entries = le32_to_cpu(h->ring_entries);
	l->arena_bytes = le32_to_cpu(h->arena_bytes);
	l->slot_off = le32_to_cpu(h->slot_off);
	l->chan_off = le32_to_cpu(h->chan_off);
	l->chan_bytes = le32_to_cpu(h->chan_bytes);
	l->features = le32_to_cpu(h->features);
	l->server_flags = le32_to_cpu(h->server_flags);
	l->crc = crc;
	l->desc_off = LVOS_NPV_CTRL_BYTES;

	*why = "header size";
	if (le32_to_cpu(h->hdr_bytes) != LVOS_NPV_HDR_BYTES)
		return -EINVAL;
	*why = "region larger than the BAR";
	if (l->region_bytes > bar_bytes || l->region_bytes < LVOS_NPV_HDR_BYTES)
		return -EINVAL;
	*why = "peer count";
	if (l->max_peers < LVOS_NPV_MIN_PEERS || l->max_peers > LVOS_NPV_MAX_PEERS)
		return -EINVAL;
	*why = "queue count";
	if (l->nqueues < 1 || l->nqueues > LVOS_NPV_MAX_QUEUES)
		return -EINVAL;
	*why = "ring entries";
	if (!is_power_of_2(l->ring_entries) || l->ring_entries < LVOS_NPV_MIN_ENTRIES ||
	    l->ring_entries > LVOS_NPV_MAX_ENTRIES)
		return -EINVAL;
	*why = "arena size";
	if (!is_power_of_2(l->arena_bytes) || l->arena_bytes < LVOS_NPV_MIN_ARENA ||
	    l->arena_bytes > LVOS_NPV_MAX_ARENA)
		return -EINVAL;
	*why = "slot size";
	if (le32_to_cpu(h->slot_bytes) != LVOS_NPV_SLOT_BYTES)
		return -EINVAL;
	*why = "unknown features";
	if (l->features & ~LVOS_NPV_F_ALL)
		return -EINVAL;
	*why = "name not terminated";
	if (!memchr(h->name, 0, sizeof(h->name)))
		return -EINVAL;
	memcpy(l->name, h->name, sizeof(l->name));

	/* the sections, in u64 so nothing wraps */
	l->arena_off = LVOS_NPV_CTRL_BYTES +
		ALIGN(l->ring_entries * LVOS_NPV_DESC_BYTES, LVOS_NPV_CTRL_BYTES);
	*why = "slot offset";
	if (l->slot_off < LVOS_NPV_HDR_BYTES || !lvos_npv_page_aligned(l->slot_off))
		return -EINVAL;
	slots_end = (u64)l->slot_off + (u64)l->max_peers * LVOS_NPV_SLOT_BYTES;
	*why = "channel offset";
	if (l->chan_off < slots_end || !lvos_npv_page_aligned(l->chan_off))
		return -EINVAL;
	chan_need = (u64)l->arena_off + l->arena_bytes;
	*why = "channel size";
	if (l->chan_bytes < chan_need || !lvos_npv_page_aligned(l->chan_bytes))
		return -EINVAL;
	chans = (u64)l->max_peers * l->max_peers * l->nqueues;
	*why = "channels past the region";
	if (check_mul_overflow(chans, (u64)l->chan_bytes, &end) ||
	    check_add_overflow(end, (u64)l->chan_off, &end) || end > l->region_bytes)
		return -EINVAL;
	*why = NULL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_parse_header);

/* Where channel (from -> to, q) starts; the caller checked the indices. */
u64 lvos_npv_chan_offset(const struct lvos_npv_layout *l,
					  u32 from, u32 to, u32 q)
{
	return l->chan_off +
		(((u64)from * l->max_peers + to) * l->nqueues + q) * l->chan_bytes;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_chan_offset);

/**
 * lvos_npv_check_desc() - validate a descriptor copied out of a ring
 * @l: the layout
 * @d: the private copy (read once from shared memory)
 * @idx: the ring index it was read at
 * @max_len: the longest frame this device takes without GSO
 * @gso_ok: whether GSO frames are accepted
 * @out: the accepted values, host-endian
 *
 * Return: LVOS_NPV_DESC_OK or what is wrong.
 */
enum lvos_npv_derr
lvos_npv_check_desc(const struct lvos_npv_layout *l, const struct lvos_npv_desc *d,
		    u32 idx, u32 max_len, bool gso_ok, struct lvos_npv_rxd *out)
{
	u8 gso;

	if (le32_to_cpu(d->seq) != idx)
		return LVOS_NPV_DESC_SEQ;
	out->off = le32_to_cpu(d->off);
	out->len = le32_to_cpu(d->len);
	out->flags = d->flags;
	out->gso_type = d->gso_type;
	out->hdr_len = le16_to_cpu(d->hdr_len);
	out->gso_size = le16_to_cpu(d->gso_size);
	out->csum_start = le16_to_cpu(d->csum_start);
	out->csum_offset = le16_to_cpu(d->csum_offset);

	gso = out->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if (out->len < ETH_HLEN || out->len > LVOS_NPV_MAX_FRAME)
		return LVOS_NPV_DESC_LEN;
	if (gso == VIRTIO_NET_HDR_GSO_NONE && out->len > max_len)
		return LVOS_NPV_DESC_LEN;
	if ((u64)out->off + out->len > l->arena_bytes)
		return LVOS_NPV_DESC_OFF;
	if (out->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return LVOS_NPV_DESC_FLAGS;
	if ((out->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (u32)out->csum_start + out->csum_offset + 2 > out->len)
		return LVOS_NPV_DESC_FLAGS;
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (out->gso_type != gso)	/* ECN without GSO */
			return LVOS_NPV_DESC_GSO;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!gso_ok || !out->gso_size ||
		    !(out->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			return LVOS_NPV_DESC_GSO;
		break;
	default:
		return LVOS_NPV_DESC_GSO;
	}
	return LVOS_NPV_DESC_OK;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_check_desc);

/**
 * lvos_npv_alloc_reserve() - reserve arena space for one frame
 * @a: the allocator
 * @len: the frame length
 * @off: where the frame goes
 * @span: what the record consumes (the skipped tail included), to release
 *
 * Return: 0, -EMSGSIZE if it can never fit, -ENOSPC if it does not fit now.
 */
int lvos_npv_alloc_reserve(struct lvos_npv_alloc *a, u32 len,
					    u32 *off, u32 *span)
{
	u32 need = ALIGN(len, LVOS_NPV_ARENA_ALIGN);
	u32 pos = a->head & (a->size - 1);
	u32 pad = 0;

	if (!len || need > a->size / 2)
		return -EMSGSIZE;
	if (pos + need > a->size)
		pad = a->size - pos;
	if (a->head + pad + need - a->tail > a->size)
		return -ENOSPC;
	*off = pad ? 0 : pos;
	*span = pad + need;
	a->head += *span;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_alloc_reserve);

void lvos_npv_alloc_release(struct lvos_npv_alloc *a, u32 span)
{
	a->tail += span;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_alloc_release);

/* The largest frame that would fit now, ignoring the wrap. */
u32 lvos_npv_alloc_free(const struct lvos_npv_alloc *a)
{
	return a->size - (u32)(a->head - a->tail);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_alloc_free);

/**
 * lvos_npv_link_eval() - what one side does about its link with a peer
 * @v: what the peer's slot says (read once)
 * @known: the peer epoch this side last reset for
 * @my_gen: this side's epoch for the pair
 */
enum lvos_npv_act
lvos_npv_link_eval(const struct lvos_npv_view *v, u32 known, u32 my_gen)
{
	if (!v->alive || !v->their_gen)
		return LVOS_NPV_ACT_DOWN;
	if (v->their_gen != known)
		return LVOS_NPV_ACT_RESET;
	if (v->their_seen != my_gen)
		return LVOS_NPV_ACT_WAIT;
	return LVOS_NPV_ACT_UP;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_link_eval);

/* The next epoch: never 0, which means "never bound". */
u32 lvos_npv_next_gen(u32 gen)
{
	return gen + 1 ? gen + 1 : 1;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_npv_next_gen);
