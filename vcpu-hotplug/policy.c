// SPDX-License-Identifier: GPL-2.0-only
/*
 * policy.c - lvos_vcpu_hotplug's pure decisions (see policy.h). Exported
 * to the KUnit suite with EXPORT_SYMBOL_IF_KUNIT; no state, no locks.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "policy.h"

static const char * const lvos_hp_mode_names[LVOS_HP_MODE_NR] = {
	[LVOS_HP_AUTO] = "auto",
	[LVOS_HP_ONLINE] = "online",
	[LVOS_HP_MANUAL] = "manual",
};

const char *lvos_hp_mode_name(enum lvos_hp_mode mode)
{
	return (unsigned int)mode < LVOS_HP_MODE_NR ? lvos_hp_mode_names[mode] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_mode_name);

/* Return: the mode, or -EINVAL for anything but the three names. */
int lvos_hp_parse_mode(const char *buf)
{
	return __sysfs_match_string(lvos_hp_mode_names, LVOS_HP_MODE_NR, buf);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_parse_mode);

/*
 * auto onlines in any virtual machine (the hypervisor adds resources
 * because someone asked for them) and leaves bare metal to its admin,
 * where hot-add is a maintenance action with its own tooling.
 */
bool lvos_hp_mode_onlines(enum lvos_hp_mode mode, bool in_vm)
{
	return mode == LVOS_HP_ONLINE || (mode == LVOS_HP_AUTO && in_vm);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_mode_onlines);

/*
 * One step per sample, with hysteresis: unpark at once when the online
 * CPUs are busy, park only after @park_after quiet samples in a row, and
 * never below the floor. @quiet is the caller's counter of quiet samples.
 */
enum lvos_hp_park_action
lvos_hp_park_decide(const struct lvos_hp_park_params *p, unsigned int online,
		    unsigned int parked, unsigned int busy_pct,
		    unsigned int *quiet)
{
	unsigned int floor = max(p->floor, 1U);

	if ((busy_pct > p->unpark_above || online < floor) && parked) {
		*quiet = 0;
		return LVOS_HP_UNPARK_ONE;
	}
	if (busy_pct >= p->park_below || online <= floor) {
		*quiet = 0;
		return LVOS_HP_PARK_NONE;
	}
	if (++*quiet < p->park_after)
		return LVOS_HP_PARK_NONE;
	*quiet = 0;
	return LVOS_HP_PARK_ONE;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_park_decide);

unsigned int lvos_hp_busy_pct(u64 busy_delta, u64 total_delta)
{
	if (!total_delta)
		return 0;
	if (busy_delta >= total_delta)
		return 100;
	return (unsigned int)div64_u64(busy_delta * 100, total_delta);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_busy_pct);

/*
 * virtio_net sets its queue pairs to the online CPU count only at probe.
 * A device whose count still matches the previous CPU count follows the
 * new one; one an admin set to something else is left alone.
 */
unsigned int lvos_hp_queue_target(unsigned int cur, unsigned int max,
				  unsigned int prev_cpus, unsigned int online)
{
	unsigned int want = min(online, max);

	if (!max || !online || cur != min(prev_cpus, max) || cur == want)
		return 0;
	return want;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_queue_target);

bool lvos_hp_mem_block_name_ok(const char *name)
{
	const char *p;
	unsigned int id;

	if (!name || strncmp(name, "memory", 6) || !name[6])
		return false;
	for (p = name + 6; *p; p++)
		if (!isdigit(*p))
			return false;
	return !kstrtouint(name + 6, 10, &id);	/* and the id fits */
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hp_mem_block_name_ok);
