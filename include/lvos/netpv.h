/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lvos_netpv: the layout of the shared-memory region (ivshmem BAR2).
 *
 * This is a wire format: the host tools (tools/lvos-ivshmem-server, the
 * test harness) write and read the same bytes with Python's struct module,
 * so every field is little-endian, fixed-size and at the offset given.
 * docs/netpv-layout.md describes the protocol in prose.
 *
 * Region:
 *   [0, hdr_bytes)        header, written by the host before any guest
 *                         binds, read once by a guest at probe (snapshot)
 *   [slot_off, +P*256)    one slot per peer; slot i is written by peer i
 *                         (the server writes only ivposition, and state =
 *                         DEAD and generation)
 *   [chan_off, ...)       P*P*Q channels of chan_bytes each; channel
 *                         ((i * P + j) * Q + q) carries frames from peer i
 *                         to peer j on queue q (i == j is unused)
 *
 * Channel:
 *   +0     control page: the producer's cache line (prod,
 *          want_cons_kick_at), then at +64 the consumer's (cons,
 *          want_prod_kick_at)
 *   +4096  desc[ring_entries], 32 bytes each, written by the producer
 *   +4096 + round_up(ring_entries * 32, 4096)
 *          arena[arena_bytes], frame bytes written by the producer
 *
 * Indices (prod, cons, seq) are free-running u32. Descriptor n lives at
 * desc[n % ring_entries] and carries seq == n. A frame lies whole in the
 * arena at [off, off + len). Nothing in the region is a pointer, and no
 * field is written by two parties, so no cross-VM atomic is needed.
 */
#ifndef _LVOS_NETPV_H
#define _LVOS_NETPV_H

#include <linux/bits.h>
#include <linux/types.h>

#define LVOS_NPV_MAGIC		"LVOSNPV"	/* 8 bytes with its NUL */
#define LVOS_NPV_MAJOR		1
#define LVOS_NPV_MINOR		0
#define LVOS_NPV_HDR_BYTES	4096
#define LVOS_NPV_SLOT_BYTES	256
#define LVOS_NPV_CTRL_BYTES	4096
#define LVOS_NPV_DESC_BYTES	32
#define LVOS_NPV_MIN_PEERS	2
#define LVOS_NPV_MAX_PEERS	16
#define LVOS_NPV_MAX_QUEUES	8
#define LVOS_NPV_MIN_ENTRIES	64
#define LVOS_NPV_MAX_ENTRIES	4096
#define LVOS_NPV_MIN_ARENA	(256 * 1024)
#define LVOS_NPV_MAX_ARENA	(64 * 1024 * 1024)
/* Frames start on this boundary in the arena. */
#define LVOS_NPV_ARENA_ALIGN	64

/* header.features: what frames on this region may carry */
#define LVOS_NPV_F_CSUM		BIT(0)	/* partial checksums */
#define LVOS_NPV_F_GSO		BIT(1)	/* TCPv4/v6 GSO frames */
#define LVOS_NPV_F_ALL		(LVOS_NPV_F_CSUM | LVOS_NPV_F_GSO)

/* header.server_flags */
#define LVOS_NPV_SF_DEAD	BIT(0)	/* a server marks dead peers */

struct lvos_npv_hdr {
	u8	magic[8];
	__le16	major;
	__le16	minor;
	__le32	hdr_bytes;
	__le64	region_bytes;
	__le16	max_peers;
	__le16	nqueues;
	__le32	ring_entries;
	__le32	arena_bytes;
	__le32	slot_off;
	__le32	slot_bytes;
	__le32	chan_off;
	__le32	chan_bytes;
	__le32	features;
	__le32	server_flags;
	char	name[32];
	/* zlib's crc32 (crc32_le(~0, ...) ^ ~0) of the bytes before it */
	__le32	crc;
};

/* slot.state */
#define LVOS_NPV_EMPTY		0
#define LVOS_NPV_READY		1	/* bound; its fields are valid */
#define LVOS_NPV_DEAD		2	/* the server saw its QEMU go */

/* slot.rx_features: what this peer accepts */
#define LVOS_NPV_RX_CSUM	BIT(0)	/* partial checksums */
#define LVOS_NPV_RX_GSO		BIT(1)	/* GSO frames */
#define LVOS_NPV_RX_XDP		BIT(2)	/* XDP attached (informational) */

struct lvos_npv_slot {
	__le32	state;
	__le32	generation;	/* bumped at each bind and by the server at death */
	__le64	heartbeat;	/* bumped every 100 ms while bound */
	__le32	ivposition;	/* the server: the peer's IVPosition + 1; 0: none */
	__le16	nvectors;	/* MSI-X vectors it listens on (0: polls) */
	__le16	active_queues;
	u8	mac[6];
	__le16	mtu;
	__le32	rx_features;
	__le32	rsvd0;
	__le64	tx_bytes;
	__le64	rx_bytes;
	/* pair_gen[j]: this peer's epoch for its link with j */
	__le32	pair_gen[LVOS_NPV_MAX_PEERS];
	/* seen_gen[j]: j's pair_gen[this peer] that this peer has reset for */
	__le32	seen_gen[LVOS_NPV_MAX_PEERS];
	u8	rsvd[72];
};

struct lvos_npv_ctrl {
	/* written by the producer */
	__le32	prod;
	__le32	want_cons_kick_at;	/* kick me when cons passes this */
	u8	pad0[56];
	/* written by the consumer */
	__le32	cons;
	__le32	want_prod_kick_at;	/* kick me when prod passes this */
	u8	pad1[56];
};

/* The virtio_net_hdr fields (include/uapi/linux/virtio_net.h), LE. */
struct lvos_npv_desc {
	__le32	seq;
	__le32	off;
	__le32	len;
	u8	flags;
	u8	gso_type;
	__le16	hdr_len;
	__le16	gso_size;
	__le16	csum_start;
	__le16	csum_offset;
	u8	pad[10];
};

#endif /* _LVOS_NETPV_H */
