// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_netpv: a network device between co-located guests over a region of
 * shared memory that QEMU's ivshmem device maps into each of them.
 *
 * One netdev per ivshmem device whose region carries a valid lvos header
 * (include/lvos/netpv.h, docs/netpv-layout.md). Frames are copied once into
 * the sender's arena in the region and once out of it by the receiver, with
 * the virtio_net_hdr carried along, so checksum offload and 64 KiB GSO
 * frames cross without a checksum pass or segmentation. ivshmem-doorbell
 * gives MSI-X per queue and kicks; ivshmem-plain is polled from an hrtimer.
 *
 * The region is writable by every peer and by the host: every index, offset
 * and length read from it is read once, checked against the private
 * snapshot of the layout taken at probe, and only the private copy is used.
 * A peer that breaks the protocol gets its link reset, never the guest.
 *
 * Locking: the TX side of channel (me -> j, q) belongs to TX queue q's
 * xmit lock; the RX side of (j -> me, q) to queue q's rx_lock (NAPI). A
 * link reset (ctrl_work) takes every xmit lock, then each rx_lock.
 * up_mask says which peers the data path may use; it is cleared before a
 * reset and set after one, by ctrl_work only (the data path may clear a
 * bit on a protocol error).
 */
#include <linux/bitmap.h>
#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/hrtimer.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <linux/virtio_net.h>
#include <linux/workqueue.h>
#include <net/xdp.h>
#ifdef LVOS_HAVE_NET_GSO
#include <net/gso.h>	/* skb_gso_segment() since 6.4 */
#endif

#include <lvos/sysfs.h>
#include <lvos/version.h>

#include "netpv.h"

#define NPV_REG_IVPOSITION	8
#define NPV_REG_DOORBELL	12
#define NPV_CTRL_PERIOD		(HZ / 10)	/* heartbeat and link checks */
#define NPV_RESCUE_NS		(10 * NSEC_PER_MSEC)	/* doorbell safety net (busy) */
#define NPV_COPYBREAK		1600
#define NPV_HEADLEN		256
/* XDP runs on one page: headroom, frame, skb_shared_info */
#define NPV_XDP_FRAME	(PAGE_SIZE - XDP_PACKET_HEADROOM - \
			 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))
#define NPV_XDP_MTU	(NPV_XDP_FRAME - ETH_HLEN - VLAN_HLEN)
#define NPV_TX_ROOM		(2 * ALIGN(LVOS_NPV_MAX_FRAME, LVOS_NPV_ARENA_ALIGN))

static int slot = -1;
module_param(slot, int, 0444);
MODULE_PARM_DESC(slot, "this guest's slot on ivshmem-plain regions, 0-15 (default -1: none, plain regions are not used; ivshmem-doorbell uses IVPosition)");
static unsigned int peer_timeout_ms = 2000;
module_param(peer_timeout_ms, uint, 0444);
MODULE_PARM_DESC(peer_timeout_ms, "a peer whose heartbeat stops this long is down, ms, 300-60000 (default 2000)");
static unsigned int poll_us = 1000;
module_param(poll_us, uint, 0444);
MODULE_PARM_DESC(poll_us, "ivshmem-plain polling interval while traffic flows (10x after 1 s idle), us, 100-100000 (default 1000)");

static const struct lvos_param_range npv_ranges[] = {
	{ "peer_timeout_ms", &peer_timeout_ms, 300, 60000 },
	{ "poll_us", &poll_us, 100, 100000 },
};

/* ---- statistics ---- */

enum { NPV_RX_PACKETS, NPV_RX_BYTES, NPV_RX_GSO, NPV_RX_CSUM, NPV_RX_DROPS,
	NPV_RX_LEN_ERRS, NPV_POLLS, NPV_RESCUES, NPV_RX_KICKS, NPV_XDP_PASS,
	NPV_XDP_DROP, NPV_XDP_TX, NPV_XDP_REDIRECT, NPV_XDP_ABORTED, NPV_XDP_ERR,
	NPV_XDP_OFFLOAD_DROPS, NPV_RX_NR };
static const char * const npv_rx_names[NPV_RX_NR] = {
	"rx_packets", "rx_bytes", "rx_gso", "rx_csum_partial", "rx_dropped",
	"rx_length_errors", "napi_polls", "lost_wakeup_rescues", "rx_kicks_sent",
	"xdp_pass", "xdp_drop", "xdp_tx", "xdp_redirect", "xdp_aborted", "xdp_errors",
	"xdp_offload_drops",
};

enum { NPV_TX_PACKETS, NPV_TX_BYTES, NPV_TX_GSO, NPV_TX_FULL, NPV_TX_DROPS,
	NPV_TX_KICKS, NPV_TX_SUPPRESSED, NPV_TX_STOPS, NPV_TX_XDP_XMIT, NPV_TX_NR };
static const char * const npv_tx_names[NPV_TX_NR] = {
	"tx_packets", "tx_bytes", "tx_gso", "tx_ring_full", "tx_dropped",
	"kicks_sent", "kicks_suppressed", "tx_queue_stops", "tx_xdp_xmit",
};

enum { NPV_P_ERR_INDEX, NPV_P_ERR_SEQ, NPV_P_ERR_LEN, NPV_P_ERR_OFF, NPV_P_ERR_FLAGS,
	NPV_P_ERR_GSO, NPV_P_ERR_CONS, NPV_P_RESETS, NPV_P_TIMEOUTS, NPV_P_UPS, NPV_P_NR };
static const char * const npv_peer_names[NPV_P_NR] = {
	"proto_err_index", "proto_err_seq", "proto_err_len", "proto_err_off",
	"proto_err_flags", "proto_err_gso", "proto_err_cons", "resets", "timeouts",
	"link_ups",
};

/* desc check results -> peer counters */
static const u8 npv_derr_stat[LVOS_NPV_DESC_NR] = {
	[LVOS_NPV_DESC_SEQ] = NPV_P_ERR_SEQ,
	[LVOS_NPV_DESC_LEN] = NPV_P_ERR_LEN,
	[LVOS_NPV_DESC_OFF] = NPV_P_ERR_OFF,
	[LVOS_NPV_DESC_FLAGS] = NPV_P_ERR_FLAGS,
	[LVOS_NPV_DESC_GSO] = NPV_P_ERR_GSO,
};

/* room for the longer of the RX and TX lists */
#define NPV_STATS_MAX	16

struct npv_stats {
	u64_stats_t		v[NPV_STATS_MAX];
	struct u64_stats_sync	syncp;
};

/* Producer side of channel (me -> j, q): under TX queue q's xmit lock. */
struct npv_tx_chan {
	struct lvos_npv_alloc	alloc;
	u32			prod;	/* frames written */
	u32			kicked;	/* prod at the last kick decision */
	u32			done;	/* frames reclaimed */
	bool			dirty;	/* prod not yet published */
	unsigned long		stall_since;	/* jiffies; 0: has room */
	u32			*span;	/* arena bytes per ring entry */
};

/* Consumer side of channel (j -> me, q): under queue q's rx_lock. */
struct npv_rx_chan {
	u32			cons;
};

/* What this side knows of peer j; link fields belong to ctrl_work. */
struct npv_peer {
	u32			known;		/* slot[j].pair_gen[me] reset for */
	u32			my_gen;		/* slot[me].pair_gen[j] */
	bool			up;
	u64			last_hb;
	unsigned long		hb_jiffies;
	u8			mac[ETH_ALEN];	/* copied at link up */
	u32			rx_features;
	u16			nvectors;
	u8			last_err;	/* for the log line */
	atomic_long_t		stats[NPV_P_NR];
	struct npv_tx_chan	tx[LVOS_NPV_MAX_QUEUES];
	struct npv_rx_chan	rx[LVOS_NPV_MAX_QUEUES];
};

/* An XDP_TX frame waiting for the xmit lock (taken after rx_lock is dropped). */
struct npv_xdp_tx {
	struct page		*page;
	u32			off;
	u32			len;
	u32			peer;
};

struct npv_queue {
	struct napi_struct	napi;
	struct xdp_rxq_info	xdp_rxq;
	struct npv_xdp_tx	xtx[NAPI_POLL_WEIGHT];
	u32			nxtx;
	bool			redirected;
	struct lvos_npv		*np;
	spinlock_t		rx_lock;	/* the rx channels of this queue */
	u32			q;
	u32			next_peer;	/* round robin */
	bool			timer_poll;	/* scheduled by the safety net */
	struct npv_stats	rx;		/* NAPI only */
	struct npv_stats	tx;		/* xmit lock only */
	atomic_long_t		irqs;
	char			irq_name[IFNAMSIZ + 16];
};

