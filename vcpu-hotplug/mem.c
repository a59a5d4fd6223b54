// SPDX-License-Identifier: GPL-2.0-only
/*
 * mem.c - hot-added memory: the online policy and the memory events.
 *
 * Out-of-tree code cannot online a memory block (device_online() and
 * online_memory_block() are not exported), and writing a block's sysfs
 * "state" from a kernel thread hits lock_device_hotplug_sysfs()'s
 * restart_syscall(). The kernel onlines new blocks itself, inside the ACPI
 * hot-add, when its global policy says so (auto_online_blocks, and
 * memory_hotplug.online_policy/auto_movable_ratio for the zones). That
 * policy belongs to the admin and to userspace: tools/lvos-memory-policy,
 * run by udev on this module's add/change/remove uevents, sets it where
 * the admin expressed nothing and puts it back after unload. This module
 * opens no file: it only says whether it wants memory onlined
 * (memory_policy, movable_ratio in sysfs, a change uevent when they are
 * written) and reports what happened.
 *
 * The memory bus notifier (found through /sys/devices/system/memory, since
 * memory_subsys is not exported) and the memory notifier report what
 * happened: blocks added, onlined (and in which zone), removed, latency.
 */
#include <linux/cpu.h>
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "hotplug.h"

/* ---- events ---- */

