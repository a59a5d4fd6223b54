/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkgrow.h - lvos_blkgrow's shared state.
 *
 * Locking: lvos_bg.lock (a mutex) protects the disk list, every field of
 * every struct lvos_bg_disk and the settings. It is never held across a
 * SCSI command or a rescan: the poll takes a reference on the disk's
 * kobject, drops the lock for the I/O and takes it again to record what
 * it found. Disks come and go through a class_interface on the block
 * class; its callbacks run under the class's own mutex and take
 * lvos_bg.lock inside it, never the other way round.
 */
#ifndef _LVOS_BLKGROW_H
#define _LVOS_BLKGROW_H

#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "policy.h"

#define LVOS_BG_LINES	12	/* report lines kept per disk; the oldest go first */

/* One tracked disk: /sys/kernel/lvos/blkgrow/disks/<name>. */
struct lvos_bg_disk {
	struct kobject kobj;		/* release puts @dev and frees */
	struct list_head node;		/* in lvos_bg.disks while tracked */
	struct device *dev;		/* the disk's device, referenced */
	struct gendisk *disk;
	enum lvos_hv_bus bus;
	enum lvos_hv_notify notify;	/* how the bus reports a resize */
	bool poll;			/* lvos polls READ CAPACITY */
	bool tracked;			/* still in the list */
	u64 capacity;			/* sectors, as last seen */
	unsigned long next_poll;	/* jiffies */
	int pending_src;		/* source of the rescan lvos ran, or -1 */
	u64 rescanned_for;		/* the READ CAPACITY answer last rescanned for */
	u64 polls;			/* READ CAPACITY commands sent */
	u64 poll_errors;
	/* the audit trail of the last change */
	u64 changes;
	u64 seq;			/* events sent for this disk */
	time64_t last_change;
	u64 old_size, new_size;
	enum lvos_bg_source source;
	enum lvos_bg_change kind;
	/* the helper's report lines for the last change, in arrival order */
	char lines[LVOS_BG_LINES][LVOS_BG_LINE_MAX];
	u8 line_layer[LVOS_BG_LINES];
	unsigned int nlines;
	/* shrink guard */
	bool guarded;
	bool ro_before;			/* read-only before lvos made it so */
	u64 guard_data_end;
	u64 guard_old;			/* capacity before the shrink */
	unsigned long last_trim;	/* jiffies */
};

struct lvos_bg {
	struct mutex lock;		/* see the top of this file */
	struct list_head disks;
	struct kobject *kobj;		/* /sys/kernel/lvos/blkgrow */
	struct kobject *disks_kobj;	/* .../disks */
	struct workqueue_struct *wq;
	struct delayed_work tick;
	bool stopping;
	struct class_interface intf;
	/* settings */
	unsigned int poll_ms;		/* 0 = no polling */
	bool poll_disks;		/* a VM, or poll_bare_metal: see lvos_bg_needs_poll() */
	unsigned int watch_ms;
	unsigned int trim_interval;	/* s, 0 = no trim events */
	bool guard;
	/* totals */
	u64 commands;
	u64 events;
};

extern struct lvos_bg lvos_bg;

int lvos_bg_disks_init(void);
void lvos_bg_disks_exit(void);
void lvos_bg_tick_fn(struct work_struct *work);
int lvos_bg_guard_clear(struct lvos_bg_disk *d, bool force);
void lvos_bg_report(struct lvos_bg_disk *d, int layer, const char *line);
extern const struct kobj_type lvos_bg_disk_ktype;

#endif