struct lvos_npv {
	struct net_device	*dev;
	struct pci_dev		*pdev;
	void __iomem		*regs;
	void			*shm;
	struct lvos_npv_layout	l;
	u32			me;
	bool			doorbell;
	int			nvec;		/* MSI-X vectors allocated */
	bool			running;	/* open; ctrl_work and the timer may run */
	unsigned int		timeout_ms;
	u64			hb;
	unsigned long		up_mask;
	unsigned long		err_mask;	/* data path -> ctrl_work: reset these */
	unsigned long		last_work;	/* jiffies of the last frame */
	struct delayed_work	ctrl_work;
	struct hrtimer		timer;
	atomic_long_t		ctrl_irqs;
	struct bpf_prog __rcu	*xdp_prog;
	struct npv_peer		peers[LVOS_NPV_MAX_PEERS];
	struct npv_queue	qs[LVOS_NPV_MAX_QUEUES];
};

static_assert(NPV_RX_NR <= NPV_STATS_MAX && NPV_TX_NR <= NPV_STATS_MAX);

static void npv_inc(struct npv_stats *s, int i, u64 n)
{
	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->v[i], n);
	u64_stats_update_end(&s->syncp);
}

static u64 npv_read(const struct npv_stats *s, int i)
{
	unsigned int start;
	u64 v;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		v = u64_stats_read(&s->v[i]);
	} while (u64_stats_fetch_retry(&s->syncp, start));
	return v;
}

/* ---- the region ---- */

static struct lvos_npv_slot *npv_slot(struct lvos_npv *np, u32 i)
{
	return np->shm + np->l.slot_off + (size_t)i * LVOS_NPV_SLOT_BYTES;
}

static struct lvos_npv_ctrl *npv_ctrl(struct lvos_npv *np, u32 from, u32 to, u32 q)
{
	return np->shm + lvos_npv_chan_offset(&np->l, from, to, q);
}

static void *npv_desc(struct lvos_npv *np, u32 from, u32 to, u32 q, u32 idx)
{
	return (void *)npv_ctrl(np, from, to, q) + np->l.desc_off +
		(size_t)(idx & (np->l.ring_entries - 1)) * LVOS_NPV_DESC_BYTES;
}

static void *npv_arena(struct lvos_npv *np, u32 from, u32 to, u32 q)
{
	return (void *)npv_ctrl(np, from, to, q) + np->l.arena_off;
}

/*
 * Interrupt the peer in slot @peer. The doorbell takes its IVPosition,
 * which the server wrote in its slot as ivposition + 1 (QEMU ids are never
 * reused, slots are). A wrong value only misdirects an interrupt: QEMU
 * ignores doorbells to ids it does not know.
 */
static void npv_kick(struct lvos_npv *np, u32 peer, u32 vec)
{
	u32 id;

	if (!np->doorbell)
		return;
	id = le32_to_cpu(READ_ONCE(npv_slot(np, peer)->ivposition));
	if (id && id <= 0x10000)
		writel(((id - 1) << 16) | vec, np->regs + NPV_REG_DOORBELL);
}

/* The vector that means "queue q has work" at peer j. */
static u32 npv_qvec(struct lvos_npv *np, u32 j, u32 q)
{
	return q + 1 < np->peers[j].nvectors ? q + 1 : 0;
}

static void npv_proto_err(struct lvos_npv *np, u32 j, int stat)
{
	atomic_long_inc(&np->peers[j].stats[stat]);
	np->peers[j].last_err = stat;
	clear_bit(j, &np->up_mask);
	set_bit(j, &np->err_mask);
	mod_delayed_work(system_wq, &np->ctrl_work, 0);
}

static u32 npv_rx_features(struct lvos_npv *np)
{
	/* with XDP, every frame must fit a page and carry full checksums */
	if (rcu_access_pointer(np->xdp_prog))
		return LVOS_NPV_RX_XDP;
	return LVOS_NPV_RX_CSUM | ((np->l.features & LVOS_NPV_F_GSO) ? LVOS_NPV_RX_GSO : 0);
}

/* ---- TX ---- */

static bool npv_tx_room(struct lvos_npv *np, struct npv_tx_chan *t)
{
	return lvos_npv_alloc_free(&t->alloc) >= NPV_TX_ROOM &&
		t->prod - t->done < np->l.ring_entries;
}

/* Free what the peer consumed. Under the xmit lock of queue q. */
static bool npv_reclaim(struct lvos_npv *np, u32 j, u32 q)
{
	struct npv_tx_chan *t = &np->peers[j].tx[q];
	u32 cons = le32_to_cpu(READ_ONCE(npv_ctrl(np, np->me, j, q)->cons));

	if (!lvos_npv_cons_ok(t->done, t->prod, cons)) {
		npv_proto_err(np, j, NPV_P_ERR_CONS);
		return false;
	}
	while (t->done != cons) {
		lvos_npv_alloc_release(&t->alloc, t->span[t->done & (np->l.ring_entries - 1)]);
		t->done++;
	}
	if (npv_tx_room(np, t)) {
		t->stall_since = 0;
		return true;
	}
	if (!t->stall_since)
		t->stall_since = jiffies | 1;
	return false;
}

static void npv_tx_publish(struct lvos_npv *np, struct npv_queue *qu, u32 j)
{
	struct npv_tx_chan *t = &np->peers[j].tx[qu->q];
	struct lvos_npv_ctrl *c = npv_ctrl(np, np->me, j, qu->q);
	u32 ev;

	t->dirty = false;
	smp_store_release(&c->prod, cpu_to_le32(t->prod));
	smp_mb();	/* publish prod before reading the peer's kick request */
	ev = le32_to_cpu(READ_ONCE(c->want_prod_kick_at));
	if (lvos_npv_need_event(ev, t->prod, t->kicked)) {
		npv_kick(np, j, npv_qvec(np, j, qu->q));
		npv_inc(&qu->tx, NPV_TX_KICKS, 1);
	} else {
		npv_inc(&qu->tx, NPV_TX_SUPPRESSED, 1);
	}
	t->kicked = t->prod;
}

/* Room for @len bytes in channel (me -> j, q), or NULL (counted). */
static void *npv_tx_reserve(struct lvos_npv *np, struct npv_queue *qu, u32 j, u32 len,
			    u32 *off, u32 *span)
{
	struct npv_tx_chan *t = &np->peers[j].tx[qu->q];

	if (t->prod - t->done >= np->l.ring_entries ||
	    lvos_npv_alloc_reserve(&t->alloc, len, off, span)) {
		npv_inc(&qu->tx, NPV_TX_FULL, 1);
		npv_inc(&qu->tx, NPV_TX_DROPS, 1);
		return NULL;
	}
	return npv_arena(np, np->me, j, qu->q) + *off;
}

/* The descriptor of a frame copied to @off; published by npv_tx_publish. */
static void npv_tx_commit(struct lvos_npv *np, struct npv_queue *qu, u32 j, u32 off,
			  u32 span, u32 len, const struct virtio_net_hdr *vh)
{
	struct npv_tx_chan *t = &np->peers[j].tx[qu->q];
	struct lvos_npv_desc d = {};

	/* built on the stack from zero: no private bytes reach the region */
	d.seq = cpu_to_le32(t->prod);
	d.off = cpu_to_le32(off);
	d.len = cpu_to_le32(len);
	if (vh) {
		d.flags = vh->flags;
		d.gso_type = vh->gso_type;
		d.hdr_len = (__force __le16)vh->hdr_len;
		d.gso_size = (__force __le16)vh->gso_size;
		d.csum_start = (__force __le16)vh->csum_start;
		d.csum_offset = (__force __le16)vh->csum_offset;
	}
	memcpy(npv_desc(np, np->me, j, qu->q, t->prod), &d, sizeof(d));
	t->span[t->prod & (np->l.ring_entries - 1)] = span;
	t->prod++;
	t->dirty = true;
	npv_inc(&qu->tx, NPV_TX_PACKETS, 1);
	npv_inc(&qu->tx, NPV_TX_BYTES, len);
}

/* Publish what this queue wrote to each peer in @mask since its last flush. */
static void npv_tx_flush(struct lvos_npv *np, struct npv_queue *qu, unsigned long mask)
{
	u32 j;

	for_each_set_bit(j, &mask, np->l.max_peers)
		if (np->peers[j].tx[qu->q].dirty)
			npv_tx_publish(np, qu, j);
}

/* Copy one frame into channel (me -> j, q). */
static void npv_tx_one(struct lvos_npv *np, struct npv_queue *qu, u32 j,
		       struct sk_buff *skb)
{
	struct virtio_net_hdr vh;
	u32 off, span;
	void *dst;

	if (virtio_net_hdr_from_skb(skb, &vh, true, false, 0)) {
		npv_inc(&qu->tx, NPV_TX_DROPS, 1);
		return;
	}
	dst = npv_tx_reserve(np, qu, j, skb->len, &off, &span);
	if (!dst)
		return;
	if (skb_copy_bits(skb, 0, dst, skb->len)) {
		/* cannot happen for a well-formed skb; give the space back */
		np->peers[j].tx[qu->q].alloc.head -= span;
		npv_inc(&qu->tx, NPV_TX_DROPS, 1);
		return;
	}
	npv_tx_commit(np, qu, j, off, span, skb->len, &vh);
	if (skb_is_gso(skb))
		npv_inc(&qu->tx, NPV_TX_GSO, 1);
}

