/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lvos_balloon - shared declarations.
 *
 * Units: every count is in 4 KiB balloon pages (the virtio balloon page,
 * which is PAGE_SIZE on the architectures lvos builds for); a "chunk" is
 * 512 of them (2 MiB, one host huge page).
 */
#ifndef _LVOS_BALLOON_H
#define _LVOS_BALLOON_H

#include <linux/bits.h>
#include <linux/types.h>

#define LVOS_BL_HUGE_ORDER	9
#define LVOS_BL_CHUNK		BIT(LVOS_BL_HUGE_ORDER)	/* pages per 2 MiB */
#define LVOS_BL_BATCH		16384U	/* PFNs per message: 64 MiB, 64 KiB buffer */
#define LVOS_BL_RSG		32U	/* ranges per chunk report (QEMU's queue: 32) */
#define LVOS_BL_REPORT_MAX	512UL	/* chunks per chunk report: 1 GiB */

/* Why the balloon is not where the host wants it (sysfs refuse_reason). */
enum lvos_bl_reason {
	LVOS_BL_OK,		/* at the host's target */
	LVOS_BL_FLOOR,		/* target below the working-set floor */
	LVOS_BL_HOLDOFF,	/* inflation paused after a pressure deflate */
	LVOS_BL_PRESSURE,	/* deflated: the working set grew */
	LVOS_BL_ALLOC,		/* the guest had no page to give */
	LVOS_BL_STALLED,	/* the host did not acknowledge a message */
	LVOS_BL_REASON_NR
};

/* Why pages left the balloon (sysfs deflated/<reason>). */
enum lvos_bl_deflate {
	LVOS_BL_DEF_HOST,	/* the host lowered its target */
	LVOS_BL_DEF_PRESSURE,	/* the working-set floor rose above the balloon */
	LVOS_BL_DEF_RECLAIM,	/* the kernel's reclaim found too little (shrinker) */
	LVOS_BL_DEF_OOM,	/* the OOM killer was about to run */
	LVOS_BL_DEF_NR
};

/* A memory sample: the floor's inputs, all in pages. */
struct lvos_bl_mem {
	unsigned long total;		/* guest memory, the balloon included */
	unsigned long balloon;		/* pages in the balloon */
	unsigned long available;	/* MemAvailable (balloon pages count as used) */
	unsigned long active_file;	/* active page cache */
	unsigned long refaults;		/* page-cache refaults since the last sample */
	unsigned long swapins;		/* pages swapped in since the last sample */
	unsigned long reserve;		/* headroom kept above the working set */
};

struct lvos_bl_floor {
	unsigned long ws;	/* working set: memory the guest is using */
	unsigned long floor;	/* the guest keeps at least this much */
	unsigned long limit;	/* so the balloon may hold at most this much */
};

/* What to do next: inflate (delta > 0), deflate (delta < 0) or hold. */
struct lvos_bl_plan {
	long delta;
	unsigned long refused;		/* pages of the target not honoured */
	enum lvos_bl_reason reason;
	bool pressure;			/* a deflate below the host's target */
};

struct lvos_bl_split {
	unsigned long chunks;	/* 2 MiB chunks */
	unsigned long pages;	/* single pages */
	bool split;		/* break one chunk into pages first (deflate) */
};

void lvos_bl_compute_floor(const struct lvos_bl_mem *m, struct lvos_bl_floor *f);
void lvos_bl_decide(unsigned long target, unsigned long balloon,
		    const struct lvos_bl_floor *f, unsigned long hyst,
		    bool holdoff, bool may_deflate, struct lvos_bl_plan *p);
void lvos_bl_inflate_split(unsigned long want, unsigned long room, bool huge,
			   struct lvos_bl_split *s);
void lvos_bl_deflate_split(unsigned long want, unsigned long room,
			   unsigned long chunks, unsigned long pages,
			   struct lvos_bl_split *s);
unsigned long lvos_bl_trim_step(const struct lvos_bl_mem *m,
				const struct lvos_bl_floor *f,
				unsigned long file_pages, unsigned long keep,
				unsigned long step);
const char *lvos_bl_reason_name(enum lvos_bl_reason r);
const char *lvos_bl_deflate_name(enum lvos_bl_deflate d);

#ifdef __KERNEL__
#include <linux/balloon_compaction.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/page_reporting.h>
#include <linux/scatterlist.h>
#include <linux/virtio.h>
#include <linux/virtio_balloon.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/* every stats tag up to 6.12's uapi header, numbered by the virtio spec */
#define LVOS_BL_NSTATS		16

/* settings: module parameters at load, sysfs afterwards (main.c) */
struct lvos_bl_settings {
	unsigned int reserve_mb;	/* headroom above the working set */
	unsigned int hyst_mb;		/* deflate only this far above the limit */
	unsigned int holdoff_ms;	/* no inflation this long after a pressure deflate */
	unsigned int watch_ms;		/* floor re-evaluated this often */
	unsigned int ack_timeout_ms;	/* a host slower than this is stalled */
	bool huge;			/* inflate in 2 MiB chunks first */
	bool report_chunks;		/* ... through the reporting queue if offered */
	bool guest_driven;		/* trim cold cache when idle */
	bool shrinker;			/* deflate for the kernel's reclaim (opt-in) */
	unsigned int guest_interval_s;
	unsigned int guest_step_mb;
	unsigned int guest_keep_mb;
};

