// SPDX-License-Identifier: GPL-2.0
/*
 * lvosctl - look at and steer the lvos kernel modules from user space.
 *
 *   lvosctl [status] [--check]        one screen: modules, dkms, health
 *   lvosctl hv|hotplug|balloon        every sysfs file of that module
 *   lvosctl pagefile [DEV]            the same for pagefileN volumes
 *   lvosctl blkgrow [DISK]            the same for watched disks
 *   lvosctl netpv [DEV]               the same for lvos_netpv netdevs
 *   lvosctl get MODULE.KEY            one sysfs value
 *   lvosctl set MODULE.KEY=VAL [--persist]
 *   lvosctl enable|disable FEATURE [--now]
 *   lvosctl doctor                    installation checks, each with a fix
 *   lvosctl metrics [--textfile DIR]  Prometheus text format
 *   --json with every view; docs/lvosctl.md and lvosctl(1) say the rest.
 *
 * Exit status: 0 ok, 1 a problem found, 2 usage or I/O error, 3 lvos (or
 * the named module) not loaded, 4 permission denied on set/enable/disable.
 *
 * Test hooks: $LVOS_SYSFS_ROOT prefixes every /sys path, $LVOS_ROOT every
 * other file (/etc, /lib, /usr, /var/lib, /boot, /proc/swaps,
 * /proc/sys/kernel/tainted), $LVOS_KERNEL replaces uname -r,
 * $LVOS_ETHTOOL_DIR/DEV (ethtool -S lines) replaces the SIOCETHTOOL ioctl
 * that reads netdev DEV's driver counters.  External
 * programs (modprobe, modinfo, mokutil, systemctl, dpkg) are found in
 * $PATH and are optional except modprobe for --now.
 *
 * Every file is read through lvos_read_at() (non-blocking open, regular
 * files only, at most 64 KiB): a missing, hostile or malformed file reads
 * as null in JSON and "?" in text, never as a crash.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "lvos-util.h"
#include "../include/lvos/version.h"

#define PROG		"lvosctl"
#define SCHEMA		1
#define MAX_ENTRIES	4096	/* most directory entries looked at */
#define VAL_MAX		255	/* longest value set accepts */

#define EXIT_OK		0
#define EXIT_PROBLEM	1
#define EXIT_USAGE	2
#define EXIT_NOTLOADED	3
#define EXIT_PERM	4

/* ------------------------------------------------------------ the ABI */

enum kind { K_STR, K_NUM, K_BOOL, K_LIST, K_LINES, K_WORDS, K_WO };
enum unit { U_NONE, U_BYTES, U_PAGES, U_SECTORS, U_MS, U_US, U_NS, U_S,
	    U_MB, U_PCT, U_EPOCH, U_CPUS };
enum mtype { M_NONE, M_GAUGE, M_COUNTER };

/*
 * One sysfs file: its path below the module's directory, its JSON key
 * (unit in the name), kind, unit, and the metric family (below
 * lvos_<module>_) it feeds, if any.  The text is the ABI doc's first line.
 */
struct field {
	const char *file;
	const char *json;
	enum kind kind;
	enum unit unit;
	enum mtype mtype;
	const char *metric;
	const char *help;
	long long lo, hi;	/* set refuses values outside [lo, hi] when lo < hi */
};

#define F(file_, json_, kind_, unit_, mt_, metric_, help_) \
	{ .file = file_, .json = json_, .kind = kind_, .unit = unit_, .mtype = mt_, \
	  .metric = metric_, .help = help_ }
/* The same with the range the kernel accepts (checked before writing). */
#define FR(file_, json_, kind_, unit_, mt_, metric_, help_, lo_, hi_) \
	{ .file = file_, .json = json_, .kind = kind_, .unit = unit_, .mtype = mt_, \
	  .metric = metric_, .help = help_, .lo = lo_, .hi = hi_ }

static const struct field hv_fields[] = {
	F("vendor", "vendor", K_STR, U_NONE, M_NONE, NULL, "hypervisor vendor (systemd-detect-virt spelling)"),
	F("front", "front", K_STR, U_NONE, M_NONE, NULL, "vendor of the CPUID 0x40000000 signature"),
	F("backend", "backend", K_STR, U_NONE, M_NONE, NULL, "hypervisor that really runs the guest"),
	F("cloud", "cloud", K_STR, U_NONE, M_NONE, NULL, "cloud named by the firmware"),
	F("metal", "metal", K_BOOL, U_NONE, M_NONE, NULL, "bare-metal cloud instance"),
	F("confidential", "confidential", K_STR, U_NONE, M_NONE, NULL, "confidential-computing guest type"),
	F("emulated", "emulated", K_BOOL, U_NONE, M_NONE, NULL, "CPU emulated (QEMU TCG)"),
	F("x86_hyper_type", "x86_hyper_type", K_STR, U_NONE, M_NONE, NULL, "the kernel's own view"),
	F("smbios_vm", "smbios_vm", K_STR, U_NONE, M_NONE, NULL, "SMBIOS virtual machine bit (1, 0, unknown)"),
	F("kvm_features", "kvm_features", K_STR, U_NONE, M_NONE, NULL, "raw KVM feature bits"),
	F("detect_ns", "detect_ns", K_NUM, U_NS, M_GAUGE, "detect_seconds", "Time the hypervisor detection took at load."),
	F("signatures", "signatures", K_LINES, U_NONE, M_NONE, NULL, "hypervisor CPUID signatures, one a line"),
	F("pv_features", "pv_features", K_WORDS, U_NONE, M_NONE, NULL, "paravirtual features offered"),
	F("evidence", "evidence", K_LINES, U_NONE, M_NONE, NULL, "every signal detection looked at"),
	F("caps/balloon", "caps_balloon", K_STR, U_NONE, M_NONE, NULL, "balloon device offered"),
	F("caps/mem_hotplug", "caps_mem_hotplug", K_STR, U_NONE, M_NONE, NULL, "how memory is hot-added"),
	F("caps/pvclock", "caps_pvclock", K_STR, U_NONE, M_NONE, NULL, "paravirtual clock"),
	F("caps/steal_time", "caps_steal_time", K_BOOL, U_NONE, M_NONE, NULL, "steal time reported"),
	F("caps/resize_virtio_blk", "caps_resize_virtio_blk", K_STR, U_NONE, M_NONE, NULL, "resize notice, virtio-blk"),
	F("caps/resize_virtio_scsi", "caps_resize_virtio_scsi", K_STR, U_NONE, M_NONE, NULL, "resize notice, virtio-scsi"),
	F("caps/resize_nvme", "caps_resize_nvme", K_STR, U_NONE, M_NONE, NULL, "resize notice, NVMe"),
	F("caps/resize_pvscsi", "caps_resize_pvscsi", K_STR, U_NONE, M_NONE, NULL, "resize notice, pvscsi"),
	F("caps/resize_storvsc", "caps_resize_storvsc", K_STR, U_NONE, M_NONE, NULL, "resize notice, storvsc"),
	F("caps/resize_xen_blk", "caps_resize_xen_blk", K_STR, U_NONE, M_NONE, NULL, "resize notice, Xen"),
	F("caps/resize_scsi_other", "caps_resize_scsi_other", K_STR, U_NONE, M_NONE, NULL, "resize notice, other SCSI"),
};

static const struct field pf_fields[] = {
	F("disksize", "disksize_bytes", K_NUM, U_BYTES, M_GAUGE, "disksize_bytes", "Size of the volume."),
	F("mem_limit", "mem_limit_bytes", K_NUM, U_BYTES, M_GAUGE, "mem_limit_bytes", "Memory cap of the compressed pool."),
	F("mem_used_total", "mem_used_total_bytes", K_NUM, U_BYTES, M_GAUGE, "mem_used_bytes", "Memory the compressed pool holds now."),
	F("mem_used_max", "mem_used_max_bytes", K_NUM, U_BYTES, M_GAUGE, "mem_used_max_bytes", "Highest pool memory since load."),
	F("orig_data_size", "orig_data_size_bytes", K_NUM, U_BYTES, M_GAUGE, "orig_data_bytes", "Uncompressed size of the pages held in memory."),
	F("compr_data_size", "compr_data_size_bytes", K_NUM, U_BYTES, M_GAUGE, "compr_data_bytes", "Compressed size of the objects in the pool."),
	F("pages_stored", "stored_pages", K_NUM, U_PAGES, M_GAUGE, "stored_bytes", "Data the volume holds, in memory or on the backing device."),
	F("same_pages", "same_pages", K_NUM, U_PAGES, M_GAUGE, "same_filled_bytes", "Same-filled pages, stored without pool memory."),
	F("huge_pages", "huge_pages", K_NUM, U_PAGES, M_GAUGE, "huge_bytes", "Incompressible pages stored raw."),
	F("written_back_pages", "written_back_pages", K_NUM, U_PAGES, M_GAUGE, "written_back_bytes", "Data now on the backing device."),
	F("writeback_total", "writeback_total_pages", K_NUM, U_PAGES, M_COUNTER, "writeback_bytes_total", "Data ever moved to the backing device."),
	F("recompressed_pages", "recompressed_pages", K_NUM, U_PAGES, M_GAUGE, "recompressed_bytes", "Data now stored with the idle-page compressor."),
	F("recompress_total", "recompress_total_pages", K_NUM, U_PAGES, M_COUNTER, "recompress_bytes_total", "Data ever recompressed."),
	F("recompress_saved_bytes", "recompress_saved_bytes", K_NUM, U_BYTES, M_COUNTER, "recompress_saved_bytes_total", "Pool bytes recompression gave back."),
	F("compactions", "compactions", K_NUM, U_NONE, M_COUNTER, "compactions_total", "Automatic pool compactions."),
	F("pages_compacted", "compacted_pages", K_NUM, U_PAGES, M_COUNTER, "compacted_bytes_total", "Pool memory compactions returned."),
	F("refused_pages", "refused_pages", K_NUM, U_PAGES, M_COUNTER, "refused_bytes_total", "Writes refused at the cap without a backing device."),
	F("failed_reads", "failed_reads", K_NUM, U_NONE, M_COUNTER, "failed_reads_total", "Reads that failed."),
	F("failed_writes", "failed_writes", K_NUM, U_NONE, M_COUNTER, "failed_writes_total", "Writes that failed."),
	F("miss_free", "miss_free", K_NUM, U_NONE, M_COUNTER, "miss_free_total", "Slot frees deferred because the slot was busy."),
	F("discarded_pages", "discarded_pages", K_NUM, U_PAGES, M_COUNTER, "discarded_bytes_total", "Data freed by discard requests."),
	F("overhead_bytes", "overhead_bytes", K_NUM, U_BYTES, M_GAUGE, "overhead_bytes", "Memory the volume holds whatever it stores."),
	F("size_percent", "size_percent", K_NUM, U_PCT, M_NONE, NULL, "volume size, percent of RAM (1-400)"),
	F("cap_percent", "cap_percent", K_NUM, U_PCT, M_NONE, NULL, "memory cap, percent of RAM (1-90)"),
	F("idle_age", "idle_age_s", K_NUM, U_S, M_NONE, NULL, "idle pages written back/recompressed after (0 off)"),
	F("compact_threshold", "compact_threshold_percent", K_NUM, U_PCT, M_NONE, NULL, "pool fragmentation that starts compaction (0 off)"),
	F("comp_algorithm", "comp_algorithm", K_STR, U_NONE, M_NONE, NULL, "compressor for new pages"),
	F("recomp_algorithm", "recomp_algorithm", K_STR, U_NONE, M_NONE, NULL, "compressor for idle pages"),
	F("backing_dev", "backing_dev", K_STR, U_NONE, M_NONE, NULL, "backing device or none"),
	F("reset", "reset", K_WO, U_NONE, M_NONE, NULL, "write 1 to drop every page (write-only)"),
};

static const struct field hp_fields[] = {
	F("possible_cpus", "possible_cpus", K_LIST, U_CPUS, M_NONE, NULL, "CPUs the kernel can ever bring up"),
	F("present_cpus", "present_cpus", K_LIST, U_CPUS, M_NONE, NULL, "CPUs that exist now"),
	F("online_cpus", "online_cpus", K_LIST, U_CPUS, M_NONE, NULL, "CPUs online now"),
	F("admin_offline_cpus", "admin_offline_cpus", K_LIST, U_CPUS, M_NONE, NULL, "CPUs someone else took offline"),
	F("parked_cpus", "parked_cpus", K_LIST, U_CPUS, M_NONE, NULL, "CPUs density mode took offline"),
	F("memory_blocks_online", "memory_blocks_online", K_NUM, U_NONE, M_NONE, NULL, "memory blocks online"),
	F("memory_blocks_offline", "memory_blocks_offline", K_NUM, U_NONE, M_NONE, NULL, "memory blocks present but offline"),
	F("memory_blocks_movable", "memory_blocks_movable", K_NUM, U_NONE, M_NONE, NULL, "online memory blocks in ZONE_MOVABLE"),
	F("last_event", "last_event", K_STR, U_NONE, M_NONE, NULL, "kind of the last event"),
	F("last_event_object", "last_event_object", K_STR, U_NONE, M_NONE, NULL, "what the last event was about"),
	F("last_event_outcome", "last_event_outcome", K_STR, U_NONE, M_NONE, NULL, "outcome of the last event"),
	F("last_event_latency_us", "last_event_latency_us", K_NUM, U_US, M_NONE, NULL, "hot-add to online latency (-1 none)"),
	F("last_event_time_ms", "last_event_time_ms", K_NUM, U_MS, M_NONE, NULL, "when, ms of CLOCK_BOOTTIME"),
	F("last_failure", "last_failure", K_STR, U_NONE, M_NONE, NULL, "outcome of the last failed event"),
	F("last_failure_event", "last_failure_event", K_STR, U_NONE, M_NONE, NULL, "kind of the last failed event"),
	F("last_failure_object", "last_failure_object", K_STR, U_NONE, M_NONE, NULL, "what it was about"),
	F("events", "events", K_NUM, U_NONE, M_COUNTER, "events_total", "Hotplug events recorded since load."),
	F("failures", "failures", K_NUM, U_NONE, M_COUNTER, "failures_total", "Failed hotplug events since load."),
	F("notifications", "notifications", K_NUM, U_NONE, M_COUNTER, "notifications_total", "Shape-changed notifications sent to the other modules."),
	F("queue_changes", "queue_changes", K_NUM, U_NONE, M_COUNTER, "queue_changes_total", "NIC queue pair changes following the vCPU count."),
	F("cpu_policy", "cpu_policy", K_STR, U_NONE, M_NONE, NULL, "hot-added vCPUs: auto, online, manual"),
	F("memory_policy", "memory_policy", K_STR, U_NONE, M_NONE, NULL, "hot-added memory: auto, online, manual"),
	F("movable_ratio", "movable_ratio_percent", K_NUM, U_PCT, M_NONE, NULL, "movable per kernel-zone memory (0-3000)"),
	F("retune", "retune", K_BOOL, U_NONE, M_NONE, NULL, "NIC queue pairs follow the vCPUs"),
	F("park", "park", K_BOOL, U_NONE, M_NONE, NULL, "density mode"),
	F("park_floor", "park_floor_cpus", K_NUM, U_CPUS, M_NONE, NULL, "fewest vCPUs density mode leaves online"),
	F("park_interval_ms", "park_interval_ms", K_NUM, U_MS, M_NONE, NULL, "density mode sampling interval"),
};

static const struct field bg_fields[] = {
	F("poll_ms", "poll_ms", K_NUM, U_MS, M_NONE, NULL, "SCSI capacity poll interval (0 off)"),
	F("watch_ms", "watch_ms", K_NUM, U_MS, M_NONE, NULL, "capacity comparison interval"),
	F("trim_interval", "trim_interval_s", K_NUM, U_S, M_NONE, NULL, "seconds between trim events (0 off)"),
	F("guard", "guard", K_BOOL, U_NONE, M_NONE, NULL, "make a disk shrunk below its data read-only"),
	F("commands", "commands", K_NUM, U_NONE, M_COUNTER, "commands_total", "READ CAPACITY commands sent, all disks."),
	F("events", "events", K_NUM, U_NONE, M_COUNTER, "events_total", "Uevents sent, all disks."),
};

