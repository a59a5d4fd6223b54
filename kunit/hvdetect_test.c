// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for lvos_hvdetect's decision logic.
 *
 * Every case is a set of platform facts as recorded (or documented) on a
 * real platform, and the whole expected answer: vendor, front, backend,
 * cloud, bare-metal flag, confidential type, emulation and the capability
 * vector, plus one line the evidence must contain.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../hvdetect/facts.h"

#define KVM_SIG		"KVMKVMKVM\0\0\0"
#define HV_SIG		"Microsoft Hv"
#define XEN_SIG		"XenVMMXenVMM"
#define TCG_SIG		"TCGTCGTCGTCG"

/* kvm_features of a current QEMU/KVM guest (-cpu host) */
#define KVM_FEATS	0x01007afbU
/* Hyper-V partition privileges of a Windows Server 2022 host */
#define HYPERV_FEATS_A	0x00002e7fU

#define LEAF(_base, _max, _sig) { .base = (_base), .max = (_max), .sig = _sig }

struct hv_expect {
	enum lvos_hv_vendor vendor, front, backend;
	enum lvos_hv_cloud cloud;
	bool metal;
	enum lvos_hv_cc cc;
	bool emulated;
	enum lvos_hv_balloon balloon;
	enum lvos_hv_memplug memplug;
	enum lvos_hv_pvclock pvclock;
	bool steal_time;
	enum lvos_hv_notify resize[LVOS_BUS_NR];	/* 0 = absent */
	const char *evidence;	/* a substring of the evidence text */
};

struct hv_case {
	const char *name;
	struct lvos_hv_facts facts;
	struct hv_expect want;
};

#define DMI_QEMU_PC							\
	[LVOS_DMI_SYS_VENDOR] = "QEMU",					\
	[LVOS_DMI_PRODUCT_NAME] = "Standard PC (i440FX + PIIX, 1996)",	\
	[LVOS_DMI_PRODUCT_VERSION] = "pc-i440fx-7.2",			\
	[LVOS_DMI_BIOS_VENDOR] = "SeaBIOS",				\
	[LVOS_DMI_BIOS_VERSION] = "1.16.2-debian-1.16.2-1"

#define DMI_HYPERV(tag)							\
	[LVOS_DMI_SYS_VENDOR] = "Microsoft Corporation",		\
	[LVOS_DMI_PRODUCT_NAME] = "Virtual Machine",			\
	[LVOS_DMI_PRODUCT_VERSION] = "Hyper-V UEFI Release v4.1",	\
	[LVOS_DMI_BIOS_VENDOR] = "Microsoft Corporation",		\
	[LVOS_DMI_BIOS_VERSION] = "Hyper-V UEFI Release v4.1",		\
	[LVOS_DMI_BOARD_VENDOR] = "Microsoft Corporation",		\
	[LVOS_DMI_CHASSIS_ASSET_TAG] = tag

/* "VMware", 5 odd bytes and 300 'A': far longer than any evidence value */
#define HOSTILE_PREFIX	"VMware\"\\\001\177\377"
static char hostile_vendor[sizeof(HOSTILE_PREFIX) + 300];

#define AZURE_TAG	"7783-7084-3265-9085-8269-3286-77"

#define KVM_GUEST_FACTS							\
	.cpuid_hv_bit = true, .nr_leaves = 1,				\
	.leaves = { LEAF(0x40000000, 0x40000001, KVM_SIG) },		\
	.kvm_features = KVM_FEATS, .ktype = LVOS_KTYPE_KVM

#define HYPERV_FACTS(tag)						\
	.cpuid_hv_bit = true, .nr_leaves = 1,				\
	.leaves = { LEAF(0x40000000, 0x4000000b, HV_SIG) },		\
	.hyperv_features_a = HYPERV_FEATS_A, .ktype = LVOS_KTYPE_HYPERV,	\
	.dmi = { DMI_HYPERV(tag) }, .smbios_vm = 1,			\
	.devs = BIT(LVOS_DEV_ACPI_VMBUS)

#define KVM_CAPS .balloon = LVOS_BALLOON_VIRTIO, .pvclock = LVOS_PVCLOCK_KVM, \
	.steal_time = true

#define HYPERV_CAPS .balloon = LVOS_BALLOON_HYPERV,			\
	.memplug = LVOS_MEMPLUG_HYPERV, .pvclock = LVOS_PVCLOCK_HYPERV,	\
	.resize = { [LVOS_BUS_STORVSC] = LVOS_NOTIFY_UNIT_ATTENTION }

#define XEN_CAPS .balloon = LVOS_BALLOON_XEN, .memplug = LVOS_MEMPLUG_XEN, \
	.pvclock = LVOS_PVCLOCK_XEN, .steal_time = true,		\
	.resize = { [LVOS_BUS_XEN_BLK] = LVOS_NOTIFY_EVENT }

