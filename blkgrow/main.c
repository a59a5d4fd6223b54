// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_blkgrow - when the host resizes a virtual disk, the guest sees it on
 * every bus and user space gets one well-formed event to grow the stack
 * (tools/lvos-blkgrow); a shrink below the data makes the disk read-only.
 *
 * disk.c: which disks, noticing changes (watch and READ CAPACITY poll),
 * events, the shrink guard. policy.c: pure decisions (KUnit).
 * This file: parameters and /sys/kernel/lvos/blkgrow/.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <lvos/hvdetect.h>
#include <lvos/sysfs.h>
#include <lvos/version.h>

#include "blkgrow.h"

MODULE_IMPORT_NS(LVOS_NS);

struct lvos_bg lvos_bg = {
	.lock = __MUTEX_INITIALIZER(lvos_bg.lock),
};

/* ---- settings: module parameters at load, sysfs afterwards ---- */

#define LVOS_BG_POLL_MIN	100U		/* poll_ms, or 0 */
#define LVOS_BG_POLL_MAX	3600000U
#define LVOS_BG_WATCH_MIN	50U		/* watch_ms */
#define LVOS_BG_WATCH_MAX	10000U
#define LVOS_BG_TRIM_MAX	2592000U	/* trim_interval, s: 30 days */

static unsigned int poll_ms = 1000;
module_param(poll_ms, uint, 0444);
MODULE_PARM_DESC(poll_ms, "READ CAPACITY poll of SCSI disks whose adapter does not report resizes, ms, 0 or 100-3600000 (default 1000)");
static unsigned int watch_ms = 250;
module_param(watch_ms, uint, 0444);
MODULE_PARM_DESC(watch_ms, "how often the capacity of every disk is compared (no I/O), ms, 50-10000 (default 250)");
static unsigned int trim_interval = 3600;
module_param(trim_interval, uint, 0444);
MODULE_PARM_DESC(trim_interval, "trim event per discard-capable disk every this many s, 0 = never, up to 2592000 (default 3600)");
static bool poll_bare_metal;
module_param(poll_bare_metal, bool, 0444);
MODULE_PARM_DESC(poll_bare_metal, "poll SCSI disks' capacity on bare metal too (default 0: no command to any disk outside a VM)");
static bool guard = true;
module_param(guard, bool, 0444);
MODULE_PARM_DESC(guard, "make a disk read-only when it shrinks below its data (default 1)");

/* any kstrtouint failure is -EINVAL (docs/ABI) */
static int lvos_bg_parse(const char *file, const char *buf, unsigned int min,
			 unsigned int max, bool zero, unsigned int *val)
{
	return lvos_parse_uint(file, buf, min, max,
			       LVOS_UINT_OVF_EINVAL | (zero ? LVOS_UINT_ZERO_OK : 0), val);
}

/* ---- /sys/kernel/lvos/blkgrow ---- */

static ssize_t lvos_bg_store_uint(const char *file, const char *buf, size_t count,
				  unsigned int min, unsigned int max, bool zero,
				  unsigned int *field)
{
	unsigned int v;
	int err = lvos_bg_parse(file, buf, min, max, zero, &v);

	if (err)
		return err;
	mutex_lock(&lvos_bg.lock);
	*field = v;
	mutex_unlock(&lvos_bg.lock);
	return count;
}

static ssize_t lvos_bg_show_u64(char *buf, const u64 *field)
{
	u64 v;

	mutex_lock(&lvos_bg.lock);
	v = *field;
	mutex_unlock(&lvos_bg.lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t poll_ms_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(lvos_bg.poll_ms));
}

static ssize_t poll_ms_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	return lvos_bg_store_uint("poll_ms", buf, count, LVOS_BG_POLL_MIN,
				  LVOS_BG_POLL_MAX, true, &lvos_bg.poll_ms);
}

static ssize_t watch_ms_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(lvos_bg.watch_ms));
}

static ssize_t watch_ms_store(struct kobject *k, struct kobj_attribute *a,
			      const char *buf, size_t count)
{
	return lvos_bg_store_uint("watch_ms", buf, count, LVOS_BG_WATCH_MIN,
				  LVOS_BG_WATCH_MAX, false, &lvos_bg.watch_ms);
}

static ssize_t trim_interval_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(lvos_bg.trim_interval));
}

static ssize_t trim_interval_store(struct kobject *k, struct kobj_attribute *a,
				   const char *buf, size_t count)
{
	return lvos_bg_store_uint("trim_interval", buf, count, 1, LVOS_BG_TRIM_MAX,
				  true, &lvos_bg.trim_interval);
}

