// SPDX-License-Identifier: GPL-2.0-only
/*
 * disk.c - which disks lvos_blkgrow watches, how it notices a capacity
 * change on every bus, what it does about one (event, shrink guard) and
 * the periodic trim event.
 *
 * Every bus whose driver updates the capacity by itself (virtio-blk's
 * config interrupt, virtio-scsi's event queue, NVMe's AEN, xenbus) needs
 * nothing but a look at the capacity, which costs no I/O. SCSI disks on
 * adapters that never say (pvscsi, LSI, the generic case) or say only on
 * the next I/O (a unit attention) get one READ CAPACITY per poll_ms; when
 * the answer differs from what the kernel thinks, scsi_rescan_device()
 * makes sd read it for real and notify as virtio-blk would.
 */
#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_proto.h>

#include "blkgrow.h"

#define LVOS_BG_CMD_TIMEOUT	(5 * HZ)

/* ---- which disks, on which bus ---- */

static bool lvos_bg_is_disk(struct device *dev)
{
	return dev->type && dev->type->name && !strcmp(dev->type->name, "disk");
}

/*
 * The bus of a virtual disk, or false for everything lvos leaves alone
 * (loop, dm, md, zram, CD-ROMs, its own pagefile volume).
 */
static bool lvos_bg_bus_of(struct device *dev, enum lvos_hv_bus *bus)
{
	struct gendisk *disk = dev_to_disk(dev);
	struct device *parent = dev->parent;

	if (parent && scsi_is_sdev_device(parent)) {
		struct scsi_device *sdev = to_scsi_device(parent);
		const struct scsi_host_template *t = sdev->host->hostt;
		const char *name = t->proc_name ?: t->name;

		if (sdev->type != TYPE_DISK && sdev->type != TYPE_ZBC)
			return false;
		if (!name)
			*bus = LVOS_BUS_SCSI_OTHER;
		else if (!strcmp(name, "virtio_scsi"))
			*bus = LVOS_BUS_VIRTIO_SCSI;
		else if (!strcmp(name, "vmw_pvscsi"))
			*bus = LVOS_BUS_PVSCSI;
		else if (strstr(name, "storvsc"))
			*bus = LVOS_BUS_STORVSC;
		else
			*bus = LVOS_BUS_SCSI_OTHER;
		return true;
	}
	if (parent && parent->bus && !strcmp(parent->bus->name, "virtio")) {
		*bus = LVOS_BUS_VIRTIO_BLK;
		return true;
	}
	if (!strncmp(disk->disk_name, "nvme", 4)) {
		*bus = LVOS_BUS_NVME;
		return true;
	}
	if (!strncmp(disk->disk_name, "xvd", 3)) {
		*bus = LVOS_BUS_XEN_BLK;
		return true;
	}
	return false;
}

/*
 * Whether READ CAPACITY can tell lvos anything: not for libata disks
 * (their SCSI layer answers from its cached size), USB storage and
 * removable media (a poll would keep them from suspending).
 */
static bool lvos_bg_pollable(struct device *dev)
{
	struct scsi_device *sdev;
	const char *name;

	if (!dev->parent || !scsi_is_sdev_device(dev->parent))
		return false;
	sdev = to_scsi_device(dev->parent);
	name = sdev->host->hostt->proc_name ?: sdev->host->hostt->name;
	if (sdev->removable || (sdev->vendor && !strncmp(sdev->vendor, "ATA ", 4)))
		return false;
	return !name || !strstr(name, "usb-storage");
}

/*
 * The capacity, or false when it is not a size: 0 is what drivers set
 * while a disk goes away (del_gendisk(), nvme_ns_remove()) or when sd
 * could not read it, never a host's shrink to take at its word.
 */
static bool lvos_bg_capacity(struct gendisk *disk, u64 *sectors)
{
	*sectors = get_capacity(disk);
	return *sectors && !test_bit(GD_DEAD, &disk->state);
}