static const struct hv_case hv_cases[] = {
	{
		.name = "kvm",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { DMI_QEMU_PC }, .smbios_vm = 1,
			   .devs = BIT(LVOS_DEV_VIRTIO_BLK) | BIT(LVOS_DEV_VIRTIO_NET) |
				   BIT(LVOS_DEV_VIRTIO_BALLOON) | BIT(LVOS_DEV_ACPI_FWCFG) |
				   BIT(LVOS_DEV_ACPI_MEMDEV),
			   .nr_pci_vendors = 3, .pci_vendors = { 0x8086, 0x1af4, 0x1234 } },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, KVM_CAPS,
			  .memplug = LVOS_MEMPLUG_ACPI_DIMM,
			  .resize = { [LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ },
			  .evidence = "cpuid 0x40000000=\"KVMKVMKVM\" -> kvm" },
	}, {
		.name = "kvm_hyperv_enlightenments",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 2,
			   .leaves = { LEAF(0x40000000, 0x4000000a, HV_SIG),
				       LEAF(0x40000100, 0x40000101, KVM_SIG) },
			   .kvm_features = KVM_FEATS, .hyperv_features_a = HYPERV_FEATS_A,
			   .ktype = LVOS_KTYPE_KVM, .dmi = { DMI_QEMU_PC },
			   .devs = BIT(LVOS_DEV_VIRTIO_SCSI) },
		.want = { LVOS_HV_KVM, LVOS_HV_MICROSOFT, LVOS_HV_KVM,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .resize = { [LVOS_BUS_VIRTIO_SCSI] = LVOS_NOTIFY_EVENT },
			  .evidence = "cpuid 0x40000100=\"KVMKVMKVM\" -> kvm" },
	}, {
		/* hv-passthrough with kvm=off: only the Hyper-V leaf is left */
		.name = "kvm_hyperv_kvm_off",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x4000000a, HV_SIG) },
			   .hyperv_features_a = HYPERV_FEATS_A,
			   .ktype = LVOS_KTYPE_HYPERV, .dmi = { DMI_QEMU_PC } },
		.want = { LVOS_HV_KVM, LVOS_HV_MICROSOFT, LVOS_HV_KVM,
			  .balloon = LVOS_BALLOON_NONE, .pvclock = LVOS_PVCLOCK_HYPERV,
			  .evidence = "rule hyperv_on_qemu=\"Microsoft Hv\" -> kvm" },
	}, {
		.name = "hyperv",
		.facts = { HYPERV_FACTS("3795-6013-6262-4285-8620-7652-51") },
		.want = { LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT,
			  HYPERV_CAPS, .evidence = "acpi VMBUS=\"present\" -> microsoft" },
	}, {
		.name = "azure",
		.facts = { HYPERV_FACTS(AZURE_TAG) },
		.want = { LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT,
			  LVOS_CLOUD_AZURE, HYPERV_CAPS,
			  .evidence = "dmi chassis_asset_tag=\"" AZURE_TAG "\" -> azure" },
	}, {
		.name = "azure_cvm_sev_snp",
		.facts = { HYPERV_FACTS(AZURE_TAG),
			   .hyperv_features_b = LVOS_HYPERV_FEAT_ISOLATION,
			   .hyperv_isolation_b = LVOS_HYPERV_ISOLATION_SNP },
		.want = { LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT,
			  LVOS_CLOUD_AZURE, .cc = LVOS_CC_SEV_SNP, HYPERV_CAPS,
			  .evidence = "cpuid hyperv_isolation=\"0x2\" -> sev-snp" },
	}, {
		.name = "azure_cvm_tdx",
		.facts = { HYPERV_FACTS(AZURE_TAG),
			   .hyperv_features_b = LVOS_HYPERV_FEAT_ISOLATION,
			   .hyperv_isolation_b = LVOS_HYPERV_ISOLATION_TDX },
		.want = { LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT, LVOS_HV_MICROSOFT,
			  LVOS_CLOUD_AZURE, .cc = LVOS_CC_TDX, HYPERV_CAPS,
			  .evidence = "-> tdx" },
	}, {
		.name = "vmware",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000010, "VMwareVMware") },
			   .ktype = LVOS_KTYPE_VMWARE,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "VMware, Inc.",
				    [LVOS_DMI_PRODUCT_NAME] = "VMware Virtual Platform",
				    [LVOS_DMI_BIOS_VENDOR] = "Phoenix Technologies LTD",
				    [LVOS_DMI_BOARD_VENDOR] = "Intel Corporation",
				    [LVOS_DMI_CHASSIS_ASSET_TAG] = "No Asset Tag" },
			   .smbios_vm = 1, .vmware_backdoor_version = 6,
			   .devs = BIT(LVOS_DEV_PVSCSI) | BIT(LVOS_DEV_VMXNET3) |
				   BIT(LVOS_DEV_VMWARE_BACKDOOR) | BIT(LVOS_DEV_ACPI_MEMDEV),
			   .nr_pci_vendors = 2, .pci_vendors = { 0x8086, 0x15ad } },
		.want = { LVOS_HV_VMWARE, LVOS_HV_VMWARE, LVOS_HV_VMWARE,
			  .balloon = LVOS_BALLOON_VMWARE, .memplug = LVOS_MEMPLUG_ACPI_DIMM,
			  .pvclock = LVOS_PVCLOCK_VMWARE,
			  .resize = { [LVOS_BUS_PVSCSI] = LVOS_NOTIFY_NONE },
			  .evidence = "ioport vmware_backdoor=\"0x6\" -> vmware" },
	}, {
		/* QEMU -M pc,vmport=on -cpu ...,tcg-cpuid=off, VMware SMBIOS */
		.name = "vmware_personality_no_cpuid",
		.facts = { .cpuid_hv_bit = true,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "VMware, Inc.",
				    [LVOS_DMI_PRODUCT_NAME] = "VMware Virtual Platform",
				    [LVOS_DMI_BIOS_VENDOR] = "SeaBIOS" },
			   .smbios_vm = -1, .vmware_backdoor_version = 6,
			   .devs = BIT(LVOS_DEV_PVSCSI) | BIT(LVOS_DEV_VMWARE_BACKDOOR) },
		.want = { LVOS_HV_VMWARE, LVOS_HV_NONE, LVOS_HV_VMWARE,
			  .balloon = LVOS_BALLOON_VMWARE,
			  .resize = { [LVOS_BUS_PVSCSI] = LVOS_NOTIFY_NONE },
			  .evidence = "dmi product_name=\"VMware Virtual Platform\" -> vmware" },
	}, {
		/* VirtualBox 7, paravirtualization interface "KVM" */
		.name = "virtualbox",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000001, KVM_SIG) },
			   .kvm_features = 0x0000000bU, .ktype = LVOS_KTYPE_KVM,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "innotek GmbH",
				    [LVOS_DMI_PRODUCT_NAME] = "VirtualBox",
				    [LVOS_DMI_PRODUCT_VERSION] = "1.2",
				    [LVOS_DMI_BIOS_VENDOR] = "innotek GmbH",
				    [LVOS_DMI_BOARD_VENDOR] = "Oracle Corporation" },
			   .smbios_vm = 0, .nr_pci_vendors = 2,
			   .pci_vendors = { 0x8086, 0x80ee } },
		.want = { LVOS_HV_ORACLE, LVOS_HV_KVM, LVOS_HV_ORACLE,
			  .pvclock = LVOS_PVCLOCK_KVM,
			  .evidence = "dmi product_name=\"VirtualBox\" -> oracle" },
	}, {
		.name = "xen_hvm",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000005, XEN_SIG) },
			   .ktype = LVOS_KTYPE_XEN_HVM, .sys_hypervisor_type = "xen",
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Xen",
				    [LVOS_DMI_PRODUCT_NAME] = "HVM domU",
				    [LVOS_DMI_BIOS_VENDOR] = "Xen",
				    [LVOS_DMI_BIOS_VERSION] = "4.17.3" },
			   .smbios_vm = 1, .devs = BIT(LVOS_DEV_XEN_PLATFORM) },
		.want = { LVOS_HV_XEN, LVOS_HV_XEN, LVOS_HV_XEN, XEN_CAPS,
			  .evidence = "sysfs hypervisor/type=\"xen\" -> xen" },
	}, {
		/* Xen with Viridian: Hyper-V leaf first, Xen at 0x40000100 */
		.name = "xen_hvm_viridian",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 2,
			   .leaves = { LEAF(0x40000000, 0x40000006, HV_SIG),
				       LEAF(0x40000100, 0x40000105, XEN_SIG) },
			   .ktype = LVOS_KTYPE_XEN_HVM, .sys_hypervisor_type = "xen",
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Xen",
				    [LVOS_DMI_PRODUCT_NAME] = "HVM domU" },
			   .devs = BIT(LVOS_DEV_XEN_PLATFORM) },
		.want = { LVOS_HV_XEN, LVOS_HV_MICROSOFT, LVOS_HV_XEN, XEN_CAPS,
			  .evidence = "cpuid 0x40000100=\"XenVMMXenVMM\" -> xen" },
	}, {
		/* PV guests have no DMI; the kernel knows it is Xen PV */
		.name = "xen_pv",
		.facts = { .cpuid_hv_bit = true, .ktype = LVOS_KTYPE_XEN_PV,
			   .sys_hypervisor_type = "xen", .smbios_vm = -1 },
		.want = { LVOS_HV_XEN, LVOS_HV_XEN, LVOS_HV_XEN, XEN_CAPS,
			  .evidence = "kernel x86_hyper_type=\"xen_pv\" -> hypervisor" },
	}, {
		.name = "xen_dom0",
		.facts = { .cpuid_hv_bit = true, .ktype = LVOS_KTYPE_XEN_PV,
			   .sys_hypervisor_type = "xen", .xen_initial_domain = true,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Supermicro" },
			   .smbios_vm = 0 },
		.want = { LVOS_HV_NONE, LVOS_HV_NONE, LVOS_HV_XEN,
			  .pvclock = LVOS_PVCLOCK_TSC,
			  .evidence = "xen initial_domain=\"1\" -> none (dom0)" },
	}, {
		.name = "aws_nitro",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Amazon EC2",
				    [LVOS_DMI_PRODUCT_NAME] = "m5.large",
				    [LVOS_DMI_BIOS_VENDOR] = "Amazon EC2",
				    [LVOS_DMI_BIOS_VERSION] = "1.0",
				    [LVOS_DMI_BOARD_VENDOR] = "Amazon EC2",
				    [LVOS_DMI_CHASSIS_ASSET_TAG] = "Amazon EC2" },
			   .smbios_vm = 1, .devs = BIT(LVOS_DEV_NVME),
			   .nr_pci_vendors = 2, .pci_vendors = { 0x8086, 0x1d0f } },
		.want = { LVOS_HV_AMAZON, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_AWS,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .resize = { [LVOS_BUS_NVME] = LVOS_NOTIFY_AEN },
			  .evidence = "dmi sys_vendor=\"Amazon EC2\" -> aws" },
	}, {
		.name = "aws_xen",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000004, XEN_SIG) },
			   .ktype = LVOS_KTYPE_XEN_HVM, .sys_hypervisor_type = "xen",
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Xen",
				    [LVOS_DMI_PRODUCT_NAME] = "HVM domU",
				    [LVOS_DMI_PRODUCT_VERSION] = "4.11.amazon",
				    [LVOS_DMI_BIOS_VENDOR] = "Xen",
				    [LVOS_DMI_BIOS_VERSION] = "4.11.amazon" },
			   .smbios_vm = 1, .devs = BIT(LVOS_DEV_XEN_PLATFORM) },
		.want = { LVOS_HV_XEN, LVOS_HV_XEN, LVOS_HV_XEN, LVOS_CLOUD_AWS,
			  XEN_CAPS, .evidence = "dmi bios_version=\"4.11.amazon\" -> aws" },
	}, {
		.name = "aws_metal",
		.facts = { .dmi = { [LVOS_DMI_SYS_VENDOR] = "Amazon EC2",
				    [LVOS_DMI_PRODUCT_NAME] = "i3.metal",
				    [LVOS_DMI_BIOS_VENDOR] = "Amazon EC2" },
			   .smbios_vm = 0, .devs = BIT(LVOS_DEV_NVME) },
		.want = { LVOS_HV_NONE, LVOS_HV_NONE, LVOS_HV_NONE, LVOS_CLOUD_AWS,
			  .metal = true, .resize = { [LVOS_BUS_NVME] = LVOS_NOTIFY_AEN },
			  .evidence = "smbios vm_bit=\"0\" -> not a VM" },
	}, {
		.name = "gce",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Google",
				    [LVOS_DMI_PRODUCT_NAME] = "Google Compute Engine",
				    [LVOS_DMI_BIOS_VENDOR] = "Google",
				    [LVOS_DMI_BOARD_VENDOR] = "Google" },
			   .smbios_vm = 1,
			   .devs = BIT(LVOS_DEV_VIRTIO_SCSI) | BIT(LVOS_DEV_VIRTIO_NET),
			   .nr_pci_vendors = 3, .pci_vendors = { 0x8086, 0x1af4, 0x1ae0 } },
		.want = { LVOS_HV_GOOGLE, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_GCE,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .resize = { [LVOS_BUS_VIRTIO_SCSI] = LVOS_NOTIFY_EVENT },
			  .evidence = "dmi product_name=\"Google Compute Engine\" -> google" },
	}, {
		.name = "oracle_cloud",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { DMI_QEMU_PC,
				    [LVOS_DMI_CHASSIS_ASSET_TAG] = "OracleCloud.com" },
			   .devs = BIT(LVOS_DEV_VIRTIO_BLK) },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_ORACLE,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .resize = { [LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ },
			  .evidence = "-> oracle" },
	}, {
		.name = "alibaba",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Alibaba Cloud",
				    [LVOS_DMI_PRODUCT_NAME] = "Alibaba Cloud ECS",
				    [LVOS_DMI_BIOS_VENDOR] = "SeaBIOS" },
			   .devs = BIT(LVOS_DEV_VIRTIO_BLK) | BIT(LVOS_DEV_VIRTIO_BALLOON) },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_ALIBABA,
			  KVM_CAPS,
			  .resize = { [LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ },
			  .evidence = "dmi sys_vendor=\"Alibaba Cloud\" -> alibaba" },
	}, {
		.name = "digitalocean",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "DigitalOcean",
				    [LVOS_DMI_PRODUCT_NAME] = "Droplet",
				    [LVOS_DMI_BIOS_VENDOR] = "DigitalOcean" },
			   .devs = BIT(LVOS_DEV_VIRTIO_BLK) },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_DIGITALOCEAN,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .resize = { [LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ },
			  .evidence = "-> digitalocean" },
	}, {
		.name = "hetzner",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Hetzner",
				    [LVOS_DMI_PRODUCT_NAME] = "vServer" } },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_HETZNER,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "-> hetzner" },
	}, {
		.name = "openstack",
		.facts = { KVM_GUEST_FACTS,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "OpenStack Foundation",
				    [LVOS_DMI_PRODUCT_NAME] = "OpenStack Nova" } },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, LVOS_CLOUD_OPENSTACK,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "dmi product_name=\"OpenStack Nova\" -> kvm" },
	}, {
		.name = "bhyve",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000000, "bhyve bhyve ") },
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "FreeBSD",
				    [LVOS_DMI_PRODUCT_NAME] = "BHYVE",
				    [LVOS_DMI_BIOS_VENDOR] = "BHYVE" },
			   .devs = BIT(LVOS_DEV_VIRTIO_BLK) },
		.want = { LVOS_HV_BHYVE, LVOS_HV_BHYVE, LVOS_HV_BHYVE,
			  .resize = { [LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ },
			  .evidence = "cpuid 0x40000000=\"bhyve bhyve \" -> bhyve" },
	}, {
		/* Parallels Desktop exports a KVM leaf too */
		.name = "parallels",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000001, KVM_SIG) },
			   .kvm_features = 0x00000009U,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] = "Parallels Software International Inc.",
				    [LVOS_DMI_PRODUCT_NAME] = "Parallels Virtual Platform",
				    [LVOS_DMI_BIOS_VENDOR] =
					"Parallels Software International Inc." },
			   .nr_pci_vendors = 2, .pci_vendors = { 0x8086, 0x1ab8 } },
		.want = { LVOS_HV_PARALLELS, LVOS_HV_KVM, LVOS_HV_PARALLELS,
			  .pvclock = LVOS_PVCLOCK_KVM,
			  .evidence = "pci vendor=\"0x1ab8\" -> parallels" },
	}, {
		.name = "acrn",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000010, "ACRNACRNACRN") },
			   .ktype = LVOS_KTYPE_ACRN, .smbios_vm = -1 },
		.want = { LVOS_HV_ACRN, LVOS_HV_ACRN, LVOS_HV_ACRN,
			  .evidence = "kernel x86_hyper_type=\"acrn\"" },
	}, {
		.name = "qemu_tcg",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000001, TCG_SIG) },
			   .dmi = { DMI_QEMU_PC }, .smbios_vm = -1,
			   .devs = BIT(LVOS_DEV_ACPI_FWCFG) | BIT(LVOS_DEV_VIRTIO_BLK),
			   .nr_pci_vendors = 3, .pci_vendors = { 0x8086, 0x1234, 0x1af4 } },
		.want = { LVOS_HV_QEMU, LVOS_HV_QEMU, LVOS_HV_QEMU, .emulated = true,
			  .resize = { [LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ },
			  .evidence = "cpuid 0x40000000=\"TCGTCGTCGTCG\" -> qemu (TCG emulation)" },
	}, {
		.name = "bare_metal",
		.facts = { .dmi = { [LVOS_DMI_SYS_VENDOR] = "Dell Inc.",
				    [LVOS_DMI_PRODUCT_NAME] = "PowerEdge R650",
				    [LVOS_DMI_BIOS_VENDOR] = "Dell Inc." },
			   .smbios_vm = 0,
			   .devs = BIT(LVOS_DEV_NVME) | BIT(LVOS_DEV_SCSI_OTHER),
			   .nr_pci_vendors = 3, .pci_vendors = { 0x8086, 0x1000, 0x14e4 } },
		.want = { LVOS_HV_NONE, LVOS_HV_NONE, LVOS_HV_NONE,
			  .resize = { [LVOS_BUS_NVME] = LVOS_NOTIFY_AEN,
				      [LVOS_BUS_SCSI_OTHER] = LVOS_NOTIFY_NONE },
			  .evidence = "smbios vm_bit=\"0\" -> not a VM" },
	}, {
		/* systemd-detect-virt says "oracle" here from DMI alone */
		.name = "bare_metal_oracle_server",
		.facts = { .dmi = { [LVOS_DMI_SYS_VENDOR] = "Oracle Corporation",
				    [LVOS_DMI_PRODUCT_NAME] = "ORACLE SERVER X8-2",
				    [LVOS_DMI_BOARD_VENDOR] = "Oracle Corporation" },
			   .smbios_vm = 0 },
		.want = { LVOS_HV_NONE, LVOS_HV_NONE, LVOS_HV_NONE,
			  .evidence = "dmi sys_vendor=\"Oracle Corporation\" -> oracle" },
	}, {
		.name = "kvm_sev",
		.facts = { KVM_GUEST_FACTS, .dmi = { DMI_QEMU_PC },
			   .sev_msr = LVOS_SEV_ENABLED },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, .cc = LVOS_CC_SEV,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "msr sev_status=\"0x1\" -> sev" },
	}, {
		.name = "kvm_sev_es",
		.facts = { KVM_GUEST_FACTS, .dmi = { DMI_QEMU_PC },
			   .sev_msr = LVOS_SEV_ENABLED | LVOS_SEV_ES_ENABLED },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, .cc = LVOS_CC_SEV_ES,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "msr sev_status=\"0x3\" -> sev-es" },
	}, {
		.name = "kvm_sev_snp",
		.facts = { KVM_GUEST_FACTS, .dmi = { DMI_QEMU_PC },
			   .sev_msr = LVOS_SEV_ENABLED | LVOS_SEV_ES_ENABLED |
					 LVOS_SEV_SNP_ENABLED },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, .cc = LVOS_CC_SEV_SNP,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "msr sev_status=\"0x7\" -> sev-snp" },
	}, {
		.name = "kvm_tdx",
		.facts = { KVM_GUEST_FACTS, .dmi = { DMI_QEMU_PC }, .tdx_sig = true },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM, .cc = LVOS_CC_TDX,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "cpuid 0x21=\"IntelTDX\" -> tdx" },
	}, {
		.name = "unknown_signature",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000003, "FooBarHyperV") },
			   .smbios_vm = 1 },
		.want = { LVOS_HV_VM_OTHER, LVOS_HV_VM_OTHER, LVOS_HV_VM_OTHER,
			  .evidence = "cpuid 0x40000000=\"FooBarHyperV\" -> vm-other" },
	}, {
		/* QEMU firmware, an unknown leaf: not TCG, so not "emulated" */
		.name = "qemu_dmi_unknown_leaf",
		.facts = { .cpuid_hv_bit = true, .nr_leaves = 1,
			   .leaves = { LEAF(0x40000000, 0x40000001, "NotTCGNotTCG") },
			   .dmi = { DMI_QEMU_PC } },
		.want = { LVOS_HV_QEMU, LVOS_HV_VM_OTHER, LVOS_HV_QEMU,
			  .evidence = "cpuid 0x40000000=\"NotTCGNotTCG\" -> vm-other" },
	}, {
		/* hypervisor bit, but every leaf out of range: no DMI either */
		.name = "partial_cpuid_no_dmi",
		.facts = { .cpuid_hv_bit = true, .smbios_vm = -1 },
		.want = { LVOS_HV_VM_OTHER, LVOS_HV_NONE, LVOS_HV_VM_OTHER,
			  .evidence = "cpuid hypervisor_bit=\"1\" -> virtual machine" },
	}, {
		.name = "kvm_no_dmi",
		.facts = { KVM_GUEST_FACTS, .smbios_vm = -1 },
		.want = { LVOS_HV_KVM, LVOS_HV_KVM, LVOS_HV_KVM,
			  .pvclock = LVOS_PVCLOCK_KVM, .steal_time = true,
			  .evidence = "-> kvm" },
	}, {
		/* 300 bytes of odd characters in DMI: escaped and cut short */
		.name = "hostile_dmi",
		.facts = { .cpuid_hv_bit = true, .smbios_vm = -1,
			   .dmi = { [LVOS_DMI_SYS_VENDOR] =
				hostile_vendor } },
		.want = { LVOS_HV_VMWARE, LVOS_HV_NONE, LVOS_HV_VMWARE,
			  .balloon = LVOS_BALLOON_VMWARE,
			  .evidence = "dmi sys_vendor=\"VMware\\x22\\x5c\\x01\\x7f\\xffAAAA" },
	},
};

