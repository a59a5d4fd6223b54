// SPDX-License-Identifier: GPL-2.0-only
/*
 * decide.c - turn recorded platform facts into an answer.
 *
 * Pure functions: nothing here reads hardware, so every branch is covered
 * by KUnit with facts recorded on real platforms. The order of the vendor
 * decision follows systemd-detect-virt (so scripts can switch) and fixes
 * its known misdetections: all hypervisor CPUID leaves are scanned, so KVM
 * or Xen behind Hyper-V enlightenments is found, and bare metal with a
 * hypervisor-like DMI string is not called a VM.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/bitops.h>
#include <kunit/visibility.h>

#include "facts.h"

static const char * const vendor_names[LVOS_HV_VENDOR_NR] = {
	[LVOS_HV_NONE]		= "none",
	[LVOS_HV_KVM]		= "kvm",
	[LVOS_HV_QEMU]		= "qemu",
	[LVOS_HV_VMWARE]	= "vmware",
	[LVOS_HV_MICROSOFT]	= "microsoft",
	[LVOS_HV_ORACLE]	= "oracle",
	[LVOS_HV_XEN]		= "xen",
	[LVOS_HV_BOCHS]		= "bochs",
	[LVOS_HV_PARALLELS]	= "parallels",
	[LVOS_HV_BHYVE]		= "bhyve",
	[LVOS_HV_QNX]		= "qnx",
	[LVOS_HV_ACRN]		= "acrn",
	[LVOS_HV_POWERVM]	= "powervm",
	[LVOS_HV_APPLE]		= "apple",
	[LVOS_HV_SRE]		= "sre",
	[LVOS_HV_GOOGLE]	= "google",
	[LVOS_HV_AMAZON]	= "amazon",
	[LVOS_HV_VM_OTHER]	= "vm-other",
};

const char *lvos_hv_vendor_name(enum lvos_hv_vendor vendor)
{
	if ((unsigned int)vendor >= LVOS_HV_VENDOR_NR)
		return "vm-other";
	return vendor_names[vendor];
}
EXPORT_SYMBOL_NS_GPL(lvos_hv_vendor_name, LVOS_NS);

static const char * const cloud_names[LVOS_CLOUD_NR] = {
	[LVOS_CLOUD_NONE]		= "none",
	[LVOS_CLOUD_AWS]		= "aws",
	[LVOS_CLOUD_GCE]		= "gce",
	[LVOS_CLOUD_AZURE]		= "azure",
	[LVOS_CLOUD_ORACLE]		= "oracle",
	[LVOS_CLOUD_ALIBABA]		= "alibaba",
	[LVOS_CLOUD_DIGITALOCEAN]	= "digitalocean",
	[LVOS_CLOUD_HETZNER]		= "hetzner",
	[LVOS_CLOUD_OPENSTACK]		= "openstack",
	[LVOS_CLOUD_SCALEWAY]		= "scaleway",
	[LVOS_CLOUD_UPCLOUD]		= "upcloud",
	[LVOS_CLOUD_NUTANIX]		= "nutanix",
	[LVOS_CLOUD_OVIRT]		= "ovirt",
	[LVOS_CLOUD_RHEV]		= "rhev",
	[LVOS_CLOUD_LINODE]		= "linode",
	[LVOS_CLOUD_VULTR]		= "vultr",
	[LVOS_CLOUD_TENCENT]		= "tencent",
	[LVOS_CLOUD_EXOSCALE]		= "exoscale",
};

static const char *name_of(const char * const *names, unsigned int nr,
			   unsigned int v)
{
	return v < nr && names[v] ? names[v] : "unknown";
}

const char *lvos_hv_cloud_name(enum lvos_hv_cloud cloud)
{
	return name_of(cloud_names, LVOS_CLOUD_NR, cloud);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_cloud_name);

static const char * const cc_names[LVOS_CC_NR] = {
	[LVOS_CC_NONE]		= "none",
	[LVOS_CC_SEV]		= "sev",
	[LVOS_CC_SEV_ES]	= "sev-es",
	[LVOS_CC_SEV_SNP]	= "sev-snp",
	[LVOS_CC_TDX]		= "tdx",
};

const char *lvos_hv_cc_name(enum lvos_hv_cc cc)
{
	return name_of(cc_names, LVOS_CC_NR, cc);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_cc_name);

static const char * const ktype_names[LVOS_KTYPE_NR] = {
	[LVOS_KTYPE_NATIVE]	= "native",
	[LVOS_KTYPE_VMWARE]	= "vmware",
	[LVOS_KTYPE_HYPERV]	= "ms_hyperv",
	[LVOS_KTYPE_XEN_PV]	= "xen_pv",
	[LVOS_KTYPE_XEN_HVM]	= "xen_hvm",
	[LVOS_KTYPE_KVM]	= "kvm",
	[LVOS_KTYPE_JAILHOUSE]	= "jailhouse",
	[LVOS_KTYPE_ACRN]	= "acrn",
};

const char *lvos_hv_ktype_name(enum lvos_hv_ktype t)
{
	return name_of(ktype_names, LVOS_KTYPE_NR, t);
}

static const char * const balloon_names[LVOS_BALLOON_NR] = {
	[LVOS_BALLOON_NONE]	= "none",
	[LVOS_BALLOON_VIRTIO]	= "virtio",
	[LVOS_BALLOON_VMWARE]	= "vmware",
	[LVOS_BALLOON_HYPERV]	= "hyperv",
	[LVOS_BALLOON_XEN]	= "xen",
};

const char *lvos_hv_balloon_name(enum lvos_hv_balloon b)
{
	return name_of(balloon_names, LVOS_BALLOON_NR, b);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_balloon_name);

static const char * const memplug_names[LVOS_MEMPLUG_NR] = {
	[LVOS_MEMPLUG_NONE]		= "none",
	[LVOS_MEMPLUG_ACPI_DIMM]	= "acpi-dimm",
	[LVOS_MEMPLUG_VIRTIO_MEM]	= "virtio-mem",
	[LVOS_MEMPLUG_HYPERV]		= "hyperv",
	[LVOS_MEMPLUG_XEN]		= "xen",
};

const char *lvos_hv_memplug_name(enum lvos_hv_memplug m)
{
	return name_of(memplug_names, LVOS_MEMPLUG_NR, m);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_memplug_name);

static const char * const pvclock_names[LVOS_PVCLOCK_NR] = {
	[LVOS_PVCLOCK_TSC]	= "tsc",
	[LVOS_PVCLOCK_KVM]	= "kvm-clock",
	[LVOS_PVCLOCK_HYPERV]	= "hyperv-tsc",
	[LVOS_PVCLOCK_XEN]	= "xen",
	[LVOS_PVCLOCK_VMWARE]	= "vmware",
};

const char *lvos_hv_pvclock_name(enum lvos_hv_pvclock c)
{
	return name_of(pvclock_names, LVOS_PVCLOCK_NR, c);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_pvclock_name);

static const char * const notify_names[LVOS_NOTIFY_NR] = {
	[LVOS_NOTIFY_ABSENT]		= "absent",
	[LVOS_NOTIFY_NONE]		= "none",
	[LVOS_NOTIFY_CONFIG_IRQ]	= "config-interrupt",
	[LVOS_NOTIFY_EVENT]		= "event",
	[LVOS_NOTIFY_AEN]		= "aen",
	[LVOS_NOTIFY_UNIT_ATTENTION]	= "unit-attention",
};

const char *lvos_hv_notify_name(enum lvos_hv_notify n)
{
	return name_of(notify_names, LVOS_NOTIFY_NR, n);
}
EXPORT_SYMBOL_NS_GPL(lvos_hv_notify_name, LVOS_NS);

static const char * const bus_names[LVOS_BUS_NR] = {
	[LVOS_BUS_VIRTIO_BLK]	= "virtio_blk",
	[LVOS_BUS_VIRTIO_SCSI]	= "virtio_scsi",
	[LVOS_BUS_NVME]		= "nvme",
	[LVOS_BUS_PVSCSI]	= "pvscsi",
	[LVOS_BUS_STORVSC]	= "storvsc",
	[LVOS_BUS_XEN_BLK]	= "xen_blk",
	[LVOS_BUS_SCSI_OTHER]	= "scsi_other",
};

const char *lvos_hv_bus_name(enum lvos_hv_bus b)
{
	return name_of(bus_names, LVOS_BUS_NR, b);
}
EXPORT_SYMBOL_NS_GPL(lvos_hv_bus_name, LVOS_NS);

/*
 * Hypervisor CPUID signatures (EBX ECX EDX). Trailing NULs and spaces are
 * ignored when comparing. Sources: systemd virt.c, virt-what-cpuid-helper,
 * the kernel's own detectors.
 */
