// SPDX-License-Identifier: GPL-2.0-only
/*
 * probe.c - record the platform facts of the running machine.
 *
 * Reads only what the kernel already has or what is safe to ask for in any
 * guest: CPUID (hypervisor leaves only when the CPU says it runs under a
 * hypervisor), DMI, the PCI and ACPI device lists, Xen's domain type, the
 * AMD SEV status MSR (only when CPUID advertises it) and the VMware backdoor
 * port (only when DMI or CPUID already names VMware). Nothing here decides.
 */
#include <linux/kernel.h>
#include <linux/acpi.h>
#include <linux/dmi.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <asm/hypervisor.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <xen/xen.h>

#include "facts.h"
#include "probe.h"

#define VMWARE_BACKDOOR_MAGIC	0x564d5868U
#define VMWARE_BACKDOOR_PORT	0x5658U
#define VMWARE_CMD_GETVERSION	10U

#define CPUID_TDX_LEAF		0x21U
#define CPUID_AMD_MEM_ENCRYPT	0x8000001fU

#define HYPERV_CPUID_FEATURES	0x40000003U
#define HYPERV_CPUID_ISOLATION	0x4000000cU

static bool sig_printable(const char *sig)
{
	bool any = false;
	int i;

	for (i = 0; i < 12; i++) {
		if (!sig[i])
			continue;
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			return false;
		any = true;
	}
	return any;
}

/* Scan every hypervisor range, as the kernel's hypervisor_cpuid_base() does. */
static void probe_cpuid_leaves(struct lvos_hv_facts *f)
{
	u32 base, eax, ebx, ecx, edx;

	f->cpuid_hv_bit = boot_cpu_has(X86_FEATURE_HYPERVISOR);
	if (!f->cpuid_hv_bit)
		return;	/* on bare metal these leaves alias real ones */

	for (base = LVOS_HV_LEAF_FIRST; base <= LVOS_HV_LEAF_LAST;
	     base += LVOS_HV_LEAF_STEP) {
		struct lvos_hv_leaf *l;
		u32 regs[3];

		cpuid(base, &eax, &ebx, &ecx, &edx);
		/* old KVM answers max = 0; anything else must stay in range */
		if (eax && (eax < base || eax - base >= LVOS_HV_LEAF_STEP))
			continue;
		regs[0] = ebx;
		regs[1] = ecx;
		regs[2] = edx;
		if (f->nr_leaves >= LVOS_HV_MAX_LEAVES)
			break;
		l = &f->leaves[f->nr_leaves];
		memcpy(l->sig, regs, 12);
		l->sig[12] = '\0';
		if (!sig_printable(l->sig))
			continue;
		l->base = base;
		l->max = eax;
		f->nr_leaves++;
	}
}

static void probe_pv_features(struct lvos_hv_facts *f)
{
	u32 eax, ebx, ecx, edx;
	unsigned int i;

	for (i = 0; i < f->nr_leaves; i++) {
		const struct lvos_hv_leaf *l = &f->leaves[i];
		enum lvos_hv_vendor v = lvos_hv_sig_vendor(l->sig);

		if (v == LVOS_HV_KVM && (!l->max || l->max >= l->base + 1)) {
			cpuid(l->base + 1, &eax, &ebx, &ecx, &edx);
			f->kvm_features = eax;
		}
		if (v == LVOS_HV_MICROSOFT && l->base == LVOS_HV_LEAF_FIRST) {
			if (l->max >= HYPERV_CPUID_FEATURES) {
				cpuid(HYPERV_CPUID_FEATURES, &eax, &ebx, &ecx, &edx);
				f->hyperv_features_a = eax;
				f->hyperv_features_b = ebx;
			}
			if (l->max >= HYPERV_CPUID_ISOLATION) {
				cpuid(HYPERV_CPUID_ISOLATION, &eax, &ebx, &ecx, &edx);
				f->hyperv_isolation_b = ebx;
			}
		}
	}
}