/* Where the data on @disk ends (policy.c), from its partition table. */
static u64 lvos_bg_disk_data_end(struct gendisk *disk, u64 old_sectors)
{
	struct lvos_bg_extent last = {};
	struct block_device *part;
	unsigned int n = 0;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each_start(&disk->part_tbl, idx, part, 1) {
		u64 start = part->bd_start_sect, len = bdev_nr_sectors(part);

		if (start + len > last.start + last.len) {
			last.start = start;
			last.len = len;
		}
		n++;
	}
	rcu_read_unlock();
	/*
	 * A whole disk with data on it is held exclusively (a mount, LVM, LUKS,
	 * md); udev's blkid, which every resize uevent starts, opens it
	 * shared and does not count.
	 */
	return lvos_bg_data_end(&last, n ? 1 : 0, !!READ_ONCE(disk->part0->bd_holder),
				old_sectors);
}

/* ---- the event to user space ---- */

static void lvos_bg_send(struct lvos_bg_disk *d, const char *action, u64 old, u64 new,
			 const char *source)
{
	char env[5][48];
	char *envp[6];
	int i;

	lockdep_assert_held(&lvos_bg.lock);
	d->seq++;
	snprintf(env[0], sizeof(env[0]), "LVOS_BLKGROW_ACTION=%s", action);
	snprintf(env[1], sizeof(env[1]), "LVOS_BLKGROW_OLD=%llu", old);
	snprintf(env[2], sizeof(env[2]), "LVOS_BLKGROW_NEW=%llu", new);
	snprintf(env[3], sizeof(env[3]), "LVOS_BLKGROW_SOURCE=%s", source);
	snprintf(env[4], sizeof(env[4]), "LVOS_BLKGROW_SEQ=%llu", d->seq);
	for (i = 0; i < 5; i++)
		envp[i] = env[i];
	envp[5] = NULL;
	if (kobject_uevent_env(&d->dev->kobj, KOBJ_CHANGE, envp))
		pr_warn_ratelimited("%s: could not send the %s event\n",
				    d->disk->disk_name, action);
	else
		lvos_bg.events++;
}

/* ---- a capacity change ---- */

static void lvos_bg_changed(struct lvos_bg_disk *d, u64 cap, enum lvos_bg_source src)
{
	const char *name = d->disk->disk_name;
	u64 old = d->capacity, data_end;
	enum lvos_bg_change kind;

	lockdep_assert_held(&lvos_bg.lock);
	data_end = lvos_bg_disk_data_end(d->disk, old);
	kind = lvos_bg_classify(old, cap, data_end, lvos_bg.guard);
	d->capacity = cap;
	d->changes++;
	d->last_change = ktime_get_real_seconds();
	d->old_size = old;
	d->new_size = cap;
	d->source = src;
	d->kind = kind;
	d->nlines = 0;

	switch (kind) {
	case LVOS_BG_GROW:
		/* ratelimited, like every line here: a host may flap the size */
		pr_info_ratelimited("%s: capacity %llu -> %llu sectors (%llu -> %llu MiB), noticed by %s\n",
				    name, old, cap, old >> 11, cap >> 11, lvos_bg_source_name(src));
		if (d->guarded) {
			/* the admin clears the guard first; clearing sends the grow */
			pr_info_ratelimited("%s: shrink guard still on: write 'clear' to its guard file to grow\n",
					    name);
			return;
		}
		lvos_bg_send(d, "grow", old, cap, lvos_bg_source_name(src));
		return;
	case LVOS_BG_SHRINK:
		pr_warn_ratelimited("%s: capacity %llu -> %llu sectors, still past the data (%llu), noticed by %s\n",
				    name, old, cap, data_end, lvos_bg_source_name(src));
		lvos_bg_send(d, "shrink", old, cap, lvos_bg_source_name(src));
		return;
	case LVOS_BG_GUARD:
		if (!d->guarded) {
			/* the driver's flag; blockdev --setro is the admin's, untouched */
			d->ro_before = test_bit(GD_READ_ONLY, &d->disk->state);
			d->guard_old = old;
			d->guarded = true;
			set_disk_ro(d->disk, true);
		}
		d->guard_data_end = max(d->guard_data_end, data_end);
		pr_crit_ratelimited("%s: capacity fell from %llu to %llu MiB, below the end of the data at %llu MiB: disk made read-only (new writers refused; lvos-blkgrow remounts its filesystems read-only); I/O past the new end fails. Restore the size, then write 'clear' to /sys/kernel/lvos/blkgrow/disks/%s/guard\n",
				    name, old >> 11, cap >> 11, data_end >> 11, name);
		lvos_bg_send(d, "guard", old, cap, lvos_bg_source_name(src));
		return;
	default:
		return;
	}
}

