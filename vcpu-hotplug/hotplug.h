/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hotplug.h - lvos_vcpu_hotplug's shared state.
 *
 * Locking: the bus/cpuhp/memory notifiers run inside the kernel's hotplug
 * paths (device_hotplug_lock, cpu_hotplug_lock, mem_hotplug_lock held), so
 * they only record under the spinlock @lock and queue @settle on the
 * ordered workqueue @wq. Everything that acts (add_cpu(), remove_cpu(),
 * retuning) runs in that workqueue or under @mutex from sysfs, and @mutex
 * is always taken before the kernel's hotplug locks.
 */
#ifndef _LVOS_HP_HOTPLUG_H
#define _LVOS_HP_HOTPLUG_H

#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "policy.h"

#define LVOS_HP_TEXT		128
#define LVOS_HP_ACPI_PENDING	8

struct lvos_hp_event {
	char what[16];			/* cpu-add, cpu-remove, memory-add, ... */
	char object[24];		/* cpu2, memory33, ACPI0007:02 */
	char outcome[LVOS_HP_TEXT];
	s64 latency_us;			/* -1: no latency for this event */
	u64 time_ns;			/* boot clock */
};

/*
 * After an ACPI device check or eject request, when to look at the
 * outcome: the kernel handles it in its own hotplug workqueue (which a
 * module cannot flush) under the ACPI scan lock, so lvos waits this long
 * for the work to start and then takes the scan lock to see it finish.
 */
#define LVOS_HP_ACPI_GRACE	(2 * HZ)

/* An ACPI hotplug request lvos checks the outcome of. */
struct lvos_hp_acpi_ev {
	void *handle;			/* acpi_handle of the processor/memory object */
	bool memory;			/* a memory device (PNP0C80), else a processor */
	bool eject;			/* an eject request, else a (device/bus) check */
	bool rechecked;			/* looked at twice (see cpu.c) */
	u64 added_ns;
};

struct lvos_hp {
	spinlock_t lock;		/* the fields down to @mutex */
	cpumask_var_t added;		/* hot-added, not yet handled */
	cpumask_var_t waiting;		/* hot-added, left offline by policy */
	cpumask_var_t late;		/* ... and onlined by someone else since */
	cpumask_var_t admin_offline;	/* offlined by someone else: never onlined */
	cpumask_var_t parked;		/* offlined by density mode */
	cpumask_var_t parking;		/* being offlined by us right now */
	u64 *cpu_added_ns, *cpu_online_ns, *cpu_offline_ns;	/* [nr_cpu_ids] */
	struct lvos_hp_acpi_ev acpi[LVOS_HP_ACPI_PENDING];
	unsigned int nr_acpi;
	/* memory: a batch of blocks added or removed together */
	unsigned long mem_batch;	/* number of the open batch */
	unsigned int mem_added, mem_pending, mem_onlined, mem_movable;
	bool mem_reported;		/* batch reported while blocks were offline */
	int mem_first_add;
	u64 mem_add_ns, mem_online_ns;
	unsigned int mem_removed;
	int mem_first_remove;
	u64 mem_offline_ns, mem_remove_ns;
	struct lvos_hp_event last, failure;
	unsigned long events, failures, notifications;

	struct xarray mem_blocks;	/* block id -> batch, until online (own lock) */

	struct mutex mutex;		/* policy changes and actions */
	enum lvos_hp_mode cpu_mode, mem_mode;
	unsigned int movable_ratio;
	bool retune;
	bool park;
	struct lvos_hp_park_params park_params;
	unsigned int park_interval_ms;
	unsigned int park_quiet;
	u64 *park_busy, *park_total;	/* [nr_cpu_ids], last sample */
	unsigned int shape_cpus, shape_present;	/* the shape at the last pass */
	unsigned long shape_ram;
	unsigned long queue_changes;	/* NIC queue counts changed */

	struct workqueue_struct *wq;
	struct work_struct settle;
	struct delayed_work park_work;
	struct kobject *kobj;
	/*
	 * const from 6.4 on; the type of struct device's own pointer fits
	 * both. NULL: not found (lvos_hp_mem_walk()), the counts are -ENODEV.
	 */
	typeof(((struct device *)NULL)->bus) mem_bus;
	void **acpi_handles;		/* processor and memory objects we watch */
	unsigned int nr_acpi_handles, max_acpi_handles;
	bool has_acpi;			/* the ACPI scan lock exists */
	struct delayed_work acpi_check;
	int cpuhp_state;
	bool in_vm;
};

extern struct lvos_hp lvos_hp;

void lvos_hp_record(const char *what, const char *object, s64 latency_us,
		    bool failed, const char *fmt, ...) __printf(5, 6);
void lvos_hp_kick(void);

int lvos_hp_cpu_init(void);
void lvos_hp_cpu_exit(void);
void lvos_hp_cpu_settle(void);
void lvos_hp_park_set(bool on);

int lvos_hp_mem_init(void);
void lvos_hp_mem_exit(void);
void lvos_hp_mem_settle(void);
int lvos_hp_mem_count(unsigned int *online, unsigned int *offline,
		      unsigned int *movable);
struct device *lvos_hp_mem_walk(struct kset *devices, const struct kobject *system);

void lvos_hp_retune(void);

#endif