static void probe_cc(struct lvos_hv_facts *f)
{
	u32 eax, ebx, ecx, edx;
	u64 sev;

	if (boot_cpu_data.cpuid_level >= CPUID_TDX_LEAF) {
		cpuid_count(CPUID_TDX_LEAF, 0, &eax, &ebx, &ecx, &edx);
		/* "IntelTDX    " in EBX, EDX, ECX */
		f->tdx_sig = ebx == 0x65746e49 && edx == 0x5844546c &&
			     ecx == 0x20202020;
	}
	if ((boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	     boot_cpu_data.x86_vendor == X86_VENDOR_HYGON) &&
	    boot_cpu_data.extended_cpuid_level >= CPUID_AMD_MEM_ENCRYPT &&
	    (cpuid_eax(CPUID_AMD_MEM_ENCRYPT) & BIT(1)) &&
	    !rdmsrl_safe(MSR_AMD64_SEV, &sev))
		f->sev_msr = sev;
}

static enum lvos_hv_ktype probe_ktype(void)
{
	static const struct {
		enum x86_hypervisor_type k;
		enum lvos_hv_ktype t;
	} map[] = {
		{ X86_HYPER_VMWARE,	LVOS_KTYPE_VMWARE },
		{ X86_HYPER_MS_HYPERV,	LVOS_KTYPE_HYPERV },
		{ X86_HYPER_XEN_PV,	LVOS_KTYPE_XEN_PV },
		{ X86_HYPER_XEN_HVM,	LVOS_KTYPE_XEN_HVM },
		{ X86_HYPER_KVM,	LVOS_KTYPE_KVM },
		{ X86_HYPER_JAILHOUSE,	LVOS_KTYPE_JAILHOUSE },
		{ X86_HYPER_ACRN,	LVOS_KTYPE_ACRN },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (hypervisor_is_type(map[i].k))
			return map[i].t;
	return LVOS_KTYPE_NATIVE;
}

static void smbios_vm_bit(const struct dmi_header *dm, void *data)
{
	struct lvos_hv_facts *f = data;
	const u8 *raw = (const u8 *)dm;

	/* type 0, BIOS characteristics extension byte 2, bit 4 (SMBIOS 2.4+) */
	if (dm->type != 0 || f->smbios_vm >= 0)
		return;
	f->smbios_vm = dm->length > 0x13 ? !!(raw[0x13] & BIT(4)) : -1;
}

static void probe_dmi(struct lvos_hv_facts *f)
{
	static const int fields[LVOS_DMI_NR] = {
		[LVOS_DMI_SYS_VENDOR]		= DMI_SYS_VENDOR,
		[LVOS_DMI_PRODUCT_NAME]		= DMI_PRODUCT_NAME,
		[LVOS_DMI_PRODUCT_VERSION]	= DMI_PRODUCT_VERSION,
		[LVOS_DMI_BIOS_VENDOR]		= DMI_BIOS_VENDOR,
		[LVOS_DMI_BIOS_VERSION]		= DMI_BIOS_VERSION,
		[LVOS_DMI_BOARD_VENDOR]		= DMI_BOARD_VENDOR,
		[LVOS_DMI_CHASSIS_ASSET_TAG]	= DMI_CHASSIS_ASSET_TAG,
	};
	unsigned int i;

	for (i = 0; i < LVOS_DMI_NR; i++)
		f->dmi[i] = dmi_get_system_info(fields[i]);
	f->smbios_vm = -1;
	dmi_walk(smbios_vm_bit, f);
}

static void add_pci_vendor(struct lvos_hv_facts *f, u16 vendor)
{
	unsigned int i;

	for (i = 0; i < f->nr_pci_vendors; i++)
		if (f->pci_vendors[i] == vendor)
			return;
	if (f->nr_pci_vendors < LVOS_HV_MAX_PCI_VENDORS)
		f->pci_vendors[f->nr_pci_vendors++] = vendor;
}

static unsigned long pci_dev_bits(const struct pci_dev *pdev)
{
	unsigned int cls = pdev->class >> 8;

	if (pdev->vendor == PCI_VENDOR_ID_REDHAT_QUMRANET) {
		switch (pdev->device) {
		case 0x1001: case 0x1042:
			return BIT(LVOS_DEV_VIRTIO_BLK);
		case 0x1004: case 0x1048:
			return BIT(LVOS_DEV_VIRTIO_SCSI);
		case 0x1000: case 0x1041:
			return BIT(LVOS_DEV_VIRTIO_NET);
		case 0x1002: case 0x1045:
			return BIT(LVOS_DEV_VIRTIO_BALLOON);
		case 0x1058:
			return BIT(LVOS_DEV_VIRTIO_MEM);
		default:
			return 0;
		}
	}
	if (pdev->vendor == PCI_VENDOR_ID_VMWARE) {
		if (pdev->device == 0x07c0)
			return BIT(LVOS_DEV_PVSCSI);
		if (pdev->device == 0x07b0)
			return BIT(LVOS_DEV_VMXNET3);
	}
	if (pdev->vendor == 0x5853 && pdev->device == 0x0001)
		return BIT(LVOS_DEV_XEN_PLATFORM);
	if (pdev->class == PCI_CLASS_STORAGE_EXPRESS)
		return BIT(LVOS_DEV_NVME);
	if (cls == PCI_CLASS_STORAGE_SCSI || cls == PCI_CLASS_STORAGE_SAS ||
	    cls == PCI_CLASS_STORAGE_RAID)
		return BIT(LVOS_DEV_SCSI_OTHER);
	return 0;
}

static void probe_pci(struct lvos_hv_facts *f)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		f->devs |= pci_dev_bits(pdev);
		add_pci_vendor(f, pdev->vendor);
	}
}

