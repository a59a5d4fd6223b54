/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * facts.h - the recorded "platform facts" and the pure decision over them.
 *
 * probe.c fills a struct lvos_hv_facts from the running machine (CPUID,
 * DMI, PCI, ACPI, Xen, MSRs); decide.c turns facts into a struct
 * lvos_hv_result without touching hardware, so the KUnit suite can feed
 * facts recorded on real platforms and assert the whole answer.
 * Private to lvos_hvdetect and its KUnit test.
 */
#ifndef _LVOS_HVDETECT_FACTS_H
#define _LVOS_HVDETECT_FACTS_H

#include <linux/types.h>
#include <lvos/hvdetect.h>

/* Hypervisor CPUID leaves live at 0x40000000 + n * 0x100, n < 256. */
#define LVOS_HV_LEAF_FIRST	0x40000000U
#define LVOS_HV_LEAF_LAST	0x4000ff00U
#define LVOS_HV_LEAF_STEP	0x100U
#define LVOS_HV_MAX_LEAVES	8

/* One hypervisor CPUID leaf that answered with a signature. */
struct lvos_hv_leaf {
	u32 base;	/* 0x40000000, 0x40000100, ... */
	u32 max;	/* EAX of the base leaf: highest leaf of this range */
	char sig[13];	/* EBX ECX EDX as bytes, NUL-terminated */
};

/* The kernel's own x86_hyper_type, copied into a stable enum. */
enum lvos_hv_ktype {
	LVOS_KTYPE_NATIVE,
	LVOS_KTYPE_VMWARE,
	LVOS_KTYPE_HYPERV,
	LVOS_KTYPE_XEN_PV,
	LVOS_KTYPE_XEN_HVM,
	LVOS_KTYPE_KVM,
	LVOS_KTYPE_JAILHOUSE,
	LVOS_KTYPE_ACRN,
	LVOS_KTYPE_NR
};

enum lvos_hv_dmi_field {
	LVOS_DMI_SYS_VENDOR,
	LVOS_DMI_PRODUCT_NAME,
	LVOS_DMI_PRODUCT_VERSION,
	LVOS_DMI_BIOS_VENDOR,
	LVOS_DMI_BIOS_VERSION,
	LVOS_DMI_BOARD_VENDOR,
	LVOS_DMI_CHASSIS_ASSET_TAG,
	LVOS_DMI_NR
};

/* Devices and firmware objects whose presence the decision uses. */
enum lvos_hv_dev {
	LVOS_DEV_VIRTIO_BLK,
	LVOS_DEV_VIRTIO_SCSI,
	LVOS_DEV_VIRTIO_NET,
	LVOS_DEV_VIRTIO_BALLOON,
	LVOS_DEV_VIRTIO_MEM,
	LVOS_DEV_NVME,
	LVOS_DEV_PVSCSI,
	LVOS_DEV_VMXNET3,
	LVOS_DEV_SCSI_OTHER,		/* any other SCSI/SAS/RAID HBA */
	LVOS_DEV_XEN_PLATFORM,		/* PCI 5853:0001 */
	LVOS_DEV_ACPI_VMBUS,		/* Hyper-V VMBus */
	LVOS_DEV_ACPI_MEMDEV,		/* PNP0C80 hot-pluggable memory */
	LVOS_DEV_ACPI_FWCFG,		/* QEMU0002 */
	LVOS_DEV_ACPI_VMGENID,		/* VM generation counter */
	LVOS_DEV_VMWARE_BACKDOOR,	/* VMware backdoor I/O port answered */
	LVOS_DEV_NR
};

/* PCI vendor IDs that name a virtualisation vendor. */
#define LVOS_HV_MAX_PCI_VENDORS	16

/* Set bits of the Hyper-V leaves used below (TLFS). */
#define LVOS_HYPERV_FEAT_ISOLATION	BIT(22)	/* 0x40000003 EBX */
#define LVOS_HYPERV_ISOLATION_SNP	2	/* 0x4000000C EBX[3:0] */
#define LVOS_HYPERV_ISOLATION_TDX	3