static ssize_t guard_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(lvos_bg.guard));
}

static ssize_t guard_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t count)
{
	bool v;
	int err = lvos_parse_bool("guard", buf, &v);

	if (err)
		return err;
	mutex_lock(&lvos_bg.lock);
	lvos_bg.guard = v;
	mutex_unlock(&lvos_bg.lock);
	return count;
}

static ssize_t commands_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_bg_show_u64(buf, &lvos_bg.commands);
}

static ssize_t events_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_bg_show_u64(buf, &lvos_bg.events);
}

static struct kobj_attribute lvos_bg_attr_poll_ms = __ATTR_RW(poll_ms);
static struct kobj_attribute lvos_bg_attr_watch_ms = __ATTR_RW(watch_ms);
static struct kobj_attribute lvos_bg_attr_trim_interval = __ATTR_RW(trim_interval);
static struct kobj_attribute lvos_bg_attr_guard = __ATTR_RW(guard);
static struct kobj_attribute lvos_bg_attr_commands = __ATTR_RO(commands);
static struct kobj_attribute lvos_bg_attr_events = __ATTR_RO(events);

static struct attribute *lvos_bg_attrs[] = {
	&lvos_bg_attr_poll_ms.attr,
	&lvos_bg_attr_watch_ms.attr,
	&lvos_bg_attr_trim_interval.attr,
	&lvos_bg_attr_guard.attr,
	&lvos_bg_attr_commands.attr,
	&lvos_bg_attr_events.attr,
	NULL,
};

static const struct attribute_group lvos_bg_group = {
	.attrs = lvos_bg_attrs,
};

/* ---- /sys/kernel/lvos/blkgrow/disks/<disk> ---- */

#define to_bg_disk(k) container_of(k, struct lvos_bg_disk, kobj)

enum lvos_bg_field {
	LVOS_BG_F_BUS, LVOS_BG_F_NOTICE, LVOS_BG_F_POLLED, LVOS_BG_F_SIZE,
	LVOS_BG_F_DATA_END, LVOS_BG_F_CHANGES, LVOS_BG_F_LAST_CHANGE,
	LVOS_BG_F_OLD_SIZE, LVOS_BG_F_NEW_SIZE, LVOS_BG_F_SOURCE,
	LVOS_BG_F_LAST_EVENT, LVOS_BG_F_LAYERS, LVOS_BG_F_GUARD,
	LVOS_BG_F_POLLS, LVOS_BG_F_POLL_ERRORS, LVOS_BG_F_SEQ, LVOS_BG_F_REPORT,
};

struct lvos_bg_disk_attr {
	struct attribute attr;
	enum lvos_bg_field field;
};

static ssize_t lvos_bg_disk_emit(struct lvos_bg_disk *d, enum lvos_bg_field f, char *buf)
{
	ssize_t len = 0;
	int i;

	switch (f) {
	case LVOS_BG_F_BUS:
		return sysfs_emit(buf, "%s\n", lvos_hv_bus_name(d->bus));
	case LVOS_BG_F_NOTICE:
		return sysfs_emit(buf, "%s\n", lvos_hv_notify_name(d->notify));
	case LVOS_BG_F_POLLED:
		return sysfs_emit(buf, "%d\n", d->poll && lvos_bg.poll_ms);
	case LVOS_BG_F_SIZE:
		return sysfs_emit(buf, "%llu\n", d->capacity);
	case LVOS_BG_F_DATA_END:
		return sysfs_emit(buf, "%llu\n", d->guarded ? d->guard_data_end : 0);
	case LVOS_BG_F_CHANGES:
		return sysfs_emit(buf, "%llu\n", d->changes);
	case LVOS_BG_F_LAST_CHANGE:
		return sysfs_emit(buf, "%lld\n", (long long)d->last_change);
	case LVOS_BG_F_OLD_SIZE:
		return sysfs_emit(buf, "%llu\n", d->old_size);
	case LVOS_BG_F_NEW_SIZE:
		return sysfs_emit(buf, "%llu\n", d->new_size);
	case LVOS_BG_F_SOURCE:
		return sysfs_emit(buf, "%s\n",
				  d->changes ? lvos_bg_source_name(d->source) : "none");
	case LVOS_BG_F_LAST_EVENT:
		return sysfs_emit(buf, "%s\n", lvos_bg_change_name(d->kind));
	case LVOS_BG_F_LAYERS:
		for (i = 0; i < d->nlines; i++)
			len += sysfs_emit_at(buf, len, "%s\n", d->lines[i]);
		return len;
	case LVOS_BG_F_GUARD:
		if (!d->guarded)
			return sysfs_emit(buf, "off\n");
		return sysfs_emit(buf, "read-only: capacity %llu below data end %llu (was %llu)\n",
				  d->capacity, d->guard_data_end, d->guard_old);
	case LVOS_BG_F_POLLS:
		return sysfs_emit(buf, "%llu\n", d->polls);
	case LVOS_BG_F_POLL_ERRORS:
		return sysfs_emit(buf, "%llu\n", d->poll_errors);
	case LVOS_BG_F_SEQ:
		return sysfs_emit(buf, "%llu\n", d->seq);
	case LVOS_BG_F_REPORT:
		return 0;	/* write-only */
	}
	return -EIO;
}