static const struct {
	const char *sig;
	enum lvos_hv_vendor vendor;
} cpuid_sigs[] = {
	{ "XenVMMXenVMM",	LVOS_HV_XEN },
	{ "KVMKVMKVM",		LVOS_HV_KVM },
	{ "Linux KVM Hv",	LVOS_HV_KVM },	/* KVM's own Hyper-V emulation */
	{ "TCGTCGTCGTCG",	LVOS_HV_QEMU },
	{ "VMwareVMware",	LVOS_HV_VMWARE },
	{ "Microsoft Hv",	LVOS_HV_MICROSOFT },
	{ "VBoxVBoxVBox",	LVOS_HV_ORACLE },
	{ "bhyve bhyve",	LVOS_HV_BHYVE },
	{ "QNXQVMBSQG",		LVOS_HV_QNX },
	{ "ACRNACRNACRN",	LVOS_HV_ACRN },
	{ "SRESRESRESRE",	LVOS_HV_SRE },
	{ "Apple VZ",		LVOS_HV_APPLE },
	{ "prl hyperv",		LVOS_HV_PARALLELS },
	{ "lrpepyh  vr",	LVOS_HV_PARALLELS },
};

/* Length of @s without trailing NULs and spaces, at most @max. */
static size_t sig_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	while (n && s[n - 1] == ' ')
		n--;
	return n;
}

