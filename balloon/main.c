// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_balloon - a virtio balloon that returns memory in 2 MiB chunks and
 * large messages, keeps a working-set floor, deflates under pressure before
 * the OOM killer, and can hand idle page cache back on its own.
 *
 * device.c: the virtio device, inflate/deflate, floor, pressure, stats,
 * free page reporting. policy.c: pure decisions (KUnit).
 * This file: parameters, /sys/kernel/lvos/balloon/ and debugfs.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include <lvos/hvdetect.h>
#include <lvos/sysfs.h>
#include <lvos/version.h>

#include "balloon.h"

MODULE_IMPORT_NS(LVOS_NS);

struct lvos_bl_settings lvos_bl_set = {
	.reserve_mb = 32,
	.hyst_mb = 16,
	.holdoff_ms = 5000,
	.watch_ms = 1000,
	.ack_timeout_ms = 10000,
	.huge = true,
	.report_chunks = true,
	.guest_driven = false,
	.shrinker = false,
	.guest_interval_s = 30,
	.guest_step_mb = 64,
	.guest_keep_mb = 64,
};

struct lvos_bl *lvos_bl_dev;
/* guards lvos_bl_dev: probe and remove change it, sysfs reads through it */
DEFINE_MUTEX(lvos_bl_dev_lock);
#ifdef LVOS_FAULT_INJECTION
bool lvos_bl_fault_drop_acks;
u32 lvos_bl_fault_target_pages;
#endif

module_param_named(reserve_mb, lvos_bl_set.reserve_mb, uint, 0444);
MODULE_PARM_DESC(reserve_mb, "memory kept free above the working set, MiB, 16-65536 (default 32)");
module_param_named(hyst_mb, lvos_bl_set.hyst_mb, uint, 0444);
MODULE_PARM_DESC(hyst_mb, "deflate only when the working set grows this far into the balloon, MiB, 0-4096 (default 16)");
module_param_named(holdoff_ms, lvos_bl_set.holdoff_ms, uint, 0444);
MODULE_PARM_DESC(holdoff_ms, "no inflation this long after a deflate under pressure, ms, 0-600000 (default 5000)");
module_param_named(watch_ms, lvos_bl_set.watch_ms, uint, 0444);
MODULE_PARM_DESC(watch_ms, "how often the floor is re-evaluated, ms, 100-60000 (default 1000)");
module_param_named(ack_timeout_ms, lvos_bl_set.ack_timeout_ms, uint, 0444);
MODULE_PARM_DESC(ack_timeout_ms, "a host that does not acknowledge a message this long stalls the balloon, ms, 100-600000 (default 10000)");
module_param_named(huge, lvos_bl_set.huge, bool, 0444);
MODULE_PARM_DESC(huge, "inflate in 2 MiB chunks first (default 1)");
module_param_named(report_chunks, lvos_bl_set.report_chunks, bool, 0444);
MODULE_PARM_DESC(report_chunks, "inflate 2 MiB chunks through the free page reporting queue when the host offers it: one discard per chunk on the host (default 1)");
module_param_named(shrinker, lvos_bl_set.shrinker, bool, 0444);
MODULE_PARM_DESC(shrinker, "with deflate-on-oom, also deflate when the kernel's reclaim runs short, before the OOM notifier (default 0, like vmw_balloon)");
module_param_named(guest_driven, lvos_bl_set.guest_driven, bool, 0444);
MODULE_PARM_DESC(guest_driven, "hand cold page cache back to the host when the guest is idle (needs free page reporting; default 0)");
module_param_named(guest_interval_s, lvos_bl_set.guest_interval_s, uint, 0444);
MODULE_PARM_DESC(guest_interval_s, "guest-driven mode: one trim per this many idle seconds, 1-86400 (default 30)");
module_param_named(guest_step_mb, lvos_bl_set.guest_step_mb, uint, 0444);
MODULE_PARM_DESC(guest_step_mb, "guest-driven mode: page cache trimmed per round at most, MiB, 1-65536 (default 64)");
module_param_named(guest_keep_mb, lvos_bl_set.guest_keep_mb, uint, 0444);
MODULE_PARM_DESC(guest_keep_mb, "guest-driven mode: page cache never trimmed below, MiB, 0-1048576 (default 64)");

/* ---- settings: one table for parameters and sysfs ---- */

struct lvos_bl_uint {
	const char *name;
	unsigned int *val;
	unsigned int min, max;
};

