/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pagefile.h - lvos_pagefile internals shared by main.c (devices, sysfs),
 * store.c (the I/O path) and purge.c (the background purge worker).
 */
#ifndef _LVOS_PAGEFILE_H
#define _LVOS_PAGEFILE_H

#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/bit_spinlock.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/crypto.h>

#include "policy.h"

#define LVOS_PF_NAME_LEN	16
#define LVOS_PF_PATH_LEN	256
#define LVOS_PF_SECTORS_PER_PAGE	(PAGE_SIZE >> SECTOR_SHIFT)
/*
 * The most one zs_malloc() can add to a pool: one zspage. 6.1's zsmalloc
 * chains at most 4 pages (ZS_MAX_ZSPAGE_ORDER 2); from 6.6 the chain
 * length is CONFIG_ZSMALLOC_CHAIN_SIZE.
 */
#ifdef CONFIG_ZSMALLOC_CHAIN_SIZE
#define LVOS_PF_ZSPAGE_MAX	CONFIG_ZSMALLOC_CHAIN_SIZE
#else
#define LVOS_PF_ZSPAGE_MAX	4
#endif
/* Pool allocations made while holding a stream: wake kswapd, never wait. */
#define LVOS_PF_GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM | __GFP_HIGHMEM | __GFP_MOVABLE | \
				 __GFP_NOWARN)

/* Compressors the crypto API offers that make sense for swap. */
extern const char *const lvos_pf_algs[];

/* One stored page; @word is the state word described in policy.h. */
struct lvos_pf_slot {
	unsigned long handle;
	unsigned long word;
};

/*
 * A compression stream of the primary algorithm: one per online CPU (see
 * streams.c), picked by the CPU the caller runs on and held with @lock, so
 * the holder may sleep (zs_malloc) and a migrated task only waits for the
 * stream it picked. @tfm is NULL while the CPU is not up.
 */
struct lvos_pf_stream {
	struct mutex lock;	/* owns tfm and buf while held */
	struct crypto_comp *tfm;
	u8 *buf;		/* 2 * PAGE_SIZE: compressor output */
};

/* A volume's primary streams: one CPU hotplug instance. */
struct lvos_pf_streams {
	struct hlist_node node;
	struct lvos_pf_stream __percpu *cpu;
	char alg[LVOS_PF_NAME_LEN];
	atomic_t nr;		/* CPUs with a stream */
};

struct lvos_pf_stats {
	atomic64_t compr_bytes;		/* bytes held by zsmalloc objects */
	atomic64_t pages_stored;	/* slots holding data, any kind */
	atomic64_t same_pages;
	atomic64_t huge_pages;
	atomic64_t wb_pages;		/* now on the backing device */
	atomic64_t wb_total;		/* ever moved to the backing device */
	atomic64_t recomp_pages;	/* now in the secondary algorithm */
	atomic64_t recomp_total;
	atomic64_t recomp_saved;	/* bytes recompression gave back, ever */
	atomic64_t compactions;
	atomic64_t pages_compacted;
	atomic64_t refused_pages;	/* writes refused at the cap */
	atomic64_t failed_reads;
	atomic64_t failed_writes;
	atomic64_t miss_free;		/* slot frees skipped on contention */
	atomic64_t discarded_pages;
	atomic_long_t max_used_pages;
};

/*
 * One /dev/pagefileN.
 *
 * @lock (rwsem) guards the table, the streams, the pool and the backing
 * device: the I/O path and the worker hold it shared, reconfiguration
 * (reset, resize, algorithm or backing change) exclusive. Each slot's word
 * has its own bit spinlock for the contents of that slot. @blk_lock guards
 * @blkmap. Policy values are plain words read with READ_ONCE and written
 * with WRITE_ONCE, without @lock (the size under it: it needs the volume
 * empty).
 */
struct lvos_pf_dev {
	int id;
	struct gendisk *disk;
	struct rw_semaphore lock;

	/*
	 * A reset, resize or algorithm change is replacing the volume's size
	 * or contents: opens get -EBUSY (set and read under
	 * disk->open_mutex, as zram's claim; see lvos_pf_claim()).
	 */
	bool claim;

	struct lvos_pf_slot *table;
	unsigned long nr_slots;
	/*
	 * Slots the swap layer freed while their lock was taken: set without
	 * locks (lvos_pf_slot_free_notify() may not wait), freed by whoever
	 * next holds pf->lock and needs them gone (lvos_pf_free_pending()),
	 * cleared by a write that replaces the slot. Same size as @table.
	 */
	unsigned long *free_pending;
	atomic_long_t nr_pending;
	struct zs_pool *pool;
	struct lvos_pf_streams *streams;
	/*
	 * The recompressor: made by the purge worker when idle pages are to be
	 * recompressed, kept while any page is stored recompressed. @rc_lock
	 * serialises every use of @rc_tfm (the read path holds a slot lock);
	 * @rc_buf is the worker's own output buffer.
	 */
	spinlock_t rc_lock;
	struct crypto_comp *rc_tfm;
	u8 *rc_buf;
	size_t huge_size;		/* objects this big are stored raw */