static const struct field disk_fields[] = {
	F("bus", "bus", K_STR, U_NONE, M_NONE, NULL, "bus"),
	F("notice", "notice", K_STR, U_NONE, M_NONE, NULL, "how this bus reports a resize"),
	F("polled", "polled", K_BOOL, U_NONE, M_NONE, NULL, "capacity polled by lvos"),
	F("size", "size_sectors", K_NUM, U_SECTORS, M_GAUGE, "disk_size_bytes", "Capacity as lvos last saw it."),
	F("changes", "changes", K_NUM, U_NONE, M_COUNTER, "disk_changes_total", "Capacity changes seen since the disk appeared."),
	F("last_change", "last_change_s", K_NUM, U_EPOCH, M_GAUGE, "disk_last_change_timestamp_seconds", "Time of the last capacity change (0 none)."),
	F("old_size", "old_size_sectors", K_NUM, U_SECTORS, M_NONE, NULL, "capacity before the last change"),
	F("new_size", "new_size_sectors", K_NUM, U_SECTORS, M_NONE, NULL, "capacity after the last change"),
	F("source", "source", K_STR, U_NONE, M_NONE, NULL, "how the last change was noticed"),
	F("last_event", "last_event", K_STR, U_NONE, M_NONE, NULL, "none, grow, shrink or guard"),
	F("layers", "layers", K_LINES, U_NONE, M_NONE, NULL, "what the helper did, one layer a line"),
	F("report", "report", K_WO, U_NONE, M_NONE, NULL, "the helper's layer report (write-only)"),
	F("guard", "guard", K_STR, U_NONE, M_NONE, NULL, "off, or why the disk is read-only"),
	F("data_end", "data_end_sectors", K_NUM, U_SECTORS, M_NONE, NULL, "data end while guarded (0 otherwise)"),
	F("polls", "polls", K_NUM, U_NONE, M_COUNTER, "disk_polls_total", "READ CAPACITY commands sent to the disk."),
	F("poll_errors", "poll_errors", K_NUM, U_NONE, M_COUNTER, "disk_poll_errors_total", "Capacity polls that failed."),
	F("seq", "seq", K_NUM, U_NONE, M_NONE, NULL, "events sent for this disk"),
};

static const struct field bl_fields[] = {
	F("reserve_mb", "reserve_mb", K_NUM, U_MB, M_NONE, NULL, "memory kept free above the working set"),
	F("hyst_mb", "hyst_mb", K_NUM, U_MB, M_NONE, NULL, "working-set growth before an own deflate"),
	F("holdoff_ms", "holdoff_ms", K_NUM, U_MS, M_NONE, NULL, "no inflation after a pressure deflate"),
	F("watch_ms", "watch_ms", K_NUM, U_MS, M_NONE, NULL, "floor re-evaluation interval"),
	F("ack_timeout_ms", "ack_timeout_ms", K_NUM, U_MS, M_NONE, NULL, "host acknowledgement timeout"),
	F("huge", "huge", K_BOOL, U_NONE, M_NONE, NULL, "inflate in 2 MiB chunks first"),
	F("report_chunks", "report_chunks", K_BOOL, U_NONE, M_NONE, NULL, "hand chunks over the reporting queue"),
	F("shrinker", "shrinker", K_BOOL, U_NONE, M_NONE, NULL, "deflate for the kernel's reclaim"),
	F("guest_driven", "guest_driven", K_BOOL, U_NONE, M_NONE, NULL, "guest-driven page-cache trimming"),
	F("guest_interval_s", "guest_interval_s", K_NUM, U_S, M_NONE, NULL, "idle seconds per trim round"),
	F("guest_step_mb", "guest_step_mb", K_NUM, U_MB, M_NONE, NULL, "page cache trimmed per round at most"),
	F("guest_keep_mb", "guest_keep_mb", K_NUM, U_MB, M_NONE, NULL, "page cache never trimmed below"),
	F("device", "device", K_STR, U_NONE, M_NONE, NULL, "virtio device driven, or none"),
	F("features", "features", K_WORDS, U_NONE, M_NONE, NULL, "negotiated features"),
	F("target", "target_pages", K_NUM, U_PAGES, M_GAUGE, "target_bytes", "Memory the host asks the balloon to hold (capped)."),
	F("host_target", "host_target_pages", K_NUM, U_PAGES, M_GAUGE, "host_target_bytes", "The host's target as it wrote it."),
	F("actual", "actual_pages", K_NUM, U_PAGES, M_GAUGE, "actual_bytes", "Memory in the balloon now."),
	F("chunks", "chunks", K_NUM, U_NONE, M_GAUGE, "chunks", "2 MiB chunks in the balloon."),
	F("pages", "single_pages", K_NUM, U_PAGES, M_GAUGE, "single_page_bytes", "Memory in single 4 KiB balloon pages."),
	F("floor", "floor_pages", K_NUM, U_PAGES, M_GAUGE, "floor_bytes", "Working-set floor the guest keeps."),
	F("working_set", "working_set_pages", K_NUM, U_PAGES, M_GAUGE, "working_set_bytes", "Working set of the guest."),
	F("limit", "limit_pages", K_NUM, U_PAGES, M_GAUGE, "limit_bytes", "Most memory the balloon may hold."),
	F("refused", "refused_pages", K_NUM, U_PAGES, M_GAUGE, "refused_bytes", "Part of the host's target not honoured now."),
	F("refuse_reason", "refuse_reason", K_STR, U_NONE, M_NONE, NULL, "why (none, floor, holdoff, pressure, alloc, stalled)"),
	F("refusals", "refusals", K_NUM, U_NONE, M_COUNTER, "refusals_total", "Times the balloon started refusing the target."),
	F("inflated", "inflated_pages", K_NUM, U_PAGES, M_COUNTER, "inflated_bytes_total", "Memory inflated since the device was bound."),
	F("inflate_us", "inflate_us", K_NUM, U_US, M_GAUGE, "last_inflate_seconds", "Duration of the last inflation run."),
	F("chunk_fallbacks", "chunk_fallbacks", K_NUM, U_NONE, M_COUNTER, "chunk_fallbacks_total", "Chunk allocations that fell back to single pages."),
	F("chunks_reported", "chunks_reported", K_NUM, U_NONE, M_COUNTER, "chunks_reported_total", "Chunks handed over the reporting queue."),
	F("migrated", "migrated_pages", K_NUM, U_PAGES, M_COUNTER, "migrated_bytes_total", "Balloon memory moved by compaction."),
	F("stalls", "stalls", K_NUM, U_NONE, M_COUNTER, "stalls_total", "Messages the host did not acknowledge in time."),
	F("unannounced", "unannounced_pages", K_NUM, U_PAGES, M_COUNTER, "unannounced_bytes_total", "Memory taken back without a deflate message."),
	F("reports", "reports", K_NUM, U_NONE, M_COUNTER, "reports_total", "Free page reports the host acknowledged."),
	F("reported_pages", "reported_pages", K_NUM, U_PAGES, M_COUNTER, "reported_bytes_total", "Free memory in those reports."),
	F("trims", "trims", K_NUM, U_NONE, M_COUNTER, "trims_total", "Guest-driven trim rounds that reclaimed page cache."),
	F("trimmed_pages", "trimmed_pages", K_NUM, U_PAGES, M_COUNTER, "trimmed_bytes_total", "Page cache those rounds reclaimed."),
	F("guest_state", "guest_state", K_STR, U_NONE, M_NONE, NULL, "guest-driven mode state"),
	F("deflated/host", "deflated_host_pages", K_NUM, U_PAGES, M_NONE, NULL, "deflated: the host lowered its target"),
	F("deflated/pressure", "deflated_pressure_pages", K_NUM, U_PAGES, M_NONE, NULL, "deflated: the working set grew"),
	F("deflated/reclaim", "deflated_reclaim_pages", K_NUM, U_PAGES, M_NONE, NULL, "deflated: the kernel's reclaim"),
	F("deflated/oom", "deflated_oom_pages", K_NUM, U_PAGES, M_NONE, NULL, "deflated: the OOM notifier"),
};

/*
 * lvos_netpv: one netdev per ivshmem region, files below /sys/class/net/DEV
 * (its lvos/ group, the netdev's own carrier, operstate and statistics/).
 * The JSON keys drop the lvos/ and statistics/ prefixes.
 */
static const struct field np_fields[] = {
	F("lvos/mode", "mode", K_STR, U_NONE, M_NONE, NULL, "plain (polled) or doorbell (MSI-X)"),
	F("lvos/slot", "slot", K_NUM, U_NONE, M_NONE, NULL, "this guest's slot in the region"),
	F("lvos/region", "region", K_STR, U_NONE, M_NONE, NULL, "name of the region"),
	F("lvos/max_peers", "max_peers", K_NUM, U_NONE, M_NONE, NULL, "slots in the region"),
	F("lvos/peers", "peers", K_LIST, U_NONE, M_NONE, NULL, "slots whose link is up (count)"),
	FR("lvos/peer_timeout_ms", "peer_timeout_ms", K_NUM, U_MS, M_NONE, NULL,
	   "a peer whose heartbeat stops this long is down (300-60000)", 300, 60000),
	F("carrier", "carrier", K_BOOL, U_NONE, M_NONE, NULL, "1: the link to at least one peer is up"),
	F("operstate", "operstate", K_STR, U_NONE, M_NONE, NULL, "the netdev's operational state"),
	F("statistics/rx_packets", "rx_packets", K_NUM, U_NONE, M_COUNTER, "rx_packets_total", "Packets received."),
	F("statistics/rx_bytes", "rx_bytes", K_NUM, U_BYTES, M_COUNTER, "rx_bytes_total", "Data received."),
	F("statistics/tx_packets", "tx_packets", K_NUM, U_NONE, M_COUNTER, "tx_packets_total", "Packets sent."),
	F("statistics/tx_bytes", "tx_bytes", K_NUM, U_BYTES, M_COUNTER, "tx_bytes_total", "Data sent."),
	F("statistics/rx_dropped", "rx_dropped", K_NUM, U_NONE, M_COUNTER, "rx_dropped_total", "Received packets dropped."),
	F("statistics/tx_dropped", "tx_dropped", K_NUM, U_NONE, M_COUNTER, "tx_dropped_total", "Packets dropped on the way out."),
	F("statistics/rx_errors", "rx_errors", K_NUM, U_NONE, M_COUNTER, "rx_errors_total", "Received frames with a bad length."),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum mod_id { MOD_HV, MOD_PAGEFILE, MOD_HOTPLUG, MOD_BLKGROW, MOD_BALLOON, MOD_NETPV,
	      MOD_COUNT };

struct module {
	const char *name;	/* user-facing: hv, pagefile, ... */
	const char *kmod;	/* lvos_hvdetect ... */
	const char *dir;	/* sysfs directory; pagefile: per device */
	const struct field *fields;
	size_t nfields;
};

static const struct module mods[MOD_COUNT] = {
	{ "hv", "lvos_hvdetect", "/sys/kernel/lvos/hv", hv_fields, N(hv_fields) },
	{ "pagefile", "lvos_pagefile", NULL, pf_fields, N(pf_fields) },
	{ "hotplug", "lvos_vcpu_hotplug", "/sys/kernel/lvos/hotplug", hp_fields, N(hp_fields) },
	{ "blkgrow", "lvos_blkgrow", "/sys/kernel/lvos/blkgrow", bg_fields, N(bg_fields) },
	{ "balloon", "lvos_balloon", "/sys/kernel/lvos/balloon", bl_fields, N(bl_fields) },
	{ "netpv", "lvos_netpv", NULL, np_fields, N(np_fields) },
};

/* ------------------------------------------------------------ globals */

static const char *sys_root = "";	/* $LVOS_SYSFS_ROOT */
static const char *fs_root = "";	/* $LVOS_ROOT */
static char kernel[256];
static char arch[sizeof(((struct utsname *)0)->machine)];
static bool opt_json, opt_check, opt_persist, opt_now;
static const char *opt_textfile;

static void die_oom(void)
{
	fprintf(stderr, "%s: out of memory\n", PROG);
	exit(EXIT_USAGE);
}

static char *vprefixed(const char *prefix, const char *fmt, va_list ap)
{
	char *rel, *s;

	if (vasprintf(&rel, fmt, ap) < 0)
		die_oom();
	if (!*prefix)
		return rel;
	if (asprintf(&s, "%s%s", prefix, rel) < 0)
		die_oom();
	free(rel);
	return s;
}

#define PREFIXED(name, prefix)						\
static char *name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	\
static char *name(const char *fmt, ...)					\
{									\
	va_list ap;							\
	char *s;							\
									\
	va_start(ap, fmt);						\
	s = vprefixed(prefix, fmt, ap);					\
	va_end(ap);							\
	return s;							\
}

/* xasprintf(); a /sys path under $LVOS_SYSFS_ROOT; another under $LVOS_ROOT. */
PREFIXED(xasprintf, "")
PREFIXED(sys_path, sys_root)
PREFIXED(root_path, fs_root)

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p with mode 0755; 0 or an errno. */
static int mkdir_p(const char *dir)
{
	char *p = strdup(dir), *q;
	int err = 0;

	if (!p)
		die_oom();
	for (q = p + 1; !err; q++) {
		if (*q && *q != '/')
			continue;
		{
			char c = *q;

			*q = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				err = errno;
			*q = c;
			if (!c)
				break;
		}
	}
	free(p);
	return err;
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* ------------------------------------------------------------ values */

struct val {
	bool ok;		/* the file was read and is well formed */
	char *s;		/* one line, without its newline (K_STR/K_LIST/K_NUM) */
	struct lvos_blob raw;	/* whole file (K_LINES/K_WORDS) */
	long long n;		/* K_NUM, K_BOOL, K_LIST count */
	bool nok;		/* n is valid */
};

static void val_free(struct val *v)
{
	free(v->s);
	free(v->raw.data);
	memset(v, 0, sizeof(*v));
}

static bool parse_ll(const char *s, long long *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Count the CPUs in a kernel list ("0-2,4"); false if malformed. */
static bool list_count(const char *s, long long *out)
{
	long long cnt = 0;

	while (*s) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*s))
			return false;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return false;
			b = strtoul(end + 1, &end, 10);
			if (b < a || b - a > 1u << 20)
				return false;
		}
		cnt += (long long)(b - a + 1);
		if (*end == ',')
			end++;
		else if (*end)
			return false;
		s = end;
	}
	*out = cnt;
	return true;
}

/* Read a one-line file: the text before its single trailing newline. */
static bool read_line(const char *path, char **out)
{
	struct lvos_blob b;
	size_t n;

	*out = NULL;
	if (lvos_read_at(AT_FDCWD, path, &b) < 0)
		return false;
	if (b.truncated || b.len == 0 || b.data[b.len - 1] != '\n' ||
	    memchr(b.data, '\0', b.len) || memchr(b.data, '\n', b.len - 1)) {
		free(b.data);
		return false;
	}
	n = b.len - 1;
	b.data[n] = '\0';
	*out = b.data;
	return true;
}

static void read_field(const char *dir, const struct field *f, struct val *v)
{
	char *p = xasprintf("%s/%s", dir, f->file);

	memset(v, 0, sizeof(*v));
	switch (f->kind) {
	case K_WO:
		break;
	case K_LINES:
	case K_WORDS:
		v->ok = lvos_read_at(AT_FDCWD, p, &v->raw) == 0 &&
			!memchr(v->raw.data, '\0', v->raw.len);
		break;
	case K_STR:
		v->ok = read_line(p, &v->s);
		break;
	case K_NUM:
		v->ok = read_line(p, &v->s);
		v->nok = v->ok && parse_ll(v->s, &v->n);
		break;
	case K_BOOL:
		v->ok = read_line(p, &v->s);
		if (v->ok && (!strcmp(v->s, "0") || !strcmp(v->s, "1"))) {
			v->n = v->s[0] == '1';
			v->nok = true;
		}
		break;
	case K_LIST:
		v->ok = read_line(p, &v->s);
		v->nok = v->ok && list_count(v->s, &v->n);
		break;
	}
	free(p);
}

/* Read a one-line file into a fresh string, or NULL. */
static char *get_line(const char *path)
{
	char *s;

	return read_line(path, &s) ? s : NULL;
}

static bool get_num(const char *path, long long *n)
{
	char *s = get_line(path);
	bool ok = s && parse_ll(s, n);

	free(s);
	return ok;
}

/* ------------------------------------------------------------ JSON */

struct jw {
	FILE *f;
	int depth;
	bool first[16];
};

static struct jw J;

static void jw_indent(void)
{
	int i;

	for (i = 0; i < J.depth; i++)
		fputs("  ", J.f);
}

static void jw_sep(void)
{
	if (J.depth == 0)
		return;
	fputs(J.first[J.depth] ? "\n" : ",\n", J.f);
	J.first[J.depth] = false;
	jw_indent();
}