static ssize_t lvos_bg_disk_show(struct kobject *k, struct attribute *a, char *buf)
{
	struct lvos_bg_disk_attr *da = container_of(a, struct lvos_bg_disk_attr, attr);
	ssize_t ret;

	mutex_lock(&lvos_bg.lock);
	ret = lvos_bg_disk_emit(to_bg_disk(k), da->field, buf);
	mutex_unlock(&lvos_bg.lock);
	return ret;
}

static ssize_t lvos_bg_disk_store(struct kobject *k, struct attribute *a,
				  const char *buf, size_t count)
{
	struct lvos_bg_disk_attr *da = container_of(a, struct lvos_bg_disk_attr, attr);
	struct lvos_bg_disk *d = to_bg_disk(k);
	char *line;
	int layer, err = 0;

	if (da->field == LVOS_BG_F_GUARD) {
		bool force = sysfs_streq(buf, "force");

		if (!force && !sysfs_streq(buf, "clear")) {
			pr_warn_ratelimited("%s: guard: '%.*s' is not clear or force\n",
					    kobject_name(k), (int)strcspn(buf, "\n"), buf);
			return -EINVAL;
		}
		mutex_lock(&lvos_bg.lock);
		err = d->tracked ? lvos_bg_guard_clear(d, force) : -ENODEV;
		mutex_unlock(&lvos_bg.lock);
		return err ?: count;
	}
	/* the report file: one "<layer> <outcome> <detail>" line */
	line = kmalloc(LVOS_BG_LINE_MAX, GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	layer = lvos_bg_parse_report(buf, count, line);
	if (layer < 0) {
		pr_warn_ratelimited("%s: report: not '<layer> <outcome> <detail>' (layer partition|luks|lvm|fs|guard|trim, outcome grown|unchanged|skipped|failed|done, printable, < %u bytes)\n",
				    kobject_name(k), LVOS_BG_LINE_MAX);
		err = -EINVAL;
	} else {
		mutex_lock(&lvos_bg.lock);
		lvos_bg_report(d, layer, line);
		mutex_unlock(&lvos_bg.lock);
	}
	kfree(line);
	return err ?: count;
}

#define LVOS_BG_DISK_ATTR(_name, _mode, _field)				\
	static struct lvos_bg_disk_attr lvos_bg_dattr_##_name = {	\
		.attr = { .name = __stringify(_name), .mode = _mode },	\
		.field = _field,					\
	}

LVOS_BG_DISK_ATTR(bus, 0444, LVOS_BG_F_BUS);
LVOS_BG_DISK_ATTR(notice, 0444, LVOS_BG_F_NOTICE);
LVOS_BG_DISK_ATTR(polled, 0444, LVOS_BG_F_POLLED);
LVOS_BG_DISK_ATTR(size, 0444, LVOS_BG_F_SIZE);
LVOS_BG_DISK_ATTR(data_end, 0444, LVOS_BG_F_DATA_END);
LVOS_BG_DISK_ATTR(changes, 0444, LVOS_BG_F_CHANGES);
LVOS_BG_DISK_ATTR(last_change, 0444, LVOS_BG_F_LAST_CHANGE);
LVOS_BG_DISK_ATTR(old_size, 0444, LVOS_BG_F_OLD_SIZE);
LVOS_BG_DISK_ATTR(new_size, 0444, LVOS_BG_F_NEW_SIZE);
LVOS_BG_DISK_ATTR(source, 0444, LVOS_BG_F_SOURCE);
LVOS_BG_DISK_ATTR(last_event, 0444, LVOS_BG_F_LAST_EVENT);
LVOS_BG_DISK_ATTR(layers, 0444, LVOS_BG_F_LAYERS);
LVOS_BG_DISK_ATTR(report, 0200, LVOS_BG_F_REPORT);
LVOS_BG_DISK_ATTR(guard, 0644, LVOS_BG_F_GUARD);
LVOS_BG_DISK_ATTR(polls, 0444, LVOS_BG_F_POLLS);
LVOS_BG_DISK_ATTR(poll_errors, 0444, LVOS_BG_F_POLL_ERRORS);
LVOS_BG_DISK_ATTR(seq, 0444, LVOS_BG_F_SEQ);

