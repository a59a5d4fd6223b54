// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for lvos_vcpu_hotplug's pure decisions (vcpu-hotplug/policy.c):
 * policy modes (the memory-hotplug policy itself is set from userspace:
 * tools/tests/memory-policy-test), the density-mode parking policy, virtio-net queue
 * retuning, the refused-CPU log line filter, the search for the memory bus
 * (mem.c: only a validated memory block's bus); and the "shape changed"
 * notification chain of lvos_hvdetect.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/notifier.h>
#include <linux/string.h>

#include <lvos/hvdetect.h>
#include "../vcpu-hotplug/hotplug.h"

/* ---- policy modes ---- */

static void hp_modes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lvos_hp_parse_mode("auto"), LVOS_HP_AUTO);
	KUNIT_EXPECT_EQ(test, lvos_hp_parse_mode("online\n"), LVOS_HP_ONLINE);
	KUNIT_EXPECT_EQ(test, lvos_hp_parse_mode("manual"), LVOS_HP_MANUAL);
	KUNIT_EXPECT_EQ(test, lvos_hp_parse_mode("Manual"), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_hp_parse_mode(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, lvos_hp_parse_mode("onlinex"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, lvos_hp_mode_name(LVOS_HP_MANUAL), "manual");
	KUNIT_EXPECT_STREQ(test, lvos_hp_mode_name(LVOS_HP_MODE_NR), "?");
	/* auto onlines in a VM only; online always; manual never */
	KUNIT_EXPECT_TRUE(test, lvos_hp_mode_onlines(LVOS_HP_AUTO, true));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mode_onlines(LVOS_HP_AUTO, false));
	KUNIT_EXPECT_TRUE(test, lvos_hp_mode_onlines(LVOS_HP_ONLINE, false));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mode_onlines(LVOS_HP_MANUAL, true));
}

/* ---- density mode ---- */

static const struct lvos_hp_park_params hp_park = {
	.floor = 2, .park_below = 20, .unpark_above = 75, .park_after = 3,
};

static void hp_park_needs_quiet_streak(struct kunit *test)
{
	unsigned int quiet = 0;

	/* three quiet samples in a row park one CPU, then the count restarts */
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 4, 0, 5, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 4, 0, 5, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 4, 0, 5, &quiet), LVOS_HP_PARK_ONE);
	KUNIT_EXPECT_EQ(test, quiet, 0U);
	/* a busy sample in between resets the streak (hysteresis) */
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 5, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 50, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, quiet, 0U);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 5, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 5, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 5, &quiet), LVOS_HP_PARK_ONE);
}

static void hp_park_floor(struct kunit *test)
{
	unsigned int quiet = 0, i;

	/* at the floor, idle forever parks nothing */
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 2, 2, 0, &quiet),
				LVOS_HP_PARK_NONE);
	/* below the floor (an admin offlined some): unpark even when idle */
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 1, 3, 0, &quiet), LVOS_HP_UNPARK_ONE);
	/* a floor of 0 means 1: the last CPU never parks */
	{
		struct lvos_hp_park_params p = hp_park;

		p.floor = 0;
		for (i = 0; i < 10; i++)
			KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&p, 1, 3, 0, &quiet),
					LVOS_HP_PARK_NONE);
	}
}

static void hp_park_unpark(struct kunit *test)
{
	unsigned int quiet = 2;

	/* busy: unpark at once, and forget the quiet streak */
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 2, 2, 76, &quiet), LVOS_HP_UNPARK_ONE);
	KUNIT_EXPECT_EQ(test, quiet, 0U);
	/* busy with nothing parked: nothing to do */
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 4, 0, 100, &quiet), LVOS_HP_PARK_NONE);
	/* between the thresholds: stay */
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 50, &quiet), LVOS_HP_PARK_NONE);
	KUNIT_EXPECT_EQ(test, lvos_hp_park_decide(&hp_park, 3, 1, 75, &quiet), LVOS_HP_PARK_NONE);
}