static void jw_key(const char *k)
{
	jw_sep();
	if (k) {
		lvos_json_string(J.f, k, strlen(k));
		fputs(": ", J.f);
	}
}

static void jw_open(const char *k, char c)
{
	jw_key(k);
	putc(c, J.f);
	if (J.depth < 15)
		J.depth++;
	J.first[J.depth] = true;
}

static void jw_close(char c)
{
	bool empty = J.first[J.depth];

	J.depth--;
	if (!empty) {
		putc('\n', J.f);
		jw_indent();
	}
	putc(c, J.f);
	if (J.depth == 0)
		putc('\n', J.f);
}

static void jw_str(const char *k, const char *s)
{
	jw_key(k);
	if (s)
		lvos_json_string(J.f, s, strlen(s));
	else
		fputs("null", J.f);
}

static void jw_num(const char *k, bool ok, long long n)
{
	jw_key(k);
	if (ok)
		fprintf(J.f, "%lld", n);
	else
		fputs("null", J.f);
}

static void jw_u64(const char *k, unsigned long long n)
{
	jw_key(k);
	fprintf(J.f, "%llu", n);
}

static void jw_bool(const char *k, bool ok, bool b)
{
	jw_key(k);
	fputs(!ok ? "null" : b ? "true" : "false", J.f);
}

static bool is_sep(char c, const char *seps)
{
	return c != '\0' && strchr(seps, c) != NULL;
}

/* The pieces of @b separated by any byte of @seps, as an array. */
static void jw_split(const char *k, const struct lvos_blob *b, const char *seps)
{
	size_t i, start, end = b->len;

	if (b->truncated)
		while (end > 0 && !is_sep(b->data[end - 1], seps))
			end--;
	jw_open(k, '[');
	for (start = 0, i = 0; i <= end; i++) {
		if (i < end && !is_sep(b->data[i], seps))
			continue;
		if (i > start) {
			jw_sep();
			lvos_json_string(J.f, b->data + start, i - start);
		}
		start = i + 1;
	}
	jw_close(']');
}

static void json_field(const struct field *f, const struct val *v)
{
	char *k;

	switch (f->kind) {
	case K_WO:
		break;
	case K_STR:
		jw_str(f->json, v->ok ? v->s : NULL);
		break;
	case K_NUM:
		jw_num(f->json, v->nok, v->n);
		break;
	case K_BOOL:
		jw_bool(f->json, v->nok, v->n);
		break;
	case K_LIST:
		jw_str(f->json, v->ok ? v->s : NULL);
		k = xasprintf("%s_count", f->json);
		jw_num(k, v->nok, v->n);
		free(k);
		break;
	case K_LINES:
	case K_WORDS:
		if (!v->ok)
			jw_str(f->json, NULL);
		else
			jw_split(f->json, &v->raw, f->kind == K_LINES ? "\n" :
				 " \t\n\r\v\f");
		break;
	}
}

/* ------------------------------------------------------------ text */

static void print_clean(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		putc(c >= 0x20 && c < 0x7f ? c : '?', out);
	}
}

static const char *unit_name(enum unit u)
{
	switch (u) {
	case U_BYTES: return "bytes";
	case U_PAGES: return "pages (4 KiB)";
	case U_SECTORS: return "sectors (512 B)";
	case U_MS: return "ms";
	case U_US: return "us";
	case U_NS: return "ns";
	case U_S: return "s";
	case U_MB: return "MiB";
	case U_PCT: return "%";
	case U_EPOCH: return "s since the epoch";
	case U_CPUS: return "CPUs";
	case U_NONE: break;
	}
	return "";
}

static void human(char *buf, size_t sz, double b)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	int i = 0;

	while (b >= 1024 && i < 5) {
		b /= 1024;
		i++;
	}
	snprintf(buf, sz, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static double unit_bytes(enum unit u)
{
	return u == U_BYTES ? 1 : u == U_PAGES ? 4096 : u == U_SECTORS ? 512 :
	       u == U_MB ? 1048576 : 0;
}

static void text_field(const struct field *f, const struct val *v)
{
	char h[32];
	size_t i, start;

	printf("  %-24s ", f->file);
	switch (f->kind) {
	case K_WO:
		printf("-");
		break;
	case K_LINES:
	case K_WORDS:
		if (!v->ok) {
			printf("?");
			break;
		}
		if (f->kind == K_WORDS || v->raw.len == 0 ||
		    !memchr(v->raw.data, '\n', v->raw.len - 1)) {
			size_t n = v->raw.len;

			if (n && v->raw.data[n - 1] == '\n')
				n--;
			print_clean(stdout, v->raw.data, n);
			break;
		}
		for (start = 0, i = 0; i <= v->raw.len; i++) {
			if (i < v->raw.len && v->raw.data[i] != '\n')
				continue;
			if (i > start) {
				printf("\n      ");
				print_clean(stdout, v->raw.data + start, i - start);
			}
			start = i + 1;
		}
		break;
	default:
		if (!v->ok) {
			printf("?");
		} else {
			print_clean(stdout, v->s, strlen(v->s));
			if (f->kind == K_NUM && !v->nok)
				printf(" (?)");
			if (f->kind == K_LIST)
				printf(v->nok ? " (%lld)" : " (?)", v->n);
		}
		if (f->kind == K_NUM && *unit_name(f->unit))
			printf(" %s", unit_name(f->unit));
		if (f->kind == K_NUM && v->nok && unit_bytes(f->unit) > 0 &&
		    f->unit != U_MB && v->n > 0) {
			human(h, sizeof(h), (double)v->n * unit_bytes(f->unit));
			printf(" = %s", h);
		}
	}
	printf("    # %s\n", f->help);
}

/* ------------------------------------------------------------ modules */

static bool mod_loaded(enum mod_id m)
{
	char *p = sys_path("/sys/module/%s", mods[m].kmod);
	bool r = is_dir(p);

	free(p);
	return r;
}

static char *mod_version(enum mod_id m)
{
	char *p = sys_path("/sys/module/%s/version", mods[m].kmod);
	char *v = get_line(p);

	free(p);
	return v;
}

/* A name safe to use as a path component and to print. */
static bool safe_name(const char *s)
{
	size_t i;

	if (!*s || *s == '.' || strlen(s) > 64)
		return false;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.:+~", s[i]))
			return false;
	return true;
}

static int cmp_natural(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names of the subdirectories of @dir (matching @prefix, if given) that
 * hold @sub, sorted; NULL-terminated, caller frees.
 */
static char **list_dirs(const char *dir, const char *prefix, const char *sub)
{
	char **names = NULL;
	size_t n = 0, cap = 0, seen = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		goto out;
	while (seen++ < MAX_ENTRIES && (de = readdir(d)) != NULL) {
		char *p;
		bool ok;

		if (!safe_name(de->d_name))
			continue;
		if (prefix && strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		p = xasprintf("%s/%s%s%s", dir, de->d_name, sub ? "/" : "",
			      sub ? sub : "");
		ok = is_dir(p);
		free(p);
		if (!ok)
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				die_oom();
		}
		names[n++] = strdup(de->d_name);
		if (!names[n - 1])
			die_oom();
	}
	closedir(d);
out:
	if (!names) {
		names = calloc(1, sizeof(*names));
		if (!names)
			die_oom();
	}
	names[n] = NULL;
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_natural);
	return names;
}

static void free_list(char **l)
{
	size_t i;

	for (i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

static bool pagefile_name(const char *s)
{
	size_t i;

	if (strncmp(s, "pagefile", 8) || !s[8])
		return false;
	for (i = 8; s[i]; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Keep the names of a list_dirs() list that keep() accepts, in place. */
static char **keep_names(char **l, bool (*keep)(const char *))
{
	size_t i, j;

	for (i = 0, j = 0; l[i]; i++) {
		if (keep(l[i]))
			l[j++] = l[i];
		else
			free(l[i]);
	}
	l[j] = NULL;
	return l;
}

static char **pagefile_devices(void)
{
	char *p = sys_path("/sys/block");
	char **l = list_dirs(p, "pagefile", "pagefile");

	free(p);
	return keep_names(l, pagefile_name);
}

static char *pagefile_dir(const char *dev)
{
	return sys_path("/sys/block/%s/pagefile", dev);
}

static char *mod_dir(enum mod_id m)
{
	return sys_path("%s", mods[m].dir);
}

static char **blkgrow_disks(void)
{
	char *p = sys_path("/sys/kernel/lvos/blkgrow/disks");
	char **l = list_dirs(p, NULL, NULL);

	free(p);
	return l;
}

/*
 * An lvos_netpv netdev: its device's driver link names lvos_netpv; without
 * a driver link (a tree lvosctl does not know), its lvos/ group with mode,
 * slot and region.
 */
static bool netpv_device(const char *dev)
{
	static const char *const files[] = { "mode", "slot", "region" };
	char *p = sys_path("/sys/class/net/%s/device/driver", dev);
	char buf[PATH_MAX];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	size_t i;
	bool r = true;

	free(p);
	if (n > 0) {
		char *base;

		buf[n] = '\0';
		base = strrchr(buf, '/');
		return !strcmp(base ? base + 1 : buf, "lvos_netpv");
	}
	for (i = 0; i < N(files) && r; i++) {
		p = sys_path("/sys/class/net/%s/lvos/%s", dev, files[i]);
		r = exists(p) && !is_dir(p);
		free(p);
	}
	return r;
}

static char **netpv_devices(void)
{
	char *p = sys_path("/sys/class/net");
	char **l = list_dirs(p, NULL, "lvos");

	free(p);
	return keep_names(l, netpv_device);
}

static char *netpv_dir(const char *dev)
{
	return sys_path("/sys/class/net/%s", dev);
}

/* ------------------------------------------------------------ ethtool */

#define NPV_PEERS	64	/* peer slots looked at (the driver has 16) */
#define NPV_STATS_MAX	65536	/* most ethtool counters read */

/*
 * What lvos_netpv's ethtool statistics (get_ethtool_stats: qQ_NAME per
 * queue, ctrl_irqs, peerJ_NAME per peer slot) add to the sysfs files.
 */
struct npv_eth {
	bool ok;			/* the counters were read */
	size_t counters;		/* how many the driver reported */
	unsigned long long rescues;	/* qQ_lost_wakeup_rescues, all queues */
	unsigned long long errors;	/* peerJ_proto_err_*, all peers */
	unsigned long long resets;	/* peerJ_resets, all peers */
	bool peer[NPV_PEERS];		/* peer J has counters */
	unsigned long long peer_errors[NPV_PEERS], peer_resets[NPV_PEERS];
};

static void add_sat(unsigned long long *a, unsigned long long b)
{
	if (__builtin_add_overflow(*a, b, a))
		*a = ULLONG_MAX;
}

/* "peer12_resets" -> 12 and "resets"; false if @name is not a peer counter. */
static bool peer_counter(const char *name, unsigned int *j, const char **rest)
{
	const char *s = name + 4;
	unsigned int v = 0;

	if (strncmp(name, "peer", 4) || !isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (unsigned int)(*s - '0');
		if (v >= NPV_PEERS)
			return false;
	}
	if (*s != '_')
		return false;
	*j = v;
	*rest = s + 1;
	return true;
}

static void npv_eth_add(struct npv_eth *e, const char *name, unsigned long long v)
{
	const char *rest;
	unsigned int j;

	e->counters++;
	if (name[0] == 'q' && isdigit((unsigned char)name[1])) {
		rest = name + 1 + strspn(name + 1, "0123456789");
		if (!strcmp(rest, "_lost_wakeup_rescues"))
			add_sat(&e->rescues, v);
	} else if (peer_counter(name, &j, &rest)) {
		e->peer[j] = true;
		if (!strncmp(rest, "proto_err_", 10)) {
			add_sat(&e->errors, v);
			add_sat(&e->peer_errors[j], v);
		} else if (!strcmp(rest, "resets")) {
			add_sat(&e->resets, v);
			add_sat(&e->peer_resets[j], v);
		}
	}
}

/*
 * $LVOS_ETHTOOL_DIR (tests): the counters of DEV are the "NAME: VALUE"
 * lines of DIR/DEV (what ethtool -S prints); no file is a failed ioctl.
 */
static bool npv_eth_file(const char *dir, const char *dev, struct npv_eth *e)
{
	char *p = xasprintf("%s/%s", dir, dev), *line, *save = NULL;
	struct lvos_blob b;

	if (lvos_read_at(AT_FDCWD, p, &b) < 0) {
		free(p);
		return false;
	}
	free(p);
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *end;
		unsigned long long v;

		line += strspn(line, " \t");
		if (!colon || colon == line || colon - line >= ETH_GSTRING_LEN || colon[1] != ' ' ||
		    !isdigit((unsigned char)colon[2]))
			continue;
		errno = 0;
		v = strtoull(colon + 2, &end, 10);
		if (errno || *end)
			continue;
		*colon = '\0';
		npv_eth_add(e, line, v);
	}
	free(b.data);
	return true;
}

static int eth_ioctl(int fd, const char *dev, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, dev, strlen(dev));
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

/* The driver's counters through SIOCETHTOOL (what ethtool -S asks). */
static bool npv_eth_ioctl(const char *dev, struct npv_eth *e)
{
	struct ethtool_sset_info *ss = NULL;
	struct ethtool_gstrings *gs = NULL;
	struct ethtool_stats *st = NULL;
	size_t n, i;
	bool ok = false;
	int fd;

	if (strlen(dev) >= IFNAMSIZ)
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ss = calloc(1, sizeof(*ss) + sizeof(__u32));
	if (!ss)
		die_oom();
	ss->cmd = ETHTOOL_GSSET_INFO;
	ss->sset_mask = 1ull << ETH_SS_STATS;
	if (eth_ioctl(fd, dev, ss) < 0 || !(ss->sset_mask & (1ull << ETH_SS_STATS)))
		goto out;
	n = ss->data[0];
	if (n > NPV_STATS_MAX)
		goto out;
	gs = calloc(1, sizeof(*gs) + n * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + n * sizeof(__u64));
	if (!gs || !st)
		die_oom();
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = (__u32)n;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = (__u32)n;
	/* The kernel sizes both by the count it has now: a change is a failure. */
	if (eth_ioctl(fd, dev, gs) < 0 || gs->len != n || eth_ioctl(fd, dev, st) < 0 ||
	    st->n_stats != n)
		goto out;
	for (i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];

		memcpy(name, gs->data + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		npv_eth_add(e, name, st->data[i]);
	}
	ok = true;
out:
	free(ss);
	free(gs);
	free(st);
	close(fd);
	return ok;
}

/* @e filled from the driver's counters; e->ok false when they cannot be read. */
static void npv_eth_read(const char *dev, struct npv_eth *e)
{
	const char *dir = getenv("LVOS_ETHTOOL_DIR");

	memset(e, 0, sizeof(*e));
	e->ok = dir && *dir ? npv_eth_file(dir, dev, e) : npv_eth_ioctl(dev, e);
	if (!e->ok)
		memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------ health */

struct finding {
	const char *level;	/* ok, warn, fail */
	char *check;
	char *msg;
	char *fix;
};

static struct finding *finds;
static size_t nfinds;

static void add_finding(const char *level, const char *check, char *msg, char *fix)
{
	struct finding *t = realloc(finds, (nfinds + 1) * sizeof(*finds));

	if (!t)
		die_oom();
	finds = t;
	finds[nfinds].level = level;
	finds[nfinds].check = strdup(check);
	finds[nfinds].msg = msg;
	finds[nfinds].fix = fix;
	if (!finds[nfinds].check)
		die_oom();
	nfinds++;
}

static size_t problems(void)
{
	size_t i, n = 0;

	for (i = 0; i < nfinds; i++)
		n += strcmp(finds[i].level, "ok") != 0;
	return n;
}

static void print_findings(bool all)
{
	size_t i;

	for (i = 0; i < nfinds; i++) {
		if (!all && !strcmp(finds[i].level, "ok"))
			continue;
		printf("%-4s %s: ", finds[i].level, finds[i].check);
		print_clean(stdout, finds[i].msg, strlen(finds[i].msg));
		putchar('\n');
		if (finds[i].fix)
			printf("     fix: %s\n", finds[i].fix);
	}
}

static void json_findings(void)
{
	size_t i;

	jw_open("findings", '[');
	for (i = 0; i < nfinds; i++) {
		jw_open(NULL, '{');
		jw_str("level", finds[i].level);
		jw_str("check", finds[i].check);
		jw_str("message", finds[i].msg);
		jw_str("fix", finds[i].fix);
		jw_close('}');
	}
	jw_close(']');
	jw_num("problems", true, (long long)problems());
}

/* The health items status shows: guard, refusing, failure, refused. */
static void health(void)
{
	char **l;
	size_t i;

	if (mod_loaded(MOD_PAGEFILE)) {
		l = pagefile_devices();
		for (i = 0; l[i]; i++) {
			char *p = sys_path("/sys/block/%s/pagefile/refused_pages", l[i]);
			long long n;

			if (get_num(p, &n) && n > 0)
				add_finding("warn", "pagefile",
					    xasprintf("%s refused %lld pages at its cap (no backing device)", l[i], n),
					    xasprintf("raise the cap (lvosctl set pagefile.%s.cap_percent=N) or attach a backing device (pagefile.%s.backing_dev)", l[i], l[i]));
			free(p);
		}
		free_list(l);
	}
	if (mod_loaded(MOD_BLKGROW)) {
		l = blkgrow_disks();
		for (i = 0; l[i]; i++) {
			char *p = sys_path("/sys/kernel/lvos/blkgrow/disks/%s/guard", l[i]);
			char *g = get_line(p);

			if (g && strcmp(g, "off"))
				add_finding("warn", "blkgrow",
					    xasprintf("%s is guarded: %s", l[i], g),
					    xasprintf("give the disk its size back on the host, then lvosctl set blkgrow.%s.guard=clear", l[i]));
			free(g);
			free(p);
		}
		free_list(l);
	}
	if (mod_loaded(MOD_BALLOON)) {
		char *p = sys_path("/sys/kernel/lvos/balloon/refuse_reason");
		char *r = get_line(p);

		if (r && strcmp(r, "none"))
			add_finding("warn", "balloon",
				    xasprintf("refusing the host's target: %s", r),
				    xasprintf("the guest needs the memory (see lvosctl balloon); lower reserve_mb or give the guest more memory"));
		free(r);
		free(p);
	}
	if (mod_loaded(MOD_HOTPLUG)) {
		char *p = sys_path("/sys/kernel/lvos/hotplug/last_failure");
		char *o = sys_path("/sys/kernel/lvos/hotplug/last_failure_object");
		char *r = get_line(p), *obj = get_line(o);

		if (r && strcmp(r, "none"))
			add_finding("warn", "hotplug",
				    xasprintf("last failure (%s): %s", obj ? obj : "?", r),
				    xasprintf("see dmesg for the kernel's reason"));
		free(r);
		free(obj);
		free(p);
		free(o);
	}
}

/* ------------------------------------------------------------ dkms */

struct dkms {
	const char *state;	/* installed, built, added, none */
	char *version;
};

static void dkms_state(struct dkms *d)
{
	char *base = root_path("/var/lib/dkms/lvos");
	char *link = xasprintf("%s/kernel-%s-%s", base, kernel, arch);
	char **vers;
	size_t i;

	d->state = "none";
	d->version = NULL;
	if (exists(link)) {
		char buf[PATH_MAX];
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);

		d->state = "installed";
		if (n > 0) {
			buf[n] = '\0';
			*strchrnul(buf, '/') = '\0';
			d->version = strdup(buf);
		}
		goto out;
	}
	vers = list_dirs(base, NULL, NULL);
	for (i = 0; vers[i]; i++) {
		char *k = xasprintf("%s/%s/%s/%s/module", base, vers[i], kernel, arch);
		char *s = xasprintf("%s/%s/source", base, vers[i]);

		if (is_dir(k)) {
			d->state = "built";
			free(d->version);
			d->version = strdup(vers[i]);
		} else if (exists(s) && !strcmp(d->state, "none")) {
			d->state = "added";
			d->version = strdup(vers[i]);
		}
		free(k);
		free(s);
	}
	free_list(vers);
out:
	free(link);
	free(base);
}

/* ------------------------------------------------------------ views */

static void json_head(const char *command)
{
	J.f = stdout;
	jw_open(NULL, '{');
	jw_num("schema", true, SCHEMA);
	jw_str("version", LVOS_VERSION);
	jw_str("kernel", kernel);
	jw_str("command", command);
}

static void json_fields(const char *dir, const struct field *fs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct val v;

		read_field(dir, &fs[i], &v);
		json_field(&fs[i], &v);
		val_free(&v);
	}
}

static void text_fields(const char *dir, const struct field *fs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct val v;

		read_field(dir, &fs[i], &v);
		text_field(&fs[i], &v);
		val_free(&v);
	}
}

/*
 * 1 when the link is up, 0 when down, -1 unknown: the carrier, or (it
 * cannot be read while the netdev is down) an operstate other than up.
 */
static int netpv_link(const char *dir)
{
	char *p = xasprintf("%s/carrier", dir), *s = get_line(p);
	int r = s && (!strcmp(s, "0") || !strcmp(s, "1")) ? s[0] == '1' : -1;

	free(s);
	free(p);
	if (r < 0) {
		p = xasprintf("%s/operstate", dir);
		s = get_line(p);
		if (s && strcmp(s, "up") && strcmp(s, "unknown"))
			r = 0;
		free(s);
		free(p);
	}
	return r;
}

/* The members of a netpv device beyond its files: link_up, ethtool sums. */
static void json_netpv_extra(const char *dev, const char *dir)
{
	int link = netpv_link(dir);
	struct npv_eth e;

	jw_bool("link_up", link >= 0, link == 1);
	npv_eth_read(dev, &e);
	if (!e.ok)
		return;
	jw_u64("ethtool_counters", e.counters);
	jw_u64("protocol_errors", e.errors);
	jw_u64("resets", e.resets);
	jw_u64("lost_wakeup_rescues", e.rescues);
}

static void text_netpv_extra(const char *dev, const char *dir)
{
	int link = netpv_link(dir);
	struct npv_eth e;

	printf("  %-24s %s    # carrier, or operstate while the netdev is down\n", "link",
	       link < 0 ? "?" : link ? "up" : "down");
	npv_eth_read(dev, &e);
	if (!e.ok)
		return;
	printf("  %-24s %llu    # ethtool -S peerN_proto_err_*, all peers\n", "protocol_errors",
	       e.errors);
	printf("  %-24s %llu    # ethtool -S peerN_resets, all peers\n", "resets", e.resets);
	printf("  %-24s %llu    # ethtool -S qN_lost_wakeup_rescues, all queues\n",
	       "lost_wakeup_rescues", e.rescues);
}

static void json_modules(void)
{
	int m;

	jw_open("modules", '{');
	for (m = 0; m < MOD_COUNT; m++) {
		char *v = mod_version(m);

		jw_open(mods[m].kmod, '{');
		jw_bool("loaded", true, mod_loaded(m));
		jw_str("version", v);
		jw_close('}');
		free(v);
	}
	jw_close('}');
}

/* The module's object in JSON (null when not loaded); @only: one instance. */
static void json_module(enum mod_id m, const char *only)
{
	char **l;
	size_t i;
	char *d;

	if (!mod_loaded(m)) {
		jw_str(mods[m].name, NULL);
		return;
	}
	jw_open(mods[m].name, '{');
	switch (m) {
	case MOD_PAGEFILE:
		l = pagefile_devices();
		jw_open("devices", '{');
		for (i = 0; l[i]; i++) {
			if (only && strcmp(only, l[i]))
				continue;
			d = pagefile_dir(l[i]);
			jw_open(l[i], '{');
			json_fields(d, pf_fields, N(pf_fields));
			jw_close('}');
			free(d);
		}
		jw_close('}');
		free_list(l);
		break;
	case MOD_BLKGROW:
		d = mod_dir(m);
		json_fields(d, bg_fields, N(bg_fields));
		free(d);
		l = blkgrow_disks();
		jw_open("disks", '{');
		for (i = 0; l[i]; i++) {
			if (only && strcmp(only, l[i]))
				continue;
			d = sys_path("/sys/kernel/lvos/blkgrow/disks/%s", l[i]);
			jw_open(l[i], '{');
			json_fields(d, disk_fields, N(disk_fields));
			jw_close('}');
			free(d);
		}
		jw_close('}');
		free_list(l);
		break;
	case MOD_NETPV:
		l = netpv_devices();
		jw_open("devices", '{');
		for (i = 0; l[i]; i++) {
			if (only && strcmp(only, l[i]))
				continue;
			d = netpv_dir(l[i]);
			jw_open(l[i], '{');
			json_fields(d, np_fields, N(np_fields));
			json_netpv_extra(l[i], d);
			jw_close('}');
			free(d);
		}
		jw_close('}');
		free_list(l);
		break;
	default:
		d = mod_dir(m);
		json_fields(d, mods[m].fields, mods[m].nfields);
		free(d);
	}
	jw_close('}');
}

static int finish(int ret)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", PROG, strerror(errno));
		return EXIT_USAGE;
	}
	return ret;
}

