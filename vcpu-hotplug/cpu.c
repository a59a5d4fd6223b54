// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpu.c - vCPU hot-add and hot-remove, the admin-offline bookkeeping,
 * hot-adds the kernel refused, and density mode (parking idle vCPUs).
 *
 * A hot-added CPU is registered with the device core offline (ACPI:
 * acpi_processor_hotadd_init() -> register_cpu()); the cpu_subsys bus
 * notifier sees it and the worker brings it up with add_cpu(), which goes
 * through the device core under lock_device_hotplug() like a sysfs write.
 * A cpuhp state tells which CPUs someone else took offline: those are
 * never brought back. ACPI notify handlers on every processor and memory
 * hotplug slot catch the requests the kernel refused (a slot the firmware
 * calls present with nothing bound to it after an add, or still present
 * after an eject) and report them from that evidence: the kernel's own
 * log line says why (lvos does not copy the log: dmesg_restrict).
 */
#include <linux/acpi.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kernel_stat.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tick.h>

#include "hotplug.h"

static u64 lvos_hp_now(void)
{
	return ktime_get_boottime_ns();
}

static s64 lvos_hp_us(u64 from, u64 to)
{
	return from && to >= from ? (s64)div_u64(to - from, NSEC_PER_USEC) : -1;
}

/* ---- cpuhp callbacks: who took a CPU down ---- */

static int lvos_hp_cpu_online(unsigned int cpu)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned long flags;

	spin_lock_irqsave(&hp->lock, flags);
	hp->cpu_online_ns[cpu] = lvos_hp_now();
	if (cpumask_test_and_clear_cpu(cpu, hp->waiting))
		cpumask_set_cpu(cpu, hp->late);
	cpumask_clear_cpu(cpu, hp->admin_offline);
	cpumask_clear_cpu(cpu, hp->parked);
	spin_unlock_irqrestore(&hp->lock, flags);
	lvos_hp_kick();
	return 0;
}

static int lvos_hp_cpu_offline(unsigned int cpu)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned long flags;

	spin_lock_irqsave(&hp->lock, flags);
	hp->cpu_offline_ns[cpu] = lvos_hp_now();
	if (cpumask_test_and_clear_cpu(cpu, hp->parking))
		cpumask_set_cpu(cpu, hp->parked);
	else
		cpumask_set_cpu(cpu, hp->admin_offline);
	spin_unlock_irqrestore(&hp->lock, flags);
	lvos_hp_kick();
	return 0;
}

/* ---- cpu_subsys: CPU devices added and removed ---- */

