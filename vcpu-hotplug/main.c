// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_vcpu_hotplug - hot-added vCPUs and memory come online at once, from
 * inside the kernel, with a zone policy that keeps memory unpluggable; the
 * guest re-tunes itself for its new shape and reports what happened.
 *
 * cpu.c: vCPU hot-add/remove, admin-offline bookkeeping, refused hot-adds,
 * density mode. mem.c: memory online policy and events. retune.c: what
 * follows a change (NIC queue pairs, the shape notification).
 * This file: parameters, /sys/kernel/lvos/hotplug/, the event record.
 */
#include <linux/acpi.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <lvos/hvdetect.h>
#include <lvos/sysfs.h>
#include <lvos/version.h>

#include "hotplug.h"

MODULE_IMPORT_NS(LVOS_NS);

struct lvos_hp lvos_hp;

/* ---- module parameters (load-time defaults; sysfs changes them live) ---- */

#define LVOS_HP_RATIO_MAX	3000U	/* movable_ratio, percent */
#define LVOS_HP_INTERVAL_MIN	100U	/* park_interval_ms */
#define LVOS_HP_INTERVAL_MAX	60000U

static int cpu_policy = LVOS_HP_AUTO;
static int memory_policy = LVOS_HP_AUTO;

static int lvos_hp_param_set_mode(const char *val, const struct kernel_param *kp)
{
	int mode = lvos_hp_parse_mode(val);

	if (mode < 0) {
		pr_err("%s: '%s' is not auto, online or manual\n", kp->name, val);
		return -EINVAL;
	}
	*(int *)kp->arg = mode;
	return 0;
}

static int lvos_hp_param_get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", lvos_hp_mode_name(*(int *)kp->arg));
}

static const struct kernel_param_ops lvos_hp_mode_ops = {
	.set = lvos_hp_param_set_mode,
	.get = lvos_hp_param_get_mode,
};

module_param_cb(cpu_policy, &lvos_hp_mode_ops, &cpu_policy, 0444);
MODULE_PARM_DESC(cpu_policy,
		 "hot-added vCPUs: auto (online in a VM, not on bare metal), online, manual (default auto)");
module_param_cb(memory_policy, &lvos_hp_mode_ops, &memory_policy, 0444);
MODULE_PARM_DESC(memory_policy,
		 "hot-added memory: auto (online in a VM, not on bare metal), online, manual (default auto)");

static unsigned int movable_ratio = 301;
module_param(movable_ratio, uint, 0444);
MODULE_PARM_DESC(movable_ratio,
		 "movable memory allowed per kernel memory, percent, 0-3000 (default 301, the kernel's)");

static bool retune = true;
module_param(retune, bool, 0444);
MODULE_PARM_DESC(retune, "multiqueue NICs' queue pairs follow the online vCPU count (default 1)");

static bool park;
module_param(park, bool, 0444);
MODULE_PARM_DESC(park, "density mode: park (offline) idle vCPUs, unpark on load (default 0)");

static unsigned int park_floor = 1;
module_param(park_floor, uint, 0444);
MODULE_PARM_DESC(park_floor, "density mode: never fewer online vCPUs, 1-NR_CPUS (default 1)");

static unsigned int park_interval_ms = 1000;
module_param(park_interval_ms, uint, 0444);
MODULE_PARM_DESC(park_interval_ms, "density mode: sampling interval, ms, 100-60000 (default 1000)");

static unsigned int park_below = 20;
module_param(park_below, uint, 0444);
MODULE_PARM_DESC(park_below, "density mode: park when the online vCPUs are busy less than this, percent (default 20)");

static unsigned int unpark_above = 75;
module_param(unpark_above, uint, 0444);
MODULE_PARM_DESC(unpark_above, "density mode: unpark when busy more than this, percent (default 75)");

static unsigned int park_after = 5;
module_param(park_after, uint, 0444);
MODULE_PARM_DESC(park_after, "density mode: quiet samples in a row before parking one vCPU, 1-1000 (default 5)");

/* ---- the event record ---- */

