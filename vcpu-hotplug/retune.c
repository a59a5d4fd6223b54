// SPDX-License-Identifier: GPL-2.0-only
/*
 * retune.c - what follows a change of the guest's shape: multiqueue NICs
 * whose queue count follows the vCPU count keep following it (virtio_net
 * picks min(online CPUs, max) only at probe) and the other lvos modules get
 * the "shape changed" notification.
 *
 * A queue change goes through the same checks and notification as
 * `ethtool -L`. The ethtool core's own function (ethtool_set_channels() in
 * net/ethtool/ioctl.c, ethnl_set_channels() in channels.c) and its helper
 * ethtool_check_max_channel() are not exported, so lvos_hp_set_channels()
 * repeats them, in the newest core's form (6.12), with the exported
 * xsk_get_pool_from_qid() and ethtool_notify(). Keep it in step with
 * ethtool_set_channels() when a kernel adds a check.
 */
#include <linux/cpu.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/pm_runtime.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/xdp_sock_drv.h>
#ifdef LVOS_HAVE_RXQ_MP
#include <net/netdev_rx_queue.h>
#endif

#include <lvos/hvdetect.h>

#include "hotplug.h"

/*
 * The highest RX queue an admin-set RSS indirection table (or, where the
 * kernel has them, an additional RSS context) sends to:
 * ethtool_get_max_rxfh_channel() of net/ethtool/common.c. U32_MAX when it
 * cannot be read, which refuses every change as 6.12's core does.
 */
static u32 lvos_hp_max_rxfh_channel(struct net_device *dev)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	u32 size, max = 0, *indir;
	int err;

#ifdef LVOS_HAVE_RSS_CTX
	struct ethtool_rxfh_context *ctx;
	unsigned long index;

	mutex_lock(&dev->ethtool->rss_lock);
	xa_for_each(&dev->ethtool->rss_ctx, index, ctx) {
		u32 i, *tbl = ethtool_rxfh_context_indir(ctx);

		for (i = 0; i < ctx->indir_size; i++)
			max = max(max, tbl[i]);
	}
	mutex_unlock(&dev->ethtool->rss_lock);
#endif
	if (!netif_is_rxfh_configured(dev) || !ops->get_rxfh_indir_size || !ops->get_rxfh)
		return max;
	size = ops->get_rxfh_indir_size(dev);
	if (!size)
		return max;
	indir = kcalloc(size, sizeof(*indir), GFP_KERNEL);
	if (!indir)
		return U32_MAX;
	err = lvos_get_rxfh_indir(dev, indir);
	while (!err && size--)
		max = max(max, indir[size]);
	kfree(indir);
	return err ? U32_MAX : max;
}

/*
 * The highest RX queue an ntuple filter rule steers to
 * (ethtool_get_max_rxnfc_channel()); 0 when the driver has no rules.
 */
static u64 lvos_hp_max_rxnfc_channel(struct net_device *dev)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct ethtool_rxnfc cnt = { .cmd = ETHTOOL_GRXCLSRLCNT };
	struct ethtool_rxnfc *info;
	u64 max = 0;
	u32 i;

	if (!ops->get_rxnfc || ops->get_rxnfc(dev, &cnt, NULL) || !cnt.rule_cnt)
		return 0;
	info = kvzalloc(struct_size(info, rule_locs, cnt.rule_cnt), GFP_KERNEL);
	if (!info)
		return 0;	/* as the core: an error here does not refuse */
	info->cmd = ETHTOOL_GRXCLSRLALL;
	info->rule_cnt = cnt.rule_cnt;
	if (ops->get_rxnfc(dev, info, info->rule_locs))
		goto out;
	for (i = 0; i < cnt.rule_cnt; i++) {
		struct ethtool_rxnfc rule = {
			.cmd = ETHTOOL_GRXCLSRULE,
			.fs.location = info->rule_locs[i],
		};

		if (ops->get_rxnfc(dev, &rule, NULL)) {
			max = 0;
			break;
		}
		if (rule.fs.ring_cookie != RX_CLS_FLOW_DISC &&
		    rule.fs.ring_cookie != RX_CLS_FLOW_WAKE &&
		    !(rule.flow_type & FLOW_RSS) &&
		    !ethtool_get_flow_spec_ring_vf(rule.fs.ring_cookie))
			max = max_t(u64, max, rule.fs.ring_cookie);
	}
out:
	kvfree(info);
	return max;
}

/* The channel count a memory provider (devmem TCP) needs: dev_get_min_mp_channel_count(). */
static u32 lvos_hp_min_mp_channels(struct net_device *dev)
{
#ifdef LVOS_HAVE_RXQ_MP
	unsigned int i;

	for (i = dev->real_num_rx_queues; i > 0; i--)
		if (__netif_get_rx_queue(dev, i - 1)->mp_params.mp_priv)
			return i;
#endif
	return 0;
}

/*
 * ethtool_set_channels() for a new combined count, from the ethtool core's
 * entry (runtime PM, device present, ->begin) to its notification. Under
 * RTNL. Returns 0, -EINVAL with *why set to the reason (the core's
 * extack messages, shortened) when a check refuses, or the driver's error.
 */