static int lvos_hp_cpu_bus_event(struct notifier_block *nb, unsigned long action,
				 void *data)
{
	struct lvos_hp *hp = &lvos_hp;
	struct device *dev = data;
	unsigned int cpu = dev->id;
	char name[16];
	s64 lat;

	if (cpu >= nr_cpu_ids)
		return NOTIFY_DONE;
	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		spin_lock_irq(&hp->lock);
		hp->cpu_added_ns[cpu] = lvos_hp_now();
		cpumask_set_cpu(cpu, hp->added);
		spin_unlock_irq(&hp->lock);
		lvos_hp_kick();
		break;
	case BUS_NOTIFY_REMOVED_DEVICE:
		spin_lock_irq(&hp->lock);
		cpumask_clear_cpu(cpu, hp->added);
		cpumask_clear_cpu(cpu, hp->waiting);
		cpumask_clear_cpu(cpu, hp->late);
		cpumask_clear_cpu(cpu, hp->admin_offline);
		cpumask_clear_cpu(cpu, hp->parked);
		lat = lvos_hp_us(hp->cpu_offline_ns[cpu], lvos_hp_now());
		spin_unlock_irq(&hp->lock);
		snprintf(name, sizeof(name), "cpu%u", cpu);
		lvos_hp_record("cpu-remove", name, lat, false, "removed");
		lvos_hp_kick();
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block lvos_hp_cpu_nb = {
	.notifier_call = lvos_hp_cpu_bus_event,
};

#ifdef LVOS_FAULT_INJECTION
/*
 * Test builds only (LVOS_FAULTS=1, never dkms or packages): writing N to
 * debugfs lvos_vcpu_hotplug/inject_cpu_add hands a present, offline cpuN
 * to lvos as if it had just been hot-added - the cpu_subsys ADD_DEVICE
 * event register_cpu() sends - so settle, add_cpu(), the report and the
 * retune run as for a real add. Debian's 6.12 refuses QEMU 7.2's CPU
 * hot-add, so its tests boot CPUs present but offline (maxcpus=) instead.
 */
static ssize_t lvos_hp_inject_cpu_add(struct file *file, const char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	struct lvos_hp *hp = &lvos_hp;
	struct device *dev = NULL;
	unsigned int cpu;
	int err;

	err = kstrtouint_from_user(ubuf, len, 10, &cpu);
	if (err)
		return err;
	if (cpu >= nr_cpu_ids)
		return -ERANGE;
	cpus_read_lock();
	if (cpu_present(cpu) && !cpu_online(cpu))
		dev = get_cpu_device(cpu);
	cpus_read_unlock();
	if (!dev)
		return -EINVAL;
	spin_lock_irq(&hp->lock);
	cpumask_clear_cpu(cpu, hp->admin_offline);	/* a new CPU has no history */
	spin_unlock_irq(&hp->lock);
	lvos_hp_cpu_bus_event(&lvos_hp_cpu_nb, BUS_NOTIFY_ADD_DEVICE, dev);
	return len;
}

static const struct file_operations lvos_hp_inject_fops = {
	.owner = THIS_MODULE,
	.write = lvos_hp_inject_cpu_add,
	.llseek = noop_llseek,
};

static struct dentry *lvos_hp_debugfs;

static void lvos_hp_faults_init(void)
{
	lvos_hp_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("inject_cpu_add", 0200, lvos_hp_debugfs, NULL,
			    &lvos_hp_inject_fops);
}

static void lvos_hp_faults_exit(void)
{
	debugfs_remove_recursive(lvos_hp_debugfs);
}
#else
static void lvos_hp_faults_init(void) { }
static void lvos_hp_faults_exit(void) { }
#endif

/* ---- ACPI processor objects: hot-adds the kernel refused ---- */

/*
 * Queue a request for lvos_hp_acpi_check_fn(), one entry per object. A
 * new request (@newer true) replaces the object's entry, or the oldest
 * entry when the queue is full; a second look (@newer false) yields to
 * any newer request for the object.
 */
static void lvos_hp_acpi_queue(const struct lvos_hp_acpi_ev *ev, bool newer)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&hp->lock, flags);
	for (i = 0; i < hp->nr_acpi && hp->acpi[i].handle != ev->handle; i++)
		;
	if (i == hp->nr_acpi && hp->nr_acpi == LVOS_HP_ACPI_PENDING && newer) {
		memmove(hp->acpi, hp->acpi + 1, sizeof(hp->acpi[0]) * (LVOS_HP_ACPI_PENDING - 1));
		i = --hp->nr_acpi;
	}
	if (i == hp->nr_acpi && i < LVOS_HP_ACPI_PENDING)
		hp->acpi[hp->nr_acpi++] = *ev;
	else if (i < hp->nr_acpi && newer)
		hp->acpi[i] = *ev;
	spin_unlock_irqrestore(&hp->lock, flags);
	mod_delayed_work(hp->wq, &hp->acpi_check, LVOS_HP_ACPI_GRACE);
}

/* @data of the notify handlers of memory devices (processors: NULL) */
static const char lvos_hp_memory_dev[] = "memory";

/*
 * The firmware's "device check" on a processor or memory object (QEMU,
 * Hyper-V and VMware send it for a hot-add) and its "eject request" (for a
 * hot-remove). Depending on the kernel and the firmware the ACPI device
 * object already exists, so there is no device add to watch; this
 * per-object handler runs next to the kernel's own (ACPICA calls every
 * handler of an object) in the ACPI notify workqueue.
 */
static void lvos_hp_acpi_notify(acpi_handle handle, u32 event, void *data)
{
	struct lvos_hp_acpi_ev ev = {
		.handle = handle,
		.memory = data == lvos_hp_memory_dev,
		.eject = event == ACPI_NOTIFY_EJECT_REQUEST,
		.added_ns = lvos_hp_now(),
	};

	if (event == ACPI_NOTIFY_BUS_CHECK || event == ACPI_NOTIFY_DEVICE_CHECK ||
	    event == ACPI_NOTIFY_EJECT_REQUEST)
		lvos_hp_acpi_queue(&ev, true);
}