enum lvos_hv_vendor lvos_hv_sig_vendor(const char *sig)
{
	size_t n = sig_len(sig, 12);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpuid_sigs); i++) {
		const char *k = cpuid_sigs[i].sig;

		if (n == strlen(k) && !memcmp(sig, k, n))
			return cpuid_sigs[i].vendor;
	}
	return LVOS_HV_VM_OTHER;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_sig_vendor);

bool lvos_hv_has_leaf(const struct lvos_hv_facts *f, enum lvos_hv_vendor v)
{
	unsigned int i;

	for (i = 0; i < f->nr_leaves && i < LVOS_HV_MAX_LEAVES; i++)
		if (lvos_hv_sig_vendor(f->leaves[i].sig) == v)
			return true;
	return false;
}

/*
 * DMI vendor strings (prefix match), systemd's dmi_vendor_table order.
 * Fields are tried in systemd's order: product_name, sys_vendor,
 * board_vendor, bios_vendor, product_version.
 */
static const struct {
	const char *prefix;
	enum lvos_hv_vendor vendor;
} dmi_vendors[] = {
	{ "KVM",			LVOS_HV_KVM },
	{ "OpenStack",			LVOS_HV_KVM },
	{ "KubeVirt",			LVOS_HV_KVM },
	{ "Amazon EC2",			LVOS_HV_AMAZON },
	{ "QEMU",			LVOS_HV_QEMU },
	{ "VMware",			LVOS_HV_VMWARE },
	{ "VMW",			LVOS_HV_VMWARE },
	{ "innotek GmbH",		LVOS_HV_ORACLE },
	{ "VirtualBox",			LVOS_HV_ORACLE },
	{ "Oracle Corporation",		LVOS_HV_ORACLE },
	{ "Xen",			LVOS_HV_XEN },
	{ "Bochs",			LVOS_HV_BOCHS },
	{ "Parallels",			LVOS_HV_PARALLELS },
	{ "BHYVE",			LVOS_HV_BHYVE },
	{ "Hyper-V",			LVOS_HV_MICROSOFT },
	{ "Apple Virtualization",	LVOS_HV_APPLE },
	{ "Google Compute Engine",	LVOS_HV_GOOGLE },
	{ "Google",			LVOS_HV_GOOGLE },
};

static const enum lvos_hv_dmi_field dmi_vendor_fields[] = {
	LVOS_DMI_PRODUCT_NAME, LVOS_DMI_SYS_VENDOR, LVOS_DMI_BOARD_VENDOR,
	LVOS_DMI_BIOS_VENDOR, LVOS_DMI_PRODUCT_VERSION,
};

static const char * const dmi_field_names[LVOS_DMI_NR] = {
	[LVOS_DMI_SYS_VENDOR]		= "sys_vendor",
	[LVOS_DMI_PRODUCT_NAME]		= "product_name",
	[LVOS_DMI_PRODUCT_VERSION]	= "product_version",
	[LVOS_DMI_BIOS_VENDOR]		= "bios_vendor",
	[LVOS_DMI_BIOS_VERSION]		= "bios_version",
	[LVOS_DMI_BOARD_VENDOR]		= "board_vendor",
	[LVOS_DMI_CHASSIS_ASSET_TAG]	= "chassis_asset_tag",
};