/* Copy a plain frame (XDP) into channel (me -> j, q). */
static bool npv_tx_data(struct lvos_npv *np, struct npv_queue *qu, u32 j,
			const void *data, u32 len)
{
	u32 off, span;
	void *dst = npv_tx_reserve(np, qu, j, len, &off, &span);

	if (!dst)
		return false;
	memcpy(dst, data, len);
	npv_tx_commit(np, qu, j, off, span, len, NULL);
	return true;
}

/*
 * A peer's rx_features as this side uses them: known bits only, and GSO
 * only with partial checksums (a GSO frame is CHECKSUM_PARTIAL: offered
 * GSO without CSUM, skb_checksum_help() would meet a GSO skb and WARN).
 */
static u32 npv_peer_features(const struct lvos_npv_slot *s)
{
	u32 feat = le32_to_cpu(READ_ONCE(s->rx_features)) &
		   (LVOS_NPV_RX_CSUM | LVOS_NPV_RX_GSO | LVOS_NPV_RX_XDP);

	if (!(feat & LVOS_NPV_RX_CSUM))
		feat &= ~LVOS_NPV_RX_GSO;
	return feat;
}

/* A peer that cannot take GSO or partial checksums gets them done here. */
static void npv_tx_peer(struct lvos_npv *np, struct npv_queue *qu, u32 j,
			struct sk_buff *skb)
{
	u32 feat = READ_ONCE(np->peers[j].rx_features);
	struct sk_buff *segs, *seg, *next;

	if (skb_is_gso(skb) && !(feat & LVOS_NPV_RX_GSO)) {
		segs = skb_gso_segment(skb, np->dev->features & ~NETIF_F_GSO_MASK);
		if (IS_ERR_OR_NULL(segs)) {
			npv_inc(&qu->tx, NPV_TX_DROPS, 1);
			return;
		}
		skb_list_walk_safe(segs, seg, next) {
			skb_mark_not_on_list(seg);
			if (seg->ip_summed != CHECKSUM_PARTIAL || (feat & LVOS_NPV_RX_CSUM) ||
			    !skb_checksum_help(seg))
				npv_tx_one(np, qu, j, seg);
			dev_consume_skb_any(seg);
		}
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && !(feat & LVOS_NPV_RX_CSUM) &&
	    skb_checksum_help(skb)) {
		npv_inc(&qu->tx, NPV_TX_DROPS, 1);
		return;
	}
	npv_tx_one(np, qu, j, skb);
}

/* Stop the queue while any live peer's channel is short of room. */
static void npv_tx_maybe_stop(struct lvos_npv *np, struct npv_queue *qu,
			      struct netdev_queue *txq, unsigned long mask)
{
	unsigned int j;

	for_each_set_bit(j, &mask, np->l.max_peers) {
		struct npv_tx_chan *t = &np->peers[j].tx[qu->q];
		struct lvos_npv_ctrl *c = npv_ctrl(np, np->me, j, qu->q);

		if (npv_reclaim(np, j, qu->q))
			continue;
		/* ask for a kick when the peer consumes, then look again */
		WRITE_ONCE(c->want_cons_kick_at, cpu_to_le32(t->done));
		smp_mb();
		if (npv_reclaim(np, j, qu->q))
			continue;
		netif_tx_stop_queue(txq);
		npv_inc(&qu->tx, NPV_TX_STOPS, 1);
		return;
	}
}

/* Unicast to a known peer goes to it alone; the rest to every live peer. */
static unsigned long npv_dest(struct lvos_npv *np, const u8 *dst, unsigned long mask)
{
	unsigned int j;

	if (is_multicast_ether_addr(dst))
		return mask;
	for_each_set_bit(j, &mask, np->l.max_peers)
		if (ether_addr_equal(np->peers[j].mac, dst))
			return BIT(j);
	return mask;
}

static netdev_tx_t npv_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct lvos_npv *np = netdev_priv(dev);
	u32 q = skb_get_queue_mapping(skb);
	struct npv_queue *qu = &np->qs[q];
	struct netdev_queue *txq = netdev_get_tx_queue(dev, q);
	unsigned long mask = READ_ONCE(np->up_mask);
	unsigned int j;

	if (skb->len < ETH_HLEN || q >= np->l.nqueues) {
		npv_inc(&qu->tx, NPV_TX_DROPS, 1);
		goto out;
	}
	mask = npv_dest(np, skb->data, mask);
	if (!mask) {
		npv_inc(&qu->tx, NPV_TX_DROPS, 1);
		goto out;
	}
	for_each_set_bit(j, &mask, np->l.max_peers)
		npv_tx_peer(np, qu, j, skb);
	WRITE_ONCE(np->last_work, jiffies);
out:
	mask = READ_ONCE(np->up_mask);
	npv_tx_maybe_stop(np, qu, txq, mask);
	if (!netdev_xmit_more() || netif_xmit_stopped(txq))
		npv_tx_flush(np, qu, mask);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

/* NAPI: reclaim queue q's channels and restart the queue. */
static void npv_tx_complete(struct lvos_npv *np, struct npv_queue *qu)
{
	struct netdev_queue *txq = netdev_get_tx_queue(np->dev, qu->q);
	unsigned long mask;
	bool room = true;
	unsigned int j;

	__netif_tx_lock(txq, smp_processor_id());
	mask = READ_ONCE(np->up_mask);
	for_each_set_bit(j, &mask, np->l.max_peers)
		if (!npv_reclaim(np, j, qu->q))
			room = false;
	if (room && netif_tx_queue_stopped(txq))
		netif_tx_wake_queue(txq);
	__netif_tx_unlock(txq);
}

/* Frames redirected to this device by XDP elsewhere: copied at once. */
static int npv_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames, u32 flags)
{
	struct lvos_npv *np = netdev_priv(dev);
	struct netdev_queue *txq;
	struct npv_queue *qu;
	unsigned long up, mask;
	int i, sent = 0;
	u32 q, j;

	if (flags & ~XDP_XMIT_FLAGS_MASK)
		return -EINVAL;
	if (!READ_ONCE(np->running))
		return -ENETDOWN;
	q = smp_processor_id() % dev->real_num_tx_queues;
	qu = &np->qs[q];
	txq = netdev_get_tx_queue(dev, q);
	__netif_tx_lock(txq, smp_processor_id());
	up = READ_ONCE(np->up_mask);
	for (i = 0; i < n; i++) {
		struct xdp_frame *f = frames[i];

		mask = f->len >= ETH_HLEN ? npv_dest(np, f->data, up) : 0;
		if (!mask)
			break;	/* the caller frees what was not sent */
		for_each_set_bit(j, &mask, np->l.max_peers)
			npv_tx_data(np, qu, j, f->data, f->len);
		xdp_return_frame(f);
		sent++;
	}
	npv_inc(&qu->tx, NPV_TX_XDP_XMIT, sent);
	npv_tx_flush(np, qu, up);
	__netif_tx_unlock(txq);
	return sent;
}

/* ---- RX ---- */

/* One frame through the XDP program, on a page of its own. */
static void npv_rx_xdp(struct lvos_npv *np, struct npv_queue *qu, u32 j,
		       struct bpf_prog *prog, const u8 *src, const struct lvos_npv_rxd *rd)
{
	struct net_device *dev = np->dev;
	struct xdp_buff xdp;
	struct sk_buff *skb;
	struct page *page;
	void *va;
	u32 act;

