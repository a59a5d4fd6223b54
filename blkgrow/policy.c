// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy.c - lvos_blkgrow's pure decisions (see policy.h). Exported to the
 * KUnit suite with EXPORT_SYMBOL_IF_KUNIT; no state, no locks.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "policy.h"

static const char * const lvos_bg_source_names[LVOS_BG_SRC_NR] = {
	[LVOS_BG_SRC_CONFIG_IRQ] = "config-interrupt",
	[LVOS_BG_SRC_EVENT] = "event",
	[LVOS_BG_SRC_AEN] = "aen",
	[LVOS_BG_SRC_UA] = "unit-attention",
	[LVOS_BG_SRC_POLL] = "poll",
	[LVOS_BG_SRC_RESCAN] = "rescan",
	[LVOS_BG_SRC_GUARD_CLEAR] = "guard-clear",
};

bool lvos_bg_block_class_ok(const char *class_name, const char *type_name)
{
	return class_name && type_name && !strcmp(class_name, "block") &&
	       !strcmp(type_name, "disk");
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_block_class_ok);

const char *lvos_bg_source_name(enum lvos_bg_source src)
{
	return (unsigned int)src < LVOS_BG_SRC_NR ? lvos_bg_source_names[src] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_source_name);

/*
 * The source of a change lvos did not cause itself: the bus's own
 * notification, or (a bus that has none) a rescan somebody else ran.
 */
enum lvos_bg_source lvos_bg_source_of(enum lvos_hv_notify notify)
{
	switch (notify) {
	case LVOS_NOTIFY_CONFIG_IRQ:
		return LVOS_BG_SRC_CONFIG_IRQ;
	case LVOS_NOTIFY_EVENT:
		return LVOS_BG_SRC_EVENT;
	case LVOS_NOTIFY_AEN:
		return LVOS_BG_SRC_AEN;
	case LVOS_NOTIFY_UNIT_ATTENTION:
		return LVOS_BG_SRC_UA;
	default:
		return LVOS_BG_SRC_RESCAN;
	}
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_source_of);

/*
 * Buses whose driver updates the capacity by itself need nothing. The
 * others (no notification, or a unit attention only the next I/O sees)
 * get the READ CAPACITY poll. "Absent" means hvdetect does not expect the
 * bus on this platform; the disk exists anyway, so it is polled. Only in
 * a virtual machine (@virt): on bare metal lvos sends no command to any
 * disk unless the admin asks for it (poll_bare_metal).
 */
bool lvos_bg_needs_poll(enum lvos_hv_notify notify, bool virt)
{
	return virt && notify != LVOS_NOTIFY_CONFIG_IRQ && notify != LVOS_NOTIFY_EVENT &&
	       notify != LVOS_NOTIFY_AEN;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_needs_poll);

static const char * const lvos_bg_change_names[LVOS_BG_CHANGE_NR] = {
	[LVOS_BG_SAME] = "none",
	[LVOS_BG_GROW] = "grow",
	[LVOS_BG_SHRINK] = "shrink",
	[LVOS_BG_GUARD] = "guard",
};

const char *lvos_bg_change_name(enum lvos_bg_change c)
{
	return (unsigned int)c < LVOS_BG_CHANGE_NR ? lvos_bg_change_names[c] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_change_name);

/*
 * A disk that shrinks below the end of its data (@data_end, 0 = no data
 * known) is guarded when @guard is on; a shrink that stays past the data
 * is only reported.
 */
enum lvos_bg_change lvos_bg_classify(u64 old_sectors, u64 new_sectors,
				     u64 data_end, bool guard)
{
	if (new_sectors == old_sectors)
		return LVOS_BG_SAME;
	if (new_sectors > old_sectors)
		return LVOS_BG_GROW;
	if (guard && new_sectors < data_end)
		return LVOS_BG_GUARD;
	return LVOS_BG_SHRINK;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_classify);

/*
 * Where the data ends: the end of the last partition; on a disk without
 * partitions, its old size if someone holds the whole disk open (a
 * mounted filesystem, an LVM PV, LUKS), else nothing (0).
 */