void lvos_hp_record(const char *what, const char *object, s64 latency_us,
		    bool failed, const char *fmt, ...)
{
	struct lvos_hp_event ev = {
		.latency_us = latency_us,
		.time_ns = ktime_get_boottime_ns(),
	};
	unsigned long flags;
	va_list args;

	strscpy(ev.what, what, sizeof(ev.what));
	strscpy(ev.object, object, sizeof(ev.object));
	va_start(args, fmt);
	vsnprintf(ev.outcome, sizeof(ev.outcome), fmt, args);
	va_end(args);

	spin_lock_irqsave(&lvos_hp.lock, flags);
	lvos_hp.last = ev;
	lvos_hp.events++;
	if (failed) {
		lvos_hp.failure = ev;
		lvos_hp.failures++;
	}
	spin_unlock_irqrestore(&lvos_hp.lock, flags);

	if (failed)
		pr_warn_ratelimited("%s %s: %s\n", what, object, ev.outcome);
	else if (latency_us >= 0)
		pr_info("%s %s: %s in %lld us\n", what, object, ev.outcome, latency_us);
	else
		pr_info("%s %s: %s\n", what, object, ev.outcome);
}

/* Ask the worker to look at what the notifiers recorded. */
void lvos_hp_kick(void)
{
	queue_work(lvos_hp.wq, &lvos_hp.settle);
}

/*
 * memory_policy or movable_ratio changed: the kernel's memory-hotplug
 * policy is set from userspace (tools/lvos-memory-policy, see mem.c), so
 * tell it with a change uevent. On the module's own kobject: it is the one
 * whose add (after init) and remove (after exit) events the udev rule
 * already follows; /sys/kernel/lvos has no kset, so the hotplug directory
 * itself cannot send uevents.
 */
static void lvos_hp_mem_changed(void)
{
	int err = kobject_uevent(&THIS_MODULE->mkobj.kobj, KOBJ_CHANGE);

	if (err)
		pr_warn_ratelimited("memory policy change uevent not sent (%d)\n", err);
}

static void lvos_hp_settle_fn(struct work_struct *work)
{
	/*
	 * An ACPI hot-add or eject (the whole batch of memory blocks or the
	 * CPU, and the kernel's own onlining) runs under the ACPI scan lock:
	 * wait for it to finish before looking at the outcome.
	 */
	if (lvos_hp.has_acpi) {
		acpi_scan_lock_acquire();
		acpi_scan_lock_release();
	}
	lvos_hp_cpu_settle();
	lvos_hp_mem_settle();
	lvos_hp_retune();
}

/* ---- /sys/kernel/lvos/hotplug/ ---- */

#define LVOS_HP_RO(_name) \
	static struct kobj_attribute lvos_hp_attr_##_name = __ATTR_RO(_name)
#define LVOS_HP_RW(_name) \
	static struct kobj_attribute lvos_hp_attr_##_name = __ATTR_RW(_name)

static ssize_t lvos_hp_emit_mask(char *buf, const struct cpumask *mask)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(mask));
}

static ssize_t possible_cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_hp_emit_mask(buf, cpu_possible_mask);
}

LVOS_HP_RO(possible_cpus);

static ssize_t present_cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_hp_emit_mask(buf, cpu_present_mask);
}

LVOS_HP_RO(present_cpus);

static ssize_t online_cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_hp_emit_mask(buf, cpu_online_mask);
}

LVOS_HP_RO(online_cpus);

static ssize_t lvos_hp_emit_locked_mask(char *buf, const struct cpumask *mask)
{
	cpumask_var_t copy;
	ssize_t ret;

	if (!zalloc_cpumask_var(&copy, GFP_KERNEL))
		return -ENOMEM;
	spin_lock_irq(&lvos_hp.lock);
	cpumask_copy(copy, mask);
	spin_unlock_irq(&lvos_hp.lock);
	ret = lvos_hp_emit_mask(buf, copy);
	free_cpumask_var(copy);
	return ret;
}

static ssize_t admin_offline_cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_hp_emit_locked_mask(buf, lvos_hp.admin_offline);
}

LVOS_HP_RO(admin_offline_cpus);

static ssize_t parked_cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return lvos_hp_emit_locked_mask(buf, lvos_hp.parked);
}

LVOS_HP_RO(parked_cpus);

#define LVOS_HP_MEM_COUNT(_name, _field)					\
static ssize_t _name##_show(struct kobject *k, struct kobj_attribute *a, char *buf) \
{									\
	unsigned int online, offline, movable;				\
	int err = lvos_hp_mem_count(&online, &offline, &movable);	\
									\
	return err ?: sysfs_emit(buf, "%u\n", _field);			\
}									\
LVOS_HP_RO(_name)

LVOS_HP_MEM_COUNT(memory_blocks_online, online);
LVOS_HP_MEM_COUNT(memory_blocks_offline, offline);
LVOS_HP_MEM_COUNT(memory_blocks_movable, movable);