/* which platforms ran, so the last case can prove none was forgotten */
static bool hv_ran[ARRAY_SIZE(hv_cases)];

static const struct hv_case *find_case(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hv_cases); i++)
		if (!strcmp(hv_cases[i].name, name))
			return &hv_cases[i];
	return NULL;
}

static void check_platform(struct kunit *test, const char *name)
{
	const struct hv_case *c = find_case(name);
	const struct hv_expect *w = &c->want;
	struct lvos_hv_result *r;
	char *ev;
	unsigned int b;

	KUNIT_ASSERT_NOT_NULL(test, c);
	hv_ran[c - hv_cases] = true;
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	ev = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ev);

	lvos_hv_decide(&c->facts, r);
	lvos_hv_format_evidence(r, ev, PAGE_SIZE);

	KUNIT_EXPECT_STREQ(test, lvos_hv_vendor_name(r->vendor),
			   lvos_hv_vendor_name(w->vendor));
	KUNIT_EXPECT_STREQ(test, lvos_hv_vendor_name(r->front),
			   lvos_hv_vendor_name(w->front));
	KUNIT_EXPECT_STREQ(test, lvos_hv_vendor_name(r->backend),
			   lvos_hv_vendor_name(w->backend));
	KUNIT_EXPECT_STREQ(test, lvos_hv_cloud_name(r->cloud),
			   lvos_hv_cloud_name(w->cloud));
	KUNIT_EXPECT_EQ(test, r->metal, w->metal);
	KUNIT_EXPECT_STREQ(test, lvos_hv_cc_name(r->cc), lvos_hv_cc_name(w->cc));
	KUNIT_EXPECT_EQ(test, r->emulated, w->emulated);
	KUNIT_EXPECT_STREQ(test, lvos_hv_balloon_name(r->balloon),
			   lvos_hv_balloon_name(w->balloon));
	KUNIT_EXPECT_STREQ(test, lvos_hv_memplug_name(r->memplug),
			   lvos_hv_memplug_name(w->memplug));
	KUNIT_EXPECT_STREQ(test, lvos_hv_pvclock_name(r->pvclock),
			   lvos_hv_pvclock_name(w->pvclock));
	KUNIT_EXPECT_EQ(test, r->steal_time, w->steal_time);
	for (b = 0; b < LVOS_BUS_NR; b++)
		KUNIT_EXPECT_STREQ_MSG(test, lvos_hv_notify_name(r->resize[b]),
				       lvos_hv_notify_name(w->resize[b]),
				       "resize_%s", lvos_hv_bus_name(b));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ev, w->evidence),
				  "evidence lacks '%s':\n%s", w->evidence, ev);
}

