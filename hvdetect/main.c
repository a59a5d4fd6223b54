// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_hvdetect - which hypervisor, cloud and confidential platform this
 * guest runs on, with the evidence, for users (/sys/kernel/lvos/hv) and for
 * the other lvos modules (include/lvos/hvdetect.h).
 *
 * Detection runs once at load. The facts and the result are written only
 * before the sysfs directory appears and before init returns, and are
 * read-only afterwards, so readers need no lock.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/cpumask.h>

#include <lvos/hvdetect.h>
#include <lvos/sysfs.h>
#include <lvos/version.h>
#include "facts.h"
#include "probe.h"

static struct lvos_hv_facts facts;
static struct lvos_hv_result result;
static u64 detect_ns;

static struct kobject *lvos_root;
static struct kobject *hv_kobj;

enum lvos_hv_vendor lvos_hv_vendor(void)
{
	return result.vendor;
}
EXPORT_SYMBOL_NS_GPL(lvos_hv_vendor, LVOS_NS);

enum lvos_hv_balloon lvos_hv_balloon_kind(void)
{
	return result.balloon;
}
EXPORT_SYMBOL_NS_GPL(lvos_hv_balloon_kind, LVOS_NS);

enum lvos_hv_notify lvos_hv_resize_notify(enum lvos_hv_bus bus)
{
	if ((unsigned int)bus >= LVOS_BUS_NR)
		return LVOS_NOTIFY_ABSENT;
	return result.resize[bus];
}
EXPORT_SYMBOL_NS_GPL(lvos_hv_resize_notify, LVOS_NS);

struct kobject *lvos_sysfs_root(void)
{
	return lvos_root;
}
EXPORT_SYMBOL_NS_GPL(lvos_sysfs_root, LVOS_NS);

/* "shape changed" notifications, sent by lvos_vcpu_hotplug */
static BLOCKING_NOTIFIER_HEAD(lvos_shape_chain);

int lvos_shape_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&lvos_shape_chain, nb);
}
EXPORT_SYMBOL_NS_GPL(lvos_shape_register_notifier, LVOS_NS);

int lvos_shape_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&lvos_shape_chain, nb);
}
EXPORT_SYMBOL_NS_GPL(lvos_shape_unregister_notifier, LVOS_NS);

void lvos_shape_changed(unsigned int what)
{
	struct lvos_shape shape = {
		.what = what,
		.online_cpus = num_online_cpus(),
		.present_cpus = num_present_cpus(),
		.totalram_pages = totalram_pages(),
	};

	might_sleep();
	blocking_notifier_call_chain(&lvos_shape_chain, what, &shape);
}
EXPORT_SYMBOL_NS_GPL(lvos_shape_changed, LVOS_NS);

/* /sys/kernel/lvos/hv/ */

#define LVOS_SHOW_STR(_name, _expr)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%s\n", _expr);				\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

LVOS_SHOW_STR(vendor, lvos_hv_vendor_name(result.vendor));
LVOS_SHOW_STR(front, lvos_hv_vendor_name(result.front));
LVOS_SHOW_STR(backend, lvos_hv_vendor_name(result.backend));
LVOS_SHOW_STR(cloud, lvos_hv_cloud_name(result.cloud));
LVOS_SHOW_STR(metal, result.metal ? "1" : "0");
LVOS_SHOW_STR(confidential, lvos_hv_cc_name(result.cc));
LVOS_SHOW_STR(emulated, result.emulated ? "1" : "0");
LVOS_SHOW_STR(x86_hyper_type, lvos_hv_ktype_name(facts.ktype));
LVOS_SHOW_STR(smbios_vm, facts.smbios_vm < 0 ? "unknown" :
	      facts.smbios_vm ? "1" : "0");

static ssize_t signatures_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	char sig[LVOS_HV_EVIDENCE_VALUE];
	unsigned int i;
	int len = 0;

	for (i = 0; i < facts.nr_leaves; i++) {
		lvos_hv_sanitize(sig, sizeof(sig), facts.leaves[i].sig, 12);
		len += sysfs_emit_at(buf, len, "0x%08x %s\n",
				     facts.leaves[i].base, sig);
	}
	return len;
}

static struct kobj_attribute signatures_attr = __ATTR_RO(signatures);

static ssize_t pv_features_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	int len = lvos_hv_format_features(&facts, &result, buf, PAGE_SIZE - 1);

	return len + sysfs_emit_at(buf, len, "\n");
}

static struct kobj_attribute pv_features_attr = __ATTR_RO(pv_features);

static ssize_t kvm_features_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", facts.kvm_features);
}

static struct kobj_attribute kvm_features_attr = __ATTR_RO(kvm_features);

static ssize_t evidence_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	return lvos_hv_format_evidence(&result, buf, PAGE_SIZE);
}

static struct kobj_attribute evidence_attr = __ATTR_RO(evidence);

static ssize_t detect_ns_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", detect_ns);
}

static struct kobj_attribute detect_ns_attr = __ATTR_RO(detect_ns);