	char comp[LVOS_PF_NAME_LEN];
	char recomp[LVOS_PF_NAME_LEN];	/* "none": no recompression */
	unsigned int size_pct;
	unsigned int cap_pct;
	unsigned int idle_age;		/* seconds; 0 = no idle purge */
	unsigned int compact_pct;
	unsigned long cap_pages;
	/* pool pages promised to allocations in flight, see lvos_pf_cap_reserve() */
	atomic_long_t cap_reserved;

	/* backing device (none when !backing) */
	void *backing;			/* compat handle, see lvos_bdev_open() */
	struct block_device *bdev;
	char backing_path[LVOS_PF_PATH_LEN];
	spinlock_t blk_lock;		/* guards blkmap */
	struct lvos_pf_blkmap blkmap;

	struct delayed_work purge_work;
	struct page *purge_page;	/* the worker's bounce page */
	struct ratelimit_state refuse_rs;

	struct lvos_pf_stats st;
};

/* main.c */
extern unsigned int lvos_pf_purge_interval;
extern struct workqueue_struct *lvos_pf_wq;
u32 lvos_pf_now(void);
bool lvos_pf_in_use(struct lvos_pf_dev *pf);
bool lvos_pf_claim(struct lvos_pf_dev *pf);
void lvos_pf_unclaim(struct lvos_pf_dev *pf);
bool lvos_pf_empty(struct lvos_pf_dev *pf);
void lvos_pf_refresh(struct lvos_pf_dev *pf);

/* streams.c */
int lvos_pf_streams_init(void);
void lvos_pf_streams_exit(void);
struct lvos_pf_streams *lvos_pf_streams_alloc(const char *alg);
void lvos_pf_streams_free(struct lvos_pf_streams *set);
size_t lvos_pf_streams_bytes(const struct lvos_pf_streams *set);
size_t lvos_pf_alg_workspace(const char *alg);
struct lvos_pf_stream *lvos_pf_stream_get(struct lvos_pf_dev *pf);
void lvos_pf_stream_put(struct lvos_pf_stream *s);
void lvos_pf_recomp_make(struct lvos_pf_dev *pf);
void lvos_pf_recomp_drop_unused(struct lvos_pf_dev *pf);
void lvos_pf_recomp_free(struct lvos_pf_dev *pf);
size_t lvos_pf_recomp_bytes(struct lvos_pf_dev *pf);

/* store.c */
extern const struct block_device_operations lvos_pf_fops;
void lvos_pf_free_slot(struct lvos_pf_dev *pf, unsigned long idx);
bool lvos_pf_clear_pending(struct lvos_pf_dev *pf, unsigned long idx);
void lvos_pf_free_pending(struct lvos_pf_dev *pf);
int lvos_pf_decompress(struct lvos_pf_dev *pf, struct lvos_pf_stream *s,
		       unsigned long handle, unsigned long word, void *dst);
int lvos_pf_backing_rw(struct lvos_pf_dev *pf, struct page *page,
		       unsigned long blk, enum req_op op);
unsigned long lvos_pf_pool_pages(struct lvos_pf_dev *pf);
bool lvos_pf_cap_reserve(struct lvos_pf_dev *pf);
unsigned long lvos_pf_compress(struct lvos_pf_dev *pf, struct lvos_pf_stream *s,
			       const void *src, const void **data, unsigned int *dlen);
unsigned long lvos_pf_copy_nowait(struct lvos_pf_dev *pf, const void *data, unsigned int len);
void lvos_pf_cap_release(struct lvos_pf_dev *pf);
long lvos_pf_backing_alloc(struct lvos_pf_dev *pf);
void lvos_pf_backing_free(struct lvos_pf_dev *pf, unsigned long blk);

static inline void lvos_pf_slot_lock(struct lvos_pf_dev *pf, unsigned long idx)
{
	bit_spin_lock(LVOS_PF_LOCK, &pf->table[idx].word);
}

static inline bool lvos_pf_slot_trylock(struct lvos_pf_dev *pf, unsigned long idx)
{
	return bit_spin_trylock(LVOS_PF_LOCK, &pf->table[idx].word);
}

static inline void lvos_pf_slot_unlock(struct lvos_pf_dev *pf, unsigned long idx)
{
	bit_spin_unlock(LVOS_PF_LOCK, &pf->table[idx].word);
}

/* purge.c */
void lvos_pf_purge_fn(struct work_struct *work);
void lvos_pf_kick(struct lvos_pf_dev *pf);

#endif /* _LVOS_PAGEFILE_H */