/*
 * One KUnit case per platform: 6.1's debugfs results mangle the lines of
 * parameterised cases, and one case each names the platform that failed.
 */
#define HV_TEST(n)							\
	static void lvos_hv_decide_##n(struct kunit *test)		\
	{								\
		check_platform(test, #n);				\
	}

HV_TEST(kvm)
HV_TEST(kvm_hyperv_enlightenments)
HV_TEST(kvm_hyperv_kvm_off)
HV_TEST(hyperv)
HV_TEST(azure)
HV_TEST(azure_cvm_sev_snp)
HV_TEST(azure_cvm_tdx)
HV_TEST(vmware)
HV_TEST(vmware_personality_no_cpuid)
HV_TEST(virtualbox)
HV_TEST(xen_hvm)
HV_TEST(xen_hvm_viridian)
HV_TEST(xen_pv)
HV_TEST(xen_dom0)
HV_TEST(aws_nitro)
HV_TEST(aws_xen)
HV_TEST(aws_metal)
HV_TEST(gce)
HV_TEST(oracle_cloud)
HV_TEST(alibaba)
HV_TEST(digitalocean)
HV_TEST(hetzner)
HV_TEST(openstack)
HV_TEST(bhyve)
HV_TEST(parallels)
HV_TEST(acrn)
HV_TEST(qemu_tcg)
HV_TEST(bare_metal)
HV_TEST(bare_metal_oracle_server)
HV_TEST(kvm_sev)
HV_TEST(kvm_sev_es)
HV_TEST(kvm_sev_snp)
HV_TEST(kvm_tdx)
HV_TEST(unknown_signature)
HV_TEST(qemu_dmi_unknown_leaf)
HV_TEST(partial_cpuid_no_dmi)
HV_TEST(kvm_no_dmi)
HV_TEST(hostile_dmi)

static void lvos_hv_all_platforms_ran(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hv_cases); i++)
		KUNIT_EXPECT_TRUE_MSG(test, hv_ran[i], "no KUnit case for %s",
				      hv_cases[i].name);
}