int lvos_bg_guard_clear(struct lvos_bg_disk *d, bool force)
{
	const char *name = d->disk->disk_name;
	u64 cap;

	lockdep_assert_held(&lvos_bg.lock);
	if (!d->guarded)
		return 0;
	if (!lvos_bg_capacity(d->disk, &cap))
		return -ENODEV;
	if (cap < d->guard_data_end && !force) {
		pr_warn_ratelimited("%s: guard not cleared: %llu sectors is still below the data end %llu (restore the size, or write 'force')\n",
				    name, cap, d->guard_data_end);
		return -EBUSY;
	}
	d->guarded = false;
	set_disk_ro(d->disk, d->ro_before);
	/*
	 * The host discarded what lay past the shrunk end; pages of the whole
	 * disk cached before the shrink (a GPT backup header) would hide the
	 * zeros it reads back there now from the tools the grow event runs.
	 */
	invalidate_bdev(d->disk->part0);
	pr_info("%s: shrink guard cleared%s at %llu sectors\n", name,
		force ? " by force" : "", cap);
	d->capacity = cap;
	if (cap >= d->guard_old && !force) {
		/* partition and filesystem catch up; a zeroed GPT backup moves back */
		d->source = LVOS_BG_SRC_GUARD_CLEAR;
		d->kind = LVOS_BG_GROW;
		d->nlines = 0;
		lvos_bg_send(d, "grow", d->guard_old, cap,
			     lvos_bg_source_name(LVOS_BG_SRC_GUARD_CLEAR));
	}
	d->guard_data_end = 0;
	return 0;
}

void lvos_bg_report(struct lvos_bg_disk *d, int layer, const char *line)
{
	unsigned int i;

	lockdep_assert_held(&lvos_bg.lock);
	pr_info("%s: %s\n", d->disk->disk_name, line);
	/* one trim line: periodic trims must not push the change's lines out */
	if (layer == LVOS_BG_LAYER_TRIM) {
		for (i = 0; i < d->nlines; i++) {
			if (d->line_layer[i] == layer) {
				strscpy(d->lines[i], line, LVOS_BG_LINE_MAX);
				return;
			}
		}
	}
	if (d->nlines == LVOS_BG_LINES) {
		memmove(d->lines[0], d->lines[1], sizeof(d->lines[0]) * (LVOS_BG_LINES - 1));
		memmove(&d->line_layer[0], &d->line_layer[1], LVOS_BG_LINES - 1);
		d->nlines--;
	}
	strscpy(d->lines[d->nlines], line, LVOS_BG_LINE_MAX);
	d->line_layer[d->nlines++] = layer;
}

/* ---- the READ CAPACITY poll ---- */

/*
 * What the device says its capacity is. A capacity unit attention (the
 * adapter's only notice, raised by the next command after the resize)
 * sets *@ua and the command is sent once more.
 */