static void probe_acpi(struct lvos_hv_facts *f)
{
	if (acpi_disabled)
		return;
	if (acpi_dev_present("VMBUS", NULL, -1) ||
	    acpi_dev_present("VMBus", NULL, -1))
		f->devs |= BIT(LVOS_DEV_ACPI_VMBUS);
	/*
	 * Empty memory slots are not "present", so look for a populated
	 * PNP0C80 or for QEMU's slot container, which reports present
	 * whenever the machine has hot-pluggable slots (maxmem).
	 */
	if (acpi_dev_present("PNP0C80", NULL, -1) ||
	    acpi_dev_present("PNP0A06", "Memory hotplug resources", -1))
		f->devs |= BIT(LVOS_DEV_ACPI_MEMDEV);
	if (acpi_dev_present("QEMU0002", NULL, -1))
		f->devs |= BIT(LVOS_DEV_ACPI_FWCFG);
	if (acpi_dev_present("VM_Gen_Counter", NULL, -1) ||
	    acpi_dev_present("QEMUVGID", NULL, -1))
		f->devs |= BIT(LVOS_DEV_ACPI_VMGENID);
}

static bool dmi_says_vmware(const struct lvos_hv_facts *f)
{
	const char *v = f->dmi[LVOS_DMI_SYS_VENDOR];
	const char *p = f->dmi[LVOS_DMI_PRODUCT_NAME];

	return (v && strstr(v, "VMware")) || (p && strstr(p, "VMware"));
}

/*
 * The VMware backdoor: an IN from port 0x5658 with a magic in EAX. Only
 * asked when firmware or CPUID already claims VMware (as the kernel's
 * vmware_platform() does) and never in a confidential guest, where port
 * I/O traps to the guest's own #VC/#VE handler.
 */
static void probe_vmware_backdoor(struct lvos_hv_facts *f)
{
	u32 eax = VMWARE_BACKDOOR_MAGIC, ebx = ~VMWARE_BACKDOOR_MAGIC;
	u32 ecx = VMWARE_CMD_GETVERSION, edx = VMWARE_BACKDOOR_PORT;
	u32 esi = 0, edi = 0;
	bool claimed = dmi_says_vmware(f) || lvos_hv_has_leaf(f, LVOS_HV_VMWARE);
	/* never on bare metal, where port 0x5658 may belong to real hardware */
	if (!claimed || !f->cpuid_hv_bit || f->tdx_sig || f->sev_msr)
		return;

	asm volatile("inl (%%dx), %%eax"
		     : "+a" (eax), "+b" (ebx), "+c" (ecx), "+d" (edx),
		       "+S" (esi), "+D" (edi)
		     : : "memory");
	if (ebx == VMWARE_BACKDOOR_MAGIC && eax != ~0U) {
		f->devs |= BIT(LVOS_DEV_VMWARE_BACKDOOR);
		f->vmware_backdoor_version = eax;
	}
}

void lvos_hv_probe(struct lvos_hv_facts *f)
{
	memset(f, 0, sizeof(*f));
	probe_cpuid_leaves(f);
	probe_pv_features(f);
	probe_cc(f);
	f->ktype = probe_ktype();
	if (xen_domain()) {
		f->sys_hypervisor_type = "xen";
		f->xen_initial_domain = xen_initial_domain();
	}
	probe_dmi(f);
	probe_pci(f);
	probe_acpi(f);
	probe_vmware_backdoor(f);
}