static void lvos_hv_decide_is_pure(struct kunit *test)
{
	struct lvos_hv_result *a, *b;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	/* a dirty result buffer must not leak into the answer */
	memset(b, 0xa5, sizeof(*b));
	lvos_hv_decide(&find_case("kvm_hyperv_enlightenments")->facts, a);
	lvos_hv_decide(&find_case("kvm_hyperv_enlightenments")->facts, b);
	KUNIT_EXPECT_EQ(test, memcmp(a, b, sizeof(*a)), 0);
}

static void lvos_hv_sig_vendor_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("KVMKVMKVM\0\0\0"), LVOS_HV_KVM);
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("Linux KVM Hv"), LVOS_HV_KVM);
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("bhyve bhyve "), LVOS_HV_BHYVE);
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("QNXQVMBSQG\0\0"), LVOS_HV_QNX);
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("Apple VZ    "), LVOS_HV_APPLE);
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("SRESRESRESRE"), LVOS_HV_SRE);
	/* a prefix of a known signature is not that signature */
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("KVMKVM\0\0\0\0\0\0"), LVOS_HV_VM_OTHER);
	KUNIT_EXPECT_EQ(test, lvos_hv_sig_vendor("\0\0\0\0\0\0\0\0\0\0\0\0"),
			LVOS_HV_VM_OTHER);
}