static struct attribute *lvos_bg_disk_attrs[] = {
	&lvos_bg_dattr_bus.attr, &lvos_bg_dattr_notice.attr,
	&lvos_bg_dattr_polled.attr, &lvos_bg_dattr_size.attr,
	&lvos_bg_dattr_data_end.attr, &lvos_bg_dattr_changes.attr,
	&lvos_bg_dattr_last_change.attr, &lvos_bg_dattr_old_size.attr,
	&lvos_bg_dattr_new_size.attr, &lvos_bg_dattr_source.attr,
	&lvos_bg_dattr_last_event.attr, &lvos_bg_dattr_layers.attr,
	&lvos_bg_dattr_report.attr, &lvos_bg_dattr_guard.attr,
	&lvos_bg_dattr_polls.attr, &lvos_bg_dattr_poll_errors.attr,
	&lvos_bg_dattr_seq.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lvos_bg_disk);

static const struct sysfs_ops lvos_bg_disk_ops = {
	.show = lvos_bg_disk_show,
	.store = lvos_bg_disk_store,
};

static void lvos_bg_disk_release(struct kobject *k)
{
	struct lvos_bg_disk *d = to_bg_disk(k);

	put_device(d->dev);
	kfree(d);
}

const struct kobj_type lvos_bg_disk_ktype = {
	.sysfs_ops = &lvos_bg_disk_ops,
	.default_groups = lvos_bg_disk_groups,
	.release = lvos_bg_disk_release,
};

/* ---- load and unload ---- */

static int __init lvos_bg_init(void)
{
	static const struct lvos_param_range ranges[] = {
		{ "poll_ms", &poll_ms, LVOS_BG_POLL_MIN, LVOS_BG_POLL_MAX, true },
		{ "watch_ms", &watch_ms, LVOS_BG_WATCH_MIN, LVOS_BG_WATCH_MAX, false },
		{ "trim_interval", &trim_interval, 1, LVOS_BG_TRIM_MAX, true },
	};
	int err;

	err = lvos_check_param_ranges(ranges, ARRAY_SIZE(ranges));
	if (err)
		return err;
	lvos_bg.poll_ms = poll_ms;
	lvos_bg.poll_disks = lvos_hv_vendor() != LVOS_HV_NONE || poll_bare_metal;
	if (!lvos_bg.poll_disks)
		pr_info("bare metal: no READ CAPACITY polling (poll_bare_metal=1 to poll)\n");
	lvos_bg.watch_ms = watch_ms;
	lvos_bg.trim_interval = trim_interval;
	lvos_bg.guard = guard;

	/* no SCSI commands during suspend: the adapter may be frozen */
	lvos_bg.wq = alloc_ordered_workqueue("lvos_blkgrow", WQ_FREEZABLE);
	if (!lvos_bg.wq)
		return -ENOMEM;
	err = -ENOMEM;
	lvos_bg.kobj = kobject_create_and_add("blkgrow", lvos_sysfs_root());
	if (!lvos_bg.kobj)
		goto err_wq;
	err = sysfs_create_group(lvos_bg.kobj, &lvos_bg_group);
	if (err)
		goto err_kobj;
	lvos_bg.disks_kobj = kobject_create_and_add("disks", lvos_bg.kobj);
	if (!lvos_bg.disks_kobj) {
		err = -ENOMEM;
		goto err_kobj;
	}
	err = lvos_bg_disks_init();
	if (err)
		goto err_disks;
	pr_info("watching disks every %u ms, polling SCSI capacity every %u ms, guard %s\n",
		watch_ms, poll_ms, guard ? "on" : "off");
	return 0;

err_disks:
	kobject_put(lvos_bg.disks_kobj);
err_kobj:
	kobject_put(lvos_bg.kobj);
err_wq:
	destroy_workqueue(lvos_bg.wq);
	return err;
}

static void __exit lvos_bg_exit(void)
{
	lvos_bg_disks_exit();
	kobject_put(lvos_bg.disks_kobj);
	kobject_put(lvos_bg.kobj);
	destroy_workqueue(lvos_bg.wq);
}

module_init(lvos_bg_init);
module_exit(lvos_bg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvos: virtual disks grow online on every bus; shrink guard");
MODULE_AUTHOR("lvos developers");
MODULE_VERSION(LVOS_VERSION);
