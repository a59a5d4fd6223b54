/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every lvos module's sysfs and parameter code needs: range-checked
 * numbers and booleans with one ratelimited log line per bad write, and
 * the release of a kobject that is its own allocation. Inline on purpose:
 * the log lines carry the calling module's pr_fmt prefix ("lvos_balloon: ").
 */
#ifndef _LVOS_SYSFS_H
#define _LVOS_SYSFS_H

#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

#define LVOS_UINT_ZERO_OK	BIT(0)	/* 0 is accepted besides [min, max] */
#define LVOS_UINT_OVF_EINVAL	BIT(1)	/* past UINT_MAX is -EINVAL (the ABI of some files) */

/* The length of a write without its trailing newline, for "%.*s". */
static inline int lvos_buf_len(const char *buf)
{
	return strcspn(buf, "\n");
}

/**
 * lvos_parse_uint() - a decimal written to a sysfs file, range checked
 * @who: what the log line names (a file, or "disk: file")
 * @buf: the write (one trailing newline allowed)
 * @min: the smallest value accepted
 * @max: the largest value accepted
 * @flags: %LVOS_UINT_ZERO_OK, %LVOS_UINT_OVF_EINVAL
 * @val: the value, set only on success
 *
 * Return: 0; -EINVAL for anything but a decimal (a leading '+' is one, as
 * for kstrtouint(); a '-' is not); -ERANGE past
 * UINT_MAX (-EINVAL with %LVOS_UINT_OVF_EINVAL) or outside [@min, @max].
 * Every error logs one ratelimited line.
 */
static inline int lvos_parse_uint(const char *who, const char *buf, unsigned int min,
				  unsigned int max, unsigned int flags, unsigned int *val)
{
	unsigned int v;
	int err = kstrtouint(buf, 10, &v);

	if (err == -ERANGE && (flags & LVOS_UINT_OVF_EINVAL))
		err = -EINVAL;
	if (err) {
		pr_warn_ratelimited("%s: '%.*s' is not a number\n", who, lvos_buf_len(buf), buf);
		return err;
	}
	if ((v < min || v > max) && !(v == 0 && (flags & LVOS_UINT_ZERO_OK))) {
		pr_warn_ratelimited("%s: %u is out of range (%s%u-%u)\n", who, v,
				    flags & LVOS_UINT_ZERO_OK ? "0 or " : "", min, max);
		return -ERANGE;
	}
	*val = v;
	return 0;
}

/**
 * lvos_parse_bool() - a boolean written to a sysfs file
 * @who: what the log line names
 * @buf: the write: what kstrtobool() takes (0/1, y/n, on/off)
 * @val: the value, set only on success
 *
 * Return: 0, or -EINVAL with one ratelimited log line.
 */
static inline int lvos_parse_bool(const char *who, const char *buf, bool *val)
{
	bool v;

	if (kstrtobool(buf, &v)) {
		pr_warn_ratelimited("%s: '%.*s' is not 0 or 1\n", who, lvos_buf_len(buf), buf);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

/* A module parameter's accepted range, checked at load: one table per module. */
struct lvos_param_range {
	const char *name;
	const unsigned int *val;
	unsigned int min, max;
	bool zero_ok;		/* 0 ("off") is accepted besides [min, max] */
};

/**
 * lvos_check_param_ranges() - refuse a load whose parameters are out of range
 * @t: the table
 * @n: its entries
 *
 * Return: 0, or -EINVAL with "NAME=VALUE: must be [0 or ]MIN-MAX" logged
 * for the first parameter out of range.
 */
static inline int lvos_check_param_ranges(const struct lvos_param_range *t, size_t n)
{
	for (; n; n--, t++) {
		unsigned int v = *t->val;

		if ((v >= t->min && v <= t->max) || (t->zero_ok && !v))
			continue;
		pr_err("%s=%u: must be %s%u-%u\n", t->name, v, t->zero_ok ? "0 or " : "",
		       t->min, t->max);
		return -EINVAL;
	}
	return 0;
}

/* The release of a kobject allocated on its own (kzalloc'd, not embedded). */
static inline void lvos_kobj_free(struct kobject *kobj)
{
	kfree(kobj);
}

#endif