static void lvos_hv_sanitize_test(struct kunit *test)
{
	char out[16];

	lvos_hv_sanitize(out, sizeof(out), "QEMU", 4);
	KUNIT_EXPECT_STREQ(test, out, "QEMU");
	lvos_hv_sanitize(out, sizeof(out), "a\"b\\c", 5);
	KUNIT_EXPECT_STREQ(test, out, "a\\x22b\\x5cc");
	/* too long: cut with an ellipsis, never past the buffer */
	lvos_hv_sanitize(out, sizeof(out), "0123456789abcdefghij", 20);
	KUNIT_EXPECT_STREQ(test, out, "0123456789ab...");
	/* an escape that does not fit is dropped whole */
	lvos_hv_sanitize(out, sizeof(out), "0123456789\x01", 11);
	KUNIT_EXPECT_STREQ(test, out, "0123456789...");
	/* the length bound is honoured for unterminated input */
	lvos_hv_sanitize(out, sizeof(out), "KVMKVMKVMxyz", 3);
	KUNIT_EXPECT_STREQ(test, out, "KVM");
}

static void lvos_hv_format_features_test(struct kunit *test)
{
	const struct lvos_hv_facts *f = &find_case("kvm_hyperv_enlightenments")->facts;
	struct lvos_hv_result *r;
	char *buf;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	lvos_hv_decide(f, r);
	lvos_hv_format_features(f, r, buf, PAGE_SIZE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "kvm_clocksource2"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "kvm_steal_time"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "hv_reference_tsc"));
	KUNIT_EXPECT_NULL(test, strstr(buf, "kvm_mmu_op"));
	/* a tiny buffer is never overrun */
	lvos_hv_format_features(f, r, buf, 8);
	KUNIT_EXPECT_LT(test, strlen(buf), (size_t)8);
}