#define LVOS_HP_EVENT_SHOW(_name, _ev, _fmt, _expr)			\
static ssize_t _name##_show(struct kobject *k, struct kobj_attribute *a, char *buf) \
{									\
	struct lvos_hp_event ev;					\
									\
	spin_lock_irq(&lvos_hp.lock);					\
	ev = lvos_hp._ev;						\
	spin_unlock_irq(&lvos_hp.lock);					\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
LVOS_HP_RO(_name)

LVOS_HP_EVENT_SHOW(last_event, last, "%s", ev.what[0] ? ev.what : "none");
LVOS_HP_EVENT_SHOW(last_event_object, last, "%s", ev.object[0] ? ev.object : "none");
LVOS_HP_EVENT_SHOW(last_event_outcome, last, "%s", ev.outcome[0] ? ev.outcome : "none");
LVOS_HP_EVENT_SHOW(last_event_latency_us, last, "%lld", ev.what[0] ? ev.latency_us : -1);
LVOS_HP_EVENT_SHOW(last_event_time_ms, last, "%llu", div_u64(ev.time_ns, NSEC_PER_MSEC));
LVOS_HP_EVENT_SHOW(last_failure, failure, "%s", ev.what[0] ? ev.outcome : "none");
LVOS_HP_EVENT_SHOW(last_failure_event, failure, "%s", ev.what[0] ? ev.what : "none");
LVOS_HP_EVENT_SHOW(last_failure_object, failure, "%s", ev.object[0] ? ev.object : "none");

#define LVOS_HP_COUNTER(_name, _field)					\
static ssize_t _name##_show(struct kobject *k, struct kobj_attribute *a, char *buf) \
{									\
	return sysfs_emit(buf, "%lu\n", READ_ONCE(lvos_hp._field));	\
}									\
LVOS_HP_RO(_name)

LVOS_HP_COUNTER(events, events);
LVOS_HP_COUNTER(failures, failures);
LVOS_HP_COUNTER(notifications, notifications);
LVOS_HP_COUNTER(queue_changes, queue_changes);

/* A rejected write: the errno to the writer, a ratelimited line to the log. */
static ssize_t lvos_hp_bad(const char *file, const char *buf, size_t count, int err)
{
	pr_warn_ratelimited("%s: rejected '%.*s' (%d)\n", file,
			    (int)strcspn(buf, "\n"), buf, err);
	return err;
}

/* Parse a decimal in [@min, @max] written to @file; logs and returns the errno. */
static int lvos_hp_parse_uint(const char *file, const char *buf, size_t count,
			      unsigned int min, unsigned int max, unsigned int *val)
{
	return lvos_parse_uint(file, buf, min, max, 0, val);
}

static ssize_t lvos_hp_mode_show(char *buf, enum lvos_hp_mode mode, bool onlines)
{
	return sysfs_emit(buf, "%s (%s)\n", lvos_hp_mode_name(mode),
			  onlines ? "onlining" : "not onlining");
}

static ssize_t cpu_policy_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	enum lvos_hp_mode mode = READ_ONCE(lvos_hp.cpu_mode);

	return lvos_hp_mode_show(buf, mode, lvos_hp_mode_onlines(mode, lvos_hp.in_vm));
}

static ssize_t cpu_policy_store(struct kobject *k, struct kobj_attribute *a,
				const char *buf, size_t count)
{
	int mode = lvos_hp_parse_mode(buf);

	if (mode < 0)
		return lvos_hp_bad("cpu_policy", buf, count, mode);
	WRITE_ONCE(lvos_hp.cpu_mode, mode);
	return count;
}

LVOS_HP_RW(cpu_policy);

static ssize_t memory_policy_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	enum lvos_hp_mode mode = READ_ONCE(lvos_hp.mem_mode);

	return lvos_hp_mode_show(buf, mode, lvos_hp_mode_onlines(mode, lvos_hp.in_vm));
}

static ssize_t memory_policy_store(struct kobject *k, struct kobj_attribute *a,
				   const char *buf, size_t count)
{
	int mode = lvos_hp_parse_mode(buf);

	if (mode < 0)
		return lvos_hp_bad("memory_policy", buf, count, mode);
	WRITE_ONCE(lvos_hp.mem_mode, mode);
	lvos_hp_mem_changed();
	return count;
}

LVOS_HP_RW(memory_policy);

static ssize_t movable_ratio_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(lvos_hp.movable_ratio));
}