static acpi_status lvos_hp_acpi_install(acpi_handle handle, u32 level, void *ctx,
					void **ret)
{
	struct lvos_hp *hp = &lvos_hp;

	if (hp->nr_acpi_handles == hp->max_acpi_handles)
		return AE_CTRL_TERMINATE;
	if (ACPI_SUCCESS(acpi_install_notify_handler(handle, ACPI_SYSTEM_NOTIFY,
						     lvos_hp_acpi_notify, ctx)))
		hp->acpi_handles[hp->nr_acpi_handles++] = handle;
	return AE_OK;
}

/* acpi_walk_namespace() callback: watch devices whose _HID is @ctx. */
static acpi_status lvos_hp_acpi_match(acpi_handle handle, u32 level, void *ctx,
				      void **ret)
{
	struct acpi_device_info *info;
	bool match;

	if (ACPI_FAILURE(acpi_get_object_info(handle, &info)))
		return AE_OK;
	match = (info->valid & ACPI_VALID_HID) && !strcmp(info->hardware_id.string, ctx);
	kfree(info);
	if (!match)
		return AE_OK;
	return lvos_hp_acpi_install(handle, level, strcmp(ctx, "PNP0C80") ? NULL :
				    (void *)lvos_hp_memory_dev, ret);
}

static void lvos_hp_acpi_name(acpi_handle handle, char *buf, size_t size)
{
	struct acpi_device *adev = acpi_fetch_acpi_dev(handle);
	char path[8];
	struct acpi_buffer name = { .length = sizeof(path), .pointer = path };

	if (adev) {
		strscpy(buf, dev_name(&adev->dev), size);
		return;
	}
	if (ACPI_SUCCESS(acpi_get_name(handle, ACPI_SINGLE_NAME, &name)))
		strscpy(buf, path, size);
	else
		strscpy(buf, "processor", size);
}

static void lvos_hp_acpi_check_fn(struct work_struct *work)
{
	struct lvos_hp_acpi_ev pending[LVOS_HP_ACPI_PENDING];
	struct lvos_hp *hp = &lvos_hp;
	unsigned int n, i;

	spin_lock_irq(&hp->lock);
	n = hp->nr_acpi;
	memcpy(pending, hp->acpi, sizeof(pending[0]) * n);
	hp->nr_acpi = 0;
	spin_unlock_irq(&hp->lock);

	for (i = 0; i < n; i++) {
		struct lvos_hp_acpi_ev *ev = &pending[i];
		unsigned long long sta = 0;
		struct acpi_device *adev;
		bool present, refused;
		const char *what;
		char name[24];

		/* waits for the kernel's handling of the request to finish */
		acpi_scan_lock_acquire();
		adev = acpi_fetch_acpi_dev(ev->handle);
		present = ACPI_SUCCESS(acpi_evaluate_integer(ev->handle, "_STA", NULL, &sta)) &&
			  (sta & ACPI_STA_DEVICE_PRESENT);
		/*
		 * Added: present per firmware, yet nothing (a CPU, memory
		 * blocks) bound to it. Ejected: still present.
		 */
		refused = present &&
			  (ev->eject || !(adev && acpi_get_first_physical_node(adev)));
		lvos_hp_acpi_name(ev->handle, name, sizeof(name));
		acpi_scan_lock_release();
		if (!refused)
			continue;
		/*
		 * The kernel runs one hotplug request at a time: if an earlier
		 * one held the scan lock past the grace period, this one may
		 * only start after our look. Look once more before calling it
		 * refused.
		 */
		if (!ev->rechecked) {
			ev->rechecked = true;
			lvos_hp_acpi_queue(ev, false);
			continue;
		}
		if (ev->memory)
			what = ev->eject ? "memory-remove" : "memory-add";
		else
			what = ev->eject ? "cpu-remove" : "cpu-add";
		if (ev->eject)
			lvos_hp_record(what, name, -1, true,
				       "refused by the kernel: still present after the eject request (_STA 0x%llx; dmesg says why)",
				       sta);
		else
			lvos_hp_record(what, name, -1, true,
				       "refused by the kernel: present (_STA 0x%llx), no %s bound to it (dmesg says why)",
				       sta, ev->memory ? "memory" : "CPU");
	}
}

/* ---- bringing hot-added CPUs online ---- */

/*
 * register_cpu() publishes the device for get_cpu_device() just after the
 * bus notifier ran; with ACPI the scan lock already made us wait for that,
 * without it (Xen, some clouds) give it a moment.
 */
static bool lvos_hp_wait_cpu_device(unsigned int cpu)
{
	int i;

	for (i = 0; i < 100 && !get_cpu_device(cpu); i++)
		usleep_range(1000, 2000);
	return get_cpu_device(cpu);
}