static void hp_busy_pct(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lvos_hp_busy_pct(0, 0), 0U);
	KUNIT_EXPECT_EQ(test, lvos_hp_busy_pct(250, 1000), 25U);
	KUNIT_EXPECT_EQ(test, lvos_hp_busy_pct(1000, 1000), 100U);
	/* accounting skew cannot exceed 100% */
	KUNIT_EXPECT_EQ(test, lvos_hp_busy_pct(1200, 1000), 100U);
	/* 64-bit microsecond counters of a long uptime */
	KUNIT_EXPECT_EQ(test, lvos_hp_busy_pct(3ULL << 40, 4ULL << 40), 75U);
}

/* ---- retuning and reporting ---- */

static void hp_queue_target(struct kunit *test)
{
	/* 2 -> 4 CPUs, device had 2 of max 8: follow to 4 */
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(2, 8, 2, 4), 4U);
	/* never beyond the device maximum */
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(2, 3, 2, 4), 3U);
	/* shrink with the CPUs */
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(4, 8, 4, 3), 3U);
	/* an admin's own setting (not the old CPU count) is left alone */
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(1, 8, 2, 4), 0U);
	/* already right, single-queue devices, no CPUs: nothing */
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(3, 3, 2, 4), 0U);
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(1, 1, 1, 4), 0U);
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(0, 0, 2, 4), 0U);
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(2, 8, 2, 0), 0U);
	/* the device was capped at its max before: it still follows */
	KUNIT_EXPECT_EQ(test, lvos_hp_queue_target(2, 2, 4, 1), 1U);
}

/* ---- the shape notification chain (lvos_hvdetect) ---- */

struct hp_shape_seen {
	struct notifier_block nb;
	unsigned long action;
	struct lvos_shape shape;
	int calls;
};

static int hp_shape_cb(struct notifier_block *nb, unsigned long action, void *data)
{
	struct hp_shape_seen *s = container_of(nb, struct hp_shape_seen, nb);

	s->action = action;
	s->shape = *(const struct lvos_shape *)data;
	s->calls++;
	return NOTIFY_OK;
}

static void hp_shape_chain(struct kunit *test)
{
	struct hp_shape_seen s = { .nb.notifier_call = hp_shape_cb };

	KUNIT_ASSERT_EQ(test, lvos_shape_register_notifier(&s.nb), 0);
	lvos_shape_changed(LVOS_SHAPE_CPUS | LVOS_SHAPE_MEMORY);
	KUNIT_EXPECT_EQ(test, s.calls, 1);
	KUNIT_EXPECT_EQ(test, s.action, (unsigned long)(LVOS_SHAPE_CPUS | LVOS_SHAPE_MEMORY));
	KUNIT_EXPECT_EQ(test, s.shape.what, LVOS_SHAPE_CPUS | LVOS_SHAPE_MEMORY);
	KUNIT_EXPECT_EQ(test, s.shape.online_cpus, num_online_cpus());
	KUNIT_EXPECT_EQ(test, s.shape.present_cpus, num_present_cpus());
	KUNIT_EXPECT_EQ(test, s.shape.totalram_pages, totalram_pages());
	KUNIT_EXPECT_EQ(test, lvos_shape_unregister_notifier(&s.nb), 0);
	lvos_shape_changed(LVOS_SHAPE_CPUS);
	KUNIT_EXPECT_EQ(test, s.calls, 1);	/* not called once unregistered */
	KUNIT_EXPECT_EQ(test, lvos_shape_unregister_notifier(&s.nb), -ENOENT);
}

/* ---- finding the memory bus (memory_subsys is not exported) ---- */