static int not_loaded(enum mod_id m)
{
	fprintf(stderr, "%s: %s is not loaded (modprobe %s)\n", PROG,
		mods[m].kmod, mods[m].kmod);
	return EXIT_NOTLOADED;
}

static int view(enum mod_id m, const char *only)
{
	bool loaded = mod_loaded(m);
	char **l;
	size_t i, shown = 0;
	char *d;

	if (only && (!safe_name(only) ||
		     (m == MOD_PAGEFILE && !pagefile_name(only)))) {
		fprintf(stderr, "%s: bad %s name '%s'\n", PROG,
			m == MOD_BLKGROW ? "disk" : "device", only);
		return EXIT_USAGE;
	}
	if (opt_json) {
		json_head(mods[m].name);
		json_modules();
		json_module(m, only);
		jw_close('}');
		return finish(loaded ? EXIT_OK : not_loaded(m));
	}
	if (!loaded)
		return not_loaded(m);
	{
		char *v = mod_version(m);

		printf("%s %s (%s)\n", mods[m].kmod, v ? v : "?", mods[m].dir ? mods[m].dir :
		       m == MOD_NETPV ? "/sys/class/net/netpvN" : "/sys/block/pagefileN/pagefile");
		free(v);
	}
	switch (m) {
	case MOD_PAGEFILE:
		l = pagefile_devices();
		for (i = 0; l[i]; i++) {
			if (only && strcmp(only, l[i]))
				continue;
			d = pagefile_dir(l[i]);
			printf("%s:\n", l[i]);
			text_fields(d, pf_fields, N(pf_fields));
			free(d);
			shown++;
		}
		free_list(l);
		if (!shown)
			printf(only ? "no such device: %s\n" : "no pagefile devices%s\n",
			       only ? only : "");
		break;
	case MOD_BLKGROW:
		d = mod_dir(m);
		if (!only)
			text_fields(d, bg_fields, N(bg_fields));
		free(d);
		l = blkgrow_disks();
		for (i = 0; l[i]; i++) {
			if (only && strcmp(only, l[i]))
				continue;
			d = sys_path("/sys/kernel/lvos/blkgrow/disks/%s", l[i]);
			printf("disk %s:\n", l[i]);
			text_fields(d, disk_fields, N(disk_fields));
			free(d);
			shown++;
		}
		free_list(l);
		if (!shown)
			printf(only ? "no such disk: %s\n" : "no watched disks%s\n",
			       only ? only : "");
		break;
	case MOD_NETPV:
		l = netpv_devices();
		for (i = 0; l[i]; i++) {
			if (only && strcmp(only, l[i]))
				continue;
			d = netpv_dir(l[i]);
			printf("%s:\n", l[i]);
			text_fields(d, np_fields, N(np_fields));
			text_netpv_extra(l[i], d);
			free(d);
			shown++;
		}
		free_list(l);
		if (!shown)
			printf(only ? "no such device: %s\n" : "no netpv devices%s\n",
			       only ? only : "");
		break;
	default:
		d = mod_dir(m);
		text_fields(d, mods[m].fields, mods[m].nfields);
		free(d);
	}
	if (only && !shown)
		return finish(EXIT_USAGE);
	return finish(EXIT_OK);
}

/* A one-line file below a netpv device's directory, or "?". */
static char *netpv_file(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file), *s = get_line(p);

	free(p);
	return s ? s : xasprintf("?");
}

static void status_traffic(const char *dir, const char *what)
{
	char *pb = xasprintf("%s/statistics/%s_bytes", dir, what);
	char *pp = xasprintf("%s/statistics/%s_packets", dir, what);
	long long b, n;
	char h[32];

	printf(", %s ", what);
	if (get_num(pb, &b)) {
		human(h, sizeof(h), (double)b);
		printf("%s", h);
	} else {
		printf("?");
	}
	if (get_num(pp, &n))
		printf(" (%lld packets)", n);
	else
		printf(" (? packets)");
	free(pb);
	free(pp);
}

/* "netpv0    region lab, doorbell, slot 0 of 4, link up, peers 1, ..." */
static void status_netpv(const char *dev)
{
	char *d = netpv_dir(dev);
	char *region = netpv_file(d, "lvos/region"), *mode = netpv_file(d, "lvos/mode");
	char *slot = netpv_file(d, "lvos/slot"), *max = netpv_file(d, "lvos/max_peers");
	char *peers = netpv_file(d, "lvos/peers"), *tmo = netpv_file(d, "lvos/peer_timeout_ms");
	int link = netpv_link(d);
	struct npv_eth e;

	printf("  %-9s region ", dev);
	print_clean(stdout, region, strlen(region));
	printf(", ");
	print_clean(stdout, mode, strlen(mode));
	printf(", slot ");
	print_clean(stdout, slot, strlen(slot));
	printf(" of ");
	print_clean(stdout, max, strlen(max));
	printf(", link %s, peers ", link < 0 ? "?" : link ? "up" : "down");
	if (*peers)
		print_clean(stdout, peers, strlen(peers));
	else
		printf("none");
	printf(", timeout ");
	print_clean(stdout, tmo, strlen(tmo));
	printf(" ms");
	status_traffic(d, "rx");
	status_traffic(d, "tx");
	npv_eth_read(dev, &e);
	if (e.ok)
		printf(", protocol errors %llu, resets %llu, lost-wakeup rescues %llu",
		       e.errors, e.resets, e.rescues);
	putchar('\n');
	free(region); free(mode); free(slot); free(max); free(peers); free(tmo);
	free(d);
}