static int lvos_bg_read_capacity(struct scsi_device *sdev, u8 *buf, u64 *sectors,
				 bool *ua, unsigned int *cmds)
{
	struct scsi_sense_hdr sshdr;
	unsigned char cdb[16];
	int tries, res, err = -EIO;
	bool rc16 = false;

	for (tries = 0; tries < 3; tries++) {
		memset(cdb, 0, sizeof(cdb));
		memset(buf, 0, 32);
		memset(&sshdr, 0, sizeof(sshdr));
		if (rc16) {
			cdb[0] = SERVICE_ACTION_IN_16;
			cdb[1] = SAI_READ_CAPACITY_16;
			cdb[13] = 32;
		} else {
			cdb[0] = READ_CAPACITY;
		}
		(*cmds)++;
		res = lvos_scsi_read(sdev, cdb, buf, rc16 ? 32 : 8, &sshdr,
				     LVOS_BG_CMD_TIMEOUT);
		if (res > 0 && scsi_sense_valid(&sshdr) &&
		    sshdr.sense_key == UNIT_ATTENTION) {
			if (sshdr.asc == 0x2a && sshdr.ascq == 0x09)
				*ua = true;	/* CAPACITY DATA HAS CHANGED */
			continue;
		}
		if (res)
			return -EIO;
		err = rc16 ? lvos_bg_parse_rc16(buf, 32, sectors) :
			     lvos_bg_parse_rc10(buf, 8, sectors);
		if (err != -ERANGE || rc16)
			return err;
		rc16 = true;
	}
	return err;
}

/*
 * One poll of one disk; called with lvos_bg.lock held, drops it for the
 * I/O. Returns with a reference on @d the caller puts (the disk may be
 * removed while the lock is dropped).
 */
static void lvos_bg_poll(struct lvos_bg_disk *d, u8 *buf)
{
	struct scsi_device *sdev = to_scsi_device(d->dev->parent);
	unsigned int cmds = 0;
	bool ua = false;
	u64 dev_cap, cap;
	int err, rescan;

	kobject_get(&d->kobj);
	if (scsi_device_get(sdev))
		return;		/* going away, or its driver is */
	mutex_unlock(&lvos_bg.lock);

	err = sdev->sdev_state == SDEV_RUNNING ?
	      lvos_bg_read_capacity(sdev, buf, &dev_cap, &ua, &cmds) : -EAGAIN;
	/*
	 * One rescan per new answer: when sd disagrees with READ CAPACITY for
	 * its own reasons (quirks, sector sizes it refuses), asking again every
	 * poll would only repeat the rescan's commands.
	 */
	if (!err && lvos_bg_capacity(d->disk, &cap) && dev_cap != cap &&
	    dev_cap != d->rescanned_for) {
		mutex_lock(&lvos_bg.lock);
		d->pending_src = ua ? LVOS_BG_SRC_UA : LVOS_BG_SRC_POLL;
		mutex_unlock(&lvos_bg.lock);
		rescan = scsi_rescan_device(sdev);
		mutex_lock(&lvos_bg.lock);
		if (rescan)
			d->pending_src = -1;	/* not running: the next poll tries again */
		else
			d->rescanned_for = dev_cap;
		mutex_unlock(&lvos_bg.lock);
	}

	mutex_lock(&lvos_bg.lock);
	d->polls += cmds;
	lvos_bg.commands += cmds;
	if (err && err != -EAGAIN) {
		d->poll_errors++;
		pr_warn_ratelimited("%s: READ CAPACITY failed (%d); polling goes on\n",
				    d->disk->disk_name, err);
	}
	scsi_device_put(sdev);
}

/* ---- the tick: look at every disk, poll the ones that need it ---- */

static void lvos_bg_look(struct lvos_bg_disk *d)
{
	enum lvos_bg_source src;
	u64 cap;

	if (!d->tracked || !lvos_bg_capacity(d->disk, &cap))
		return;
	/* sd and NVMe rewrite the read-only flag whenever they revalidate */
	if (d->guarded && !test_bit(GD_READ_ONLY, &d->disk->state)) {
		pr_warn_ratelimited("%s: the driver made the disk writable again; the shrink guard holds it read-only\n",
				    d->disk->disk_name);
		set_disk_ro(d->disk, true);
	}
	if (cap == d->capacity)
		return;
	src = d->pending_src >= 0 ? d->pending_src : lvos_bg_source_of(d->notify);
	d->pending_src = -1;
	lvos_bg_changed(d, cap, src);
}