static void hp_mem_block_names(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, lvos_hp_mem_block_name_ok("memory0"));
	KUNIT_EXPECT_TRUE(test, lvos_hp_mem_block_name_ok("memory4294967295"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("memory4294967296"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("memory"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("memory12a"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("memory+1"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("memory1\n"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("memory_tier0"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok("node0"));
	KUNIT_EXPECT_FALSE(test, lvos_hp_mem_block_name_ok(NULL));
}

/*
 * A devices kset of our own, never registered: the walk only reads the
 * list, each kobject's parent and name and each device's bus.
 */
struct hp_tree {
	struct kset devices;
	struct kobject system, elsewhere;
	struct device dev[6];
	unsigned int n;
};

static struct bus_type hp_memory_bus = { .name = "memory" };
static struct bus_type hp_other_bus = { .name = "platform" };

static void hp_nop_release(struct device *dev)
{
}

static struct device *hp_add(struct kunit *test, struct hp_tree *t, struct kobject *parent,
			     const char *name, struct bus_type *bus)
{
	struct device *dev = &t->dev[t->n++];

	device_initialize(dev);
	dev->release = hp_nop_release;
	dev->bus = bus;
	KUNIT_ASSERT_EQ(test, dev_set_name(dev, "%s", name), 0);
	dev->kobj.parent = parent;
	list_add_tail(&dev->kobj.entry, &t->devices.list);
	return dev;
}

static struct hp_tree *hp_tree(struct kunit *test)
{
	struct hp_tree *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	INIT_LIST_HEAD(&t->devices.list);
	spin_lock_init(&t->devices.list_lock);
	return t;
}

static void hp_tree_free(struct hp_tree *t)
{
	while (t->n--) {
		list_del(&t->dev[t->n].kobj.entry);
		put_device(&t->dev[t->n]);
	}
}

static void hp_mem_walk_validates(struct kunit *test)
{
	struct hp_tree *t = hp_tree(test);
	struct device *root, *block, *found;

	/* listed first, so a walk that trusts the first match takes them */
	hp_add(test, t, &t->elsewhere, "memory", &hp_other_bus);	/* not under system/ */
	root = hp_add(test, t, &t->system, "memory", NULL);
	hp_add(test, t, &root->kobj, "memory0", &hp_other_bus);	/* another bus */
	hp_add(test, t, &root->kobj, "memory_tier0", &hp_memory_bus);	/* not a block */
	block = hp_add(test, t, &root->kobj, "memory32", &hp_memory_bus);
	found = lvos_hp_mem_walk(&t->devices, &t->system);
	KUNIT_EXPECT_PTR_EQ(test, found, block);
	if (found) {
		KUNIT_EXPECT_STREQ(test, found->bus->name, "memory");
		put_device(found);
	}
	hp_tree_free(t);
}

static void hp_mem_walk_nothing(struct kunit *test)
{
	struct hp_tree *t = hp_tree(test);
	struct device *root, *found;

	/* decoys only: nothing, never a wrong bus */
	root = hp_add(test, t, &t->system, "memory", NULL);
	hp_add(test, t, &t->elsewhere, "memory", &hp_memory_bus);
	hp_add(test, t, &root->kobj, "memory0", &hp_other_bus);
	hp_add(test, t, &root->kobj, "memoryX", &hp_memory_bus);
	found = lvos_hp_mem_walk(&t->devices, &t->system);
	KUNIT_EXPECT_NULL(test, found);
	put_device(found);
	hp_tree_free(t);
	/* no root at all */
	t = hp_tree(test);
	hp_add(test, t, &t->elsewhere, "memory", NULL);
	found = lvos_hp_mem_walk(&t->devices, &t->system);
	KUNIT_EXPECT_NULL(test, found);
	put_device(found);
	hp_tree_free(t);
}

static struct kunit_case hp_policy_cases[] = {
	KUNIT_CASE(hp_modes),
	KUNIT_CASE(hp_mem_block_names),
	KUNIT_CASE(hp_mem_walk_validates),
	KUNIT_CASE(hp_mem_walk_nothing),
	{}
};

static struct kunit_case hp_park_cases[] = {
	KUNIT_CASE(hp_park_needs_quiet_streak),
	KUNIT_CASE(hp_park_floor),
	KUNIT_CASE(hp_park_unpark),
	KUNIT_CASE(hp_busy_pct),
	{}
};

static struct kunit_case hp_retune_cases[] = {
	KUNIT_CASE(hp_queue_target),
	KUNIT_CASE(hp_shape_chain),
	{}
};

static struct kunit_suite hp_policy_suite = {
	.name = "lvos_vcpu_hotplug_policy",
	.test_cases = hp_policy_cases,
};

static struct kunit_suite hp_park_suite = {
	.name = "lvos_vcpu_hotplug_park",
	.test_cases = hp_park_cases,
};

static struct kunit_suite hp_retune_suite = {
	.name = "lvos_vcpu_hotplug_retune",
	.test_cases = hp_retune_cases,
};

kunit_test_suites(&hp_policy_suite, &hp_park_suite, &hp_retune_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for lvos_vcpu_hotplug");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_IMPORT_NS(LVOS_NS);