/* Clouds: a DMI field that starts with (or, if @contains, holds) a string. */
static const struct {
	enum lvos_hv_dmi_field field;
	const char *match;
	bool contains;
	enum lvos_hv_cloud cloud;
} dmi_clouds[] = {
	{ LVOS_DMI_SYS_VENDOR,	"Amazon EC2",		false, LVOS_CLOUD_AWS },
	{ LVOS_DMI_BIOS_VENDOR,	"Amazon EC2",		false, LVOS_CLOUD_AWS },
	{ LVOS_DMI_BIOS_VERSION, "amazon",		true,  LVOS_CLOUD_AWS },
	{ LVOS_DMI_PRODUCT_VERSION, "amazon",		true,  LVOS_CLOUD_AWS },
	{ LVOS_DMI_PRODUCT_NAME, "Google Compute Engine", false, LVOS_CLOUD_GCE },
	{ LVOS_DMI_SYS_VENDOR,	"Google",		false, LVOS_CLOUD_GCE },
	/* Azure's fixed chassis asset tag; on-premises Hyper-V has another. */
	{ LVOS_DMI_CHASSIS_ASSET_TAG, "7783-7084-3265-9085-8269-3286-77",
						false, LVOS_CLOUD_AZURE },
	{ LVOS_DMI_CHASSIS_ASSET_TAG, "OracleCloud.com", false, LVOS_CLOUD_ORACLE },
	{ LVOS_DMI_SYS_VENDOR,	"Alibaba Cloud",	false, LVOS_CLOUD_ALIBABA },
	{ LVOS_DMI_PRODUCT_NAME, "Alibaba Cloud ECS",	false, LVOS_CLOUD_ALIBABA },
	{ LVOS_DMI_SYS_VENDOR,	"DigitalOcean",		false, LVOS_CLOUD_DIGITALOCEAN },
	{ LVOS_DMI_SYS_VENDOR,	"Hetzner",		false, LVOS_CLOUD_HETZNER },
	{ LVOS_DMI_SYS_VENDOR,	"Scaleway",		false, LVOS_CLOUD_SCALEWAY },
	{ LVOS_DMI_SYS_VENDOR,	"UpCloud",		false, LVOS_CLOUD_UPCLOUD },
	{ LVOS_DMI_SYS_VENDOR,	"Nutanix",		false, LVOS_CLOUD_NUTANIX },
	{ LVOS_DMI_SYS_VENDOR,	"oVirt",		false, LVOS_CLOUD_OVIRT },
	{ LVOS_DMI_PRODUCT_NAME, "RHEV Hypervisor",	false, LVOS_CLOUD_RHEV },
	{ LVOS_DMI_SYS_VENDOR,	"Linode",		false, LVOS_CLOUD_LINODE },
	{ LVOS_DMI_SYS_VENDOR,	"Vultr",		false, LVOS_CLOUD_VULTR },
	{ LVOS_DMI_SYS_VENDOR,	"Tencent Cloud",	false, LVOS_CLOUD_TENCENT },
	{ LVOS_DMI_SYS_VENDOR,	"Exoscale",		false, LVOS_CLOUD_EXOSCALE },
	{ LVOS_DMI_PRODUCT_NAME, "OpenStack",		false, LVOS_CLOUD_OPENSTACK },
	{ LVOS_DMI_SYS_VENDOR,	"OpenStack",		false, LVOS_CLOUD_OPENSTACK },
};

/* PCI vendor IDs that belong to a virtualisation vendor. */
static const struct {
	u16 id;
	enum lvos_hv_vendor vendor;
} pci_vendors[] = {
	{ 0x15ad, LVOS_HV_VMWARE },
	{ 0x1414, LVOS_HV_MICROSOFT },
	{ 0x5853, LVOS_HV_XEN },
	{ 0x80ee, LVOS_HV_ORACLE },
	{ 0x1ab8, LVOS_HV_PARALLELS },
	{ 0x1d0f, LVOS_HV_AMAZON },
	{ 0x1ae0, LVOS_HV_GOOGLE },
	{ 0x1af4, LVOS_HV_KVM },	/* virtio: KVM or QEMU */
	{ 0x1b36, LVOS_HV_QEMU },
	{ 0x1234, LVOS_HV_QEMU },	/* Bochs/QEMU VGA */
};

/* KVM paravirtual feature bits (KVM base + 1, EAX), Documentation/virt/kvm/x86/cpuid.rst */
static const char * const kvm_feature_names[32] = {
	[0] = "kvm_clocksource", [1] = "kvm_nop_io_delay",
	[2] = "kvm_mmu_op", [3] = "kvm_clocksource2",
	[4] = "kvm_async_pf", [5] = "kvm_steal_time",
	[6] = "kvm_pv_eoi", [7] = "kvm_pv_unhalt",
	[9] = "kvm_pv_tlb_flush", [10] = "kvm_async_pf_vmexit",
	[11] = "kvm_pv_send_ipi", [12] = "kvm_poll_control",
	[13] = "kvm_pv_sched_yield", [14] = "kvm_async_pf_int",
	[15] = "kvm_msi_ext_dest_id", [16] = "kvm_hc_map_gpa_range",
	[17] = "kvm_migration_control",
	[24] = "kvm_clocksource_stable",
};

/* Hyper-V partition privileges (0x40000003 EAX), TLFS */
static const char * const hyperv_feature_names[32] = {
	[1] = "hv_time_ref_count", [2] = "hv_synic", [3] = "hv_stimer",
	[4] = "hv_apic_access", [5] = "hv_hypercall", [6] = "hv_vp_index",
	[7] = "hv_reset", [9] = "hv_reference_tsc",
	[11] = "hv_frequency_msrs",
};