/* One line of figures per loaded module for the status screen. */
static void status_lines(void)
{
	char *d, *a, *b, *c, **l;
	char h1[32], h2[32];
	long long x, y, z;
	size_t i;

	if (mod_loaded(MOD_HV)) {
		char *pv = sys_path("/sys/kernel/lvos/hv/vendor");
		char *pb = sys_path("/sys/kernel/lvos/hv/backend");
		char *pc = sys_path("/sys/kernel/lvos/hv/cloud");
		char *px = sys_path("/sys/kernel/lvos/hv/confidential");
		char *v = get_line(pv), *bk = get_line(pb), *cl = get_line(pc), *cf = get_line(px);

		printf("  hv        vendor %s, backend %s, cloud %s, confidential %s\n",
		       v ? v : "?", bk ? bk : "?", cl ? cl : "?", cf ? cf : "?");
		free(v); free(bk); free(cl); free(cf);
		free(pv); free(pb); free(pc); free(px);
	}
	if (mod_loaded(MOD_PAGEFILE)) {
		l = pagefile_devices();
		for (i = 0; l[i]; i++) {
			d = pagefile_dir(l[i]);
			a = xasprintf("%s/disksize", d);
			b = xasprintf("%s/mem_used_total", d);
			c = xasprintf("%s/mem_limit", d);
			printf("  %-9s ", l[i]);
			if (get_num(a, &x)) {
				human(h1, sizeof(h1), (double)x);
				printf("size %s, ", h1);
			} else {
				printf("size ?, ");
			}
			if (get_num(b, &y) && get_num(c, &z)) {
				human(h1, sizeof(h1), (double)y);
				human(h2, sizeof(h2), (double)z);
				printf("pool %s of %s cap", h1, h2);
			} else {
				printf("pool ?");
			}
			free(a);
			a = xasprintf("%s/pages_stored", d);
			/* get_num() first: an argument's evaluation order is unspecified */
			if (get_num(a, &x))
				printf(", %lld pages stored\n", x);
			else
				printf(", ? pages stored\n");
			free(a);
			free(b);
			free(c);
			free(d);
		}
		if (!l[0])
			printf("  pagefile  no devices\n");
		free_list(l);
	}
	if (mod_loaded(MOD_HOTPLUG)) {
		char *po = sys_path("/sys/kernel/lvos/hotplug/online_cpus");
		char *pp = sys_path("/sys/kernel/lvos/hotplug/present_cpus");
		char *pm = sys_path("/sys/kernel/lvos/hotplug/memory_blocks_online");
		char *pe = sys_path("/sys/kernel/lvos/hotplug/last_event");
		char *ps = sys_path("/sys/kernel/lvos/hotplug/last_event_outcome");
		char *on = get_line(po), *pr = get_line(pp), *ev = get_line(pe), *oc = get_line(ps);

		printf("  hotplug   cpus online %s of present %s, memory blocks online ",
		       on ? on : "?", pr ? pr : "?");
		if (get_num(pm, &x))
			printf("%lld", x);
		else
			putchar('?');
		printf(", last event %s", ev ? ev : "?");
		if (oc)
			printf(" (%s)", oc);
		putchar('\n');
		free(on); free(pr); free(ev); free(oc);
		free(po); free(pp); free(pm); free(pe); free(ps);
	}
	if (mod_loaded(MOD_BLKGROW)) {
		char *pg = sys_path("/sys/kernel/lvos/blkgrow/guard");
		char *pe = sys_path("/sys/kernel/lvos/blkgrow/events");

		l = blkgrow_disks();
		for (i = 0; l[i]; i++)
			;
		printf("  blkgrow   %zu disks watched, guard %s, ", i,
		       get_num(pg, &x) ? (x ? "on" : "off") : "?");
		if (get_num(pe, &y))
			printf("%lld events\n", y);
		else
			printf("? events\n");
		free_list(l);
		free(pg);
		free(pe);
	}
	if (mod_loaded(MOD_BALLOON)) {
		char *pd = sys_path("/sys/kernel/lvos/balloon/device");
		char *pt = sys_path("/sys/kernel/lvos/balloon/target");
		char *pa = sys_path("/sys/kernel/lvos/balloon/actual");
		char *pr = sys_path("/sys/kernel/lvos/balloon/refuse_reason");
		char *dev = get_line(pd), *rr = get_line(pr);

		printf("  balloon   device %s, target ", dev ? dev : "?");
		if (get_num(pt, &x)) {
			human(h1, sizeof(h1), (double)x * 4096);
			printf("%s", h1);
		} else {
			printf("?");
		}
		if (get_num(pa, &y)) {
			human(h2, sizeof(h2), (double)y * 4096);
			printf(", actual %s", h2);
		} else {
			printf(", actual ?");
		}
		printf(", refusing: %s\n", rr ? rr : "?");
		free(dev); free(rr);
		free(pd); free(pt); free(pa); free(pr);
	}
	if (mod_loaded(MOD_NETPV)) {
		l = netpv_devices();
		for (i = 0; l[i]; i++)
			status_netpv(l[i]);
		if (!l[0])
			printf("  netpv     no devices\n");
		free_list(l);
	}
}

static int cmd_status(void)
{
	struct dkms dk;
	bool any = false;
	int m, ret;

	dkms_state(&dk);
	health();
	for (m = 0; m < MOD_COUNT; m++)
		any |= mod_loaded(m);
	ret = !any ? EXIT_NOTLOADED : opt_check && problems() ? EXIT_PROBLEM : EXIT_OK;

	if (opt_json) {
		json_head("status");
		jw_open("dkms", '{');
		jw_str("state", dk.state);
		jw_str("version", dk.version);
		jw_close('}');
		json_modules();
		for (m = 0; m < MOD_COUNT; m++)
			json_module(m, NULL);
		json_findings();
		jw_close('}');
		free(dk.version);
		return finish(ret);
	}
	printf("lvos %s, kernel %s\n", LVOS_VERSION, kernel);
	if (!strcmp(dk.state, "none"))
		printf("dkms: not installed by dkms for %s\n", kernel);
	else
		printf("dkms: lvos %s %s for %s (%s)\n", dk.version ? dk.version : "?",
		       dk.state, kernel, arch);
	for (m = 0; m < MOD_COUNT; m++) {
		char *v = mod_version(m);
		bool on = mod_loaded(m);

		printf("%-18s %-10s %s\n", mods[m].kmod, on ? "loaded" : "not loaded",
		       on ? (v ? v : "?") : "");
		free(v);
	}
	status_lines();
	if (!any)
		printf("lvos is not loaded (modprobe lvos_hvdetect)\n");
	printf("health: %s\n", problems() ? "" : "ok");
	print_findings(false);
	free(dk.version);
	return finish(ret);
}

/* ------------------------------------------------------------ get/set */

struct target {
	enum mod_id m;
	char *path;		/* sysfs file */
	const struct field *f;	/* NULL if not in the table */
	const char *param;	/* module parameter for --persist, or NULL */
	char *key;		/* canonical key for messages */
};

static bool key_part(const char *s)
{
	size_t i;

	if (!*s)
		return false;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static const struct field *find_field(const struct field *fs, size_t n, const char *file)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(fs[i].file, file))
			return &fs[i];
	return NULL;
}

/*
 * MODULE.KEY, MODULE.SUB.KEY: hv.caps.balloon and balloon.deflated.host
 * name files in subdirectories, pagefile.pagefileN.KEY a volume (plain
 * pagefile.KEY is pagefile0), blkgrow.DISK.KEY a watched disk.
 * Returns 0, EXIT_USAGE (message printed) or EXIT_NOTLOADED.
 */
static int resolve(const char *spec, struct target *t)
{
	char *s = strdup(spec), *parts[4], *p, *save = NULL;
	int n = 0, m, ret = EXIT_USAGE;
	char *rel = NULL;

	memset(t, 0, sizeof(*t));
	if (!s)
		die_oom();
	for (p = strtok_r(s, ".", &save); p && n < 4; p = strtok_r(NULL, ".", &save))
		parts[n++] = p;
	if (p || n < 2 || n > 3) {
		fprintf(stderr, "%s: bad key '%s': use MODULE.KEY (see lvosctl --help)\n", PROG, spec);
		goto out;
	}
	for (m = 0; m < MOD_COUNT; m++)
		if (!strcmp(parts[0], mods[m].name))
			break;
	if (m == MOD_COUNT || !key_part(parts[1]) || (n == 3 && !key_part(parts[2]))) {
		fprintf(stderr, "%s: bad key '%s': MODULE is hv, pagefile, hotplug, blkgrow, balloon or netpv\n",
			PROG, spec);
		goto out;
	}
	t->m = m;
	if (m == MOD_NETPV) {
		const char *k = parts[n - 1];

		if (n != 3) {
			fprintf(stderr, "%s: bad key '%s': netpv keys name the device: netpv.DEV.KEY (netpv.netpv0.peer_timeout_ms)\n",
				PROG, spec);
			goto out;
		}
		/* KEY: a file of the lvos/ group, else the netdev's carrier or operstate */
		rel = xasprintf("lvos/%s", k);
		t->f = find_field(np_fields, N(np_fields), rel);
		if (!t->f && find_field(np_fields, N(np_fields), k)) {
			t->f = find_field(np_fields, N(np_fields), k);
			t->path = sys_path("/sys/class/net/%s/%s", parts[1], k);
		} else {
			t->path = sys_path("/sys/class/net/%s/lvos/%s", parts[1], k);
		}
		t->key = xasprintf("netpv.%s.%s", parts[1], k);
		/* peer_timeout_ms is also the module's default for every device */
		t->param = t->f && !strncmp(t->f->file, "lvos/", 5) ? t->f->file + 5 : NULL;
		if (mod_loaded(m) && !netpv_device(parts[1])) {
			fprintf(stderr, "%s: bad key '%s': no lvos_netpv device '%s'\n", PROG, spec,
				parts[1]);
			goto out;
		}
	} else if (m == MOD_PAGEFILE) {
		const char *dev = n == 3 ? parts[1] : "pagefile0";
		const char *k = parts[n - 1];

		if (!pagefile_name(dev)) {
			fprintf(stderr, "%s: bad key '%s': no device '%s'\n", PROG, spec, dev);
			goto out;
		}
		t->f = find_field(pf_fields, N(pf_fields), k);
		t->path = sys_path("/sys/block/%s/pagefile/%s", dev, k);
		t->key = xasprintf("pagefile.%s.%s", dev, k);
		if (!strcmp(k, "comp_algorithm"))
			t->param = "comp";
		else if (!strcmp(k, "recomp_algorithm"))
			t->param = "recomp";
		else
			t->param = t->f ? t->f->file : NULL;
	} else if (m == MOD_BLKGROW && n == 3) {
		t->f = find_field(disk_fields, N(disk_fields), parts[2]);
		t->path = sys_path("/sys/kernel/lvos/blkgrow/disks/%s/%s", parts[1], parts[2]);
		t->key = xasprintf("blkgrow.%s.%s", parts[1], parts[2]);
		t->param = NULL;	/* per-disk settings are not parameters */
	} else {
		rel = n == 3 ? xasprintf("%s/%s", parts[1], parts[2]) : xasprintf("%s", parts[1]);
		t->f = find_field(mods[m].fields, mods[m].nfields, rel);
		t->path = sys_path("%s/%s", mods[m].dir, rel);
		t->key = xasprintf("%s.%s", mods[m].name, n == 3 ? spec + strlen(parts[0]) + 1 : parts[1]);
		t->param = n == 2 ? parts[1] : NULL;
		if (t->param)
			t->param = t->f ? t->f->file : NULL;
	}
	if (!mod_loaded(m)) {
		ret = not_loaded(m);
		goto out;
	}
	if (!exists(t->path)) {
		fprintf(stderr, "%s: unknown key '%s' (no file %s)\n", PROG, spec, t->path);
		goto out;
	}
	ret = 0;
out:
	free(rel);
	free(s);
	return ret;
}

static void target_free(struct target *t)
{
	free(t->path);
	free(t->key);
}

static int cmd_get(const char *spec)
{
	struct target t;
	struct field tmp = F(NULL, "value", K_STR, U_NONE, M_NONE, NULL, "");
	struct val v;
	const char *dir;
	int r = resolve(spec, &t);

	if (r) {
		target_free(&t);
		return r;
	}
	if (t.f)
		tmp.kind = t.f->kind;
	if (tmp.kind == K_WO) {
		fprintf(stderr, "%s: %s is write-only\n", PROG, t.key);
		target_free(&t);
		return EXIT_USAGE;
	}
	/* read_field takes dir + file: split the path at its last '/'. */
	*strrchr(t.path, '/') = '\0';
	dir = t.path;
	tmp.file = t.path + strlen(t.path) + 1;
	read_field(dir, &tmp, &v);
	if (opt_json) {
		json_head("get");
		jw_str("key", t.key);
		json_field(&tmp, &v);
		jw_close('}');
	} else if (v.ok && v.s) {
		print_clean(stdout, v.s, strlen(v.s));
		putchar('\n');
	} else if (v.ok) {
		print_clean(stdout, v.raw.data, v.raw.len);
	}
	if (!v.ok) {
		fprintf(stderr, "%s: %s: unreadable or malformed\n", PROG, t.key);
		r = EXIT_USAGE;
	}
	val_free(&v);
	target_free(&t);
	return finish(r);
}

static bool valid_bool(const char *v)
{
	static const char *const ok[] = { "0", "1", "y", "n", "Y", "N", "on", "off",
					  "yes", "no", "true", "false" };
	size_t i;

	for (i = 0; i < N(ok); i++)
		if (!strcmp(v, ok[i]))
			return true;
	return false;
}

/* A value modprobe can read back from an options line: one plain word. */
static bool persist_word(const char *v)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("_-.,:/+", v[i]))
			return false;
	return true;
}

/* Write @data to @path through a temporary file and rename (0644). */
static int write_atomic(const char *path, const char *data)
{
	char *dir = strdup(path), *tmpl;
	size_t len = strlen(data);
	int fd, err = 0;

	if (!dir)
		die_oom();
	*strrchr(dir, '/') = '\0';
	tmpl = xasprintf("%s/.%s.XXXXXX", dir, strrchr(path, '/') + 1);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	if (fchmod(fd, 0644) < 0 || write(fd, data, len) != (ssize_t)len ||
	    fsync(fd) < 0) {
		err = errno ? errno : EIO;
		close(fd);
		unlink(tmpl);
		goto out;
	}
	if (close(fd) < 0 || rename(tmpl, path) < 0) {
		err = errno;
		unlink(tmpl);
	}
out:
	free(tmpl);
	free(dir);
	return err;
}

static int err_exit(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ? EXIT_PERM : EXIT_USAGE;
}

/* /etc/modprobe.d/lvos-local.conf with "options KMOD PARAM=VAL" merged in. */
static int persist(const char *kmod, const char *param, const char *val)
{
	char *path = root_path("/etc/modprobe.d/lvos-local.conf");
	char *dir = root_path("/etc/modprobe.d");
	struct lvos_blob b = { 0 };
	char *out = NULL, *line, *save = NULL, *prefix = xasprintf("%s=", param);
	size_t olen = 0;
	FILE *o;
	int err;

	if (lvos_read_at(AT_FDCWD, path, &b) < 0 && errno != ENOENT)
		b.data = NULL;
	o = open_memstream(&out, &olen);
	if (!o)
		die_oom();
	if (!b.data || !b.len)
		fprintf(o, "# lvos module options written by lvosctl set --persist\n");
	for (line = b.data ? strtok_r(b.data, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *w, *s2 = NULL, *copy;
		bool ours = false, first = true;
		size_t kept = 0;

		if (strncmp(line, "options ", 8)) {
			fprintf(o, "%s\n", line);
			continue;
		}
		copy = strdup(line);
		if (!copy)
			die_oom();
		/* "options KMOD a=1 b=2": drop PARAM=... for our module. */
		for (w = strtok_r(copy, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2)) {
			if (first) {
				first = false;
				continue;
			}
			if (kept == 0 && !ours) {
				ours = !strcmp(w, kmod);
				if (!ours)
					break;
				kept = 1;
				continue;
			}
			if (!strncmp(w, prefix, strlen(prefix)))
				continue;
			if (kept == 1)
				fprintf(o, "options %s", kmod);
			fprintf(o, " %s", w);
			kept++;
		}
		if (!ours)
			fprintf(o, "%s\n", line);
		else if (kept > 1)
			fprintf(o, "\n");
		free(copy);
	}
	fprintf(o, "options %s %s=%s\n", kmod, param, val);
	if (fclose(o) != 0)
		die_oom();
	free(b.data);
	err = is_dir(dir) ? 0 : mkdir_p(dir);
	if (!err)
		err = write_atomic(path, out);
	if (err)
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(err));
	else if (!opt_json)
		printf("persisted in %s: options %s %s=%s\n", path, kmod, param, val);
	free(out);
	free(prefix);
	free(path);
	free(dir);
	return err ? err_exit(err) : 0;
}