static const struct lvos_bl_uint lvos_bl_uints[] = {
	{ "reserve_mb", &lvos_bl_set.reserve_mb, 16, 65536 },
	{ "hyst_mb", &lvos_bl_set.hyst_mb, 0, 4096 },
	{ "holdoff_ms", &lvos_bl_set.holdoff_ms, 0, 600000 },
	{ "watch_ms", &lvos_bl_set.watch_ms, 100, 60000 },
	{ "ack_timeout_ms", &lvos_bl_set.ack_timeout_ms, 100, 600000 },
	{ "guest_interval_s", &lvos_bl_set.guest_interval_s, 1, 86400 },
	{ "guest_step_mb", &lvos_bl_set.guest_step_mb, 1, 65536 },
	{ "guest_keep_mb", &lvos_bl_set.guest_keep_mb, 0, 1048576 },
};

static const struct lvos_bl_uint *lvos_bl_uint_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lvos_bl_uints); i++)
		if (!strcmp(lvos_bl_uints[i].name, name))
			return &lvos_bl_uints[i];
	return NULL;
}

/* the bool settings: huge, report_chunks, shrinker, guest_driven */
static bool *lvos_bl_bool_of(const char *name)
{
	if (!strcmp(name, "huge"))
		return &lvos_bl_set.huge;
	if (!strcmp(name, "report_chunks"))
		return &lvos_bl_set.report_chunks;
	if (!strcmp(name, "shrinker"))
		return &lvos_bl_set.shrinker;
	return &lvos_bl_set.guest_driven;
}

static void lvos_bl_kick_dev(void)
{
	mutex_lock(&lvos_bl_dev_lock);
	if (lvos_bl_dev)
		lvos_bl_kick(lvos_bl_dev);
	mutex_unlock(&lvos_bl_dev_lock);
}

static ssize_t setting_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	const struct lvos_bl_uint *u = lvos_bl_uint_of(a->attr.name);

	if (u)
		return sysfs_emit(buf, "%u\n", READ_ONCE(*u->val));
	return sysfs_emit(buf, "%d\n", READ_ONCE(*lvos_bl_bool_of(a->attr.name)));
}

static ssize_t setting_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	const struct lvos_bl_uint *u = lvos_bl_uint_of(a->attr.name);
	unsigned int v;
	bool on;
	int err;

	if (!u) {
		err = lvos_parse_bool(a->attr.name, buf, &on);
		if (err)
			return err;
		WRITE_ONCE(*lvos_bl_bool_of(a->attr.name), on);
		lvos_bl_kick_dev();
		return count;
	}
	/* any kstrtouint failure is -EINVAL (docs/ABI) */
	err = lvos_parse_uint(u->name, buf, u->min, u->max, LVOS_UINT_OVF_EINVAL, &v);
	if (err)
		return err;
	WRITE_ONCE(*u->val, v);
	lvos_bl_kick_dev();
	return count;
}

#define LVOS_BL_SETTING(_name) \
	static struct kobj_attribute attr_##_name = __ATTR(_name, 0644, setting_show, setting_store)

LVOS_BL_SETTING(reserve_mb);
LVOS_BL_SETTING(hyst_mb);
LVOS_BL_SETTING(holdoff_ms);
LVOS_BL_SETTING(watch_ms);
LVOS_BL_SETTING(ack_timeout_ms);
LVOS_BL_SETTING(huge);
LVOS_BL_SETTING(report_chunks);
LVOS_BL_SETTING(shrinker);
LVOS_BL_SETTING(guest_driven);
LVOS_BL_SETTING(guest_interval_s);
LVOS_BL_SETTING(guest_step_mb);
LVOS_BL_SETTING(guest_keep_mb);

/* ---- telemetry: counters of the bound device, 0 without one ---- */

struct lvos_bl_counter {
	struct kobj_attribute attr;
	size_t off;		/* an unsigned long in struct lvos_bl */
};

static ssize_t counter_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	const struct lvos_bl_counter *c = container_of(a, struct lvos_bl_counter, attr);
	unsigned long v = 0;

	mutex_lock(&lvos_bl_dev_lock);
	if (lvos_bl_dev)
		v = READ_ONCE(*(unsigned long *)((char *)lvos_bl_dev + c->off));
	mutex_unlock(&lvos_bl_dev_lock);
	return sysfs_emit(buf, "%lu\n", v);
}

#define LVOS_BL_COUNTER(_name, _field) \
	static struct lvos_bl_counter attr_##_name = { \
		.attr = __ATTR(_name, 0444, counter_show, NULL), \
		.off = offsetof(struct lvos_bl, _field), \
	}