	/*
	 * Peers stop sending offloads when XDP is attached (rx_features);
	 * what they sent before they saw it cannot go through the program.
	 */
	if (rd->gso_type != VIRTIO_NET_HDR_GSO_NONE ||
	    (rd->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		npv_inc(&qu->rx, NPV_XDP_OFFLOAD_DROPS, 1);
		return;
	}
	if (rd->len > NPV_XDP_FRAME) {
		npv_inc(&qu->rx, NPV_RX_LEN_ERRS, 1);
		return;
	}
	page = dev_alloc_page();
	if (!page) {
		npv_inc(&qu->rx, NPV_RX_DROPS, 1);
		return;
	}
	va = page_address(page);
	/* bpf_xdp_adjust_head() can expose it, and XDP_TX copies it out */
	memset(va, 0, XDP_PACKET_HEADROOM);
	memcpy(va + XDP_PACKET_HEADROOM, src, rd->len);
	xdp_init_buff(&xdp, PAGE_SIZE, &qu->xdp_rxq);
	xdp_prepare_buff(&xdp, va, XDP_PACKET_HEADROOM, rd->len, false);
	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
		skb = napi_build_skb(va, PAGE_SIZE);
		if (!skb)
			break;
		skb_reserve(skb, xdp.data - xdp.data_hard_start);
		skb_put(skb, xdp.data_end - xdp.data);
		skb->protocol = eth_type_trans(skb, dev);
		skb_record_rx_queue(skb, qu->q);
		npv_inc(&qu->rx, NPV_XDP_PASS, 1);
		npv_inc(&qu->rx, NPV_RX_PACKETS, 1);
		npv_inc(&qu->rx, NPV_RX_BYTES, rd->len);
		napi_gro_receive(&qu->napi, skb);
		return;
	case XDP_TX:
		/* sent after rx_lock is dropped (lock order: xmit, then rx) */
		if (qu->nxtx < ARRAY_SIZE(qu->xtx)) {
			qu->xtx[qu->nxtx].page = page;
			qu->xtx[qu->nxtx].off = xdp.data - va;
			qu->xtx[qu->nxtx].len = xdp.data_end - xdp.data;
			qu->xtx[qu->nxtx].peer = j;
			qu->nxtx++;
			npv_inc(&qu->rx, NPV_XDP_TX, 1);
			return;
		}
		npv_inc(&qu->rx, NPV_XDP_ERR, 1);
		break;
	case XDP_REDIRECT:
		if (!xdp_do_redirect(dev, &xdp, prog)) {
			qu->redirected = true;
			npv_inc(&qu->rx, NPV_XDP_REDIRECT, 1);
			return;
		}
		npv_inc(&qu->rx, NPV_XDP_ERR, 1);
		trace_xdp_exception(dev, prog, act);
		break;
	case XDP_DROP:
		npv_inc(&qu->rx, NPV_XDP_DROP, 1);
		break;
	default:
		bpf_warn_invalid_xdp_action(dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(dev, prog, act);
		npv_inc(&qu->rx, NPV_XDP_ABORTED, 1);
		break;
	}
	put_page(page);
}

/* Send the XDP_TX frames of this poll back to their peers. */
static void npv_xdp_tx_flush(struct lvos_npv *np, struct npv_queue *qu)
{
	struct netdev_queue *txq = netdev_get_tx_queue(np->dev, qu->q);
	unsigned long mask;
	u32 i;

	if (!qu->nxtx)
		return;
	__netif_tx_lock(txq, smp_processor_id());
	mask = READ_ONCE(np->up_mask);
	for (i = 0; i < qu->nxtx; i++) {
		struct npv_xdp_tx *x = &qu->xtx[i];

		if (!test_bit(x->peer, &mask) ||
		    !npv_tx_data(np, qu, x->peer, page_address(x->page) + x->off, x->len))
			npv_inc(&qu->rx, NPV_XDP_ERR, 1);
		put_page(x->page);
	}
	qu->nxtx = 0;
	npv_tx_flush(np, qu, mask);
	__netif_tx_unlock(txq);
}

static void npv_rx_frame(struct lvos_npv *np, struct npv_queue *qu, u32 j,
			 struct bpf_prog *prog, const u8 *src,
			 const struct lvos_npv_rxd *rd)
{
	struct net_device *dev = np->dev;
	struct virtio_net_hdr vh = {
		.flags = rd->flags,
		.gso_type = rd->gso_type,
		.hdr_len = (__force __virtio16)cpu_to_le16(rd->hdr_len),
		.gso_size = (__force __virtio16)cpu_to_le16(rd->gso_size),
		.csum_start = (__force __virtio16)cpu_to_le16(rd->csum_start),
		.csum_offset = (__force __virtio16)cpu_to_le16(rd->csum_offset),
	};
	u32 linear = rd->len, pos, nr = 0;
	struct sk_buff *skb;

	if (prog) {
		npv_rx_xdp(np, qu, j, prog, src, rd);
		return;
	}
	if (rd->gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    rd->len > dev->mtu + ETH_HLEN + VLAN_HLEN) {
		npv_inc(&qu->rx, NPV_RX_LEN_ERRS, 1);
		return;
	}
	if (rd->len > NPV_COPYBREAK) {
		linear = NPV_HEADLEN;
		if (rd->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			linear = max_t(u32, linear, rd->csum_start + rd->csum_offset + 2);
		if (DIV_ROUND_UP(rd->len - linear, PAGE_SIZE) > MAX_SKB_FRAGS) {
			npv_inc(&qu->rx, NPV_RX_LEN_ERRS, 1);
			return;
		}
	}
	skb = napi_alloc_skb(&qu->napi, linear);
	if (!skb)
		goto drop;
	skb_put_data(skb, src, linear);
	for (pos = linear; pos < rd->len; pos += PAGE_SIZE, nr++) {
		u32 chunk = min_t(u32, rd->len - pos, PAGE_SIZE);
		struct page *page = dev_alloc_page();

		if (!page) {
			kfree_skb(skb);
			goto drop;
		}
		memcpy(page_address(page), src + pos, chunk);
		skb_add_rx_frag(skb, nr, page, 0, chunk, PAGE_SIZE);
	}
	/*
	 * DATA_VALID first, as virtio_net does: with NEEDS_CSUM as well the
	 * skb stays CHECKSUM_PARTIAL (its checksum is not finished).
	 */
	if (rd->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	/* the checks tun and AF_PACKET apply to unprivileged input */
	if (virtio_net_hdr_to_skb(skb, &vh, true)) {
		npv_inc(&qu->rx, NPV_RX_DROPS, 1);
		kfree_skb(skb);
		return;
	}
	if (rd->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		npv_inc(&qu->rx, NPV_RX_CSUM, 1);
	if (skb_is_gso(skb))
		npv_inc(&qu->rx, NPV_RX_GSO, 1);
	skb->protocol = eth_type_trans(skb, dev);
	skb_record_rx_queue(skb, qu->q);
	npv_inc(&qu->rx, NPV_RX_PACKETS, 1);
	npv_inc(&qu->rx, NPV_RX_BYTES, rd->len);
	napi_gro_receive(&qu->napi, skb);
	return;
drop:
	npv_inc(&qu->rx, NPV_RX_DROPS, 1);
}

/* Take up to @budget frames from channel (j -> me, q). Under rx_lock. */
static int npv_rx_peer(struct lvos_npv *np, struct npv_queue *qu, u32 j,
		       struct bpf_prog *prog, int budget)
{
	struct npv_rx_chan *r = &np->peers[j].rx[qu->q];
	struct lvos_npv_ctrl *c = npv_ctrl(np, j, np->me, qu->q);
	const u8 *arena = npv_arena(np, j, np->me, qu->q);
	u32 prod = le32_to_cpu(smp_load_acquire(&c->prod));
	int n = lvos_npv_pending(prod, r->cons, np->l.ring_entries);
	u32 old = r->cons, ev;
	int i;

	if (n < 0) {
		npv_proto_err(np, j, NPV_P_ERR_INDEX);
		return 0;
	}
	n = min(n, budget);
	for (i = 0; i < n; i++) {
		struct lvos_npv_desc d;
		struct lvos_npv_rxd rd;
		enum lvos_npv_derr err;

		memcpy(&d, npv_desc(np, j, np->me, qu->q, r->cons), sizeof(d));
		err = lvos_npv_check_desc(&np->l, &d, r->cons, LVOS_NPV_MAX_FRAME,
					  np->l.features & LVOS_NPV_F_GSO, &rd);
		if (err) {
			npv_proto_err(np, j, npv_derr_stat[err]);
			break;
		}
		npv_rx_frame(np, qu, j, prog, arena + rd.off, &rd);
		r->cons++;
	}
	if (r->cons != old) {
		/* our copies are done before the peer may reuse the space */
		smp_store_release(&c->cons, cpu_to_le32(r->cons));
		smp_mb();
		ev = le32_to_cpu(READ_ONCE(c->want_cons_kick_at));
		if (lvos_npv_need_event(ev, r->cons, old)) {
			npv_kick(np, j, npv_qvec(np, j, qu->q));
			npv_inc(&qu->rx, NPV_RX_KICKS, 1);
		}
	}
	return i;
}

static int npv_poll(struct napi_struct *napi, int budget)
{
	struct npv_queue *qu = container_of(napi, struct npv_queue, napi);
	struct lvos_npv *np = qu->np;
	u32 P = np->l.max_peers, k, j;
	struct bpf_prog *prog;
	unsigned long mask;
	bool more = false;
	int done = 0;

	npv_inc(&qu->rx, NPV_POLLS, 1);
	rcu_read_lock();
	prog = rcu_dereference(np->xdp_prog);
	spin_lock(&qu->rx_lock);
	mask = READ_ONCE(np->up_mask);
	for (k = 0; k < P && done < budget; k++) {
		j = (qu->next_peer + k) % P;
		if (test_bit(j, &mask))
			done += npv_rx_peer(np, qu, j, prog, budget - done);
	}
	qu->next_peer = (qu->next_peer + 1) % P;
	spin_unlock(&qu->rx_lock);
	npv_xdp_tx_flush(np, qu);
	if (qu->redirected) {
		qu->redirected = false;
		xdp_do_flush();
	}
	rcu_read_unlock();

	npv_tx_complete(np, qu);
	if (done) {
		WRITE_ONCE(np->last_work, jiffies);
		if (qu->timer_poll)
			npv_inc(&qu->rx, NPV_RESCUES, 1);
	}
	qu->timer_poll = false;
	if (done >= budget || !napi_complete_done(napi, done))
		return done;

	/* idle: ask every live peer for a kick, then look once more */
	spin_lock(&qu->rx_lock);
	mask = READ_ONCE(np->up_mask);
	for_each_set_bit(j, &mask, P)
		WRITE_ONCE(npv_ctrl(np, j, np->me, qu->q)->want_prod_kick_at,
			   cpu_to_le32(np->peers[j].rx[qu->q].cons));
	smp_mb();
	for_each_set_bit(j, &mask, P)
		if (le32_to_cpu(READ_ONCE(npv_ctrl(np, j, np->me, qu->q)->prod)) !=
		    np->peers[j].rx[qu->q].cons)
			more = true;
	spin_unlock(&qu->rx_lock);
	if (more)
		napi_schedule(napi);
	return done;
}

/* ---- notification ---- */

static void npv_schedule_all(struct lvos_npv *np, bool from_timer)
{
	u32 q;

	for (q = 0; q < np->l.nqueues; q++) {
		struct npv_queue *qu = &np->qs[q];

		if (napi_schedule_prep(&qu->napi)) {
			qu->timer_poll = from_timer;
			__napi_schedule(&qu->napi);
		}
	}
}

static enum hrtimer_restart npv_timer(struct hrtimer *t)
{
	struct lvos_npv *np = container_of(t, struct lvos_npv, timer);
	u64 ns = np->doorbell ? NPV_RESCUE_NS : (u64)poll_us * NSEC_PER_USEC;

	if (!READ_ONCE(np->running))
		return HRTIMER_NORESTART;
	npv_schedule_all(np, np->doorbell);
	/*
	 * A second without a frame: ten times less often, in both modes (an
	 * idle link's cost; a doorbell rescue then takes up to 100 ms).
	 */
	if (time_after(jiffies, READ_ONCE(np->last_work) + HZ))
		ns *= 10;
	hrtimer_forward_now(t, ns_to_ktime(ns));
	return HRTIMER_RESTART;
}

static irqreturn_t npv_irq_ctrl(int irq, void *data)
{
	struct lvos_npv *np = data;

	atomic_long_inc(&np->ctrl_irqs);
	if (READ_ONCE(np->running))
		mod_delayed_work(system_wq, &np->ctrl_work, 0);
	if (np->nvec < 2)	/* data shares vector 0 */
		npv_schedule_all(np, false);
	return IRQ_HANDLED;
}

static irqreturn_t npv_irq_queue(int irq, void *data)
{
	struct npv_queue *qu = data;

	atomic_long_inc(&qu->irqs);
	napi_schedule(&qu->napi);
	return IRQ_HANDLED;
}

/* ---- links ---- */

/*
 * Zero this side's fields of the channels with peer j on queue q and the
 * private state behind them (binding, and a link reset under the locks).
 */
static void npv_zero_chan(struct lvos_npv *np, u32 j, u32 q)
{
	struct lvos_npv_ctrl *tx = npv_ctrl(np, np->me, j, q);
	struct lvos_npv_ctrl *rx = npv_ctrl(np, j, np->me, q);
	struct npv_peer *p = &np->peers[j];

	WRITE_ONCE(tx->prod, 0);
	WRITE_ONCE(tx->want_cons_kick_at, 0);
	WRITE_ONCE(rx->cons, 0);
	WRITE_ONCE(rx->want_prod_kick_at, 0);
	memset(&p->tx[q], 0, offsetof(struct npv_tx_chan, span));
	p->tx[q].alloc.size = np->l.arena_bytes;
	p->rx[q].cons = 0;
}

/* Zero this side's fields of the pair and its private state. */
static void npv_reset_pair(struct lvos_npv *np, u32 j, bool new_epoch)
{
	struct npv_peer *p = &np->peers[j];
	u32 q;

	clear_bit(j, &np->up_mask);
	p->up = false;
	netif_tx_lock_bh(np->dev);
	for (q = 0; q < np->l.nqueues; q++) {
		spin_lock(&np->qs[q].rx_lock);
		npv_zero_chan(np, j, q);
		spin_unlock(&np->qs[q].rx_lock);
	}
	netif_tx_unlock_bh(np->dev);
	clear_bit(j, &np->err_mask);
	if (new_epoch) {
		p->my_gen = lvos_npv_next_gen(p->my_gen);
		smp_wmb();	/* the zeroed fields before the new epoch */
		WRITE_ONCE(npv_slot(np, np->me)->pair_gen[j], cpu_to_le32(p->my_gen));
		npv_kick(np, j, 0);
	}
}

static bool npv_stalled(struct lvos_npv *np, u32 j)
{
	unsigned long lim = msecs_to_jiffies(np->timeout_ms);
	u32 q;

	for (q = 0; q < np->l.nqueues; q++) {
		unsigned long s = READ_ONCE(np->peers[j].tx[q].stall_since);

		if (s && time_after(jiffies, s + lim))
			return true;
	}
	return false;
}

static void npv_link_check(struct lvos_npv *np, u32 j)
{
	struct lvos_npv_slot *s = npv_slot(np, j);
	struct npv_peer *p = &np->peers[j];
	struct lvos_npv_view v;
	enum lvos_npv_act act;
	u32 state;
	u64 hb;

	if (test_bit(j, &np->err_mask)) {
		atomic_long_inc(&p->stats[NPV_P_RESETS]);
		if (net_ratelimit())
			netdev_warn(np->dev, "peer %u broke the protocol (%s): link reset\n",
					j, npv_peer_names[p->last_err]);
		npv_reset_pair(np, j, true);
	}
	if (p->up && npv_stalled(np, j)) {
		atomic_long_inc(&p->stats[NPV_P_TIMEOUTS]);
		atomic_long_inc(&p->stats[NPV_P_RESETS]);
		if (net_ratelimit())
			netdev_warn(np->dev, "peer %u stopped consuming for %u ms: link reset\n",
					j, np->timeout_ms);
		npv_reset_pair(np, j, true);
	}

	state = le32_to_cpu(READ_ONCE(s->state));
	hb = le64_to_cpu(READ_ONCE(s->heartbeat));
	if (hb != p->last_hb) {
		p->last_hb = hb;
		p->hb_jiffies = jiffies;
	}
	v.alive = state == LVOS_NPV_READY &&
		time_before(jiffies, p->hb_jiffies + msecs_to_jiffies(np->timeout_ms));
	smp_rmb();	/* the state before the epochs it publishes */
	v.their_gen = le32_to_cpu(READ_ONCE(s->pair_gen[np->me]));
	v.their_seen = le32_to_cpu(READ_ONCE(s->seen_gen[np->me]));

	act = lvos_npv_link_eval(&v, p->known, p->my_gen);
	if (act == LVOS_NPV_ACT_RESET) {
		npv_reset_pair(np, j, false);
		p->known = v.their_gen;
		smp_wmb();	/* the reset before the acknowledgement */
		WRITE_ONCE(npv_slot(np, np->me)->seen_gen[j], cpu_to_le32(p->known));
		npv_kick(np, j, 0);
		act = lvos_npv_link_eval(&v, p->known, p->my_gen);
	}
	if (p->up)	/* XDP attached or detached there */
		WRITE_ONCE(p->rx_features, npv_peer_features(s));
	if (act == LVOS_NPV_ACT_UP && !p->up) {
		memcpy(p->mac, s->mac, ETH_ALEN);
		p->rx_features = npv_peer_features(s);
		p->nvectors = le16_to_cpu(READ_ONCE(s->nvectors));
		p->up = true;
		atomic_long_inc(&p->stats[NPV_P_UPS]);
		set_bit(j, &np->up_mask);
		netdev_info(np->dev, "link to peer %u (%pM) up\n", j, p->mac);
		netif_tx_wake_all_queues(np->dev);
	} else if (act == LVOS_NPV_ACT_DOWN && p->up) {
		netdev_info(np->dev, "peer %u %s: link down\n", j,
			    state == LVOS_NPV_DEAD ? "died" :
			    state == LVOS_NPV_READY ? "stopped its heartbeat" : "left");
		if (state == LVOS_NPV_READY)
			atomic_long_inc(&p->stats[NPV_P_TIMEOUTS]);
		npv_reset_pair(np, j, true);
	}
}

static void npv_ctrl_work(struct work_struct *w)
{
	struct lvos_npv *np = container_of(to_delayed_work(w), struct lvos_npv, ctrl_work);
	struct lvos_npv_slot *me = npv_slot(np, np->me);
	struct rtnl_link_stats64 st = {};
	u32 j;

	if (!READ_ONCE(np->running))
		return;
	WRITE_ONCE(me->heartbeat, cpu_to_le64(++np->hb));
	dev_get_stats(np->dev, &st);
	WRITE_ONCE(me->tx_bytes, cpu_to_le64(st.tx_bytes));
	WRITE_ONCE(me->rx_bytes, cpu_to_le64(st.rx_bytes));
	for (j = 0; j < np->l.max_peers; j++)
		if (j != np->me)
			npv_link_check(np, j);
	if (READ_ONCE(np->up_mask))
		netif_carrier_on(np->dev);
	else
		netif_carrier_off(np->dev);
	queue_delayed_work(system_wq, &np->ctrl_work, NPV_CTRL_PERIOD);
}

/* ---- binding the slot ---- */

static int npv_bind(struct lvos_npv *np)
{
	struct lvos_npv_slot *s = npv_slot(np, np->me);
	u32 j, q, gen;
	u64 hb;

	/* with ivshmem-plain, a wrong slot= would take a live peer's place */
	if (le32_to_cpu(READ_ONCE(s->state)) == LVOS_NPV_READY) {
		hb = le64_to_cpu(READ_ONCE(s->heartbeat));
		msleep(300);
		if (le64_to_cpu(READ_ONCE(s->heartbeat)) != hb) {
			netdev_err(np->dev, "slot %u is in use by a live peer\n", np->me);
			return -EBUSY;
		}
	}
	for (j = 0; j < np->l.max_peers; j++) {
		struct npv_peer *p = &np->peers[j];

		if (j == np->me)
			continue;
		/* not open yet: no data path runs, no locks needed */
		for (q = 0; q < np->l.nqueues; q++)
			npv_zero_chan(np, j, q);
		p->known = 0;
		p->up = false;
		p->my_gen = lvos_npv_next_gen(le32_to_cpu(READ_ONCE(s->pair_gen[j])));
		p->last_hb = le64_to_cpu(READ_ONCE(npv_slot(np, j)->heartbeat));
		p->hb_jiffies = jiffies - msecs_to_jiffies(np->timeout_ms) - 1;
		WRITE_ONCE(s->seen_gen[j], 0);
		WRITE_ONCE(s->pair_gen[j], cpu_to_le32(p->my_gen));
	}
	np->up_mask = 0;
	np->err_mask = 0;
	if (!np->doorbell)	/* with a server, the server writes it */
		WRITE_ONCE(s->ivposition, 0);
	WRITE_ONCE(s->nvectors, cpu_to_le16(np->nvec));
	WRITE_ONCE(s->active_queues, cpu_to_le16(np->dev->real_num_tx_queues));
	memcpy(s->mac, np->dev->dev_addr, ETH_ALEN);
	WRITE_ONCE(s->mtu, cpu_to_le16(min_t(u32, np->dev->mtu, U16_MAX)));
	WRITE_ONCE(s->rx_features, cpu_to_le32(npv_rx_features(np)));
	gen = le32_to_cpu(READ_ONCE(s->generation)) + 1;
	smp_wmb();	/* the fields before the generation and the state */
	WRITE_ONCE(s->generation, cpu_to_le32(gen));
	smp_wmb();
	WRITE_ONCE(s->state, cpu_to_le32(LVOS_NPV_READY));
	for (j = 0; j < np->l.max_peers; j++)
		if (j != np->me)
			npv_kick(np, j, 0);
	return 0;
}

static void npv_unbind(struct lvos_npv *np)
{
	u32 j;

	WRITE_ONCE(npv_slot(np, np->me)->state, cpu_to_le32(LVOS_NPV_EMPTY));
	for (j = 0; j < np->l.max_peers; j++)
		if (j != np->me)
			npv_kick(np, j, 0);
}

/* ---- netdev ---- */

static void npv_free_irqs(struct lvos_npv *np)
{
	int v;

	for (v = 0; v < np->nvec; v++)
		free_irq(pci_irq_vector(np->pdev, v), v ? (void *)&np->qs[v - 1] : (void *)np);
}

static int npv_request_irqs(struct lvos_npv *np)
{
	int v, err;

	for (v = 0; v < np->nvec; v++) {
		struct npv_queue *qu = v ? &np->qs[v - 1] : NULL;

		if (qu) {
			snprintf(qu->irq_name, sizeof(qu->irq_name), "%s-q%u",
				 np->dev->name, qu->q);
			err = request_irq(pci_irq_vector(np->pdev, v), npv_irq_queue, 0,
					  qu->irq_name, qu);
		} else {
			err = request_irq(pci_irq_vector(np->pdev, v), npv_irq_ctrl, 0,
					  np->dev->name, np);
		}
		if (err) {
			np->nvec = v;
			npv_free_irqs(np);
			return err;
		}
	}
	return 0;
}

static int npv_open(struct net_device *dev)
{
	struct lvos_npv *np = netdev_priv(dev);
	int nvec = np->nvec, err;
	u32 q;

	netif_carrier_off(dev);
	err = npv_request_irqs(np);
	np->nvec = nvec;	/* a failure lowered it to free what it got */
	if (err)
		return err;
	err = npv_bind(np);
	if (err) {
		npv_free_irqs(np);
		return err;
	}
	for (q = 0; q < np->l.nqueues; q++) {
		struct npv_queue *qu = &np->qs[q];

		err = xdp_rxq_info_reg(&qu->xdp_rxq, dev, q, qu->napi.napi_id);
		if (!err)
			err = xdp_rxq_info_reg_mem_model(&qu->xdp_rxq, MEM_TYPE_PAGE_ORDER0, NULL);
		if (err) {
			while (q--)
				xdp_rxq_info_unreg(&np->qs[q].xdp_rxq);
			npv_unbind(np);
			npv_free_irqs(np);
			return err;
		}
	}
	for (q = 0; q < np->l.nqueues; q++)
		napi_enable(&np->qs[q].napi);
	WRITE_ONCE(np->running, true);
	np->last_work = jiffies;
	hrtimer_start(&np->timer, ns_to_ktime(NPV_RESCUE_NS), HRTIMER_MODE_REL);
	mod_delayed_work(system_wq, &np->ctrl_work, 0);
	netif_tx_start_all_queues(dev);
	return 0;
}

static int npv_stop(struct net_device *dev)
{
	struct lvos_npv *np = netdev_priv(dev);
	u32 j, q;

	WRITE_ONCE(np->running, false);
	netif_tx_disable(dev);
	netif_carrier_off(dev);
	hrtimer_cancel(&np->timer);
	npv_free_irqs(np);
	/* NAPI first: a protocol error it finds queues ctrl_work */
	for (q = 0; q < np->l.nqueues; q++) {
		napi_disable(&np->qs[q].napi);
		xdp_rxq_info_unreg(&np->qs[q].xdp_rxq);
	}
	cancel_delayed_work_sync(&np->ctrl_work);
	for (j = 0; j < np->l.max_peers; j++)
		if (j != np->me)
			np->peers[j].up = false;
	np->up_mask = 0;
	npv_unbind(np);
	return 0;
}

static void npv_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct lvos_npv *np = netdev_priv(dev);
	u32 q;

	for (q = 0; q < np->l.nqueues; q++) {
		struct npv_queue *qu = &np->qs[q];

		s->rx_packets += npv_read(&qu->rx, NPV_RX_PACKETS);
		s->rx_bytes += npv_read(&qu->rx, NPV_RX_BYTES);
		s->rx_dropped += npv_read(&qu->rx, NPV_RX_DROPS);
		s->rx_length_errors += npv_read(&qu->rx, NPV_RX_LEN_ERRS);
		s->tx_packets += npv_read(&qu->tx, NPV_TX_PACKETS);
		s->tx_bytes += npv_read(&qu->tx, NPV_TX_BYTES);
		s->tx_dropped += npv_read(&qu->tx, NPV_TX_DROPS);
	}
	s->rx_errors = s->rx_length_errors;
}

static int npv_xdp_set(struct net_device *dev, struct bpf_prog *prog,
		       struct netlink_ext_ack *extack)
{
	struct lvos_npv *np = netdev_priv(dev);
	struct bpf_prog *old;

	if (prog && dev->mtu > NPV_XDP_MTU) {
		NL_SET_ERR_MSG_MOD(extack, "MTU too large for XDP");
		netdev_warn(dev, "XDP needs an MTU of at most %lu (now %u)\n",
			    (unsigned long)NPV_XDP_MTU, dev->mtu);
		return -EINVAL;
	}
	old = rcu_replace_pointer(np->xdp_prog, prog, lockdep_rtnl_is_held());
	if (old)
		bpf_prog_put(old);
	/* peers read this every 100 ms and stop sending GSO and partial sums */
	if (netif_running(dev))
		WRITE_ONCE(npv_slot(np, np->me)->rx_features, cpu_to_le32(npv_rx_features(np)));
	return 0;
}

static int npv_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return npv_xdp_set(dev, bpf->prog, bpf->extack);
	default:
		return -EINVAL;
	}
}

static int npv_change_mtu(struct net_device *dev, int mtu)
{
	struct lvos_npv *np = netdev_priv(dev);

	if (rcu_access_pointer(np->xdp_prog) && mtu > NPV_XDP_MTU) {
		netdev_warn(dev, "MTU %d is too large while XDP is attached (at most %lu)\n",
			    mtu, (unsigned long)NPV_XDP_MTU);
		return -EINVAL;
	}
	dev->mtu = mtu;
	if (netif_running(dev))
		WRITE_ONCE(npv_slot(np, np->me)->mtu, cpu_to_le16(mtu));
	return 0;
}

static int npv_set_mac(struct net_device *dev, void *addr)
{
	struct lvos_npv *np = netdev_priv(dev);
	int err = eth_mac_addr(dev, addr);

	/* peers copy the MAC at link up: they see a new one after a reset */
	if (!err && netif_running(dev))
		memcpy(npv_slot(np, np->me)->mac, dev->dev_addr, ETH_ALEN);
	return err;
}

static const struct net_device_ops npv_netdev_ops = {
	.ndo_open		= npv_open,
	.ndo_stop		= npv_stop,
	.ndo_start_xmit		= npv_xmit,
	.ndo_get_stats64	= npv_get_stats64,
	.ndo_change_mtu		= npv_change_mtu,
	.ndo_set_mac_address	= npv_set_mac,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_bpf		= npv_bpf,
	.ndo_xdp_xmit		= npv_xdp_xmit,
};

/* ---- ethtool ---- */

static void npv_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	struct lvos_npv *np = netdev_priv(dev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, LVOS_VERSION, sizeof(info->version));
	strscpy(info->bus_info, pci_name(np->pdev), sizeof(info->bus_info));
}