static struct kunit_case lvos_hvdetect_cases[] = {
	KUNIT_CASE(lvos_hv_decide_kvm),
	KUNIT_CASE(lvos_hv_decide_kvm_hyperv_enlightenments),
	KUNIT_CASE(lvos_hv_decide_kvm_hyperv_kvm_off),
	KUNIT_CASE(lvos_hv_decide_hyperv),
	KUNIT_CASE(lvos_hv_decide_azure),
	KUNIT_CASE(lvos_hv_decide_azure_cvm_sev_snp),
	KUNIT_CASE(lvos_hv_decide_azure_cvm_tdx),
	KUNIT_CASE(lvos_hv_decide_vmware),
	KUNIT_CASE(lvos_hv_decide_vmware_personality_no_cpuid),
	KUNIT_CASE(lvos_hv_decide_virtualbox),
	KUNIT_CASE(lvos_hv_decide_xen_hvm),
	KUNIT_CASE(lvos_hv_decide_xen_hvm_viridian),
	KUNIT_CASE(lvos_hv_decide_xen_pv),
	KUNIT_CASE(lvos_hv_decide_xen_dom0),
	KUNIT_CASE(lvos_hv_decide_aws_nitro),
	KUNIT_CASE(lvos_hv_decide_aws_xen),
	KUNIT_CASE(lvos_hv_decide_aws_metal),
	KUNIT_CASE(lvos_hv_decide_gce),
	KUNIT_CASE(lvos_hv_decide_oracle_cloud),
	KUNIT_CASE(lvos_hv_decide_alibaba),
	KUNIT_CASE(lvos_hv_decide_digitalocean),
	KUNIT_CASE(lvos_hv_decide_hetzner),
	KUNIT_CASE(lvos_hv_decide_openstack),
	KUNIT_CASE(lvos_hv_decide_bhyve),
	KUNIT_CASE(lvos_hv_decide_parallels),
	KUNIT_CASE(lvos_hv_decide_acrn),
	KUNIT_CASE(lvos_hv_decide_qemu_tcg),
	KUNIT_CASE(lvos_hv_decide_bare_metal),
	KUNIT_CASE(lvos_hv_decide_bare_metal_oracle_server),
	KUNIT_CASE(lvos_hv_decide_kvm_sev),
	KUNIT_CASE(lvos_hv_decide_kvm_sev_es),
	KUNIT_CASE(lvos_hv_decide_kvm_sev_snp),
	KUNIT_CASE(lvos_hv_decide_kvm_tdx),
	KUNIT_CASE(lvos_hv_decide_unknown_signature),
	KUNIT_CASE(lvos_hv_decide_qemu_dmi_unknown_leaf),
	KUNIT_CASE(lvos_hv_decide_partial_cpuid_no_dmi),
	KUNIT_CASE(lvos_hv_decide_kvm_no_dmi),
	KUNIT_CASE(lvos_hv_decide_hostile_dmi),
	KUNIT_CASE(lvos_hv_decide_is_pure),
	KUNIT_CASE(lvos_hv_sig_vendor_test),
	KUNIT_CASE(lvos_hv_sanitize_test),
	KUNIT_CASE(lvos_hv_format_features_test),
	KUNIT_CASE(lvos_hv_all_platforms_ran),	/* keep last */
	{}
};

static int lvos_hvdetect_suite_init(struct kunit_suite *suite)
{
	size_t n = strlen(HOSTILE_PREFIX);

	memcpy(hostile_vendor, HOSTILE_PREFIX, n);
	memset(hostile_vendor + n, 'A', sizeof(hostile_vendor) - n - 1);
	hostile_vendor[sizeof(hostile_vendor) - 1] = '\0';
	return 0;
}

static struct kunit_suite lvos_hvdetect_suite = {
	.name = "lvos_hvdetect",
	.suite_init = lvos_hvdetect_suite_init,
	.test_cases = lvos_hvdetect_cases,
};

kunit_test_suites(&lvos_hvdetect_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for lvos_hvdetect");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_IMPORT_NS(LVOS_NS);