/*
 * The one balloon device lvos drives (the kernel allows one free page
 * reporting device and one balloon per guest; a second device gets
 * -EBUSY). @lock serializes everything that sends PFNs (@pfns for the
 * inflate queue, @dpfns for the deflate queue: each belongs to the host
 * between add and ack, so a stalled inflate never blocks a deflate) and
 * guards the page lists and
 * counts; the shrinker only try-locks it (inflation allocates with @lock
 * held and may enter reclaim). Counters read by sysfs without the lock are
 * unsigned longs written under it (READ_ONCE/WRITE_ONCE).
 */
struct lvos_bl {
	struct virtio_device *vdev;
	struct virtqueue *inflate_vq, *deflate_vq, *stats_vq, *report_vq;
	struct mutex lock;		/* see above */
	struct balloon_dev_info bdi;	/* single pages: movable */
	struct list_head chunks;	/* 2 MiB chunks by page->lru: not movable */
	unsigned long nr_chunks, nr_pages;
	__virtio32 *pfns, *dpfns;	/* inflate, deflate messages */
	wait_queue_head_t acked;
	bool inflate_stalled;		/* a message the host has not acked */
	bool deflate_stalled;
	bool must_tell;			/* VIRTIO_BALLOON_F_MUST_TELL_HOST */
	bool vq_dead;			/* reset: nothing goes to the host */
	struct list_head inflight;	/* chunks of an unacknowledged chunk report */
	struct list_head limbo_chunks;	/* ... and of an unacknowledged deflate */
	struct list_head limbo_pages;
	unsigned long nr_inflight, nr_limbo_chunks, nr_limbo_pages;	/* in nr_* */
	struct page *limbo_migrated;	/* a migration's old page (must-tell-host), in nr_pages */
	bool report_stalled;		/* under @report_lock */
	bool report_chunks;		/* chunks may go through @report_vq */
	struct mutex report_lock;	/* @report_vq: page reporting vs. chunks */
	struct scatterlist rsg[LVOS_BL_RSG];
	bool may_deflate;		/* VIRTIO_BALLOON_F_DEFLATE_ON_OOM */
	bool adjust_managed;		/* !deflate-on-oom: MemTotal follows */

	spinlock_t stop_lock;		/* @stop vs. queueing work from callbacks */
	bool stop;
	struct delayed_work balance_work;
	struct work_struct stats_work;
	struct mutex sample_lock;	/* events[] and the sample deltas */
	unsigned long events[NR_VM_EVENT_ITEMS];
	unsigned long last_refaults, last_swapins;
	unsigned long trim_refaults, trim_swapins;
	unsigned long next_trim;	/* jiffies */
	struct virtio_balloon_stat stats[LVOS_BL_NSTATS];

	struct page_reporting_dev_info prdev;
	bool reporting;
	struct notifier_block oom_nb;
	struct shrinker *shrinker;

	/* policy state, under @lock */
	unsigned long target;		/* host's num_pages, clamped to RAM */
	unsigned long host_target;	/* as the host wrote it */
	struct lvos_bl_floor floor;
	unsigned long refused;
	enum lvos_bl_reason reason;
	unsigned long holdoff_until;	/* jiffies */

	/* telemetry */
	unsigned long inflated, deflated[LVOS_BL_DEF_NR];
	unsigned long refusals, chunk_fallbacks, chunks_reported, migrated, stalls;
	unsigned long unannounced;	/* deflated while the host held the last deflate */
	unsigned long reports, reported_pages, trims, trimmed_pages;
	unsigned long inflate_us;	/* time of the last inflate run */
	const char *guest_state;
};

extern struct lvos_bl_settings lvos_bl_set;
extern struct lvos_bl *lvos_bl_dev;	/* NULL while no device is bound */
extern struct mutex lvos_bl_dev_lock;	/* probe/remove vs. sysfs */
/* Fault injection (debugfs), built only for the tests: see Kbuild. */
#ifdef LVOS_FAULT_INJECTION
extern bool lvos_bl_fault_drop_acks;
extern u32 lvos_bl_fault_target_pages;	/* non-zero: read instead of num_pages */
static inline bool lvos_bl_fault_drop(void)
{
	return READ_ONCE(lvos_bl_fault_drop_acks);
}

static inline u32 lvos_bl_fault_target(void)
{
	return READ_ONCE(lvos_bl_fault_target_pages);
}
#else
static inline bool lvos_bl_fault_drop(void)
{
	return false;
}

static inline u32 lvos_bl_fault_target(void)
{
	return 0;
}
#endif

int lvos_bl_register(void);
void lvos_bl_unregister(void);
void lvos_bl_kick(struct lvos_bl *b);
void lvos_bl_guest_release(void);
#endif

#endif