static int lvos_hp_mem_bus_event(struct notifier_block *nb, unsigned long action,
				 void *data)
{
	struct lvos_hp *hp = &lvos_hp;
	struct device *dev = data;
	u64 now = ktime_get_boottime_ns();
	unsigned long batch;
	void *entry;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		spin_lock_irq(&hp->lock);
		/* a batch already reported (left offline) is closed */
		if (!hp->mem_added || hp->mem_reported) {
			hp->mem_batch++;
			hp->mem_added = 0;
			hp->mem_pending = 0;
			hp->mem_onlined = 0;
			hp->mem_movable = 0;
			hp->mem_reported = false;
			hp->mem_first_add = dev->id;
			hp->mem_add_ns = now;
		}
		batch = hp->mem_batch;
		hp->mem_added++;
		spin_unlock_irq(&hp->lock);
		/* which batch each block belongs to, until it comes online */
		if (!xa_err(xa_store(&hp->mem_blocks, dev->id, xa_mk_value(batch), GFP_KERNEL))) {
			spin_lock_irq(&hp->lock);
			if (batch == hp->mem_batch)
				hp->mem_pending++;
			spin_unlock_irq(&hp->lock);
		}
		lvos_hp_kick();
		break;
	case BUS_NOTIFY_REMOVED_DEVICE:
		/* a block of the open batch that never came online never will */
		entry = xa_erase(&hp->mem_blocks, dev->id);
		spin_lock_irq(&hp->lock);
		if (entry && xa_to_value(entry) == hp->mem_batch && hp->mem_pending)
			hp->mem_pending--;
		if (!hp->mem_removed) {
			hp->mem_first_remove = dev->id;
			hp->mem_remove_ns = now;
		}
		hp->mem_removed++;
		spin_unlock_irq(&hp->lock);
		lvos_hp_kick();
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block lvos_hp_mem_bus_nb = {
	.notifier_call = lvos_hp_mem_bus_event,
};

static int lvos_hp_mem_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct memory_notify *arg = data;
	struct lvos_hp *hp = &lvos_hp;
	unsigned long id, first, last, batch, mine = 0;
	bool movable;
	void *entry;

	switch (action) {
	case MEM_ONLINE:
		movable = zone_idx(page_zone(pfn_to_page(arg->start_pfn))) == ZONE_MOVABLE;
		first = PFN_PHYS(arg->start_pfn) / memory_block_size_bytes();
		last = PFN_PHYS(arg->start_pfn + arg->nr_pages - 1) / memory_block_size_bytes();
		spin_lock_irq(&hp->lock);
		batch = hp->mem_batch;
		spin_unlock_irq(&hp->lock);
		/* only blocks of the open batch count, not an admin's others */
		for (id = first; id <= last; id++) {
			entry = xa_erase(&hp->mem_blocks, id);
			if (entry && xa_to_value(entry) == batch)
				mine++;
		}
		spin_lock_irq(&hp->lock);
		if (mine && batch == hp->mem_batch) {
			mine = min_t(unsigned long, mine, hp->mem_pending);
			hp->mem_pending -= mine;
			hp->mem_onlined += mine;
			hp->mem_online_ns = ktime_get_boottime_ns();
			if (movable)
				hp->mem_movable += mine;
		}
		spin_unlock_irq(&hp->lock);
		lvos_hp_kick();
		break;
	case MEM_OFFLINE:
		spin_lock_irq(&hp->lock);
		if (!hp->mem_removed)
			hp->mem_offline_ns = ktime_get_boottime_ns();
		spin_unlock_irq(&hp->lock);
		lvos_hp_kick();
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block lvos_hp_mem_nb = {
	.notifier_call = lvos_hp_mem_event,
};

/*
 * In the worker, after the hotplug that caused it finished. A batch is
 * reported when all its blocks are online, or once while some are not
 * (and again when they come online later, by whoever onlines them).
 */
void lvos_hp_mem_settle(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int added, pending, onlined, movable, removed;
	bool reported;
	char name[24];
	s64 lat = -1;
	int first;

	spin_lock_irq(&hp->lock);
	added = hp->mem_added;
	pending = hp->mem_pending;
	onlined = hp->mem_onlined;
	movable = hp->mem_movable;
	reported = hp->mem_reported;
	first = hp->mem_first_add;
	if (added && !pending && hp->mem_online_ns > hp->mem_add_ns)
		lat = div_u64(hp->mem_online_ns - hp->mem_add_ns, NSEC_PER_USEC);
	if (added && !pending) {
		hp->mem_added = 0;
		hp->mem_reported = false;
	} else if (added) {
		hp->mem_reported = true;
	}
	removed = hp->mem_removed;
	hp->mem_removed = 0;
	spin_unlock_irq(&hp->lock);

	/* a batch whose blocks were all removed before any came online: nothing to say */
	if (added && (!pending || !reported) && (pending || onlined)) {
		snprintf(name, sizeof(name), "memory%d", first);
		if (!pending)
			lvos_hp_record("memory-add", name, lat, false,
				       "online: %u blocks, %u movable%s", onlined, movable,
				       reported ? " (onlined by someone else)" : "");
		else
			lvos_hp_record("memory-add", name, -1, false,
				       "%u of %u blocks left offline (memory_policy %s, auto_online_blocks)",
				       pending, added, lvos_hp_mode_name(hp->mem_mode));
	}
	if (removed) {
		spin_lock_irq(&hp->lock);
		first = hp->mem_first_remove;
		if (hp->mem_offline_ns && hp->mem_remove_ns >= hp->mem_offline_ns)
			lat = div_u64(hp->mem_remove_ns - hp->mem_offline_ns, NSEC_PER_USEC);
		else
			lat = -1;
		hp->mem_offline_ns = 0;
		spin_unlock_irq(&hp->lock);
		snprintf(name, sizeof(name), "memory%d", first);
		lvos_hp_record("memory-remove", name, lat, false, "removed: %u blocks", removed);
	}
}

struct lvos_hp_mem_counts {
	unsigned int online, offline, movable;
};

static int lvos_hp_count_block(struct device *dev, void *data)
{
	struct memory_block *mem = container_of(dev, struct memory_block, dev);
	struct lvos_hp_mem_counts *c = data;
	struct zone *zone;

	if (READ_ONCE(mem->state) != MEM_ONLINE) {
		c->offline++;
		return 0;
	}
	c->online++;
	zone = READ_ONCE(mem->zone);
	if (zone && zone_idx(zone) == ZONE_MOVABLE)
		c->movable++;
	return 0;
}

/* -ENODEV without the memory bus: a count of 0 would be a lie */
int lvos_hp_mem_count(unsigned int *online, unsigned int *offline,
		      unsigned int *movable)
{
	struct lvos_hp_mem_counts c = {};

	if (!lvos_hp.mem_bus)
		return -ENODEV;
	bus_for_each_dev(lvos_hp.mem_bus, NULL, &c, lvos_hp_count_block);
	*online = c.online;
	*offline = c.offline;
	*movable = c.movable;
	return 0;
}

/* ---- setup ---- */

/*
 * The memory bus. memory_subsys is not exported, and no exported function
 * of 6.1 or 6.12 leads to it (find_memory_block() and walk_memory_blocks()
 * are not exported either: checked in both Module.symvers), so lvos takes
 * the bus of a memory block device: a child of
 * /sys/devices/system/memory, a sibling of /sys/devices/system/cpu whose
 * bus (cpu_subsys) is exported. Bus devices hang off their root by kobject
 * only (dev->parent stays NULL), so the search walks the kset every device
 * belongs to, and it takes nothing on trust: the root must be the
 * "memory" child of @system, the device a "memory<N>" under it on a bus
 * named "memory". Returns that device with a reference, or NULL.
 * A function of its own (the kset and @system as arguments) for KUnit.
 */
struct device *lvos_hp_mem_walk(struct kset *devices, const struct kobject *system)
{
	struct kobject *k, *root = NULL;
	struct device *found = NULL;

	spin_lock(&devices->list_lock);
	list_for_each_entry(k, &devices->list, entry) {
		if (k->parent == system && !strcmp(kobject_name(k) ?: "", "memory")) {
			root = k;
			break;
		}
	}
	if (root) {
		list_for_each_entry(k, &devices->list, entry) {
			struct device *dev = kobj_to_dev(k);

			if (k->parent != root || !lvos_hp_mem_block_name_ok(kobject_name(k)) ||
			    !dev->bus || !dev->bus->name || strcmp(dev->bus->name, "memory"))
				continue;
			found = get_device(dev);
			break;
		}
	}
	spin_unlock(&devices->list_lock);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_mem_walk);

/*
 * The walk's answer, checked once more through the bus itself: the bus
 * lists the device under its name (bus_find_device_by_name() walks the
 * bus's own klist), so it is a registered bus and the device is on it.
 */
static int lvos_hp_find_mem_bus(void)
{
	struct device *cpu0 = get_cpu_device(0);
	struct kobject *cpu_root = cpu0 ? cpu0->kobj.parent : NULL;
	struct device *dev, *listed;
	int err = -ENODEV;

	if (!cpu_root || !cpu_root->parent || !cpu0->kobj.kset)
		return -ENODEV;
	dev = lvos_hp_mem_walk(cpu0->kobj.kset, cpu_root->parent);
	if (!dev)
		return -ENODEV;
	listed = bus_find_device_by_name(dev->bus, NULL, dev_name(dev));
	if (listed == dev) {
		lvos_hp.mem_bus = dev->bus;
		err = 0;
	}
	put_device(listed);
	put_device(dev);
	return err;
}

int lvos_hp_mem_init(void)
{
	struct lvos_hp *hp = &lvos_hp;
	int err;

	xa_init(&hp->mem_blocks);
	err = register_memory_notifier(&lvos_hp_mem_nb);
	if (err)
		return err;
	err = lvos_hp_find_mem_bus();
	if (!err) {
		err = bus_register_notifier(hp->mem_bus, &lvos_hp_mem_bus_nb);
		if (err)
			hp->mem_bus = NULL;
	}
	/* what the user gets: no memory events, memory_blocks_* fail with -ENODEV */
	if (err)
		pr_warn("memory block devices not found (%d): memory hot-add is not reported, memory_blocks_* read -ENODEV\n",
			err);
	return 0;
}

void lvos_hp_mem_exit(void)
{
	struct lvos_hp *hp = &lvos_hp;

	if (hp->mem_bus)
		bus_unregister_notifier(hp->mem_bus, &lvos_hp_mem_bus_nb);
	unregister_memory_notifier(&lvos_hp_mem_nb);
	xa_destroy(&hp->mem_blocks);
}