void lvos_hp_cpu_settle(void)
{
	struct lvos_hp *hp = &lvos_hp;
	cpumask_var_t todo;
	unsigned int cpu;
	bool by_other;
	char name[16];
	s64 lat;
	int err;

	if (!zalloc_cpumask_var(&todo, GFP_KERNEL)) {
		lvos_hp_kick();	/* try again */
		return;
	}
	/* left offline by policy, onlined by an admin or a udev rule since */
	spin_lock_irq(&hp->lock);
	cpumask_copy(todo, hp->late);
	cpumask_clear(hp->late);
	spin_unlock_irq(&hp->lock);
	for_each_cpu(cpu, todo) {
		snprintf(name, sizeof(name), "cpu%u", cpu);
		spin_lock_irq(&hp->lock);
		lat = lvos_hp_us(hp->cpu_added_ns[cpu], hp->cpu_online_ns[cpu]);
		spin_unlock_irq(&hp->lock);
		lvos_hp_record("cpu-add", name, lat, false, "online (by someone else)");
	}

	spin_lock_irq(&hp->lock);
	cpumask_copy(todo, hp->added);
	cpumask_clear(hp->added);
	spin_unlock_irq(&hp->lock);

	mutex_lock(&hp->mutex);
	for_each_cpu(cpu, todo) {
		snprintf(name, sizeof(name), "cpu%u", cpu);
		if (!cpu_present(cpu))
			continue;	/* removed again meanwhile */
		if (!cpu_online(cpu) && !lvos_hp_mode_onlines(hp->cpu_mode, hp->in_vm)) {
			spin_lock_irq(&hp->lock);
			cpumask_set_cpu(cpu, hp->waiting);
			spin_unlock_irq(&hp->lock);
			lvos_hp_record("cpu-add", name, -1, false,
				       "left offline (cpu_policy %s)",
				       lvos_hp_mode_name(hp->cpu_mode));
			continue;
		}
		if (!lvos_hp_wait_cpu_device(cpu)) {
			lvos_hp_record("cpu-add", name, -1, true, "no CPU device appeared");
			continue;
		}
		by_other = cpu_online(cpu);	/* a udev rule was quicker */
		err = by_other ? 0 : add_cpu(cpu);
		if (err > 0) {			/* ... just now (device_online() says 1) */
			by_other = true;
			err = 0;
		}
		spin_lock_irq(&hp->lock);
		lat = lvos_hp_us(hp->cpu_added_ns[cpu], hp->cpu_online_ns[cpu]);
		spin_unlock_irq(&hp->lock);
		if (err)
			lvos_hp_record("cpu-add", name, -1, true,
				       "the kernel could not bring it online (%d)", err);
		else
			lvos_hp_record("cpu-add", name, lat, false, "online%s",
				       by_other ? " (by someone else)" : "");
	}
	mutex_unlock(&hp->mutex);
	free_cpumask_var(todo);
}

/* ---- density mode ---- */

static void lvos_hp_sample(unsigned int cpu, u64 *busy, u64 *total)
{
	u64 wall, idle = get_cpu_idle_time_us(cpu, &wall);

	if (idle == (u64)-1) {	/* no NO_HZ: tick-based accounting */
		idle = div_u64(kcpustat_cpu(cpu).cpustat[CPUTIME_IDLE], NSEC_PER_USEC);
		wall = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	}
	*total = wall;
	*busy = wall > idle ? wall - idle : 0;
}

/* Busy percentage of the online CPUs since the previous sample. */
static unsigned int lvos_hp_busy_now(void)
{
	struct lvos_hp *hp = &lvos_hp;
	u64 busy, total, dbusy = 0, dtotal = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		lvos_hp_sample(cpu, &busy, &total);
		if (hp->park_total[cpu] && total > hp->park_total[cpu] &&
		    busy >= hp->park_busy[cpu]) {
			dbusy += busy - hp->park_busy[cpu];
			dtotal += total - hp->park_total[cpu];
		}
		hp->park_busy[cpu] = busy;
		hp->park_total[cpu] = total;
	}
	return lvos_hp_busy_pct(dbusy, dtotal);
}