static void npv_get_channels(struct net_device *dev, struct ethtool_channels *ch)
{
	struct lvos_npv *np = netdev_priv(dev);

	ch->max_combined = np->l.nqueues;
	ch->combined_count = dev->real_num_tx_queues;
}

static int npv_set_channels(struct net_device *dev, struct ethtool_channels *ch)
{
	struct lvos_npv *np = netdev_priv(dev);

	if (ch->rx_count || ch->tx_count || ch->other_count ||
	    !ch->combined_count || ch->combined_count > np->l.nqueues)
		return -EINVAL;
	/* RX polls every queue of the layout; only TX spreading changes */
	return netif_set_real_num_tx_queues(dev, ch->combined_count);
}

static void npv_get_ringparam(struct net_device *dev, struct ethtool_ringparam *r,
			      struct kernel_ethtool_ringparam *kr,
			      struct netlink_ext_ack *extack)
{
	struct lvos_npv *np = netdev_priv(dev);

	r->rx_max_pending = np->l.ring_entries;
	r->tx_max_pending = np->l.ring_entries;
	r->rx_pending = np->l.ring_entries;
	r->tx_pending = np->l.ring_entries;
}

static int npv_nstats(struct lvos_npv *np)
{
	return np->l.nqueues * (NPV_RX_NR + NPV_TX_NR + 1) + 1 +
		np->l.max_peers * NPV_P_NR;
}

