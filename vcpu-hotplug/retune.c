// SPDX-License-Identifier: GPL-2.0-only
/*
 * retune.c - what follows a change of the guest's shape: virtio-net queue
 * pairs follow the online vCPU count (virtio_net picks them only at probe)
 * and the other lvos modules get the "shape changed" notification.
 */
#include <linux/cpu.h>
#include <linux/ethtool.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>

#include <lvos/hvdetect.h>

#include "hotplug.h"

static bool lvos_hp_is_virtio_net(struct net_device *dev)
{
	struct device *parent = dev->dev.parent;

	return parent && parent->driver && !strcmp(parent->driver->name, "virtio_net") &&
	       dev->ethtool_ops && dev->ethtool_ops->get_channels &&
	       dev->ethtool_ops->set_channels;
}

/* Under hp->mutex. */
static void lvos_hp_retune_net(unsigned int prev, unsigned int online)
{
	struct net_device *dev;

	rtnl_lock();
	for_each_netdev(&init_net, dev) {
		struct ethtool_channels ch = {};
		unsigned int want, was;
		int err;

		/*
		 * What the ethtool core checks before set_channels: the device
		 * is there (not suspended or going away), and no RSS table an
		 * admin configured depends on the queue count.
		 */
		if (!lvos_hp_is_virtio_net(dev) || !netif_device_present(dev) ||
		    netif_is_rxfh_configured(dev))
			continue;
		dev->ethtool_ops->get_channels(dev, &ch);
		want = lvos_hp_queue_target(ch.combined_count, ch.max_combined, prev, online);
		if (!want)
			continue;
		was = ch.combined_count;
		ch.combined_count = want;
		err = dev->ethtool_ops->set_channels(dev, &ch);
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
