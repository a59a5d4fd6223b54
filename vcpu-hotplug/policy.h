/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy.h - lvos_vcpu_hotplug's pure decisions: no state, no locks, no
 * kernel calls, so KUnit can drive them with recorded inputs.
 */
#ifndef _LVOS_HP_POLICY_H
#define _LVOS_HP_POLICY_H

#include <linux/types.h>
#include <kunit/visibility.h>

/* cpu_policy and memory_policy values */
enum lvos_hp_mode {
	LVOS_HP_AUTO,		/* decide from the platform (hvdetect) */
	LVOS_HP_ONLINE,		/* always bring hot-added resources online */
	LVOS_HP_MANUAL,		/* leave them to the admin (report only) */
	LVOS_HP_MODE_NR
};

const char *lvos_hp_mode_name(enum lvos_hp_mode mode);
int lvos_hp_parse_mode(const char *buf);
bool lvos_hp_mode_onlines(enum lvos_hp_mode mode, bool in_vm);

/* "memory<N>": the name of a memory block device (drivers/base/memory.c) */
bool lvos_hp_mem_block_name_ok(const char *name);

/* Density mode: park (offline) idle vCPUs, unpark on load. */
struct lvos_hp_park_params {
	unsigned int floor;		/* never fewer online CPUs than this */
	unsigned int park_below;	/* busy % under which a CPU may park */
	unsigned int unpark_above;	/* busy % over which one unparks */
	unsigned int park_after;	/* quiet samples before parking */
};

enum lvos_hp_park_action {
	LVOS_HP_PARK_NONE,
	LVOS_HP_PARK_ONE,
	LVOS_HP_UNPARK_ONE,
};

enum lvos_hp_park_action
lvos_hp_park_decide(const struct lvos_hp_park_params *p, unsigned int online,
		    unsigned int parked, unsigned int busy_pct,
		    unsigned int *quiet);

unsigned int lvos_hp_busy_pct(u64 busy_delta, u64 total_delta);

/* NIC queue pairs for @online CPUs, or 0 to leave the device alone */
unsigned int lvos_hp_queue_target(unsigned int cur, unsigned int max,
				  unsigned int prev_cpus, unsigned int online);

#endif