/* MSR_AMD64_SEV status bits. */
#define LVOS_SEV_ENABLED	BIT_ULL(0)
#define LVOS_SEV_ES_ENABLED	BIT_ULL(1)
#define LVOS_SEV_SNP_ENABLED	BIT_ULL(2)

/*
 * Everything the decision looks at. Strings are borrowed (DMI strings live
 * as long as the kernel; KUnit uses literals) and may be NULL.
 */
struct lvos_hv_facts {
	bool cpuid_hv_bit;		/* CPUID.1:ECX[31] */
	unsigned int nr_leaves;
	struct lvos_hv_leaf leaves[LVOS_HV_MAX_LEAVES];
	u32 kvm_features;		/* KVM base + 1, EAX */
	u32 hyperv_features_a;		/* 0x40000003 EAX */
	u32 hyperv_features_b;		/* 0x40000003 EBX */
	u32 hyperv_isolation_b;		/* 0x4000000C EBX */
	bool tdx_sig;			/* CPUID 0x21 = "IntelTDX    " */
	/* not sev_status: a macro (0ULL) in kernels without AMD_MEM_ENCRYPT */
	u64 sev_msr;			/* MSR_AMD64_SEV, 0 when absent */
	enum lvos_hv_ktype ktype;	/* x86_hyper_type */
	bool xen_initial_domain;	/* dom0 */
	const char *sys_hypervisor_type; /* /sys/hypervisor/type, or NULL */
	const char *dmi[LVOS_DMI_NR];
	int smbios_vm;			/* SMBIOS VM bit: 1, 0, -1 unknown */
	u32 vmware_backdoor_version;	/* valid with LVOS_DEV_VMWARE_BACKDOOR */
	unsigned long devs;		/* BIT(enum lvos_hv_dev) */
	unsigned int nr_pci_vendors;
	u16 pci_vendors[LVOS_HV_MAX_PCI_VENDORS];
};

#define LVOS_HV_MAX_EVIDENCE	40
#define LVOS_HV_EVIDENCE_VALUE	48

/* One signal and what it says, for the evidence list. */
struct lvos_hv_evidence {
	const char *source;		/* "cpuid", "dmi", "pci", ... */
	char key[24];
	char value[LVOS_HV_EVIDENCE_VALUE]; /* sanitised, printable */
	const char *says;		/* conclusion */
};

struct lvos_hv_result {
	enum lvos_hv_vendor vendor;
	enum lvos_hv_vendor front;
	enum lvos_hv_vendor backend;
	enum lvos_hv_cloud cloud;
	bool metal;
	enum lvos_hv_cc cc;
	bool emulated;
	enum lvos_hv_balloon balloon;
	enum lvos_hv_memplug memplug;
	enum lvos_hv_pvclock pvclock;
	bool steal_time;
	enum lvos_hv_notify resize[LVOS_BUS_NR];
	unsigned int nr_evidence;
	struct lvos_hv_evidence evidence[LVOS_HV_MAX_EVIDENCE];
};

void lvos_hv_decide(const struct lvos_hv_facts *f, struct lvos_hv_result *r);
enum lvos_hv_vendor lvos_hv_sig_vendor(const char *sig);
bool lvos_hv_has_leaf(const struct lvos_hv_facts *f, enum lvos_hv_vendor v);
const char *lvos_hv_cloud_name(enum lvos_hv_cloud cloud);
const char *lvos_hv_cc_name(enum lvos_hv_cc cc);
const char *lvos_hv_ktype_name(enum lvos_hv_ktype t);
const char *lvos_hv_balloon_name(enum lvos_hv_balloon b);
const char *lvos_hv_memplug_name(enum lvos_hv_memplug m);
const char *lvos_hv_pvclock_name(enum lvos_hv_pvclock c);
void lvos_hv_sanitize(char *dst, size_t size, const char *src, size_t len);
int lvos_hv_format_evidence(const struct lvos_hv_result *r, char *buf,
			    size_t size);
int lvos_hv_format_features(const struct lvos_hv_facts *f,
			    const struct lvos_hv_result *r,
			    char *buf, size_t size);

#endif /* _LVOS_HVDETECT_FACTS_H */