static bool lvos_bg_poll_due(struct lvos_bg_disk *d, unsigned long now)
{
	return d->tracked && d->poll && lvos_bg.poll_ms && time_after_eq(now, d->next_poll);
}

static void lvos_bg_trim_due(struct lvos_bg_disk *d, unsigned long now)
{
	if (!lvos_bg.trim_interval || d->guarded ||
	    !bdev_max_discard_sectors(d->disk->part0) ||
	    time_before(now, d->last_trim + lvos_bg.trim_interval * HZ))
		return;
	d->last_trim = now;
	lvos_bg_send(d, "trim", d->capacity, d->capacity, "timer");
}

void lvos_bg_tick_fn(struct work_struct *work)
{
	struct lvos_bg_disk *d;
	unsigned long now;
	bool again;
	u8 *buf;

	buf = kmalloc(32, GFP_KERNEL);
	mutex_lock(&lvos_bg.lock);
	list_for_each_entry(d, &lvos_bg.disks, node)
		lvos_bg_look(d);
	/*
	 * Poll one disk at a time and start over: the list may change while
	 * the lock is dropped for the command.
	 */
	now = jiffies;	/* once: a disk is polled at most once per tick */
	do {
		again = false;
		list_for_each_entry(d, &lvos_bg.disks, node) {
			if (!buf || !lvos_bg_poll_due(d, now))
				continue;
			d->next_poll = now + msecs_to_jiffies(lvos_bg.poll_ms);
			lvos_bg_poll(d, buf);
			lvos_bg_look(d);
			/* under the lock: release only puts the device and frees */
			kobject_put(&d->kobj);
			again = !lvos_bg.stopping;
			break;
		}
	} while (again);
	now = jiffies;
	list_for_each_entry(d, &lvos_bg.disks, node)
		lvos_bg_trim_due(d, now);
	mutex_unlock(&lvos_bg.lock);
	kfree(buf);
	mutex_lock(&lvos_bg.lock);
	if (!lvos_bg.stopping)
		queue_delayed_work(lvos_bg.wq, &lvos_bg.tick,
				   msecs_to_jiffies(lvos_bg.watch_ms));
	mutex_unlock(&lvos_bg.lock);
}

/* ---- disks come and go (block class interface) ---- */

static int lvos_bg_add_dev(LVOS_CLASS_INTF_ARGS)
{
	struct lvos_bg_disk *d;
	enum lvos_hv_bus bus;
	int err;

	if (!lvos_bg_is_disk(dev) || !lvos_bg_bus_of(dev, &bus) ||
	    (dev_to_disk(dev)->flags & GENHD_FL_HIDDEN))
		return 0;	/* hidden: an NVMe multipath path, not a disk of its own */
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return 0;	/* an untracked disk, not a failed device_add() */
	d->dev = get_device(dev);
	d->disk = dev_to_disk(dev);
	d->bus = bus;
	d->notify = lvos_hv_resize_notify(bus);
	d->poll = lvos_bg_pollable(dev) && lvos_bg_needs_poll(d->notify, lvos_bg.poll_disks);
	d->pending_src = -1;
	d->last_trim = jiffies;
	d->next_poll = jiffies;
	lvos_bg_capacity(d->disk, &d->capacity);
	err = kobject_init_and_add(&d->kobj, &lvos_bg_disk_ktype, lvos_bg.disks_kobj,
				   "%s", d->disk->disk_name);
	if (err) {
		pr_warn("%s: no sysfs directory (%d): not watched\n", d->disk->disk_name, err);
		kobject_put(&d->kobj);
		return 0;
	}
	mutex_lock(&lvos_bg.lock);
	d->tracked = true;
	list_add_tail(&d->node, &lvos_bg.disks);
	mutex_unlock(&lvos_bg.lock);
	pr_info("%s: %s, %llu MiB, capacity changes %s\n", d->disk->disk_name,
		lvos_hv_bus_name(bus), d->capacity >> 11,
		d->poll ? "polled" : "reported by the driver");
	return 0;
}