#define KVM_FEAT_CLOCKSOURCE	BIT(0)
#define KVM_FEAT_CLOCKSOURCE2	BIT(3)
#define KVM_FEAT_STEAL_TIME	BIT(5)
#define HYPERV_FEAT_REF_TSC	BIT(9)

void lvos_hv_sanitize(char *dst, size_t size, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!size)
		return;
	for (i = 0; i < len && src[i]; i++) {
		unsigned char c = src[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '"' &&
			       c != '\\') ? 1 : 4;

		/* keep room for "..." and the NUL */
		if (o + need + 4 > size) {
			if (o + 4 <= size)
				memcpy(dst + o, "...", 3), o += 3;
			break;
		}
		if (need == 1) {
			dst[o++] = c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_sanitize);

static void add_evidence(struct lvos_hv_result *r, const char *source,
			 const char *key, const char *value, size_t len,
			 const char *says)
{
	struct lvos_hv_evidence *e;

	if (r->nr_evidence >= LVOS_HV_MAX_EVIDENCE)
		return;
	e = &r->evidence[r->nr_evidence++];
	e->source = source;
	strscpy(e->key, key, sizeof(e->key));
	lvos_hv_sanitize(e->value, sizeof(e->value), value ? value : "", len);
	e->says = says;
}

static void add_evidence_hex(struct lvos_hv_result *r, const char *source,
			     const char *key, unsigned long long v,
			     const char *says)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", v);
	add_evidence(r, source, key, buf, sizeof(buf), says);
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static bool has_dev(const struct lvos_hv_facts *f, enum lvos_hv_dev d)
{
	return f->devs & BIT(d);
}

/* First DMI vendor match in systemd's field order, with its field. */
static enum lvos_hv_vendor dmi_vendor(const struct lvos_hv_facts *f,
				      struct lvos_hv_result *r)
{
	enum lvos_hv_vendor found = LVOS_HV_NONE;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(dmi_vendor_fields); i++) {
		enum lvos_hv_dmi_field fld = dmi_vendor_fields[i];
		const char *s = f->dmi[fld];

		if (!s)
			continue;
		for (j = 0; j < ARRAY_SIZE(dmi_vendors); j++) {
			if (!starts_with(s, dmi_vendors[j].prefix))
				continue;
			add_evidence(r, "dmi", dmi_field_names[fld], s, 256,
				     vendor_names[dmi_vendors[j].vendor]);
			if (found == LVOS_HV_NONE)
				found = dmi_vendors[j].vendor;
			break;
		}
	}
	return found;
}

static enum lvos_hv_cloud dmi_cloud(const struct lvos_hv_facts *f,
				    struct lvos_hv_result *r)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dmi_clouds); i++) {
		const char *s = f->dmi[dmi_clouds[i].field];
		bool hit;

		if (!s)
			continue;
		hit = dmi_clouds[i].contains ?
			!!strstr(s, dmi_clouds[i].match) :
			starts_with(s, dmi_clouds[i].match);
		if (hit) {
			add_evidence(r, "dmi", dmi_field_names[dmi_clouds[i].field],
				     s, 256, cloud_names[dmi_clouds[i].cloud]);
			return dmi_clouds[i].cloud;
		}
	}
	return LVOS_CLOUD_NONE;
}

static enum lvos_hv_vendor pci_vendor(const struct lvos_hv_facts *f,
				      struct lvos_hv_result *r)
{
	enum lvos_hv_vendor found = LVOS_HV_NONE;
	unsigned int i, j;

	for (i = 0; i < f->nr_pci_vendors && i < LVOS_HV_MAX_PCI_VENDORS; i++) {
		for (j = 0; j < ARRAY_SIZE(pci_vendors); j++) {
			if (f->pci_vendors[i] != pci_vendors[j].id)
				continue;
			add_evidence_hex(r, "pci", "vendor", f->pci_vendors[i],
					 vendor_names[pci_vendors[j].vendor]);
			/* virtio and QEMU devices also appear on other hosts */
			if (found == LVOS_HV_NONE &&
			    pci_vendors[j].vendor != LVOS_HV_KVM &&
			    pci_vendors[j].vendor != LVOS_HV_QEMU)
				found = pci_vendors[j].vendor;
		}
	}
	return found;
}

