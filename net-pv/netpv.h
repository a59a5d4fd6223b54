/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lvos_netpv internals: the validated private snapshot of a region's
 * layout and the pure checks KUnit drives (layout.c). Everything in this
 * file works on private copies; nothing here reads shared memory.
 */
#ifndef _LVOS_NETPV_PRIV_H
#define _LVOS_NETPV_PRIV_H

#include <linux/types.h>
#include <lvos/netpv.h>

/* The largest frame a descriptor may carry: a 64 KiB GSO super-frame. */
#define LVOS_NPV_MAX_FRAME	(65536 + 64)

/* The layout after validation: host-endian, bounds proven. */
struct lvos_npv_layout {
	u64	region_bytes;
	u32	max_peers;
	u32	nqueues;
	u32	ring_entries;
	u32	arena_bytes;
	u32	slot_off;
	u32	chan_off;
	u32	chan_bytes;
	u32	desc_off;	/* in a channel */
	u32	arena_off;	/* in a channel */
	u32	features;
	u32	server_flags;
	u32	crc;
	char	name[32];
};

/* Why a header was refused (the log line names it). */
int lvos_npv_parse_header(const void *buf, u64 bar_bytes,
			  struct lvos_npv_layout *l, const char **why);
u64 lvos_npv_chan_offset(const struct lvos_npv_layout *l, u32 from, u32 to, u32 q);

/* What is wrong with a descriptor (the per-peer counters). */
enum lvos_npv_derr {
	LVOS_NPV_DESC_OK = 0,
	LVOS_NPV_DESC_SEQ,	/* seq is not the ring index: stale or torn */
	LVOS_NPV_DESC_LEN,	/* shorter than Ethernet or longer than allowed */
	LVOS_NPV_DESC_OFF,	/* outside the arena */
	LVOS_NPV_DESC_FLAGS,	/* unknown flags or an impossible checksum */
	LVOS_NPV_DESC_GSO,	/* unknown or unaccepted GSO */
	LVOS_NPV_DESC_NR,
};

/* A descriptor the checks accepted, host-endian. */
struct lvos_npv_rxd {
	u32	off;
	u32	len;
	u8	flags;
	u8	gso_type;
	u16	hdr_len;
	u16	gso_size;
	u16	csum_start;
	u16	csum_offset;
};

enum lvos_npv_derr lvos_npv_check_desc(const struct lvos_npv_layout *l,
				       const struct lvos_npv_desc *d, u32 idx,
				       u32 max_len, bool gso_ok,
				       struct lvos_npv_rxd *out);

/* Ring indices are free-running u32s. */
static inline bool lvos_npv_need_event(u32 event, u32 new_idx, u32 old)
{
	return (u32)(new_idx - event - 1) < (u32)(new_idx - old);
}

/* A producer's view: is @cons (read from the peer) in [done, prod]? */
static inline bool lvos_npv_cons_ok(u32 done, u32 prod, u32 cons)
{
	return (u32)(cons - done) <= (u32)(prod - done);
}

/* A consumer's view: how many frames wait, or -1 for a lying producer. */
static inline int lvos_npv_pending(u32 prod, u32 cons, u32 entries)
{
	u32 n = prod - cons;

	return n > entries ? -1 : (int)n;
}

/*
 * The producer's private arena allocator: a FIFO of records that never
 * wrap. head and tail count bytes ever reserved and released.
 */
struct lvos_npv_alloc {
	u64	head;
	u64	tail;
	u32	size;		/* a power of two */
};

int lvos_npv_alloc_reserve(struct lvos_npv_alloc *a, u32 len, u32 *off, u32 *span);
void lvos_npv_alloc_release(struct lvos_npv_alloc *a, u32 span);
u32 lvos_npv_alloc_free(const struct lvos_npv_alloc *a);

/* The link with one peer, as one side sees it (docs/netpv-layout.md). */
struct lvos_npv_view {
	bool	alive;		/* READY, heartbeat fresh */
	u32	their_gen;	/* slot[j].pair_gen[me] */
	u32	their_seen;	/* slot[j].seen_gen[me] */
};

enum lvos_npv_act {
	LVOS_NPV_ACT_DOWN,	/* not alive: the link is down */
	LVOS_NPV_ACT_RESET,	/* the peer started an epoch: reset, acknowledge */
	LVOS_NPV_ACT_WAIT,	/* our epoch is not acknowledged yet */
	LVOS_NPV_ACT_UP,	/* both sides reset for both epochs */
};

enum lvos_npv_act lvos_npv_link_eval(const struct lvos_npv_view *v, u32 known,
				     u32 my_gen);
u32 lvos_npv_next_gen(u32 gen);

#endif /* _LVOS_NETPV_PRIV_H */