static void lvos_hp_park_one(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int cpu, pick = nr_cpu_ids;
	char name[16];
	int err;

	for_each_online_cpu(cpu)
		if (cpu && cpu_is_hotpluggable(cpu))
			pick = cpu;	/* the highest */
	if (pick >= nr_cpu_ids)
		return;
	snprintf(name, sizeof(name), "cpu%u", pick);
	spin_lock_irq(&hp->lock);
	cpumask_set_cpu(pick, hp->parking);
	spin_unlock_irq(&hp->lock);
	err = remove_cpu(pick);
	spin_lock_irq(&hp->lock);
	cpumask_clear_cpu(pick, hp->parking);
	spin_unlock_irq(&hp->lock);
	if (err > 0)	/* offline already: someone else's, not parked */
		return;
	if (err)
		lvos_hp_record("cpu-park", name, -1, true, "could not offline (%d)", err);
	else
		lvos_hp_record("cpu-park", name, -1, false, "parked");
	hp->park_total[pick] = 0;
}

static int lvos_hp_unpark_one(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int cpu;
	char name[16];
	int err;

	spin_lock_irq(&hp->lock);
	cpu = cpumask_first(hp->parked);
	spin_unlock_irq(&hp->lock);
	if (cpu >= nr_cpu_ids)
		return -ENOENT;
	snprintf(name, sizeof(name), "cpu%u", cpu);
	err = add_cpu(cpu);
	if (err > 0)	/* online already (device_online() says 1) */
		err = 0;
	spin_lock_irq(&hp->lock);
	cpumask_clear_cpu(cpu, hp->parked);	/* do not retry a broken one forever */
	if (err)	/* still offline: the admin's now, shown and never touched */
		cpumask_set_cpu(cpu, hp->admin_offline);
	spin_unlock_irq(&hp->lock);
	if (err)
		lvos_hp_record("cpu-unpark", name, -1, true, "could not online (%d)", err);
	else
		lvos_hp_record("cpu-unpark", name, -1, false, "online");
	return err;
}

static void lvos_hp_park_fn(struct work_struct *work)
{
	struct lvos_hp *hp = &lvos_hp;
	enum lvos_hp_park_action act;
	unsigned int parked, busy;

	mutex_lock(&hp->mutex);
	if (!hp->park) {
		mutex_unlock(&hp->mutex);
		return;
	}
	busy = lvos_hp_busy_now();
	spin_lock_irq(&hp->lock);
	parked = cpumask_weight(hp->parked);
	spin_unlock_irq(&hp->lock);
	act = lvos_hp_park_decide(&hp->park_params, num_online_cpus(), parked,
				  busy, &hp->park_quiet);
	if (act == LVOS_HP_PARK_ONE)
		lvos_hp_park_one();
	else if (act == LVOS_HP_UNPARK_ONE)
		lvos_hp_unpark_one();
	queue_delayed_work(hp->wq, &hp->park_work,
			   msecs_to_jiffies(READ_ONCE(hp->park_interval_ms)));
	mutex_unlock(&hp->mutex);
}

void lvos_hp_park_set(bool on)
{
	struct lvos_hp *hp = &lvos_hp;

	mutex_lock(&hp->mutex);
	hp->park = on;
	hp->park_quiet = 0;
	if (on)
		queue_delayed_work(hp->wq, &hp->park_work, 0);
	mutex_unlock(&hp->mutex);
	if (on)
		return;
	cancel_delayed_work_sync(&hp->park_work);
	mutex_lock(&hp->mutex);
	while (!hp->park && lvos_hp_unpark_one() != -ENOENT)
		;
	if (hp->park)	/* turned on again meanwhile: the cancel hit its work */
		queue_delayed_work(hp->wq, &hp->park_work, 0);
	mutex_unlock(&hp->mutex);
}

/* ---- setup ---- */

/*
 * Watch every processor object (ACPI0007 devices and Processor()) and
 * memory device (PNP0C80), present or not: the hotplug slots.
 */
static void lvos_hp_acpi_watch(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int n;

	if (acpi_disabled)
		return;
	hp->max_acpi_handles = nr_cpu_ids * 2 + 256;	/* + memory slots */
	hp->acpi_handles = kcalloc(hp->max_acpi_handles, sizeof(void *), GFP_KERNEL);
	if (!hp->acpi_handles)
		return;
	/* acpi_get_devices() skips absent devices: walk, match the _HID */
	acpi_walk_namespace(ACPI_TYPE_PROCESSOR, ACPI_ROOT_OBJECT, ACPI_UINT32_MAX,
			    lvos_hp_acpi_install, NULL, NULL, NULL);
	acpi_walk_namespace(ACPI_TYPE_DEVICE, ACPI_ROOT_OBJECT, ACPI_UINT32_MAX,
			    lvos_hp_acpi_match, NULL, "ACPI0007", NULL);
	n = hp->nr_acpi_handles;
	acpi_walk_namespace(ACPI_TYPE_DEVICE, ACPI_ROOT_OBJECT, ACPI_UINT32_MAX,
			    lvos_hp_acpi_match, NULL, "PNP0C80", NULL);
	hp->has_acpi = true;
	pr_info("watching %u ACPI processor and %u memory hotplug slots\n", n,
		hp->nr_acpi_handles - n);
}