u64 lvos_bg_data_end(const struct lvos_bg_extent *parts, unsigned int n,
		     bool whole_disk_open, u64 old_sectors)
{
	u64 end = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		end = max(end, parts[i].start + parts[i].len);
	if (!n && whole_disk_open)
		end = old_sectors;
	return end;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_data_end);

/* A logical block size lvos believes: 512 B to 64 KiB, a power of two. */
static int lvos_bg_blocks_to_sectors(u64 last_lba, u32 block, u64 *sectors)
{
	u64 blocks;

	if (block < 512 || block > 65536 || !is_power_of_2(block))
		return -EINVAL;
	if (check_add_overflow(last_lba, (u64)1, &blocks) ||
	    check_mul_overflow(blocks, (u64)(block >> 9), sectors))
		return -EINVAL;
	return 0;
}

/*
 * READ CAPACITY (10): last LBA and block length, big endian. A last LBA
 * of 0xffffffff means "too big, ask READ CAPACITY (16)": -ERANGE.
 */
int lvos_bg_parse_rc10(const u8 *buf, unsigned int len, u64 *sectors)
{
	u32 lba;

	if (len < 8)
		return -EINVAL;
	lba = get_unaligned_be32(buf);
	if (lba == 0xffffffff)
		return -ERANGE;
	return lvos_bg_blocks_to_sectors(lba, get_unaligned_be32(buf + 4), sectors);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_parse_rc10);

int lvos_bg_parse_rc16(const u8 *buf, unsigned int len, u64 *sectors)
{
	if (len < 12)
		return -EINVAL;
	return lvos_bg_blocks_to_sectors(get_unaligned_be64(buf),
					 get_unaligned_be32(buf + 8), sectors);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_parse_rc16);

static const char * const lvos_bg_layer_names[LVOS_BG_LAYER_NR] = {
	[LVOS_BG_LAYER_PARTITION] = "partition",
	[LVOS_BG_LAYER_LUKS] = "luks",
	[LVOS_BG_LAYER_LVM] = "lvm",
	[LVOS_BG_LAYER_FS] = "fs",
	[LVOS_BG_LAYER_GUARD] = "guard",
	[LVOS_BG_LAYER_TRIM] = "trim",
};

static const char * const lvos_bg_outcomes[] = {
	"grown", "unchanged", "skipped", "failed", "done",
};

static int lvos_bg_word(const char *s, size_t len, const char * const *names,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(s, names[i], len))
			return i;
	return -EINVAL;
}

/*
 * One report line from the helper: "<layer> <outcome>[ <detail>]", one
 * trailing newline allowed, printable ASCII only, shorter than
 * LVOS_BG_LINE_MAX. Copies it to @line (LVOS_BG_LINE_MAX bytes) without
 * the newline. Return: the layer, or -EINVAL.
 */
int lvos_bg_parse_report(const char *buf, size_t count, char *line)
{
	const char *sp, *end;
	int layer;
	size_t i;

	if (count && buf[count - 1] == '\n')
		count--;
	if (!count || count >= LVOS_BG_LINE_MAX)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!isprint(buf[i]) || !isascii(buf[i]))
			return -EINVAL;
	end = buf + count;
	sp = memchr(buf, ' ', count);
	if (!sp)
		return -EINVAL;
	layer = lvos_bg_word(buf, sp - buf, lvos_bg_layer_names, LVOS_BG_LAYER_NR);
	if (layer < 0)
		return -EINVAL;
	buf = sp + 1;
	sp = memchr(buf, ' ', end - buf);
	if (!sp)
		sp = end;
	if (lvos_bg_word(buf, sp - buf, lvos_bg_outcomes, ARRAY_SIZE(lvos_bg_outcomes)) < 0)
		return -EINVAL;
	if (sp < end && sp + 1 == end)
		return -EINVAL;		/* "fs grown " : a detail that is empty */
	memcpy(line, end - count, count);
	line[count] = '\0';
	return layer;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bg_parse_report);