static struct attribute *hv_attrs[] = {
	&vendor_attr.attr,
	&front_attr.attr,
	&backend_attr.attr,
	&cloud_attr.attr,
	&metal_attr.attr,
	&confidential_attr.attr,
	&emulated_attr.attr,
	&x86_hyper_type_attr.attr,
	&smbios_vm_attr.attr,
	&signatures_attr.attr,
	&pv_features_attr.attr,
	&kvm_features_attr.attr,
	&evidence_attr.attr,
	&detect_ns_attr.attr,
	NULL
};

static const struct attribute_group hv_group = {
	.attrs = hv_attrs,
};

/* /sys/kernel/lvos/hv/caps/: the capability vector */

LVOS_SHOW_STR(balloon, lvos_hv_balloon_name(result.balloon));
LVOS_SHOW_STR(mem_hotplug, lvos_hv_memplug_name(result.memplug));
LVOS_SHOW_STR(pvclock, lvos_hv_pvclock_name(result.pvclock));
LVOS_SHOW_STR(steal_time, result.steal_time ? "1" : "0");

struct lvos_bus_attr {
	struct kobj_attribute attr;
	enum lvos_hv_bus bus;
};

static ssize_t resize_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	const struct lvos_bus_attr *ba =
		container_of(attr, struct lvos_bus_attr, attr);

	return sysfs_emit(buf, "%s\n",
			  lvos_hv_notify_name(lvos_hv_resize_notify(ba->bus)));
}

#define LVOS_RESIZE_ATTR(_name, _bus)					\
static struct lvos_bus_attr resize_##_name##_attr = {			\
	.attr = __ATTR(resize_##_name, 0444, resize_show, NULL),	\
	.bus = _bus,							\
}

LVOS_RESIZE_ATTR(virtio_blk, LVOS_BUS_VIRTIO_BLK);
LVOS_RESIZE_ATTR(virtio_scsi, LVOS_BUS_VIRTIO_SCSI);
LVOS_RESIZE_ATTR(nvme, LVOS_BUS_NVME);
LVOS_RESIZE_ATTR(pvscsi, LVOS_BUS_PVSCSI);
LVOS_RESIZE_ATTR(storvsc, LVOS_BUS_STORVSC);
LVOS_RESIZE_ATTR(xen_blk, LVOS_BUS_XEN_BLK);
LVOS_RESIZE_ATTR(scsi_other, LVOS_BUS_SCSI_OTHER);

static struct attribute *caps_attrs[] = {
	&balloon_attr.attr,
	&mem_hotplug_attr.attr,
	&pvclock_attr.attr,
	&steal_time_attr.attr,
	&resize_virtio_blk_attr.attr.attr,
	&resize_virtio_scsi_attr.attr.attr,
	&resize_nvme_attr.attr.attr,
	&resize_pvscsi_attr.attr.attr,
	&resize_storvsc_attr.attr.attr,
	&resize_xen_blk_attr.attr.attr,
	&resize_scsi_other_attr.attr.attr,
	NULL
};

static const struct attribute_group caps_group = {
	.name = "caps",
	.attrs = caps_attrs,
};

static const struct attribute_group *hv_groups[] = {
	&hv_group,
	&caps_group,
	NULL
};

static const struct kobj_type hv_ktype = {
	.release	= lvos_kobj_free,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= hv_groups,
};

static int __init lvos_hvdetect_init(void)
{
	u64 start = ktime_get_ns();
	int err;

	lvos_hv_probe(&facts);
	lvos_hv_decide(&facts, &result);
	detect_ns = ktime_get_ns() - start;

	lvos_root = kobject_create_and_add("lvos", kernel_kobj);
	if (!lvos_root)
		return -ENOMEM;

	hv_kobj = kzalloc(sizeof(*hv_kobj), GFP_KERNEL);
	if (!hv_kobj) {
		err = -ENOMEM;
		goto err_put_root;
	}
	/* the groups exist before the directory is announced */
	err = kobject_init_and_add(hv_kobj, &hv_ktype, lvos_root, "hv");
	if (err)
		goto err_put_hv;
	kobject_uevent(hv_kobj, KOBJ_ADD);

	pr_info("vendor %s, backend %s, cloud %s, confidential %s%s (%llu us)\n",
		lvos_hv_vendor_name(result.vendor),
		lvos_hv_vendor_name(result.backend),
		lvos_hv_cloud_name(result.cloud), lvos_hv_cc_name(result.cc),
		result.emulated ? ", emulated" : "", div_u64(detect_ns, 1000));
	return 0;

err_put_hv:
	kobject_put(hv_kobj);	/* frees it through the release */
err_put_root:
	kobject_put(lvos_root);
	return err;
}

static void __exit lvos_hvdetect_exit(void)
{
	kobject_put(hv_kobj);
	kobject_put(lvos_root);
}

module_init(lvos_hvdetect_init);
module_exit(lvos_hvdetect_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvos hypervisor, cloud and confidential-computing detection");
MODULE_AUTHOR("lvos developers");
MODULE_VERSION(LVOS_VERSION);