/* Decode the CPUID leaves: front (leaf 0x40000000) and backend (highest known). */
static void decide_cpuid(const struct lvos_hv_facts *f, struct lvos_hv_result *r,
			 bool *unknown_sig, bool *tcg)
{
	unsigned int i;

	r->front = LVOS_HV_NONE;
	r->backend = LVOS_HV_NONE;
	*unknown_sig = false;
	*tcg = false;
	for (i = 0; i < f->nr_leaves && i < LVOS_HV_MAX_LEAVES; i++) {
		const struct lvos_hv_leaf *l = &f->leaves[i];
		enum lvos_hv_vendor v = lvos_hv_sig_vendor(l->sig);
		const char *says = vendor_names[v];
		char key[16];

		if (l->base == LVOS_HV_LEAF_FIRST)
			r->front = v;
		if (v == LVOS_HV_VM_OTHER)
			*unknown_sig = true;
		else
			r->backend = v;	/* leaves are recorded in rising order */
		if (v == LVOS_HV_QEMU) {
			says = "qemu (TCG emulation)";
			*tcg = true;
		}
		snprintf(key, sizeof(key), "0x%08x", l->base);
		add_evidence(r, "cpuid", key, l->sig, 12, says);
	}
}

static void decide_cc(const struct lvos_hv_facts *f, struct lvos_hv_result *r)
{
	r->cc = LVOS_CC_NONE;
	if (f->tdx_sig) {
		add_evidence(r, "cpuid", "0x21", "IntelTDX", 8, "tdx");
		r->cc = LVOS_CC_TDX;
		return;
	}
	if (f->sev_msr & LVOS_SEV_ENABLED) {
		if (f->sev_msr & LVOS_SEV_SNP_ENABLED)
			r->cc = LVOS_CC_SEV_SNP;
		else if (f->sev_msr & LVOS_SEV_ES_ENABLED)
			r->cc = LVOS_CC_SEV_ES;
		else
			r->cc = LVOS_CC_SEV;
		add_evidence_hex(r, "msr", "sev_status", f->sev_msr,
				 cc_names[r->cc]);
		return;
	}
	/* Azure CVMs behind a paravisor: Hyper-V isolation leaf. */
	if (r->front == LVOS_HV_MICROSOFT &&
	    (f->hyperv_features_b & LVOS_HYPERV_FEAT_ISOLATION)) {
		switch (f->hyperv_isolation_b & 0xf) {
		case LVOS_HYPERV_ISOLATION_SNP:
			r->cc = LVOS_CC_SEV_SNP;
			break;
		case LVOS_HYPERV_ISOLATION_TDX:
			r->cc = LVOS_CC_TDX;
			break;
		default:
			return;
		}
		add_evidence_hex(r, "cpuid", "hyperv_isolation",
				 f->hyperv_isolation_b, cc_names[r->cc]);
	}
}

static void decide_caps(const struct lvos_hv_facts *f, struct lvos_hv_result *r,
			bool xen)
{
	bool hyperv = has_dev(f, LVOS_DEV_ACPI_VMBUS) ||
		      (r->backend == LVOS_HV_MICROSOFT);
	/* KVM's paravirtual interface, whoever provides it */
	bool kvm = lvos_hv_has_leaf(f, LVOS_HV_KVM);
	unsigned int b;

	if (has_dev(f, LVOS_DEV_VIRTIO_BALLOON))
		r->balloon = LVOS_BALLOON_VIRTIO;
	else if (r->vendor == LVOS_HV_VMWARE || r->backend == LVOS_HV_VMWARE)
		r->balloon = LVOS_BALLOON_VMWARE;
	else if (hyperv)
		r->balloon = LVOS_BALLOON_HYPERV;
	else if (xen)
		r->balloon = LVOS_BALLOON_XEN;
	else
		r->balloon = LVOS_BALLOON_NONE;

	if (has_dev(f, LVOS_DEV_VIRTIO_MEM))
		r->memplug = LVOS_MEMPLUG_VIRTIO_MEM;
	else if (has_dev(f, LVOS_DEV_ACPI_MEMDEV))
		r->memplug = LVOS_MEMPLUG_ACPI_DIMM;
	else if (hyperv)
		r->memplug = LVOS_MEMPLUG_HYPERV;
	else if (xen)
		r->memplug = LVOS_MEMPLUG_XEN;
	else
		r->memplug = LVOS_MEMPLUG_NONE;

	if (kvm && (f->kvm_features & (KVM_FEAT_CLOCKSOURCE | KVM_FEAT_CLOCKSOURCE2)))
		r->pvclock = LVOS_PVCLOCK_KVM;
	else if (r->front == LVOS_HV_MICROSOFT &&
		 (f->hyperv_features_a & HYPERV_FEAT_REF_TSC))
		r->pvclock = LVOS_PVCLOCK_HYPERV;
	else if (xen)
		r->pvclock = LVOS_PVCLOCK_XEN;
	else if (r->front == LVOS_HV_VMWARE)	/* TSC rate in 0x40000010 */
		r->pvclock = LVOS_PVCLOCK_VMWARE;
	else
		r->pvclock = LVOS_PVCLOCK_TSC;

	r->steal_time = (kvm && (f->kvm_features & KVM_FEAT_STEAL_TIME)) || xen;

	for (b = 0; b < LVOS_BUS_NR; b++)
		r->resize[b] = LVOS_NOTIFY_ABSENT;
	if (has_dev(f, LVOS_DEV_VIRTIO_BLK))
		r->resize[LVOS_BUS_VIRTIO_BLK] = LVOS_NOTIFY_CONFIG_IRQ;
	if (has_dev(f, LVOS_DEV_VIRTIO_SCSI))
		r->resize[LVOS_BUS_VIRTIO_SCSI] = LVOS_NOTIFY_EVENT;
	if (has_dev(f, LVOS_DEV_NVME))
		r->resize[LVOS_BUS_NVME] = LVOS_NOTIFY_AEN;
	if (has_dev(f, LVOS_DEV_PVSCSI))
		r->resize[LVOS_BUS_PVSCSI] = LVOS_NOTIFY_NONE;
	if (has_dev(f, LVOS_DEV_ACPI_VMBUS))
		r->resize[LVOS_BUS_STORVSC] = LVOS_NOTIFY_UNIT_ATTENTION;
	if (xen && !f->xen_initial_domain)
		r->resize[LVOS_BUS_XEN_BLK] = LVOS_NOTIFY_EVENT;
	if (has_dev(f, LVOS_DEV_SCSI_OTHER))
		r->resize[LVOS_BUS_SCSI_OTHER] = LVOS_NOTIFY_NONE;
}