static int npv_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? npv_nstats(netdev_priv(dev)) : -EOPNOTSUPP;
}

static void npv_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct lvos_npv *np = netdev_priv(dev);
	u32 q, j, i;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < np->l.nqueues; q++) {
		for (i = 0; i < NPV_RX_NR; i++)
			ethtool_sprintf(&data, "q%u_%s", q, npv_rx_names[i]);
		for (i = 0; i < NPV_TX_NR; i++)
			ethtool_sprintf(&data, "q%u_%s", q, npv_tx_names[i]);
		ethtool_sprintf(&data, "q%u_irqs", q);
	}
	ethtool_sprintf(&data, "ctrl_irqs");
	for (j = 0; j < np->l.max_peers; j++)
		for (i = 0; i < NPV_P_NR; i++)
			ethtool_sprintf(&data, "peer%u_%s", j, npv_peer_names[i]);
}

static void npv_get_ethtool_stats(struct net_device *dev, struct ethtool_stats *st, u64 *d)
{
	struct lvos_npv *np = netdev_priv(dev);
	u32 q, j, i;

	for (q = 0; q < np->l.nqueues; q++) {
		for (i = 0; i < NPV_RX_NR; i++)
			*d++ = npv_read(&np->qs[q].rx, i);
		for (i = 0; i < NPV_TX_NR; i++)
			*d++ = npv_read(&np->qs[q].tx, i);
		*d++ = atomic_long_read(&np->qs[q].irqs);
	}
	*d++ = atomic_long_read(&np->ctrl_irqs);
	for (j = 0; j < np->l.max_peers; j++)
		for (i = 0; i < NPV_P_NR; i++)
			*d++ = atomic_long_read(&np->peers[j].stats[i]);
}

