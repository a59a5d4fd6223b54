/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvdetect.h - the lvos hypervisor-detection core, for the other lvos modules.
 *
 * lvos_hvdetect decides once, at load, which hypervisor, cloud and
 * confidential-computing platform the guest runs on, and what the platform
 * can do (the capability vector). Consumers import the LVOS namespace:
 *
 *	MODULE_IMPORT_NS(LVOS_NS);
 *
 * All functions may be called from any context after lvos_hvdetect has
 * loaded (depmod makes it load first); none of them sleeps.
 */
#ifndef _LVOS_HVDETECT_H
#define _LVOS_HVDETECT_H

#include <linux/types.h>

struct kobject;

/* Vendor IDs, the same set and spelling as systemd-detect-virt --vm. */
enum lvos_hv_vendor {
	LVOS_HV_NONE,
	LVOS_HV_KVM,
	LVOS_HV_QEMU,
	LVOS_HV_VMWARE,
	LVOS_HV_MICROSOFT,
	LVOS_HV_ORACLE,
	LVOS_HV_XEN,
	LVOS_HV_BOCHS,
	LVOS_HV_PARALLELS,
	LVOS_HV_BHYVE,
	LVOS_HV_QNX,
	LVOS_HV_ACRN,
	LVOS_HV_POWERVM,
	LVOS_HV_APPLE,
	LVOS_HV_SRE,
	LVOS_HV_GOOGLE,
	LVOS_HV_AMAZON,
	LVOS_HV_VM_OTHER,
	LVOS_HV_VENDOR_NR
};

/* Clouds recognisable from firmware (DMI) data. */
enum lvos_hv_cloud {
	LVOS_CLOUD_NONE,
	LVOS_CLOUD_AWS,
	LVOS_CLOUD_GCE,
	LVOS_CLOUD_AZURE,
	LVOS_CLOUD_ORACLE,
	LVOS_CLOUD_ALIBABA,
	LVOS_CLOUD_DIGITALOCEAN,
	LVOS_CLOUD_HETZNER,
	LVOS_CLOUD_OPENSTACK,
	LVOS_CLOUD_SCALEWAY,
	LVOS_CLOUD_UPCLOUD,
	LVOS_CLOUD_NUTANIX,
	LVOS_CLOUD_OVIRT,
	LVOS_CLOUD_RHEV,
	LVOS_CLOUD_LINODE,
	LVOS_CLOUD_VULTR,
	LVOS_CLOUD_TENCENT,
	LVOS_CLOUD_EXOSCALE,
	LVOS_CLOUD_NR
};

/* Confidential-computing guest type, as systemd-detect-virt --cvm. */
enum lvos_hv_cc {
	LVOS_CC_NONE,
	LVOS_CC_SEV,
	LVOS_CC_SEV_ES,
	LVOS_CC_SEV_SNP,
	LVOS_CC_TDX,
	LVOS_CC_NR
};

/* Which balloon device the platform offers. */
enum lvos_hv_balloon {
	LVOS_BALLOON_NONE,
	LVOS_BALLOON_VIRTIO,
	LVOS_BALLOON_VMWARE,
	LVOS_BALLOON_HYPERV,
	LVOS_BALLOON_XEN,
	LVOS_BALLOON_NR
};

/* How memory can be hot-added. */
enum lvos_hv_memplug {
	LVOS_MEMPLUG_NONE,
	LVOS_MEMPLUG_ACPI_DIMM,
	LVOS_MEMPLUG_VIRTIO_MEM,
	LVOS_MEMPLUG_HYPERV,
	LVOS_MEMPLUG_XEN,
	LVOS_MEMPLUG_NR
};

/* Paravirtual clock source the platform offers. */
enum lvos_hv_pvclock {
	LVOS_PVCLOCK_TSC,
	LVOS_PVCLOCK_KVM,
	LVOS_PVCLOCK_HYPERV,
	LVOS_PVCLOCK_XEN,
	LVOS_PVCLOCK_VMWARE,
	LVOS_PVCLOCK_NR
};

/* Disk buses, for the capacity-change capability. */
enum lvos_hv_bus {
	LVOS_BUS_VIRTIO_BLK,
	LVOS_BUS_VIRTIO_SCSI,
	LVOS_BUS_NVME,
	LVOS_BUS_PVSCSI,
	LVOS_BUS_STORVSC,
	LVOS_BUS_XEN_BLK,
	LVOS_BUS_SCSI_OTHER,
	LVOS_BUS_NR
};