static int cmd_set(const char *arg)
{
	char *spec = strdup(arg), *val, *pp = NULL, *buf;
	struct target t = { 0 };
	struct stat st;
	long long num = 0;
	size_t i, len;
	ssize_t w;
	int r, fd;

	if (!spec)
		die_oom();
	val = strchr(spec, '=');
	if (!val) {
		fprintf(stderr, "%s: set needs MODULE.KEY=VALUE, not '%s'\n", PROG, arg);
		free(spec);
		return EXIT_USAGE;
	}
	*val++ = '\0';
	r = resolve(spec, &t);
	if (r)
		goto out;
	r = EXIT_USAGE;
	len = strlen(val);
	for (i = 0; i < len; i++)
		if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
			break;
	if (!len || len > VAL_MAX || i < len) {
		fprintf(stderr, "%s: bad value for %s: '%s' (empty, too long or a control character)\n",
			PROG, t.key, val);
		goto out;
	}
	if (t.f && ((t.f->kind == K_NUM && !parse_ll(val, &num)) ||
		    (t.f->kind == K_BOOL && !valid_bool(val)))) {
		fprintf(stderr, "%s: bad value for %s: '%s' is not %s\n", PROG, t.key, val,
			t.f->kind == K_NUM ? "a number" : "a boolean (0 or 1)");
		goto out;
	}
	if (t.f && t.f->kind == K_NUM && t.f->lo < t.f->hi && (num < t.f->lo || num > t.f->hi)) {
		fprintf(stderr, "%s: bad value for %s: '%s' is out of range (%lld-%lld)\n", PROG,
			t.key, val, t.f->lo, t.f->hi);
		goto out;
	}
	if (stat(t.path, &st) < 0 || !(st.st_mode & 0222)) {
		fprintf(stderr, "%s: %s is read-only\n", PROG, t.key);
		goto out;
	}
	if (opt_persist) {
		pp = t.param ? sys_path("/sys/module/%s/parameters/%s", mods[t.m].kmod, t.param) : NULL;
		if (!pp || !exists(pp)) {
			fprintf(stderr, "%s: %s is not a module parameter of %s: cannot --persist it\n",
				PROG, t.key, mods[t.m].kmod);
			goto out;
		}
		if (!persist_word(val)) {
			fprintf(stderr, "%s: bad value for %s: '%s' cannot be a module option (one word)\n",
				PROG, t.key, val);
			goto out;
		}
	}
	fd = open(t.path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, t.key, strerror(e));
		r = err_exit(e);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: cannot write %s: not a regular file\n", PROG, t.key);
		close(fd);
		goto out;
	}
	buf = xasprintf("%s\n", val);
	w = write(fd, buf, len + 1);
	if (w != (ssize_t)len + 1) {
		int e = w < 0 ? errno : EIO;

		if (e == EINVAL || e == ERANGE)
			fprintf(stderr, "%s: %s rejected value '%s': %s (see lvosctl(1) and docs/ABI)\n",
				PROG, t.key, val, strerror(e));
		else
			fprintf(stderr, "%s: cannot write %s=%s: %s\n", PROG, t.key, val, strerror(e));
		free(buf);
		close(fd);
		r = err_exit(e);
		goto out;
	}
	free(buf);
	if (close(fd) < 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, t.key, strerror(errno));
		goto out;
	}
	if (!opt_json)
		printf("%s=%s\n", t.key, val);
	r = opt_persist ? persist(mods[t.m].kmod, t.param, val) : 0;
	if (opt_json) {
		json_head("set");
		jw_str("key", t.key);
		jw_str("value", val);
		jw_bool("persisted", true, opt_persist && !r);
		jw_close('}');
	}
	r = finish(r);
out:
	free(pp);
	target_free(&t);
	free(spec);
	return r;
}

/* ------------------------------------------------------------ commands */

/*
 * Run @argv (searched in $PATH) with stdin and stderr on /dev/null,
 * collecting up to @sz-1 bytes of stdout into @out (if given).  Returns
 * the exit status, or -1 if it could not run (127 from the child: absent).
 */
static int run(char *const argv[], char *out, size_t sz, bool quiet)
{
	int pfd[2], st;
	size_t len = 0;
	pid_t pid;

	if (out)
		out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(out ? pfd[1] : quiet ? nul : 1, 1) < 0 ||
		    (quiet && dup2(nul, 2) < 0))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char tmp[1024];
		ssize_t n = read(pfd[0], tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && len + 1 < sz) {
			size_t c = (size_t)n < sz - 1 - len ? (size_t)n : sz - 1 - len;

			memcpy(out + len, tmp, c);
			len += c;
			out[len] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
}

static bool have_cmd(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *d, *save = NULL;
	bool found = false;

	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	copy = strdup(path);
	if (!copy)
		die_oom();
	for (d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);

		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

static const char *feature_kmod(const char *f)
{
	if (!strcmp(f, "pagefile"))
		return "lvos_pagefile";
	if (!strcmp(f, "hotplug"))
		return "lvos_vcpu_hotplug";
	if (!strcmp(f, "blkgrow"))
		return "lvos_blkgrow";
	return NULL;
}

static bool balloon_switched(void)
{
	char *a = root_path("/lib/modprobe.d/lvos-balloon.conf");
	char *b = root_path("/etc/modprobe.d/lvos-balloon.conf");
	char *c = root_path("/usr/lib/modprobe.d/lvos-balloon.conf");
	bool r = exists(a) || exists(b) || exists(c);

	free(a);
	free(b);
	free(c);
	return r;
}

static int cmd_enable(bool enable, const char *feature)
{
	const char *kmod = feature_kmod(feature);
	char *path, *dir;
	int err = 0, r = EXIT_OK;

	if (!strcmp(feature, "hv") || !strcmp(feature, "hvdetect")) {
		if (enable) {
			printf("lvos_hvdetect is always on: the package loads it from /usr/lib/modules-load.d/lvos.conf\n");
			return finish(EXIT_OK);
		}
		fprintf(stderr, "%s: lvos_hvdetect cannot be disabled: the other modules need it (remove the lvos packages instead)\n",
			PROG);
		return EXIT_USAGE;
	}
	if (!strcmp(feature, "balloon")) {
		if (enable == balloon_switched()) {
			printf("balloon: already %s (lvos-balloon is %sinstalled)\n",
			       enable ? "enabled" : "disabled", enable ? "" : "not ");
			return finish(EXIT_OK);
		}
		fprintf(stderr, "%s: the balloon switch is a package: %s\n", PROG,
			enable ? "apt install lvos-balloon (then reboot)" :
				 "apt remove lvos-balloon (then reboot)");
		return EXIT_USAGE;
	}
	if (!strcmp(feature, "netpv")) {
		/* no modules-load.d file: it would load the module where no region is */
		fprintf(stderr, "%s: lvos_netpv is not switched by lvosctl: the kernel loads it by PCI id when the VM has an ivshmem device (1af4:1110), and it drives only regions with an lvos header; %s\n",
			PROG, enable ? "attach an ivshmem device whose region lvos-ivshmem-server formats (ivshmem-plain also needs the option lvos_netpv slot=N)" :
				       "to keep it from loading, echo 'blacklist lvos_netpv' > /etc/modprobe.d/lvos-netpv.conf");
		return EXIT_USAGE;
	}
	if (!kmod) {
		fprintf(stderr, "%s: unknown feature '%s' (pagefile, hotplug, blkgrow, balloon, hv)\n",
			PROG, feature);
		return EXIT_USAGE;
	}
	dir = root_path("/etc/modules-load.d");
	path = xasprintf("%s/lvos-%s.conf", dir, feature);
	if (enable) {
		char *data = xasprintf("# written by lvosctl enable %s\n%s\n", feature, kmod);

		err = is_dir(dir) ? 0 : mkdir_p(dir);
		if (!err)
			err = write_atomic(path, data);
		free(data);
		if (!err)
			printf("%s: enabled (%s loads at boot)\n", feature, path);
	} else {
		if (unlink(path) < 0 && errno != ENOENT)
			err = errno;
		else
			printf("%s: disabled (%s removed)\n", feature, path);
	}
	if (err) {
		fprintf(stderr, "%s: cannot %s %s: %s\n", PROG, enable ? "write" : "remove",
			path, strerror(err));
		r = err_exit(err);
		goto out;
	}
	if (opt_now) {
		char *argv_load[] = { "modprobe", (char *)kmod, NULL };
		char *argv_unload[] = { "modprobe", "-r", (char *)kmod, NULL };
		char *rc = sys_path("/sys/module/%s/refcnt", kmod);
		long long users = 0;
		int s;

		if (geteuid() != 0) {
			fprintf(stderr, "%s: --now needs root (modprobe)\n", PROG);
			r = EXIT_PERM;
		} else if (!enable && get_num(rc, &users) && users > 0) {
			fprintf(stderr, "%s: %s is in use (%lld users), left loaded; it will not load at the next boot%s\n",
				PROG, kmod, users,
				!strcmp(feature, "pagefile") ? " (swapoff /dev/pagefileN first to unload it now)" : "");
			r = EXIT_PROBLEM;
		} else {
			s = run(enable ? argv_load : argv_unload, NULL, 0, false);
			if (s != 0) {
				fprintf(stderr, "%s: modprobe %s%s failed%s\n", PROG,
					enable ? "" : "-r ", kmod, s < 0 ? " (no modprobe)" : "");
				r = EXIT_PROBLEM;
			} else {
				printf("%s: %s\n", kmod, enable ? "loaded" : "unloaded");
			}
		}
		free(rc);
	}
out:
	free(path);
	free(dir);
	return finish(r);
}

/* ------------------------------------------------------------ doctor */

/*
 * Through dpkg-query (--root=$LVOS_ROOT in tests), never dpkg's files:
 * 1 installed, 0 not installed or unknown to dpkg, -1 no answer.
 */
static int dpkg_installed(const char *pkg)
{
	char *opt = *fs_root ? xasprintf("--root=%s", fs_root) : xasprintf("--root=/");
	char *argv[] = { "dpkg-query", opt, "-W", "-f=${db:Status-Status}", (char *)pkg, NULL };
	char out[64];
	int rc = run(argv, out, sizeof(out), true);

	free(opt);
	if (rc == 0 && !strcmp(out, "installed"))
		return 1;
	return rc == 0 || rc == 1 ? 0 : -1;
}

/* "6.1.0-28-cloud-amd64" -> "cloud-amd64"; NULL if it has no flavour. */
/*
 * A Debian kernel release's flavour: "6.1.0-28-cloud-amd64" (version, ABI
 * number, flavour) and "6.12.118+deb12-cloud-amd64" (version, flavour) both
 * give "cloud-amd64"; NULL if it has none.
 */
static const char *flavour(const char *k)
{
	const char *a = strchr(k, '-');
	const char *b;

	if (!a || !a[1])
		return NULL;
	b = strchr(a + 1, '-');
	if (b && b[1] && strspn(a + 1, "0123456789") == (size_t)(b - a - 1))
		return b + 1;
	return a + 1;
}

/*
 * The headers meta-package that brings the next kernel of k's line its
 * headers: bookworm's 6.12 line (releases "6.12.N+deb12-FLAVOUR") has its
 * own, linux-headers-6.12-FLAVOUR, used when its image meta-package is
 * installed; otherwise linux-headers-FLAVOUR.
 */
static char *headers_meta(const char *k, bool have_status)
{
	const char *fl = flavour(k);
	const char *dot = strchr(k, '.');
	size_t series = dot ? strspn(dot + 1, "0123456789") + (size_t)(dot + 1 - k) : 0;

	if (!fl)
		return NULL;
	if (strchr(k, '+') && series && have_status) {
		char *img = xasprintf("linux-image-%.*s-%s", (int)series, k, fl);
		int r = dpkg_installed(img);

		free(img);
		if (r == 1)
			return xasprintf("linux-headers-%.*s-%s", (int)series, k, fl);
	}
	return xasprintf("linux-headers-%s", fl);
}

static int count_lvos_ko(const char *k, char *names, size_t sz)
{
	char *dir = root_path("/lib/modules/%s/updates/dkms", k);
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (names)
		names[0] = '\0';
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "lvos_", 5) || !strstr(de->d_name, ".ko"))
				continue;
			n++;
			if (names && strlen(names) + strlen(de->d_name) + 2 < sz) {
				if (*names)
					strcat(names, " ");
				strcat(names, de->d_name);
			}
		}
		closedir(d);
	}
	free(dir);
	return n;
}

static void doctor_kernels(void)
{
	char *boot = root_path("/boot");
	DIR *d = opendir(boot);
	struct dirent *de;
	char **ks = NULL;
	size_t nk = 0, i;
	bool have_status = have_cmd("dpkg-query");
	char warned[512] = " ";	/* meta-packages already reported: " a b " */

	if (d) {
		while (nk < 64 && (de = readdir(d)) != NULL) {
			char **t;

			if (strncmp(de->d_name, "vmlinuz-", 8) || !safe_name(de->d_name + 8))
				continue;
			t = realloc(ks, (nk + 1) * sizeof(*ks));
			if (!t)
				die_oom();
			ks = t;
			ks[nk] = strdup(de->d_name + 8);
			if (!ks[nk++])
				die_oom();
		}
		closedir(d);
	}
	free(boot);
	if (!nk) {
		ks = malloc(sizeof(*ks));
		if (!ks || !(ks[0] = strdup(kernel)))
			die_oom();
		nk = 1;
	}
	for (i = 0; i < nk; i++) {
		const char *k = ks[i], *fl = flavour(k);
		char *h1 = root_path("/usr/src/linux-headers-%s", k);
		char *h2 = root_path("/lib/modules/%s/build", k);
		char *meta = headers_meta(k, have_status);
		char names[512];
		int n;

		if (is_dir(h1) || is_dir(h2)) {
			add_finding("ok", "headers", xasprintf("%s: headers installed", k), NULL);
		} else {
			char *other = NULL;
			char *src = root_path("/usr/src");
			char **hs = list_dirs(src, "linux-headers-", NULL);
			size_t j;
			size_t vlen = fl ? (size_t)(fl - k) : 0;

			for (j = 0; hs[j] && fl; j++)
				if (!strncmp(hs[j] + 14, k, vlen) && strcmp(hs[j] + 14, k) &&
				    !other)
					other = xasprintf(" (headers of another flavour are there: %s)", hs[j]);
			add_finding("fail", "headers",
				    xasprintf("%s: no headers: dkms cannot build lvos for it%s", k,
					      other ? other : ""),
				    xasprintf("apt install linux-headers-%s%s%s", k, meta ? " " : "",
					      meta ? meta : ""));
			free(other);
			free_list(hs);
			free(src);
		}
		char *key = meta ? xasprintf(" %s ", meta) : NULL;

		if (meta && have_status && !strstr(warned, key) && dpkg_installed(meta) == 0) {
			add_finding("warn", "headers",
				    xasprintf("%s is not installed: the next kernel of flavour %s gets no headers, so no lvos",
					      meta, fl),
				    xasprintf("apt install %s", meta));
			if (strlen(warned) + strlen(meta) + 2 < sizeof(warned)) {
				strcat(warned, meta);
				strcat(warned, " ");
			}
		}
		free(key);
		n = count_lvos_ko(k, names, sizeof(names));
		if (n >= MOD_COUNT)
			add_finding("ok", "modules", xasprintf("%s: lvos built (%s)", k, names), NULL);
		else if (n > 0)
			add_finding("warn", "modules", xasprintf("%s: only %d lvos modules built (%s)", k, n, names),
				    xasprintf("dkms install lvos/%s -k %s --force", LVOS_VERSION, k));
		else
			add_finding("fail", "modules",
				    xasprintf("%s: lvos is not built for it (no /lib/modules/%s/updates/dkms/lvos_*.ko*)", k, k),
				    xasprintf("install its headers, then dkms autoinstall -k %s", k));
		free(meta);
		free(h1);
		free(h2);
	}
	for (i = 0; i < nk; i++)
		free(ks[i]);
	free(ks);
}

/* 1: module file carries a signature, 0: not, -1: cannot tell. */
static int ko_signed(const char *path, char *signer, size_t sz)
{
	static const char magic[] = "~Module signature appended~\n";
	char tail[sizeof(magic) - 1];
	char *argv[] = { "modinfo", "-F", "signer", (char *)path, NULL };
	struct stat st;
	int fd, r = -1;
	size_t l = strlen(path);

	signer[0] = '\0';
	if (have_cmd("modinfo") && run(argv, signer, sz, true) == 0) {
		signer[strcspn(signer, "\n")] = '\0';
		if (*signer)
			return 1;
	}
	if (l < 3 || strcmp(path + l - 3, ".ko"))
		return have_cmd("modinfo") ? 0 : -1;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (st.st_size < (off_t)sizeof(tail))
			r = 0;
		else if (pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail)) ==
			 (ssize_t)sizeof(tail))
			r = !memcmp(tail, magic, sizeof(tail));
	}
	close(fd);
	return r;
}

/*
 * Whether the kernel holds the key that signed the lvos modules: an
 * asymmetric key in /proc/keys (root sees the system keyrings: built-in,
 * secondary, platform/MOK) whose description is "SIGNER: <key id>".
 * 1 yes, 0 no, -1 cannot tell (no signer, /proc/keys unreadable or no
 * asymmetric key visible at all, e.g. not root).
 */
static int key_trusted(const char *signer)
{
	char *p = root_path("/proc/keys");
	struct lvos_blob b;
	size_t sl = strlen(signer);
	int seen = 0, found = 0;
	char *line, *save = NULL;

	if (!sl || lvos_read_at(AT_FDCWD, p, &b) < 0) {
		free(p);
		return -1;
	}
	free(p);
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *t = strstr(line, " asymmetri ");
		char *desc;

		if (!t)
			continue;
		seen = 1;
		desc = t + strlen(" asymmetri ");
		desc += strspn(desc, " ");
		if (!strncmp(desc, signer, sl) && desc[sl] == ':')
			found = 1;
	}
	free(b.data);
	return found ? 1 : seen ? 0 : -1;
}