static const struct ethtool_ops npv_ethtool_ops = {
	.get_drvinfo		= npv_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= npv_get_channels,
	.set_channels		= npv_set_channels,
	.get_ringparam		= npv_get_ringparam,
	.get_sset_count		= npv_get_sset_count,
	.get_strings		= npv_get_strings,
	.get_ethtool_stats	= npv_get_ethtool_stats,
};

/* ---- sysfs: /sys/class/net/<dev>/lvos/ ---- */

static struct lvos_npv *npv_from_dev(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

static ssize_t mode_show(struct device *d, struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s\n", npv_from_dev(d)->doorbell ? "doorbell" : "plain");
}
static DEVICE_ATTR_RO(mode);

static ssize_t slot_show(struct device *d, struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", npv_from_dev(d)->me);
}
static DEVICE_ATTR_RO(slot);

static ssize_t region_show(struct device *d, struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s\n", npv_from_dev(d)->l.name);
}
static DEVICE_ATTR_RO(region);

static ssize_t max_peers_show(struct device *d, struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", npv_from_dev(d)->l.max_peers);
}
static DEVICE_ATTR_RO(max_peers);

static ssize_t peers_show(struct device *d, struct device_attribute *a, char *buf)
{
	unsigned long mask = READ_ONCE(npv_from_dev(d)->up_mask);

	return sysfs_emit(buf, "%*pbl\n", LVOS_NPV_MAX_PEERS, &mask);
}
static DEVICE_ATTR_RO(peers);

static ssize_t peer_timeout_ms_show(struct device *d, struct device_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(npv_from_dev(d)->timeout_ms));
}

static ssize_t peer_timeout_ms_store(struct device *d, struct device_attribute *a,
				     const char *buf, size_t len)
{
	unsigned int v;
	int err = lvos_parse_uint("peer_timeout_ms", buf, 300, 60000, 0, &v);

	if (err)
		return err;
	WRITE_ONCE(npv_from_dev(d)->timeout_ms, v);
	return len;
}
static DEVICE_ATTR_RW(peer_timeout_ms);

static struct attribute *npv_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_slot.attr,
	&dev_attr_region.attr,
	&dev_attr_max_peers.attr,
	&dev_attr_peers.attr,
	&dev_attr_peer_timeout_ms.attr,
	NULL,
};

static const struct attribute_group npv_attr_group = {
	.name = "lvos",
	.attrs = npv_attrs,
};

/* ---- PCI ---- */