static ssize_t movable_ratio_store(struct kobject *k, struct kobj_attribute *a,
				   const char *buf, size_t count)
{
	unsigned int v;
	int err = lvos_hp_parse_uint("movable_ratio", buf, count, 0, LVOS_HP_RATIO_MAX, &v);

	if (err)
		return err;
	WRITE_ONCE(lvos_hp.movable_ratio, v);
	lvos_hp_mem_changed();
	return count;
}

LVOS_HP_RW(movable_ratio);

static ssize_t lvos_hp_store_bool(const char *file, const char *buf, size_t count,
				  bool *val)
{
	return lvos_parse_bool(file, buf, val);
}

static ssize_t retune_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(lvos_hp.retune));
}

static ssize_t retune_store(struct kobject *k, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	bool v;
	ssize_t err = lvos_hp_store_bool("retune", buf, count, &v);

	if (err)
		return err;
	mutex_lock(&lvos_hp.mutex);
	lvos_hp.retune = v;
	mutex_unlock(&lvos_hp.mutex);
	return count;
}

LVOS_HP_RW(retune);

static ssize_t park_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(lvos_hp.park));
}

static ssize_t park_store(struct kobject *k, struct kobj_attribute *a,
			  const char *buf, size_t count)
{
	bool v;
	ssize_t err = lvos_hp_store_bool("park", buf, count, &v);

	if (err)
		return err;
	lvos_hp_park_set(v);
	return count;
}

LVOS_HP_RW(park);

static ssize_t park_floor_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(lvos_hp.park_params.floor));
}

static ssize_t park_floor_store(struct kobject *k, struct kobj_attribute *a,
				const char *buf, size_t count)
{
	unsigned int v;
	int err = lvos_hp_parse_uint("park_floor", buf, count, 1, nr_cpu_ids, &v);

	if (err)
		return err;
	WRITE_ONCE(lvos_hp.park_params.floor, v);
	return count;
}

LVOS_HP_RW(park_floor);

static ssize_t park_interval_ms_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(lvos_hp.park_interval_ms));
}

static ssize_t park_interval_ms_store(struct kobject *k, struct kobj_attribute *a,
				      const char *buf, size_t count)
{
	unsigned int v;
	int err = lvos_hp_parse_uint("park_interval_ms", buf, count, LVOS_HP_INTERVAL_MIN,
				     LVOS_HP_INTERVAL_MAX, &v);

	if (err)
		return err;
	WRITE_ONCE(lvos_hp.park_interval_ms, v);
	return count;
}

LVOS_HP_RW(park_interval_ms);

static struct attribute *lvos_hp_attrs[] = {
	&lvos_hp_attr_possible_cpus.attr,
	&lvos_hp_attr_present_cpus.attr,
	&lvos_hp_attr_online_cpus.attr,
	&lvos_hp_attr_admin_offline_cpus.attr,
	&lvos_hp_attr_parked_cpus.attr,
	&lvos_hp_attr_memory_blocks_online.attr,
	&lvos_hp_attr_memory_blocks_offline.attr,
	&lvos_hp_attr_memory_blocks_movable.attr,
	&lvos_hp_attr_last_event.attr,
	&lvos_hp_attr_last_event_object.attr,
	&lvos_hp_attr_last_event_outcome.attr,
	&lvos_hp_attr_last_event_latency_us.attr,
	&lvos_hp_attr_last_event_time_ms.attr,
	&lvos_hp_attr_last_failure.attr,
	&lvos_hp_attr_last_failure_event.attr,
	&lvos_hp_attr_last_failure_object.attr,
	&lvos_hp_attr_events.attr,
	&lvos_hp_attr_failures.attr,
	&lvos_hp_attr_notifications.attr,
	&lvos_hp_attr_queue_changes.attr,
	&lvos_hp_attr_cpu_policy.attr,
	&lvos_hp_attr_memory_policy.attr,
	&lvos_hp_attr_movable_ratio.attr,
	&lvos_hp_attr_retune.attr,
	&lvos_hp_attr_park.attr,
	&lvos_hp_attr_park_floor.attr,
	&lvos_hp_attr_park_interval_ms.attr,
	NULL
};
ATTRIBUTE_GROUPS(lvos_hp);

static const struct kobj_type lvos_hp_ktype = {
	.release	= lvos_kobj_free,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= lvos_hp_groups,
};