static void lvos_hp_acpi_unwatch(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int i;

	for (i = 0; i < hp->nr_acpi_handles; i++)
		acpi_remove_notify_handler(hp->acpi_handles[i], ACPI_SYSTEM_NOTIFY,
					   lvos_hp_acpi_notify);
	if (hp->has_acpi)
		acpi_os_wait_events_complete();	/* no handler still running */
	cancel_delayed_work_sync(&hp->acpi_check);
	kfree(hp->acpi_handles);
	hp->acpi_handles = NULL;
	hp->nr_acpi_handles = 0;
}

/* The bookkeeping lvos_hp_cpu_init() allocates (NULL-safe, for its unwind too). */
static void lvos_hp_cpu_free(struct lvos_hp *hp)
{
	kfree(hp->cpu_added_ns);
	kfree(hp->cpu_online_ns);
	kfree(hp->cpu_offline_ns);
	kfree(hp->park_busy);
	kfree(hp->park_total);
	free_cpumask_var(hp->added);
	free_cpumask_var(hp->waiting);
	free_cpumask_var(hp->late);
	free_cpumask_var(hp->admin_offline);
	free_cpumask_var(hp->parked);
	free_cpumask_var(hp->parking);
}

int lvos_hp_cpu_init(void)
{
	struct lvos_hp *hp = &lvos_hp;
	unsigned int cpu;
	int err = -ENOMEM;

	if (!zalloc_cpumask_var(&hp->added, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&hp->waiting, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&hp->late, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&hp->admin_offline, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&hp->parked, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&hp->parking, GFP_KERNEL))
		goto err_free;
	hp->cpu_added_ns = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	hp->cpu_online_ns = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	hp->cpu_offline_ns = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	hp->park_busy = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	hp->park_total = kcalloc(nr_cpu_ids, sizeof(u64), GFP_KERNEL);
	if (!hp->cpu_added_ns || !hp->cpu_online_ns || !hp->cpu_offline_ns ||
	    !hp->park_busy || !hp->park_total)
		goto err_free;
	INIT_DELAYED_WORK(&hp->park_work, lvos_hp_park_fn);
	INIT_DELAYED_WORK(&hp->acpi_check, lvos_hp_acpi_check_fn);

	/*
	 * Present CPUs that are offline now were either offlined on purpose
	 * or hot-added before lvos loaded: lvos cannot tell, so it leaves
	 * them to the admin.
	 */
	cpus_read_lock();
	for_each_present_cpu(cpu)
		if (!cpu_online(cpu))
			cpumask_set_cpu(cpu, hp->admin_offline);
	err = cpuhp_setup_state_nocalls_cpuslocked(CPUHP_AP_ONLINE_DYN, "lvos/hotplug:online",
						   lvos_hp_cpu_online, lvos_hp_cpu_offline);
	cpus_read_unlock();
	if (err < 0)
		goto err_free;
	hp->cpuhp_state = err;

	err = bus_register_notifier(&cpu_subsys, &lvos_hp_cpu_nb);
	if (err)
		goto err_cpuhp;
	lvos_hp_acpi_watch();
	lvos_hp_faults_init();
	if (!hp->nr_acpi_handles)
		pr_info("no ACPI processor objects: refused CPU hot-adds are not reported\n");
	return 0;

err_cpuhp:
	cpuhp_remove_state_nocalls(hp->cpuhp_state);
err_free:
	lvos_hp_cpu_free(hp);
	return err;
}

/* After the sysfs directory is gone and density mode is off. */
void lvos_hp_cpu_exit(void)
{
	struct lvos_hp *hp = &lvos_hp;

	lvos_hp_faults_exit();
	lvos_hp_acpi_unwatch();
	bus_unregister_notifier(&cpu_subsys, &lvos_hp_cpu_nb);
	cpuhp_remove_state_nocalls(hp->cpuhp_state);
	cancel_delayed_work_sync(&hp->park_work);
	cancel_work_sync(&hp->settle);	/* nothing queues it any more */
	lvos_hp_cpu_free(hp);
}