/* Read the header through a temporary map; write nothing. */
static int npv_read_header(struct pci_dev *pdev, struct lvos_npv_layout *l)
{
	resource_size_t len = pci_resource_len(pdev, 2);
	const char *why;
	void *map, *buf;
	int err;

	if (!(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) || len < LVOS_NPV_HDR_BYTES)
		return -ENODEV;
	buf = kmalloc(LVOS_NPV_HDR_BYTES, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	map = memremap(pci_resource_start(pdev, 2), LVOS_NPV_HDR_BYTES, MEMREMAP_WB);
	if (!map) {
		kfree(buf);
		return -ENOMEM;
	}
	memcpy(buf, map, LVOS_NPV_HDR_BYTES);
	memunmap(map);
	err = lvos_npv_parse_header(buf, len, l, &why);
	kfree(buf);
	if (err == -ENODEV)
		dev_info(&pdev->dev, "ivshmem region without an lvos header: not ours, left alone\n");
	else if (err)
		dev_warn(&pdev->dev, "lvos region refused (%s): left alone\n", why);
	return err ? -ENODEV : 0;
}

static void npv_free_spans(struct lvos_npv *np)
{
	u32 j, q;

	for (j = 0; j < LVOS_NPV_MAX_PEERS; j++)
		for (q = 0; q < LVOS_NPV_MAX_QUEUES; q++) {
			kvfree(np->peers[j].tx[q].span);
			np->peers[j].tx[q].span = NULL;
		}
}

static int npv_setup(struct lvos_npv *np)
{
	struct net_device *dev = np->dev;
	u32 j, q;

	for (j = 0; j < np->l.max_peers; j++) {
		if (j == np->me)
			continue;
		for (q = 0; q < np->l.nqueues; q++) {
			struct npv_tx_chan *t = &np->peers[j].tx[q];

			t->alloc.size = np->l.arena_bytes;
			t->span = kvcalloc(np->l.ring_entries, sizeof(u32), GFP_KERNEL);
			if (!t->span)
				return -ENOMEM;
		}
		for (q = 0; q < NPV_P_NR; q++)
			atomic_long_set(&np->peers[j].stats[q], 0);
	}
	for (q = 0; q < np->l.nqueues; q++) {
		struct npv_queue *qu = &np->qs[q];

		qu->np = np;
		qu->q = q;
		spin_lock_init(&qu->rx_lock);
		u64_stats_init(&qu->rx.syncp);
		u64_stats_init(&qu->tx.syncp);
		netif_napi_add(dev, &qu->napi, npv_poll);
	}
	INIT_DELAYED_WORK(&np->ctrl_work, npv_ctrl_work);
	hrtimer_init(&np->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	np->timer.function = npv_timer;
	return 0;
}

static int npv_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lvos_npv_layout l;
	struct net_device *dev;
	struct lvos_npv *np;
	u8 mac[ETH_ALEN];
	bool doorbell;
	int err, nvec = 0;
	u32 me, q;

	err = pci_enable_device(pdev);
	if (err)
		return err;
	err = pci_request_region(pdev, 2, KBUILD_MODNAME);
	if (err)
		goto err_disable;
	err = npv_read_header(pdev, &l);
	if (err)
		goto err_release2;

	/* QEMU gives ivshmem-doorbell an MSI-X capability, never ivshmem-plain */
	doorbell = pdev->msix_cap != 0;
	err = pci_request_region(pdev, 0, KBUILD_MODNAME);
	if (err)
		goto err_release2;
	/*
	 * NET_NAME_PREDICTABLE: udev's NamePolicy "kernel" keeps netpv0
	 * (with alloc_etherdev's NET_NAME_ENUM a real system renames it
	 * enp0sN, and configurations matching netpv0 miss it).
	 */
	dev = alloc_netdev_mqs(sizeof(*np), "netpv%d", NET_NAME_PREDICTABLE, ether_setup,
			       l.nqueues, l.nqueues);
	err = -ENOMEM;
	if (!dev)
		goto err_release0;
	SET_NETDEV_DEV(dev, &pdev->dev);
	np = netdev_priv(dev);
	np->dev = dev;
	np->pdev = pdev;
	np->l = l;
	np->doorbell = doorbell;
	np->timeout_ms = peer_timeout_ms;
	np->regs = pci_iomap(pdev, 0, 256);
	if (!np->regs)
		goto err_free_dev;

	np->shm = memremap(pci_resource_start(pdev, 2), l.region_bytes, MEMREMAP_WB);
	err = -ENOMEM;
	if (!np->shm)
		goto err_unmap_regs;
	if (doorbell) {
		/* the slot the server gave our IVPosition (ivposition = id + 1) */
		u32 iv = readl(np->regs + NPV_REG_IVPOSITION);

		for (me = 0; me < l.max_peers; me++)
			if (le32_to_cpu(READ_ONCE(npv_slot(np, me)->ivposition)) == iv + 1)
				break;
		if (me == l.max_peers) {
			dev_warn(&pdev->dev, "no slot of region '%s' is IVPosition %u's (not served by lvos-ivshmem-server?): left alone\n",
				 l.name, iv);
			err = -ENODEV;
			goto err_unmap_shm;
		}
	} else if (slot >= 0) {
		me = slot;
	} else {
		dev_warn(&pdev->dev, "lvos region '%s' on ivshmem-plain: set lvos_netpv.slot=N to use it\n",
			 l.name);
		err = -ENODEV;
		goto err_unmap_shm;
	}
	if (me >= l.max_peers) {
		dev_warn(&pdev->dev, "slot %u is outside region '%s' (%u peers): left alone\n",
			 me, l.name, l.max_peers);
		err = -ENODEV;
		goto err_unmap_shm;
	}
	np->me = me;
	err = npv_setup(np);
	if (err)
		goto err_free_spans;

	if (doorbell) {
		nvec = pci_alloc_irq_vectors(pdev, 1, 1 + l.nqueues, PCI_IRQ_MSIX);
		if (nvec < 0) {
			dev_warn(&pdev->dev, "no MSI-X vectors (%d): polling\n", nvec);
			nvec = 0;
		}
		/* MSI-X messages are bus-master writes */
		pci_set_master(pdev);
	}
	np->nvec = nvec;

	/* a stable MAC: locally administered, "LV", the region, the slot */
	mac[0] = 0x02;
	mac[1] = 'L';
	mac[2] = 'V';
	mac[3] = l.crc >> 8;
	mac[4] = l.crc;
	mac[5] = me;
	eth_hw_addr_set(dev, mac);
	dev->netdev_ops = &npv_netdev_ops;
	dev->ethtool_ops = &npv_ethtool_ops;
	dev->sysfs_groups[0] = &npv_attr_group;
	dev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_RXCSUM;
	if (l.features & LVOS_NPV_F_GSO)
		dev->hw_features |= NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_TSO_ECN;
	dev->features = dev->hw_features | NETIF_F_HIGHDMA;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = min_t(u32, ETH_MAX_MTU - ETH_HLEN - VLAN_HLEN, l.arena_bytes / 4);
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
#ifdef LVOS_HAVE_XDP_FEATURES
	xdp_set_features_flag(dev, NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT |
			      NETDEV_XDP_ACT_NDO_XMIT);
#endif
	pci_set_drvdata(pdev, np);

	err = register_netdev(dev);
	if (err)
		goto err_vectors;
	netdev_info(dev, "region '%s': slot %u of %u, %u queues, %u entries, %u KiB arenas, %s (%d vectors)\n",
		    l.name, me, l.max_peers, l.nqueues, l.ring_entries, l.arena_bytes >> 10,
		    doorbell ? "doorbell" : "plain, polled", nvec);
	return 0;

err_vectors:
	if (nvec)
		pci_free_irq_vectors(pdev);
	if (doorbell)
		pci_clear_master(pdev);
	for (q = 0; q < l.nqueues; q++)
		netif_napi_del(&np->qs[q].napi);
err_free_spans:
	npv_free_spans(np);
err_unmap_shm:
	memunmap(np->shm);
err_unmap_regs:
	pci_iounmap(pdev, np->regs);
err_free_dev:
	free_netdev(dev);
err_release0:
	pci_release_region(pdev, 0);
err_release2:
	pci_release_region(pdev, 2);
err_disable:
	pci_disable_device(pdev);
	return err;
}

static void npv_remove(struct pci_dev *pdev)
{
	struct lvos_npv *np = pci_get_drvdata(pdev);
	struct net_device *dev = np->dev;
	u32 q;

	unregister_netdev(dev);
	cancel_delayed_work_sync(&np->ctrl_work);	/* ndo_stop did; to be sure */
	if (np->nvec)
		pci_free_irq_vectors(pdev);
	if (np->doorbell)
		pci_clear_master(pdev);
	for (q = 0; q < np->l.nqueues; q++)
		netif_napi_del(&np->qs[q].napi);
	npv_free_spans(np);
	memunmap(np->shm);
	pci_iounmap(pdev, np->regs);
	free_netdev(dev);
	pci_release_region(pdev, 0);
	pci_release_region(pdev, 2);
	pci_disable_device(pdev);
}

static const struct pci_device_id npv_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },	/* ivshmem */
	{ }
};
MODULE_DEVICE_TABLE(pci, npv_ids);

static struct pci_driver npv_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= npv_ids,
	.probe		= npv_probe,
	.remove		= npv_remove,
};

static int __init npv_init(void)
{
	int err = lvos_check_param_ranges(npv_ranges, ARRAY_SIZE(npv_ranges));

	if (err)
		return err;
	if (slot < -1 || slot >= LVOS_NPV_MAX_PEERS) {
		pr_err("slot=%d: must be -1 or 0-%d\n", slot, LVOS_NPV_MAX_PEERS - 1);
		return -EINVAL;
	}
	return pci_register_driver(&npv_driver);
}

static void __exit npv_exit(void)
{
	pci_unregister_driver(&npv_driver);
}

module_init(npv_init);
module_exit(npv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvos: a shared-memory network device between co-located guests (ivshmem)");
MODULE_AUTHOR("lvos developers");
MODULE_VERSION(LVOS_VERSION);