/* How a bus tells the guest that a disk's capacity changed. */
enum lvos_hv_notify {
	LVOS_NOTIFY_ABSENT,		/* no such bus on this platform */
	LVOS_NOTIFY_NONE,		/* nothing: the guest must poll or rescan */
	LVOS_NOTIFY_CONFIG_IRQ,		/* virtio config-change interrupt */
	LVOS_NOTIFY_EVENT,		/* an event queue / xenbus watch */
	LVOS_NOTIFY_AEN,		/* NVMe asynchronous event */
	LVOS_NOTIFY_UNIT_ATTENTION,	/* only after the next I/O (UA 2a/09) */
	LVOS_NOTIFY_NR
};

/**
 * lvos_hv_vendor() - the hypervisor vendor the guest runs on
 *
 * Return: the systemd-detect-virt compatible vendor, %LVOS_HV_NONE on bare
 * metal and %LVOS_HV_VM_OTHER for an unrecognised hypervisor.
 */
enum lvos_hv_vendor lvos_hv_vendor(void);

/**
 * lvos_hv_balloon_kind() - the balloon device the platform offers
 *
 * Return: the balloon kind, or %LVOS_BALLOON_NONE.
 */
enum lvos_hv_balloon lvos_hv_balloon_kind(void);

/**
 * lvos_hv_resize_notify() - how a disk bus reports capacity changes
 * @bus: the disk bus
 *
 * Return: %LVOS_NOTIFY_ABSENT when the bus is not present, %LVOS_NOTIFY_NONE
 * when the guest must poll, otherwise the notification mechanism. An
 * out-of-range @bus gives %LVOS_NOTIFY_ABSENT.
 */
enum lvos_hv_notify lvos_hv_resize_notify(enum lvos_hv_bus bus);

/**
 * lvos_hv_vendor_name() - the systemd-detect-virt spelling of a vendor
 * @vendor: vendor ID
 *
 * Return: a static string such as "kvm"; "vm-other" when out of range.
 */
const char *lvos_hv_vendor_name(enum lvos_hv_vendor vendor);

/**
 * lvos_hv_bus_name() - the name of a disk bus, as hvdetect's sysfs spells it
 * @bus: the disk bus
 *
 * Return: a static string such as "virtio_blk"; "unknown" when out of range.
 */
const char *lvos_hv_bus_name(enum lvos_hv_bus bus);

/**
 * lvos_hv_notify_name() - the name of a capacity-change notification
 * @notify: how a bus reports a resize
 *
 * Return: a static string such as "config-interrupt"; "unknown" when out of range.
 */
const char *lvos_hv_notify_name(enum lvos_hv_notify notify);

/**
 * lvos_sysfs_root() - the /sys/kernel/lvos kobject
 *
 * Other lvos modules create their directories under it. The kobject lives
 * as long as lvos_hvdetect, which every importer pins.
 *
 * Return: the kobject of /sys/kernel/lvos.
 */
struct kobject *lvos_sysfs_root(void);

struct notifier_block;

/* Bits of struct lvos_shape::what: which part of the guest's shape changed. */
#define LVOS_SHAPE_CPUS		0x1
#define LVOS_SHAPE_MEMORY	0x2

/**
 * struct lvos_shape - the guest's shape after a change, as passed to the
 * notifiers registered with lvos_shape_register_notifier()
 * @what: LVOS_SHAPE_* bits of what changed since the previous notification
 * @online_cpus: online CPUs
 * @present_cpus: present CPUs
 * @totalram_pages: RAM the page allocator manages, in pages
 */
struct lvos_shape {
	unsigned int what;
	unsigned int online_cpus;
	unsigned int present_cpus;
	unsigned long totalram_pages;
};

/**
 * lvos_shape_register_notifier() - be told when the guest's shape changes
 * @nb: notifier; its callback gets the LVOS_SHAPE_* bits as the action and
 *      a const struct lvos_shape * as data, in process context (it may
 *      sleep), after the CPUs or memory blocks concerned are online or gone
 *
 * lvos_vcpu_hotplug sends these after vCPU and memory hot-add, hot-remove,
 * parking and admin onlining or offlining. Unregister before unloading.
 *
 * Return: 0 or a negative errno.
 */
int lvos_shape_register_notifier(struct notifier_block *nb);

/**
 * lvos_shape_unregister_notifier() - stop the shape notifications
 * @nb: a notifier passed to lvos_shape_register_notifier()
 *
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int lvos_shape_unregister_notifier(struct notifier_block *nb);

/**
 * lvos_shape_changed() - tell every registered notifier that the shape changed
 * @what: LVOS_SHAPE_* bits
 *
 * Fills a struct lvos_shape from the current state and calls the notifiers.
 * Process context only (it may sleep).
 */
void lvos_shape_changed(unsigned int what);

#endif /* _LVOS_HVDETECT_H */