LVOS_BL_COUNTER(target, target);
LVOS_BL_COUNTER(host_target, host_target);
LVOS_BL_COUNTER(chunks, nr_chunks);
LVOS_BL_COUNTER(pages, nr_pages);
LVOS_BL_COUNTER(floor, floor.floor);
LVOS_BL_COUNTER(working_set, floor.ws);
LVOS_BL_COUNTER(limit, floor.limit);
LVOS_BL_COUNTER(refused, refused);
LVOS_BL_COUNTER(refusals, refusals);
LVOS_BL_COUNTER(inflated, inflated);
LVOS_BL_COUNTER(inflate_us, inflate_us);
LVOS_BL_COUNTER(chunk_fallbacks, chunk_fallbacks);
LVOS_BL_COUNTER(chunks_reported, chunks_reported);
LVOS_BL_COUNTER(migrated, migrated);
LVOS_BL_COUNTER(stalls, stalls);
LVOS_BL_COUNTER(unannounced, unannounced);
LVOS_BL_COUNTER(reports, reports);
LVOS_BL_COUNTER(reported_pages, reported_pages);
LVOS_BL_COUNTER(trims, trims);
LVOS_BL_COUNTER(trimmed_pages, trimmed_pages);
LVOS_BL_COUNTER(host, deflated[LVOS_BL_DEF_HOST]);
LVOS_BL_COUNTER(pressure, deflated[LVOS_BL_DEF_PRESSURE]);
LVOS_BL_COUNTER(reclaim, deflated[LVOS_BL_DEF_RECLAIM]);
LVOS_BL_COUNTER(oom, deflated[LVOS_BL_DEF_OOM]);

static ssize_t actual_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	unsigned long v = 0;

	mutex_lock(&lvos_bl_dev_lock);
	if (lvos_bl_dev)
		v = READ_ONCE(lvos_bl_dev->nr_chunks) * LVOS_BL_CHUNK +
		    READ_ONCE(lvos_bl_dev->nr_pages);
	mutex_unlock(&lvos_bl_dev_lock);
	return sysfs_emit(buf, "%lu\n", v);
}

static struct kobj_attribute attr_actual = __ATTR_RO(actual);

static ssize_t refuse_reason_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	enum lvos_bl_reason r = LVOS_BL_OK;

	mutex_lock(&lvos_bl_dev_lock);
	if (lvos_bl_dev)
		r = READ_ONCE(lvos_bl_dev->reason);
	mutex_unlock(&lvos_bl_dev_lock);
	return sysfs_emit(buf, "%s\n", lvos_bl_reason_name(r));
}

static struct kobj_attribute attr_refuse_reason = __ATTR_RO(refuse_reason);

static ssize_t device_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	ssize_t n;

	mutex_lock(&lvos_bl_dev_lock);
	n = sysfs_emit(buf, "%s\n", lvos_bl_dev ? dev_name(&lvos_bl_dev->vdev->dev) : "none");
	mutex_unlock(&lvos_bl_dev_lock);
	return n;
}

static struct kobj_attribute attr_device = __ATTR_RO(device);

static ssize_t features_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	static const struct { unsigned int bit; const char *name; } f[] = {
		{ VIRTIO_BALLOON_F_MUST_TELL_HOST, "must-tell-host" },
		{ VIRTIO_BALLOON_F_STATS_VQ, "stats" },
		{ VIRTIO_BALLOON_F_DEFLATE_ON_OOM, "deflate-on-oom" },
		{ VIRTIO_BALLOON_F_PAGE_POISON, "page-poison" },
		{ VIRTIO_BALLOON_F_REPORTING, "free-page-reporting" },
	};
	ssize_t n = 0;
	unsigned int i;

	mutex_lock(&lvos_bl_dev_lock);
	for (i = 0; lvos_bl_dev && i < ARRAY_SIZE(f); i++)
		if (virtio_has_feature(lvos_bl_dev->vdev, f[i].bit))
			n += sysfs_emit_at(buf, n, "%s%s", n ? " " : "", f[i].name);
	mutex_unlock(&lvos_bl_dev_lock);
	return n + sysfs_emit_at(buf, n, "\n");
}

static struct kobj_attribute attr_features = __ATTR_RO(features);

static ssize_t guest_state_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	ssize_t n;

	mutex_lock(&lvos_bl_dev_lock);
	n = sysfs_emit(buf, "%s\n", lvos_bl_dev ? READ_ONCE(lvos_bl_dev->guest_state)
						: "off: no balloon device");
	mutex_unlock(&lvos_bl_dev_lock);
	return n;
}

static struct kobj_attribute attr_guest_state = __ATTR_RO(guest_state);