static int __init lvos_hp_check_params(void)
{
	const struct lvos_param_range ranges[] = {
		{ "movable_ratio", &movable_ratio, 0, LVOS_HP_RATIO_MAX, false },
		{ "park_floor", &park_floor, 1, nr_cpu_ids, false },
		{ "park_interval_ms", &park_interval_ms, LVOS_HP_INTERVAL_MIN,
		  LVOS_HP_INTERVAL_MAX, false },
		{ "park_after", &park_after, 1, 1000, false },
	};
	int err = lvos_check_param_ranges(ranges, ARRAY_SIZE(ranges));

	if (err)
		return err;
	if (park_below > 100 || unpark_above > 100 || park_below >= unpark_above) {
		pr_err("park_below=%u unpark_above=%u: need park_below < unpark_above <= 100\n",
		       park_below, unpark_above);
		return -EINVAL;
	}
	return 0;
}

/* The settings from the module parameters, the locks, the first state. */
static void __init lvos_hp_init_state(struct lvos_hp *hp)
{
	spin_lock_init(&hp->lock);
	mutex_init(&hp->mutex);
	INIT_WORK(&hp->settle, lvos_hp_settle_fn);
	hp->cpu_mode = cpu_policy;
	hp->mem_mode = memory_policy;
	hp->movable_ratio = movable_ratio;
	hp->retune = retune;
	hp->park_params.floor = park_floor;
	hp->park_params.park_below = park_below;
	hp->park_params.unpark_above = unpark_above;
	hp->park_params.park_after = park_after;
	hp->park_interval_ms = park_interval_ms;
	hp->in_vm = lvos_hv_vendor() != LVOS_HV_NONE;
	hp->mem_first_add = -1;
	hp->mem_first_remove = -1;
}

/* /sys/kernel/lvos/hotplug, last at load: its files use everything else. */
static int __init lvos_hp_add_kobj(struct lvos_hp *hp)
{
	int err;

	hp->kobj = kzalloc(sizeof(*hp->kobj), GFP_KERNEL);
	if (!hp->kobj)
		return -ENOMEM;
	err = kobject_init_and_add(hp->kobj, &lvos_hp_ktype, lvos_sysfs_root(), "hotplug");
	if (err)
		kobject_put(hp->kobj);
	return err;
}

static int __init lvos_hp_init(void)
{
	struct lvos_hp *hp = &lvos_hp;
	int err;

	err = lvos_hp_check_params();
	if (err)
		return err;
	lvos_hp_init_state(hp);

	/*
	 * Not WQ_MEM_RECLAIM: cpu_up() flushes ordinary work, and the kernel
	 * itself onlines hot-added memory, so nothing reclaim waits on runs
	 * here. Freezable: suspend takes CPUs down after it froze the devices
	 * (virtio_net has freed its queues then), and nothing here may act
	 * on that.
	 */
	hp->wq = alloc_ordered_workqueue("lvos_hotplug", WQ_FREEZABLE);
	if (!hp->wq)
		return -ENOMEM;

	err = lvos_hp_cpu_init();
	if (err)
		goto err_wq;
	err = lvos_hp_mem_init();
	if (err)
		goto err_cpu;

	mutex_lock(&hp->mutex);
	hp->shape_cpus = num_online_cpus();
	hp->shape_present = num_present_cpus();
	hp->shape_ram = totalram_pages();
	mutex_unlock(&hp->mutex);

	err = lvos_hp_add_kobj(hp);
	if (err)
		goto err_mem;
	if (park)
		lvos_hp_park_set(true);

	pr_info("cpu_policy %s, memory_policy %s (%s), %u of %u possible vCPUs online\n",
		lvos_hp_mode_name(hp->cpu_mode), lvos_hp_mode_name(hp->mem_mode),
		hp->in_vm ? "virtual machine" : "bare metal", num_online_cpus(),
		nr_cpu_ids);
	return 0;

err_mem:
	lvos_hp_mem_exit();
err_cpu:
	lvos_hp_cpu_exit();
err_wq:
	destroy_workqueue(hp->wq);
	return err;
}

static void __exit lvos_hp_exit(void)
{
	struct lvos_hp *hp = &lvos_hp;

	kobject_put(hp->kobj);		/* no more sysfs writers */
	lvos_hp_park_set(false);	/* parked vCPUs come back */
	lvos_hp_mem_exit();
	lvos_hp_cpu_exit();
	destroy_workqueue(hp->wq);
}

module_init(lvos_hp_init);
module_exit(lvos_hp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvos: hot-added vCPUs and memory online at once, zone policy, re-tuning");
MODULE_AUTHOR("lvos developers");
MODULE_VERSION(LVOS_VERSION);