/* Evidence that says "virtual" without naming a vendor by itself. */
static void add_platform_evidence(const struct lvos_hv_facts *f, struct lvos_hv_result *r)
{
	if (f->smbios_vm >= 0)
		add_evidence(r, "smbios", "vm_bit", f->smbios_vm ? "1" : "0", 1,
			     f->smbios_vm ? "virtual machine" : "not a VM");
	if (f->ktype != LVOS_KTYPE_NATIVE)
		add_evidence(r, "kernel", "x86_hyper_type",
			     lvos_hv_ktype_name(f->ktype), 16, "hypervisor");
	if (has_dev(f, LVOS_DEV_VMWARE_BACKDOOR))
		add_evidence_hex(r, "ioport", "vmware_backdoor",
				 f->vmware_backdoor_version, "vmware");
	if (has_dev(f, LVOS_DEV_ACPI_VMBUS))
		add_evidence(r, "acpi", "VMBUS", "present", 7, "microsoft");
	if (has_dev(f, LVOS_DEV_ACPI_FWCFG))
		add_evidence(r, "acpi", "QEMU0002", "present", 7, "qemu");
	if (has_dev(f, LVOS_DEV_ACPI_VMGENID))
		add_evidence(r, "acpi", "VM_Gen_Counter", "present", 7,
			     "virtual machine");
}

/* Xen, from the kernel, /sys/hypervisor, its CPUID leaf or its PCI device. */
static bool decide_xen(const struct lvos_hv_facts *f, struct lvos_hv_result *r)
{
	bool xen_sysfs = starts_with(f->sys_hypervisor_type, "xen");

	if (f->sys_hypervisor_type)
		add_evidence(r, "sysfs", "hypervisor/type",
			     f->sys_hypervisor_type, 32,
			     xen_sysfs ? "xen" : "vm-other");
	return f->ktype == LVOS_KTYPE_XEN_PV || f->ktype == LVOS_KTYPE_XEN_HVM ||
	       xen_sysfs || r->backend == LVOS_HV_XEN ||
	       has_dev(f, LVOS_DEV_XEN_PLATFORM);
}

/* A vendor named by DMI, Xen, DMI or PCI: also the backend if CPUID named none. */
static enum lvos_hv_vendor named(struct lvos_hv_result *r, enum lvos_hv_vendor v)
{
	if (r->backend == LVOS_HV_NONE)
		r->backend = v;
	return v;
}

/*
 * The hypervisor of a guest (not bare metal, not dom0), in order of
 * precedence: DMI that names the product, Xen, the highest recognised
 * CPUID leaf, DMI, PCI, else "vm-other".
 */