static struct attribute *lvos_bl_attrs[] = {
	&attr_reserve_mb.attr, &attr_hyst_mb.attr, &attr_holdoff_ms.attr,
	&attr_watch_ms.attr, &attr_ack_timeout_ms.attr, &attr_huge.attr, &attr_report_chunks.attr,
	&attr_shrinker.attr, &attr_guest_driven.attr, &attr_guest_interval_s.attr,
	&attr_guest_step_mb.attr, &attr_guest_keep_mb.attr,
	&attr_device.attr, &attr_features.attr, &attr_target.attr.attr,
	&attr_host_target.attr.attr, &attr_actual.attr, &attr_chunks.attr.attr,
	&attr_pages.attr.attr, &attr_floor.attr.attr, &attr_working_set.attr.attr,
	&attr_limit.attr.attr, &attr_refused.attr.attr, &attr_refuse_reason.attr,
	&attr_refusals.attr.attr, &attr_inflated.attr.attr, &attr_inflate_us.attr.attr,
	&attr_chunk_fallbacks.attr.attr, &attr_chunks_reported.attr.attr,
	&attr_migrated.attr.attr, &attr_stalls.attr.attr, &attr_unannounced.attr.attr,
	&attr_reports.attr.attr, &attr_reported_pages.attr.attr, &attr_trims.attr.attr,
	&attr_trimmed_pages.attr.attr, &attr_guest_state.attr,
	NULL
};

static const struct attribute_group lvos_bl_group = {
	.attrs = lvos_bl_attrs,
};

static struct attribute *lvos_bl_deflated_attrs[] = {
	&attr_host.attr.attr, &attr_pressure.attr.attr, &attr_reclaim.attr.attr,
	&attr_oom.attr.attr, NULL
};

static const struct attribute_group lvos_bl_deflated_group = {
	.name = "deflated",
	.attrs = lvos_bl_deflated_attrs,
};

static const struct attribute_group *lvos_bl_groups[] = {
	&lvos_bl_group, &lvos_bl_deflated_group, NULL
};

static struct kobject *lvos_bl_kobj;
static struct dentry *lvos_bl_debugfs;

static int __init lvos_bl_init(void)
{
	const struct lvos_bl_uint *u;
	int err;

	for (u = lvos_bl_uints; u < lvos_bl_uints + ARRAY_SIZE(lvos_bl_uints); u++) {
		if (*u->val < u->min || *u->val > u->max) {
			pr_err("%s=%u: must be %u-%u\n", u->name, *u->val, u->min, u->max);
			return -EINVAL;
		}
	}
	if (lvos_hv_balloon_kind() != LVOS_BALLOON_VIRTIO)
		pr_info("hvdetect sees no virtio balloon on this %s guest: waiting for one\n",
			lvos_hv_vendor_name(lvos_hv_vendor()));

	lvos_bl_kobj = kobject_create_and_add("balloon", lvos_sysfs_root());
	if (!lvos_bl_kobj)
		return -ENOMEM;
	err = sysfs_create_groups(lvos_bl_kobj, lvos_bl_groups);
	if (err)
		goto err_kobj;
#ifdef LVOS_FAULT_INJECTION
	/* fault injection for the tests (debugfs is not ABI) */
	lvos_bl_debugfs = debugfs_create_dir("lvos_balloon", NULL);
	debugfs_create_bool("drop_acks", 0600, lvos_bl_debugfs, &lvos_bl_fault_drop_acks);
	/* QEMU clamps its target to RAM: fake a host that does not */
	debugfs_create_u32("fake_target_pages", 0600, lvos_bl_debugfs,
			   &lvos_bl_fault_target_pages);
#endif

	err = lvos_bl_register();
	if (err)
		goto err_debugfs;
	/* registering probed every free balloon device: none came */
	mutex_lock(&lvos_bl_dev_lock);
	if (!lvos_bl_dev && lvos_hv_balloon_kind() == LVOS_BALLOON_VIRTIO)
		pr_info("no free virtio balloon: another driver (virtio_balloon?) has it; unload that first (README: switching)\n");
	mutex_unlock(&lvos_bl_dev_lock);
	return 0;

err_debugfs:
	debugfs_remove_recursive(lvos_bl_debugfs);
	sysfs_remove_groups(lvos_bl_kobj, lvos_bl_groups);
err_kobj:
	kobject_put(lvos_bl_kobj);
	return err;
}

static void __exit lvos_bl_exit(void)
{
	/* the device first: every page goes back (after a reset if stalled) */
	lvos_bl_unregister();
	lvos_bl_guest_release();
	debugfs_remove_recursive(lvos_bl_debugfs);
	sysfs_remove_groups(lvos_bl_kobj, lvos_bl_groups);
	kobject_put(lvos_bl_kobj);
}

module_init(lvos_bl_init);
module_exit(lvos_bl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvos: virtio balloon with 2 MiB chunks, a working-set floor and guest-driven sizing");
MODULE_AUTHOR("lvos developers");
MODULE_VERSION(LVOS_VERSION);