static void lvos_bg_remove_dev(LVOS_CLASS_INTF_ARGS)
{
	struct lvos_bg_disk *d, *found = NULL;
	bool guarded = false, unload = false;

	mutex_lock(&lvos_bg.lock);
	list_for_each_entry(d, &lvos_bg.disks, node) {
		if (d->dev == dev) {
			found = d;
			d->tracked = false;
			list_del(&d->node);
			guarded = d->guarded;
			unload = lvos_bg.stopping;
			break;
		}
	}
	mutex_unlock(&lvos_bg.lock);
	if (!found)
		return;
	if (guarded && unload) {
		/* nobody could clear it after the unload */
		set_disk_ro(found->disk, found->ro_before);
		pr_warn("%s: shrink guard released by the unload: the disk is writable again\n",
			found->disk->disk_name);
	} else if (guarded) {
		pr_warn("%s: removed with its shrink guard on\n", found->disk->disk_name);
	}
	kobject_del(&found->kobj);
	kobject_put(&found->kobj);
}

/*
 * The block class is not exported, but every gendisk carries it from its
 * allocation on: __alloc_disk_node() sets disk_to_dev()->class and ->type
 * before it returns (6.1 and 6.12 alike). So allocate a disk that is never
 * added (no devt, no sysfs, no uevent), take its class and put the disk:
 * put_disk() of a disk never added is every driver's probe-failure path
 * (brd, zram). block_class is a static object of the kernel, so the pointer
 * outlives the disk. Exported API only, and it works whether or not any
 * disk exists yet.
 */
static int lvos_bg_block_class(typeof(lvos_bg.intf.class) *cls)
{
	struct gendisk *disk = lvos_alloc_bare_disk();
	struct device *dev;
	int err = 0;

	if (IS_ERR(disk))
		return PTR_ERR(disk);
	dev = disk_to_dev(disk);
	if (dev->class && dev->type &&
	    lvos_bg_block_class_ok(dev->class->name, dev->type->name))
		*cls = dev->class;
	else
		err = -ENODEV;
	put_disk(disk);
	return err;
}

/*
 * The class interface reports every disk there is at registration and
 * every one to come, so nothing is ever looked up again.
 */
static int lvos_bg_attach(void)
{
	int err;

	err = lvos_bg_block_class(&lvos_bg.intf.class);
	if (err) {
		pr_err("no block class from a new gendisk (%d)\n", err);
		return err;
	}
	lvos_bg.intf.add_dev = lvos_bg_add_dev;
	lvos_bg.intf.remove_dev = lvos_bg_remove_dev;
	err = class_interface_register(&lvos_bg.intf);
	if (err) {
		pr_err("cannot watch the block class (%d)\n", err);
		lvos_bg.intf.class = NULL;
	}
	return err;
}

int lvos_bg_disks_init(void)
{
	int err;

	INIT_LIST_HEAD(&lvos_bg.disks);
	INIT_DELAYED_WORK(&lvos_bg.tick, lvos_bg_tick_fn);
	err = lvos_bg_attach();
	if (err)
		return err;
	queue_delayed_work(lvos_bg.wq, &lvos_bg.tick, msecs_to_jiffies(lvos_bg.watch_ms));
	return 0;
}

void lvos_bg_disks_exit(void)
{
	mutex_lock(&lvos_bg.lock);
	lvos_bg.stopping = true;
	mutex_unlock(&lvos_bg.lock);
	cancel_delayed_work_sync(&lvos_bg.tick);
	class_interface_unregister(&lvos_bg.intf);	/* removes every disk */
	mutex_lock(&lvos_bg.lock);
	WARN_ON(!list_empty(&lvos_bg.disks));	/* the interface took them all */
	mutex_unlock(&lvos_bg.lock);
}