static enum lvos_hv_vendor decide_vendor(struct lvos_hv_result *r, enum lvos_hv_vendor dmi,
					 enum lvos_hv_vendor pci, bool xen, bool unknown_sig)
{
	/* 1. DMI vendors that name the product whatever CPUID says */
	switch (dmi) {
	case LVOS_HV_ORACLE:
	case LVOS_HV_PARALLELS:
		/*
		 * VirtualBox and Parallels present KVM's or Hyper-V's
		 * interface; the interface is not the hypervisor.
		 */
		r->backend = dmi;
		fallthrough;
	case LVOS_HV_XEN:
	case LVOS_HV_AMAZON:
	case LVOS_HV_GOOGLE:
		return named(r, dmi);
	default:
		break;
	}
	/* 2. Xen */
	if (xen)
		return named(r, LVOS_HV_XEN);
	/* 3. the highest recognised CPUID leaf */
	if (r->backend == LVOS_HV_MICROSOFT &&
	    (dmi == LVOS_HV_QEMU || dmi == LVOS_HV_KVM)) {
		/*
		 * Hyper-V enlightenments on a QEMU machine with the KVM leaf
		 * hidden (kvm=off, hv-passthrough): TCG cannot provide them,
		 * so this is KVM (systemd #22709, #28001).
		 */
		add_evidence(r, "rule", "hyperv_on_qemu", "Microsoft Hv", 12, "kvm");
		r->backend = LVOS_HV_KVM;
		return LVOS_HV_KVM;
	}
	if (r->backend != LVOS_HV_NONE)
		return r->backend;
	/* 4. DMI */
	if (dmi != LVOS_HV_NONE)
		return named(r, dmi);
	/* 5. PCI devices of a virtualisation vendor */
	if (pci != LVOS_HV_NONE)
		return named(r, pci);
	/* 6. something virtual we cannot name */
	if (unknown_sig)
		add_evidence(r, "rule", "unknown_signature", "", 0, "vm-other");
	return named(r, LVOS_HV_VM_OTHER);
}

void lvos_hv_decide(const struct lvos_hv_facts *f, struct lvos_hv_result *r)
{
	enum lvos_hv_vendor dmi, pci, v = LVOS_HV_NONE;
	bool unknown_sig, tcg, xen, hv_present;

	memset(r, 0, sizeof(*r));

	decide_cpuid(f, r, &unknown_sig, &tcg);
	dmi = dmi_vendor(f, r);
	r->cloud = dmi_cloud(f, r);
	pci = pci_vendor(f, r);
	add_platform_evidence(f, r);
	xen = decide_xen(f, r);

	hv_present = f->cpuid_hv_bit || f->nr_leaves ||
		     f->ktype != LVOS_KTYPE_NATIVE || xen ||
		     f->smbios_vm == 1 || f->sys_hypervisor_type;
	if (f->cpuid_hv_bit)
		add_evidence(r, "cpuid", "hypervisor_bit", "1", 1, "virtual machine");

	decide_cc(f, r);

	if (!hv_present) {
		/*
		 * Bare metal. DMI alone is not trusted: Oracle's x86 servers
		 * say "Oracle Corporation" and AWS *.metal says "Amazon EC2".
		 */
		v = LVOS_HV_NONE;
	} else if (xen && f->xen_initial_domain) {
		/* dom0 is the host side, as systemd-detect-virt says */
		add_evidence(r, "xen", "initial_domain", "1", 1, "none (dom0)");
		r->backend = LVOS_HV_XEN;
		v = LVOS_HV_NONE;
	} else {
		v = decide_vendor(r, dmi, pci, xen, unknown_sig);
	}
	r->vendor = v;
	if (r->front == LVOS_HV_NONE && f->nr_leaves == 0 && v != LVOS_HV_NONE &&
	    xen && f->ktype == LVOS_KTYPE_XEN_PV)
		r->front = LVOS_HV_XEN;
	/* only QEMU's TCG signature proves emulation; DMI "QEMU" may be KVM */
	r->emulated = tcg;
	/* A metal cloud instance: no hypervisor but a cloud's firmware. */
	if (v == LVOS_HV_NONE && r->cloud != LVOS_CLOUD_NONE)
		r->metal = true;
	decide_caps(f, r, xen && v != LVOS_HV_NONE);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_decide);

static int append_names(char *buf, size_t size, int len, u32 bits,
			const char * const *names)
{
	unsigned int i;

	for (i = 0; i < 32; i++) {
		if (!(bits & BIT(i)) || !names[i])
			continue;
		len += scnprintf(buf + len, size - len, "%s%s",
				 len ? " " : "", names[i]);
	}
	return len;
}

int lvos_hv_format_features(const struct lvos_hv_facts *f,
			    const struct lvos_hv_result *r,
			    char *buf, size_t size)
{
	int len = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	if (lvos_hv_has_leaf(f, LVOS_HV_KVM))
		len = append_names(buf, size, len, f->kvm_features,
				   kvm_feature_names);
	if (r->front == LVOS_HV_MICROSOFT)
		len = append_names(buf, size, len, f->hyperv_features_a,
				   hyperv_feature_names);
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_format_features);

int lvos_hv_format_evidence(const struct lvos_hv_result *r, char *buf,
			    size_t size)
{
	unsigned int i;
	int len = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < r->nr_evidence && i < LVOS_HV_MAX_EVIDENCE; i++) {
		const struct lvos_hv_evidence *e = &r->evidence[i];

		len += scnprintf(buf + len, size - len, "%s %s=\"%s\" -> %s\n",
				 e->source, e->key, e->value, e->says);
	}
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_hv_format_evidence);