static int lvos_hp_set_channels(struct net_device *dev, u32 combined, const char **why)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct ethtool_channels curr = { .cmd = ETHTOOL_GCHANNELS }, ch;
	u32 from, to, i;
	int err;

	ASSERT_RTNL();
	*why = NULL;
	if (dev->dev.parent)
		pm_runtime_get_sync(dev->dev.parent);
	err = -ENODEV;
	if (!netif_device_present(dev) || dev->reg_state >= NETREG_UNREGISTERING)
		goto out_pm;
	if (ops->begin) {
		err = ops->begin(dev);
		if (err)
			goto out_pm;
	}
	ops->get_channels(dev, &curr);
	ch = curr;
	ch.cmd = ETHTOOL_SCHANNELS;
	ch.combined_count = combined;
	err = 0;
	if (ch.combined_count == curr.combined_count)
		goto out_complete;

	err = -EINVAL;
	if (ch.rx_count > curr.max_rx || ch.tx_count > curr.max_tx ||
	    ch.combined_count > curr.max_combined || ch.other_count > curr.max_other) {
		*why = "over the maximum";
		goto out_complete;
	}
	if (!ch.combined_count && (!ch.rx_count || !ch.tx_count)) {
		*why = "no RX or TX channel left";
		goto out_complete;
	}
	if (ch.combined_count + ch.rx_count <= lvos_hp_max_rxfh_channel(dev)) {
		*why = "an RSS indirection table uses a queue beyond it";
		goto out_complete;
	}
	if (ch.combined_count + ch.rx_count <= lvos_hp_max_rxnfc_channel(dev)) {
		*why = "an ntuple filter rule uses a queue beyond it";
		goto out_complete;
	}
	if (ch.combined_count + ch.rx_count <= lvos_hp_min_mp_channels(dev)) {
		*why = "a memory provider uses a queue beyond it";
		goto out_complete;
	}
	/* Disabling channels: zero-copy AF_XDP sockets bound to them */
	from = ch.combined_count + min(ch.rx_count, ch.tx_count);
	to = curr.combined_count + max(curr.rx_count, curr.tx_count);
	for (i = from; i < to; i++)
		if (xsk_get_pool_from_qid(dev, i)) {
			*why = "an AF_XDP socket is bound to a queue beyond it";
			goto out_complete;
		}

	err = ops->set_channels(dev, &ch);
	if (!err)
		ethtool_notify(dev, ETHTOOL_MSG_CHANNELS_NTF, NULL);
out_complete:
	if (ops->complete)
		ops->complete(dev);
out_pm:
	if (dev->dev.parent)
		pm_runtime_put(dev->dev.parent);
	return err;
}

/*
 * Which devices follow the vCPU count, chosen by what the device shows, not
 * by driver name: a multiqueue device with combined channels only (no
 * separate RX/TX channels) whose count still equals min(previous online
 * vCPUs, max) - the one queue pair per vCPU that virtio_net (and most
 * multiqueue drivers) pick at probe, and that lvos has kept since. A count
 * anyone else set stops the following (lvos_hp_queue_target()).
 */
static u32 lvos_hp_queue_want(struct net_device *dev, unsigned int prev,
			      unsigned int online, u32 *was)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };

	if (!ops || !ops->get_channels || !ops->set_channels || !netif_device_present(dev))
		return 0;
	ops->get_channels(dev, &ch);
	if (ch.rx_count || ch.tx_count)
		return 0;
	*was = ch.combined_count;
	return lvos_hp_queue_target(ch.combined_count, ch.max_combined, prev, online);
}

/* Under hp->mutex. */
static void lvos_hp_retune_net(unsigned int prev, unsigned int online)
{
	struct net_device *dev;

	rtnl_lock();
	for_each_netdev(&init_net, dev) {
		const char *why;
		u32 want, was;
		int err;

		want = lvos_hp_queue_want(dev, prev, online, &was);
		if (!want)
			continue;
		err = lvos_hp_set_channels(dev, want, &why);
		if (why) {
			/* the admin's configuration comes first, as for ethtool -L */
			lvos_hp_record("retune", dev->name, -1, false,
				       "queue pairs stay %u (not %u): %s", was, want, why);
			continue;
		}
		if (err) {
			lvos_hp_record("retune", dev->name, -1, true,
				       "queue pairs %u -> %u failed (%d)", was, want, err);
			continue;
		}
		lvos_hp.queue_changes++;
		pr_info("%s: queue pairs %u -> %u for %u online vCPUs\n",
			dev->name, was, want, online);
	}
	rtnl_unlock();
}

void lvos_hp_retune(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int online, present, what = 0;
	unsigned long ram;

	mutex_lock(&hp->mutex);
	cpus_read_lock();
	online = num_online_cpus();
	present = num_present_cpus();
	cpus_read_unlock();
	ram = totalram_pages();

	if (hp->retune && online != hp->shape_cpus)
		lvos_hp_retune_net(hp->shape_cpus, online);

	if (online != hp->shape_cpus || present != hp->shape_present)
		what |= LVOS_SHAPE_CPUS;
	if (ram != hp->shape_ram)
		what |= LVOS_SHAPE_MEMORY;
	hp->shape_cpus = online;
	hp->shape_present = present;
	hp->shape_ram = ram;
	mutex_unlock(&hp->mutex);

	if (what) {
		lvos_shape_changed(what);
		WRITE_ONCE(hp->notifications, hp->notifications + 1);
	}
}