static void doctor_signing(void)
{
	char *sbp = sys_path("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c");
	char *efi = sys_path("/sys/firmware/efi");
	char *sep = sys_path("/sys/module/module/parameters/sig_enforce");
	char *ldp = sys_path("/sys/kernel/security/lockdown");
	char *mok = root_path("/var/lib/dkms/mok.pub");
	char *dir = root_path("/lib/modules/%s/updates/dkms", kernel);
	struct lvos_blob b;
	int sb = -1;
	char *se = get_line(sep), *ld = get_line(ldp), lock[32] = "none";
	bool enforced, untrusted_told = false;
	int unsigned_n = 0, signed_n = 0;
	char unsigned_names[256] = "", signer[256] = "";
	DIR *d;

	if (lvos_read_at(AT_FDCWD, sbp, &b) == 0) {
		if (b.len >= 5)
			sb = (unsigned char)b.data[b.len - 1] == 1;
		free(b.data);
	}
	if (sb < 0)
		add_finding("ok", "secureboot", xasprintf(is_dir(efi) ? "Secure Boot state unknown (no SecureBoot EFI variable)" :
							  "not booted by EFI: no Secure Boot"), NULL);
	else
		add_finding("ok", "secureboot", xasprintf("Secure Boot %s", sb ? "enabled" : "disabled"), NULL);
	if (ld) {
		char *o = strchr(ld, '['), *c = o ? strchr(o, ']') : NULL;

		if (o && c && (size_t)(c - o - 1) < sizeof(lock)) {
			memcpy(lock, o + 1, (size_t)(c - o - 1));
			lock[c - o - 1] = '\0';
		}
		add_finding("ok", "lockdown", xasprintf("lockdown: %s%s", lock,
			    strcmp(lock, "none") ? " (only signed modules load)" : ""), NULL);
	}
	enforced = sb == 1 || (se && !strcmp(se, "Y")) || strcmp(lock, "none");
	d = opendir(dir);
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)) != NULL) {
			char *p;
			int s;

			if (strncmp(de->d_name, "lvos_", 5) || !strstr(de->d_name, ".ko"))
				continue;
			p = xasprintf("%s/%s", dir, de->d_name);
			s = ko_signed(p, signer, sizeof(signer));
			if (s == 0) {
				unsigned_n++;
				if (strlen(unsigned_names) + strlen(de->d_name) + 2 < sizeof(unsigned_names)) {
					if (*unsigned_names)
						strcat(unsigned_names, " ");
					strcat(unsigned_names, de->d_name);
				}
			} else if (s == 1) {
				signed_n++;
			}
			free(p);
		}
		closedir(d);
	}
	if (unsigned_n)
		add_finding(enforced ? "fail" : "ok", "signing",
			    xasprintf("unsigned lvos modules: %s%s", unsigned_names,
				      enforced ? " while module signatures are enforced (sig_enforce, Secure Boot or lockdown): they will not load" :
						 " (signatures not enforced)"),
			    enforced ? xasprintf("rebuild them signed (dkms autoinstall signs with /var/lib/dkms/mok.key), then mokutil --import /var/lib/dkms/mok.pub and reboot") : NULL);
	else if (signed_n)
		add_finding("ok", "signing", xasprintf("lvos modules signed%s%s", *signer ? " by " : "", signer), NULL);
	if (signed_n && enforced && exists(mok) && have_cmd("mokutil")) {
		char out[512];
		char *argv[] = { "mokutil", "--test-key", "/var/lib/dkms/mok.pub", NULL };

		if (run(argv, out, sizeof(out), true) >= 0 && strstr(out, "not enrolled")) {
			add_finding("fail", "signing",
				    xasprintf("the dkms signing key /var/lib/dkms/mok.pub is not enrolled: the signed modules will not load"),
				    xasprintf("mokutil --import /var/lib/dkms/mok.pub and reboot"));
			untrusted_told = true;
		}
	}
	if (signed_n && enforced && !untrusted_told && key_trusted(signer) == 0)
		add_finding("fail", "signing",
			    xasprintf("lvos modules are signed by \"%s\", a key the running kernel does not hold (not in its keyrings): with signatures enforced they do not load (\"Key was rejected by service\")",
				      signer),
			    xasprintf("enrol the dkms key: mokutil --import /var/lib/dkms/mok.pub and reboot (confirm it in MokManager on the console)"));
	if (have_cmd("mokutil")) {
		char out[512];
		char *argv[] = { "mokutil", "--list-new", NULL };
		int s = run(argv, out, sizeof(out), true);

		if (s == 0 && *out && !strstr(out, "MokNew is empty"))
			add_finding("warn", "mok", xasprintf("a MOK enrolment is pending"),
				    xasprintf("reboot and confirm it in MokManager with the password given to mokutil --import"));
	}
	free(se);
	free(ld);
	free(sbp);
	free(efi);
	free(sep);
	free(ldp);
	free(mok);
	free(dir);
}

static void doctor_services(void)
{
	if (have_cmd("systemctl")) {
		char out[128];
		char *argv[] = { "systemctl", "is-failed", "systemd-modules-load.service", NULL };

		run(argv, out, sizeof(out), true);
		if (!strncmp(out, "failed", 6))
			add_finding("fail", "modules-load", xasprintf("systemd-modules-load.service failed"),
				    xasprintf("journalctl -b -u systemd-modules-load: a module in /etc/modules-load.d (lvos-*.conf) did not load; lvosctl doctor's other lines may say why"));
		else
			add_finding("ok", "modules-load", xasprintf("systemd-modules-load.service not failed"), NULL);
	}
	if (balloon_switched()) {
		char *drv = sys_path("/sys/bus/virtio/drivers/virtio_balloon");
		char **l = list_dirs(drv, "virtio", NULL);

		if (l[0])
			add_finding("fail", "balloon",
				    xasprintf("virtio_balloon still drives %s though lvos-balloon is installed", l[0]),
				    xasprintf("update-initramfs -u and reboot"));
		else
			add_finding("ok", "balloon", xasprintf("lvos-balloon installed, virtio_balloon not bound"), NULL);
		free_list(l);
		free(drv);
	}
}

static void doctor_swaps(void)
{
	char *p = root_path("/proc/swaps");
	struct lvos_blob b;
	char *line, *save = NULL;
	long long pf_prio = LLONG_MIN, zram_prio = LLONG_MIN;
	char zram[64] = "", pf[64] = "";

	if (lvos_read_at(AT_FDCWD, p, &b) < 0) {
		free(p);
		return;
	}
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[256], type[32];
		long long size, used, prio;

		if (sscanf(line, "%255s %31s %lld %lld %lld", name, type, &size, &used, &prio) != 5)
			continue;
		if (!strncmp(name, "/dev/pagefile", 13) && prio > pf_prio) {
			pf_prio = prio;
			snprintf(pf, sizeof(pf), "%.63s", name);
		} else if (!strncmp(name, "/dev/zram", 9) && prio > zram_prio) {
			zram_prio = prio;
			snprintf(zram, sizeof(zram), "%.63s", name);
		}
	}
	free(b.data);
	free(p);
	if (*pf && *zram && zram_prio >= pf_prio)
		add_finding("warn", "swap",
			    xasprintf("%s (priority %lld) is at or above %s (priority %lld): the kernel swaps to zram first",
				      zram, zram_prio, pf, pf_prio),
			    xasprintf("swapoff %s and disable zram-generator/zram-tools, or give it a lower priority", zram));
	else if (*pf)
		add_finding("ok", "swap", xasprintf("%s is swap at priority %lld", pf, pf_prio), NULL);
	else if (mod_loaded(MOD_PAGEFILE))
		add_finding("warn", "swap", xasprintf("lvos_pagefile is loaded but no /dev/pagefileN is swap"),
			    xasprintf("systemctl start lvos-pagefile@pagefile0.service (see lvosctl(1))"));
}

static bool rule_fights(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	bool r = false;

	if (!copy)
		die_oom();
	for (line = strtok_r(copy, "\n", &save); line && !r; line = strtok_r(NULL, "\n", &save)) {
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '#')
			continue;
		if (!strstr(line, "SUBSYSTEM==\"cpu\"") && !strstr(line, "SUBSYSTEM==\"memory\""))
			continue;
		r = strstr(line, "ATTR{online}=\"") || strstr(line, "ATTR{state}=\"") ||
		    strstr(line, "echo 1 >") || strstr(line, "echo online");
	}
	free(copy);
	return r;
}

static void doctor_udev(void)
{
	static const char *const dirs[] = {
		"/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
		"/usr/lib/udev/rules.d", "/lib/udev/rules.d",
	};
	char **seen = NULL;
	size_t nseen = 0, i, j;
	bool in_use = mod_loaded(MOD_HOTPLUG), found = false;
	char *en = root_path("/etc/modules-load.d/lvos-hotplug.conf");

	in_use |= exists(en);
	free(en);
	for (i = 0; i < N(dirs); i++) {
		char *dp = root_path("%s", dirs[i]);
		DIR *d = opendir(dp);
		struct dirent *de;
		size_t cnt = 0;

		while (d && cnt++ < MAX_ENTRIES && (de = readdir(d)) != NULL) {
			size_t l = strlen(de->d_name);
			char *p, **t;
			struct lvos_blob b;

			if (l < 7 || strcmp(de->d_name + l - 6, ".rules") || strstr(de->d_name, "lvos"))
				continue;
			for (j = 0; j < nseen; j++)
				if (!strcmp(seen[j], de->d_name))
					break;
			if (j < nseen)
				continue;	/* shadowed by an earlier directory */
			t = realloc(seen, (nseen + 1) * sizeof(*seen));
			if (!t)
				die_oom();
			seen = t;
			seen[nseen] = strdup(de->d_name);
			if (!seen[nseen++])
				die_oom();
			p = xasprintf("%s/%s", dp, de->d_name);
			/* A mask (link to /dev/null) is not a regular file: skipped. */
			if (lvos_read_at(AT_FDCWD, p, &b) == 0) {
				if (!memchr(b.data, '\0', b.len) && rule_fights(b.data)) {
					found = true;
					add_finding(in_use ? "warn" : "ok", "udev",
						    xasprintf("%s/%s onlines hot-added CPUs or memory too%s", dirs[i],
							      de->d_name, in_use ? ": it fights lvos_vcpu_hotplug" :
							      " (lvos_vcpu_hotplug not in use)"),
						    in_use ? xasprintf("ln -s /dev/null /etc/udev/rules.d/%s, or lvosctl set hotplug.cpu_policy=manual --persist and hotplug.memory_policy=manual --persist",
								       de->d_name) : NULL);
				}
				free(b.data);
			}
			free(p);
		}
		if (d)
			closedir(d);
		free(dp);
	}
	if (!found)
		add_finding("ok", "udev", xasprintf("no foreign hot-add udev rules"), NULL);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static bool dpkg_owns(const char *path)
{
	char *argv[] = { "dpkg", "-S", (char *)path, NULL };

	return run(argv, NULL, 0, true) == 0;
}

static void doctor_leftovers(void)
{
	static const char *const files[] = {
		"/usr/local/bin/lvos-detect-virt", "/usr/local/bin/lvosctl",
		"/usr/local/bin/lvos-blkgrow",
		"/usr/lib/udev/rules.d/60-lvos-pagefile.rules",
		"/usr/lib/udev/rules.d/61-lvos-blkgrow.rules",
		"/usr/lib/udev/rules.d/62-lvos-hotplug-memory.rules",
		"/usr/lib/lvos/lvos-pagefile-swapon", "/usr/lib/lvos/lvos-memory-policy",
	};
	bool dpkg = have_cmd("dpkg"), found = false;
	char *src = root_path("/usr/src");
	char **l = list_dirs(src, "lvos-", NULL);
	size_t i;

	for (i = 0; l[i]; i++) {
		char *rel = xasprintf("/usr/src/%s", l[i]);

		if (dpkg && !dpkg_owns(rel)) {
			found = true;
			add_finding("warn", "leftover",
				    xasprintf("%s is not from a package (a hand install)", rel),
				    xasprintf("dkms remove -m lvos -v %s --all; rm -rf %s", l[i] + 5, rel));
		}
		free(rel);
	}
	free_list(l);
	free(src);
	for (i = 0; i < N(files); i++) {
		char *p = root_path("%s", files[i]);
		bool left = false;

		if (!exists(p)) {
			free(p);
			continue;
		}
		if (!strncmp(files[i], "/usr/local/", 11)) {
			left = true;
		} else {
			char *alt_rel = xasprintf("%s", files[i] + 4);	/* /lib/... */
			char *alt = root_path("%s", alt_rel);
			bool merged = same_file(p, alt);

			if (dpkg)
				left = !dpkg_owns(files[i]) && !(merged && dpkg_owns(alt_rel));
			else
				left = exists(alt) && !merged;
			free(alt);
			free(alt_rel);
		}
		if (left) {
			found = true;
			add_finding("warn", "leftover",
				    xasprintf("%s is left from a hand install (the packages ship their own copy)", files[i]),
				    xasprintf("rm %s", files[i]));
		}
		free(p);
	}
	if (!found)
		add_finding("ok", "leftover", xasprintf(dpkg ? "no hand-install leftovers" :
					"no hand-install leftovers found (no dpkg to ask about /usr/src/lvos-*)"), NULL);
}

static void doctor_taint(void)
{
	static const char letters[] = "PFSRMBUDAWCIOELKXTN";
	/* Proprietary, out-of-tree, unsigned, staging, aux, livepatch: benign. */
	static const unsigned long benign = 1ul << 0 | 1ul << 10 | 1ul << 12 | 1ul << 13 |
					    1ul << 15 | 1ul << 16;
	char *p = root_path("/proc/sys/kernel/tainted");
	long long t;
	char flags[40];
	size_t i, n = 0;

	if (!get_num(p, &t) || t < 0) {
		free(p);
		return;
	}
	free(p);
	for (i = 0; i < sizeof(letters) - 1; i++)
		if (t & (1ll << i))
			flags[n++] = letters[i];
	flags[n] = '\0';
	if ((unsigned long long)t & ~(unsigned long long)benign)
		add_finding("warn", "taint", xasprintf("kernel tainted %lld (%s): a warning, oops or forced module happened", t, flags),
			    xasprintf("dmesg | grep -iE 'taint|warning|oops|bug' for the cause"));
	else
		add_finding("ok", "taint", xasprintf("kernel taint %lld%s%s%s", t, n ? " (" : "", flags, n ? ")" : ""), NULL);
}

static int cmd_doctor(void)
{
	doctor_kernels();
	doctor_signing();
	doctor_services();
	doctor_swaps();
	doctor_udev();
	doctor_leftovers();
	doctor_taint();
	if (opt_json) {
		json_head("doctor");
		json_findings();
		jw_close('}');
	} else {
		print_findings(true);
		printf("%zu problem%s\n", problems(), problems() == 1 ? "" : "s");
	}
	return finish(problems() ? EXIT_PROBLEM : EXIT_OK);
}

/* ------------------------------------------------------------ metrics */

static const char *fam_open;	/* family whose HELP/TYPE was written */

/* A label value: escaped, and valid UTF-8 (a stray byte becomes U+FFFD). */
static void m_label_value(FILE *f, const char *s)
{
	size_t len = strlen(s), k;

	while (*s) {
		if (*s == '\\' || *s == '"') {
			fprintf(f, "\\%c", *s);
		} else if (*s == '\n') {
			fputs("\\n", f);
		} else if ((k = lvos_utf8_seq_len((const unsigned char *)s, len)) != 0) {
			fwrite(s, 1, k, f);
			s += k;
			len -= k;
			continue;
		} else {
			fputs("\xef\xbf\xbd", f);
		}
		s++;
		len--;
	}
}

/*
 * One sample with up to two labels; HELP and TYPE come before the first
 * sample of a family.
 */
static void m_sample2(FILE *f, const char *fam, enum mtype t, const char *help,
		      const char *l1, const char *v1, const char *l2, const char *v2,
		      const char *value)
{
	if (!fam_open || strcmp(fam_open, fam)) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam, help, fam,
			t == M_COUNTER ? "counter" : "gauge");
		fam_open = fam;
	}
	fputs(fam, f);
	if (l1) {
		fprintf(f, "{%s=\"", l1);
		m_label_value(f, v1);
		if (l2) {
			fprintf(f, "\",%s=\"", l2);
			m_label_value(f, v2);
		}
		fputs("\"}", f);
	}
	fprintf(f, " %s\n", value);
}

static void m_sample(FILE *f, const char *fam, enum mtype t, const char *help,
		     const char *lname, const char *lval, const char *value)
{
	m_sample2(f, fam, t, help, lname, lval, NULL, NULL, value);
}

