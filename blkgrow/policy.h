/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy.h - lvos_blkgrow's pure decisions: no state, no locks, no kernel
 * calls, so KUnit can drive them with recorded inputs.
 */
#ifndef _LVOS_BG_POLICY_H
#define _LVOS_BG_POLICY_H

#include <linux/types.h>
#include <kunit/visibility.h>

#include <lvos/hvdetect.h>

/* How a capacity change reached the guest (the audit trail's "source"). */
enum lvos_bg_source {
	LVOS_BG_SRC_CONFIG_IRQ,		/* virtio-blk config-change interrupt */
	LVOS_BG_SRC_EVENT,		/* virtio-scsi event queue, xenbus watch */
	LVOS_BG_SRC_AEN,		/* NVMe asynchronous event */
	LVOS_BG_SRC_UA,			/* our poll hit a capacity unit attention */
	LVOS_BG_SRC_POLL,		/* our READ CAPACITY poll saw a new size */
	LVOS_BG_SRC_RESCAN,		/* someone else rescanned the device */
	LVOS_BG_SRC_GUARD_CLEAR,	/* the admin cleared the shrink guard */
	LVOS_BG_SRC_NR
};

/*
 * A freshly allocated gendisk's class and device type: lvos takes the
 * (unexported) block class from one, and checks it is what it thinks.
 */
bool lvos_bg_block_class_ok(const char *class_name, const char *type_name);

const char *lvos_bg_source_name(enum lvos_bg_source src);
enum lvos_bg_source lvos_bg_source_of(enum lvos_hv_notify notify);
bool lvos_bg_needs_poll(enum lvos_hv_notify notify, bool virt);

/* What a capacity change means for the data on the disk. */
enum lvos_bg_change {
	LVOS_BG_SAME,
	LVOS_BG_GROW,
	LVOS_BG_SHRINK,			/* smaller, but still past the data */
	LVOS_BG_GUARD,			/* smaller than the data: read-only */
	LVOS_BG_CHANGE_NR
};

const char *lvos_bg_change_name(enum lvos_bg_change c);
enum lvos_bg_change lvos_bg_classify(u64 old_sectors, u64 new_sectors,
				     u64 data_end, bool guard);

/* A partition: first sector and length, 512-byte sectors. */
struct lvos_bg_extent {
	u64 start;
	u64 len;
};

u64 lvos_bg_data_end(const struct lvos_bg_extent *parts, unsigned int n,
		     bool whole_disk_open, u64 old_sectors);

/* READ CAPACITY (10) and (16) parameter data -> 512-byte sectors. */
int lvos_bg_parse_rc10(const u8 *buf, unsigned int len, u64 *sectors);
int lvos_bg_parse_rc16(const u8 *buf, unsigned int len, u64 *sectors);

/* The helper's per-layer report lines: "<layer> <outcome> <detail...>". */
enum lvos_bg_layer {
	LVOS_BG_LAYER_PARTITION,
	LVOS_BG_LAYER_LUKS,
	LVOS_BG_LAYER_LVM,
	LVOS_BG_LAYER_FS,
	LVOS_BG_LAYER_GUARD,
	LVOS_BG_LAYER_TRIM,
	LVOS_BG_LAYER_NR
};

#define LVOS_BG_LINE_MAX	160	/* a report line, with its NUL */

int lvos_bg_parse_report(const char *buf, size_t count, char *line);

#endif