static void m_value(char *buf, size_t sz, long long n, enum unit u)
{
	long long mul = u == U_PAGES ? 4096 : u == U_SECTORS ? 512 : u == U_MB ? 1048576 : 1;
	long long r;

	if (u == U_MS || u == U_US || u == U_NS) {
		double div = u == U_MS ? 1e3 : u == U_US ? 1e6 : 1e9;

		snprintf(buf, sz, "%.9g", (double)n / div);
	} else if (__builtin_mul_overflow(n, mul, &r)) {
		snprintf(buf, sz, "%.17g", (double)n * (double)mul);
	} else {
		snprintf(buf, sz, "%lld", r);
	}
}

/* The families of @fs, for every instance in @inst (or the single @dir). */
static void m_fields(FILE *f, const char *mod, const struct field *fs, size_t n,
		     const char *dir, char **inst, const char *lname,
		     char *(*inst_dir)(const char *))
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		char *fam;

		if (!fs[i].metric)
			continue;
		fam = xasprintf("lvos_%s_%s", mod, fs[i].metric);
		for (j = 0; inst ? inst[j] != NULL : j < 1; j++) {
			char *d = inst ? inst_dir(inst[j]) : (char *)dir;
			struct val v;
			char num[64];

			read_field(d, &fs[i], &v);
			if (v.nok && !(fs[i].unit == U_US && v.n < 0)) {
				m_value(num, sizeof(num), v.n, fs[i].unit);
				m_sample(f, fam, fs[i].mtype, fs[i].help, lname,
					 inst ? inst[j] : NULL, num);
			}
			val_free(&v);
			if (inst)
				free(d);
		}
		fam_open = NULL;
		free(fam);
	}
}

static char *disk_dir(const char *d)
{
	return sys_path("/sys/kernel/lvos/blkgrow/disks/%s", d);
}

/* lvos_netpv: family by family, every device within a family. */

/* One per-peer counter family of lvos_netpv (errors or resets). */
static void netpv_peer_family(FILE *f, const char *name, const char *help, char **l,
			      const struct npv_eth *e, size_t n, bool resets)
{
	char num[32], peer[16];
	size_t i, j;

	fam_open = NULL;
	for (i = 0; i < n; i++) {
		for (j = 0; e[i].ok && j < NPV_PEERS; j++) {
			if (!e[i].peer[j])
				continue;
			snprintf(peer, sizeof(peer), "%zu", j);
			snprintf(num, sizeof(num), "%llu",
				 resets ? e[i].peer_resets[j] : e[i].peer_errors[j]);
			m_sample2(f, name, M_COUNTER, help, "device", l[i], "peer", peer, num);
		}
	}
}

static void metrics_netpv(FILE *f)
{
	char **l = netpv_devices(), num[64];
	struct npv_eth *e;
	size_t n, i;

	for (n = 0; l[n]; n++)
		;
	e = calloc(n + 1, sizeof(*e));
	if (!e)
		die_oom();
	for (i = 0; i < n; i++) {
		char *d = netpv_dir(l[i]);
		char *p = xasprintf("%s/lvos/region", d), *region = get_line(p);
		int link = netpv_link(d);

		if (link >= 0)
			m_sample2(f, "lvos_netpv_link_up", M_GAUGE,
				  "1 when the link to at least one peer is up (carrier).",
				  "device", l[i], "region", region ? region : "unknown",
				  link ? "1" : "0");
		free(region);
		free(p);
		free(d);
	}
	fam_open = NULL;
	for (i = 0; i < n; i++) {
		char *d = netpv_dir(l[i]);
		struct val v;

		read_field(d, find_field(np_fields, N(np_fields), "lvos/peers"), &v);
		free(d);
		if (v.nok) {
			snprintf(num, sizeof(num), "%lld", v.n);
			m_sample(f, "lvos_netpv_peers_up", M_GAUGE, "Peers whose link is up.",
				 "device", l[i], num);
		}
		val_free(&v);
	}
	fam_open = NULL;
	m_fields(f, "netpv", np_fields, N(np_fields), NULL, l, "device", netpv_dir);
	for (i = 0; i < n; i++)
		npv_eth_read(l[i], &e[i]);
	for (i = 0; i < n; i++) {
		if (!e[i].ok)
			continue;
		snprintf(num, sizeof(num), "%llu", e[i].rescues);
		m_sample(f, "lvos_netpv_lost_wakeup_rescues_total", M_COUNTER,
			 "Interrupts a doorbell queue missed and the safety-net timer caught (ethtool qN_lost_wakeup_rescues).",
			 "device", l[i], num);
	}
	netpv_peer_family(f, "lvos_netpv_protocol_errors_total",
			  "Protocol errors of a peer (bad index, sequence, length, offset, flags, GSO header or consumer index), each followed by a link reset.",
			  l, e, n, false);
	netpv_peer_family(f, "lvos_netpv_resets_total", "Link resets with a peer.",
			  l, e, n, true);
	fam_open = NULL;
	free(e);
	free_list(l);
}

static void metrics(FILE *f)
{
	static const char *const cpu_states[] = { "possible", "present", "online",
						  "admin_offline", "parked" };
	static const char *const mem_states[] = { "online", "offline", "movable" };
	static const char *const causes[] = { "host", "pressure", "reclaim", "oom" };
	char *v = mod_version(MOD_HV), num[64], **l;
	size_t i;
	int m;

	fprintf(f, "# HELP lvos_build_info lvos version (the loaded lvos_hvdetect's, else lvosctl's) and kernel.\n"
		"# TYPE lvos_build_info gauge\nlvos_build_info{version=\"");
	m_label_value(f, v ? v : LVOS_VERSION);
	fprintf(f, "\",kernel=\"");
	m_label_value(f, kernel);
	fprintf(f, "\"} 1\n");
	free(v);
	fprintf(f, "# HELP lvos_module_loaded 1 when the lvos kernel module is loaded.\n"
		"# TYPE lvos_module_loaded gauge\n");
	for (m = 0; m < MOD_COUNT; m++)
		fprintf(f, "lvos_module_loaded{module=\"%s\"} %d\n", mods[m].kmod, mod_loaded(m));

	if (mod_loaded(MOD_HV)) {
		char *d = mod_dir(MOD_HV);
		static const char *const keys[] = { "vendor", "backend", "cloud", "confidential" };

		fprintf(f, "# HELP lvos_hv_info What lvos_hvdetect found.\n# TYPE lvos_hv_info gauge\nlvos_hv_info{");
		for (i = 0; i < N(keys); i++) {
			char *p = xasprintf("%s/%s", d, keys[i]), *s = get_line(p);

			fprintf(f, "%s%s=\"", i ? "," : "", keys[i]);
			m_label_value(f, s ? s : "unknown");
			putc('"', f);
			free(s);
			free(p);
		}
		fprintf(f, "} 1\n");
		m_fields(f, "hv", hv_fields, N(hv_fields), d, NULL, NULL, NULL);
		free(d);
	}
	if (mod_loaded(MOD_PAGEFILE)) {
		l = pagefile_devices();
		m_fields(f, "pagefile", pf_fields, N(pf_fields), NULL, l, "device", pagefile_dir);
		free_list(l);
	}
	if (mod_loaded(MOD_HOTPLUG)) {
		char *d = mod_dir(MOD_HOTPLUG);

		for (i = 0; i < N(cpu_states); i++) {
			struct val v2;
			char *file = xasprintf("%s_cpus", cpu_states[i]);
			const struct field *fl = find_field(hp_fields, N(hp_fields), file);

			read_field(d, fl, &v2);
			if (v2.nok) {
				snprintf(num, sizeof(num), "%lld", v2.n);
				m_sample(f, "lvos_hotplug_cpus", M_GAUGE, "vCPUs by state.",
					 "state", cpu_states[i], num);
			}
			val_free(&v2);
			free(file);
		}
		fam_open = NULL;
		for (i = 0; i < N(mem_states); i++) {
			char *p = xasprintf("%s/memory_blocks_%s", d, mem_states[i]);
			long long x;

			if (get_num(p, &x)) {
				snprintf(num, sizeof(num), "%lld", x);
				m_sample(f, "lvos_hotplug_memory_blocks", M_GAUGE,
					 "Memory blocks by state (movable: online in ZONE_MOVABLE).",
					 "state", mem_states[i], num);
			}
			free(p);
		}
		fam_open = NULL;
		{
			char *p = xasprintf("%s/last_event_latency_us", d);
			long long x;

			if (get_num(p, &x) && x >= 0) {
				m_value(num, sizeof(num), x, U_US);
				m_sample(f, "lvos_hotplug_last_event_latency_seconds", M_GAUGE,
					 "Hot-add to online (or offline to removal) time of the last event.",
					 NULL, NULL, num);
				fam_open = NULL;
			}
			free(p);
		}
		m_fields(f, "hotplug", hp_fields, N(hp_fields), d, NULL, NULL, NULL);
		free(d);
	}
	if (mod_loaded(MOD_BLKGROW)) {
		char *d = mod_dir(MOD_BLKGROW);

		m_fields(f, "blkgrow", bg_fields, N(bg_fields), d, NULL, NULL, NULL);
		free(d);
		l = blkgrow_disks();
		m_fields(f, "blkgrow", disk_fields, N(disk_fields), NULL, l, "disk", disk_dir);
		for (i = 0; l[i]; i++) {
			char *p = sys_path("/sys/kernel/lvos/blkgrow/disks/%s/guard", l[i]);
			char *g = get_line(p);

			if (g)
				m_sample(f, "lvos_blkgrow_disk_guarded", M_GAUGE,
					 "1 while the shrink guard holds the disk read-only.",
					 "disk", l[i], strcmp(g, "off") ? "1" : "0");
			free(g);
			free(p);
		}
		fam_open = NULL;
		free_list(l);
	}
	if (mod_loaded(MOD_BALLOON)) {
		char *d = mod_dir(MOD_BALLOON);

		m_fields(f, "balloon", bl_fields, N(bl_fields), d, NULL, NULL, NULL);
		for (i = 0; i < N(causes); i++) {
			char *p = xasprintf("%s/deflated/%s", d, causes[i]);
			long long x;

			if (get_num(p, &x)) {
				m_value(num, sizeof(num), x, U_PAGES);
				m_sample(f, "lvos_balloon_deflated_bytes_total", M_COUNTER,
					 "Memory deflated from the balloon, by cause.", "cause",
					 causes[i], num);
			}
			free(p);
		}
		fam_open = NULL;
		free(d);
	}
	if (mod_loaded(MOD_NETPV))
		metrics_netpv(f);
}

static int cmd_metrics(void)
{
	char *tmpl, *dst;
	FILE *f;
	int fd, err = 0;

	if (!opt_textfile) {
		metrics(stdout);
		return finish(EXIT_OK);
	}
	tmpl = xasprintf("%s/.lvos.prom.XXXXXX", opt_textfile);
	dst = xasprintf("%s/lvos.prom", opt_textfile);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(tmpl);
		goto out;
	}
	metrics(f);
	if (fflush(f) != 0 || ferror(f) || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		err = errno ? errno : EIO;
		fclose(f);
		unlink(tmpl);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmpl, dst) < 0) {
		err = errno;
		unlink(tmpl);
	}
out:
	if (err)
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, dst, strerror(err));
	free(tmpl);
	free(dst);
	return err ? EXIT_USAGE : EXIT_OK;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [COMMAND] [OPTIONS]\n"
		"\n"
		"Commands:\n"
		"  status                     modules, dkms state, key figures, health (default)\n"
		"  hv | hotplug | balloon     every sysfs file of that module\n"
		"  pagefile [DEV]             every file of each pagefileN volume (or DEV)\n"
		"  blkgrow [DISK]             blkgrow settings and each watched disk (or DISK)\n"
		"  netpv [DEV]                each lvos_netpv netdev (or DEV): link, peers, traffic\n"
		"  get MODULE.KEY             print one value\n"
		"  set MODULE.KEY=VALUE       write it live (--persist: also as a module option)\n"
		"  enable|disable FEATURE     pagefile, hotplug, blkgrow at boot (--now: also now);\n"
		"                             netpv loads by PCI id and is not switched here\n"
		"  doctor                     check the installation; each finding with its fix\n"
		"  metrics                    Prometheus text format (--textfile DIR)\n"
		"\n"
		"MODULE.KEY: hv.KEY, hv.caps.KEY, hotplug.KEY, balloon.KEY, balloon.deflated.KEY,\n"
		"blkgrow.KEY, blkgrow.DISK.KEY, pagefile.KEY (pagefile0), pagefile.pagefileN.KEY,\n"
		"netpv.DEV.KEY (netpv.netpv0.peer_timeout_ms)\n"
		"\n"
		"Options:\n"
		"  --json          one JSON object (docs/lvosctl.schema.json)\n"
		"  --check         status: health problems give exit status 1\n"
		"  --persist       set: also write /etc/modprobe.d/lvos-local.conf\n"
		"  --now           enable/disable: also modprobe (-r) the module\n"
		"  --textfile DIR  metrics: write DIR/lvos.prom atomically\n"
		"  -h, --help      this help\n"
		"      --version   print the version\n"
		"\n"
		"Exit status: 0 ok, 1 problem found, 2 usage or I/O error, 3 not loaded,\n"
		"4 permission denied.\n",
		PROG);
}

int main(int argc, char **argv)
{
	enum { O_JSON = 0x100, O_CHECK, O_PERSIST, O_NOW, O_TEXTFILE, O_VERSION };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "check", no_argument, NULL, O_CHECK },
		{ "persist", no_argument, NULL, O_PERSIST },
		{ "now", no_argument, NULL, O_NOW },
		{ "textfile", required_argument, NULL, O_TEXTFILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "status", *arg = NULL, *e;
	struct utsname u;
	int c, m, nargs;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_JSON:
			opt_json = true;
			break;
		case O_CHECK:
			opt_check = true;
			break;
		case O_PERSIST:
			opt_persist = true;
			break;
		case O_NOW:
			opt_now = true;
			break;
		case O_TEXTFILE:
			opt_textfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return finish(EXIT_OK);
		case O_VERSION:
			printf("%s %s\n", PROG, LVOS_VERSION);
			return finish(EXIT_OK);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	nargs = argc - optind;
	if (nargs > 0)
		cmd = argv[optind];
	if (nargs > 1)
		arg = argv[optind + 1];
	if (nargs > 2) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[optind + 2]);
		return EXIT_USAGE;
	}
	e = getenv("LVOS_SYSFS_ROOT");
	if (e)
		sys_root = e;
	e = getenv("LVOS_ROOT");
	if (e)
		fs_root = e;
	if (uname(&u) < 0) {
		strcpy(u.release, "unknown");
		strcpy(u.machine, "unknown");
	}
	e = getenv("LVOS_KERNEL");
	snprintf(kernel, sizeof(kernel), "%s", e && *e ? e : u.release);
	snprintf(arch, sizeof(arch), "%s", u.machine);
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return finish(EXIT_OK);
	}
	if (!strcmp(cmd, "version")) {
		printf("%s %s\n", PROG, LVOS_VERSION);
		return finish(EXIT_OK);
	}
	/* Options that only make sense for one command are errors elsewhere. */
	if ((opt_check && strcmp(cmd, "status")) ||
	    (opt_persist && strcmp(cmd, "set")) ||
	    (opt_now && strcmp(cmd, "enable") && strcmp(cmd, "disable")) ||
	    (opt_textfile && strcmp(cmd, "metrics")) ||
	    (opt_json && !strcmp(cmd, "metrics"))) {
		fprintf(stderr, "%s: option not valid for '%s'\n", PROG, cmd);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "status") && !arg)
		return cmd_status();
	for (m = 0; m < MOD_COUNT; m++)
		if (!strcmp(cmd, mods[m].name)) {
			if (arg && m != MOD_PAGEFILE && m != MOD_BLKGROW && m != MOD_NETPV)
				break;
			return view(m, arg);
		}
	if (!strcmp(cmd, "get") && arg)
		return cmd_get(arg);
	if (!strcmp(cmd, "set") && arg)
		return cmd_set(arg);
	if ((!strcmp(cmd, "enable") || !strcmp(cmd, "disable")) && arg)
		return cmd_enable(cmd[0] == 'e', arg);
	if (!strcmp(cmd, "doctor") && !arg)
		return cmd_doctor();
	if (!strcmp(cmd, "metrics") && !arg)
		return cmd_metrics();
	fprintf(stderr, "%s: bad command line: '%s%s%s' (see %s --help)\n", PROG, cmd,
		arg ? " " : "", arg ? arg : "", PROG);
	return EXIT_USAGE;
}
