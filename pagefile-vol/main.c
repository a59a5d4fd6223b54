// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_pagefile - /dev/pagefileN: volatile, memory-bound, compressed swap
 * volumes that size and purge themselves.
 *
 * Each volume and its memory cap follow the guest's current RAM (percent
 * of totalram, re-read on memory hotplug and every purge pass, so balloon
 * changes count too); pages are stored compressed in zsmalloc, and a
 * background worker (purge.c) recompresses or writes back idle pages and
 * compacts the pool. See docs/ABI/sysfs-block-lvos-pagefile.
 */
#include <linux/blkdev.h>
#include <linux/crypto.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <linux/zsmalloc.h>

#include <lvos/sysfs.h>
#include <lvos/version.h>
#include "pagefile.h"

#define LVOS_PF_MAX_DEVICES	16

const char *const lvos_pf_algs[] = {
	"lz4", "lz4hc", "lzo", "lzo-rle", "zstd", "deflate", NULL
};

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of /dev/pagefileN volumes (1-16, default 1)");

static unsigned int size_percent = 50;
module_param(size_percent, uint, 0444);
MODULE_PARM_DESC(size_percent, "Volume size, percent of current RAM (1-400, default 50)");

static unsigned int cap_percent = 25;
module_param(cap_percent, uint, 0444);
MODULE_PARM_DESC(cap_percent, "Memory cap of each volume, percent of current RAM (1-90, default 25)");

static char *comp = "lz4";
module_param(comp, charp, 0444);
MODULE_PARM_DESC(comp, "Compressor: lz4, lz4hc, lzo, lzo-rle, zstd or deflate (default lz4)");

static char *recomp = "zstd";
module_param(recomp, charp, 0444);
MODULE_PARM_DESC(recomp, "Compressor for idle pages, or none (default zstd)");

static unsigned int idle_age = 300;
module_param(idle_age, uint, 0444);
MODULE_PARM_DESC(idle_age, "Seconds without access before a page is recompressed or written back; 0 disables (default 300)");

unsigned int lvos_pf_purge_interval = 10;
module_param_named(purge_interval, lvos_pf_purge_interval, uint, 0444);
MODULE_PARM_DESC(purge_interval, "Seconds between purge passes (1-3600, default 10)");

static unsigned int compact_threshold = 25;
module_param(compact_threshold, uint, 0444);
MODULE_PARM_DESC(compact_threshold, "Compact the pool when this percent of it is fragmented; 0 disables (default 25)");

struct workqueue_struct *lvos_pf_wq;
static int lvos_pf_major;
static struct lvos_pf_dev *lvos_pf_devs[LVOS_PF_MAX_DEVICES];
static u64 lvos_pf_t0;

u32 lvos_pf_now(void)
{
	return (u32)(ktime_get_boottime_seconds() - lvos_pf_t0);
}

bool lvos_pf_in_use(struct lvos_pf_dev *pf)
{
	return disk_openers(pf->disk) > 0;
}

/*
 * Keep every open out while the volume's size or contents are replaced,
 * as zram's reset does: a swapon, mkswap or blkid racing the change
 * would otherwise check the old size or read the old data. False if the
 * volume is open (or already claimed). On success the volume's dirty
 * pages are written first.
 */
bool lvos_pf_claim(struct lvos_pf_dev *pf)
{
	struct gendisk *disk = pf->disk;
	bool ok;

	mutex_lock(&disk->open_mutex);
	ok = !disk_openers(disk) && !pf->claim;
	if (ok)
		pf->claim = true;
	mutex_unlock(&disk->open_mutex);
	if (ok)
		sync_blockdev(disk->part0);
	return ok;
}

void lvos_pf_unclaim(struct lvos_pf_dev *pf)
{
	mutex_lock(&pf->disk->open_mutex);
	pf->claim = false;
	mutex_unlock(&pf->disk->open_mutex);
}

/* The deferred-free map of a volume of @slots pages. */
static unsigned long *lvos_pf_pending_alloc(unsigned long slots)
{
	return kvcalloc(BITS_TO_LONGS(slots), sizeof(long), GFP_KERNEL);
}

/*
 * The slot table: vmalloc'd as zram's is (kvcalloc would round a 700 KiB
 * table up to a 1 MiB kmalloc).
 */
static struct lvos_pf_slot *lvos_pf_table_alloc(unsigned long slots)
{
	return vzalloc(array_size(slots, sizeof(struct lvos_pf_slot)));
}

/* Memory a kv*alloc() of @size bytes at @p holds. */
static size_t lvos_pf_kv_bytes(const void *p, size_t size)
{
	if (!p)
		return 0;
	return is_vmalloc_addr(p) ? PAGE_ALIGN(size) : kmalloc_size_roundup(size);
}

/* Nothing stored, once the deferred frees are done. Called with pf->lock held. */
bool lvos_pf_empty(struct lvos_pf_dev *pf)
{
	lvos_pf_free_pending(pf);
	return !atomic64_read(&pf->st.pages_stored);
}

/*
 * Known name (a trailing newline allowed) and loadable by the crypto API:
 * the name as the table spells it, or ERR_PTR(-EINVAL) / ERR_PTR(-ENOENT).
 */
static const char *lvos_pf_check_alg(const char *name, bool allow_none)
{
	int i;

	if (allow_none && lvos_pf_match_name((const char *const[]){ "none", NULL }, name) == 0)
		return "none";
	i = lvos_pf_match_name(lvos_pf_algs, name);
	if (i < 0)
		return ERR_PTR(-EINVAL);
	return crypto_has_comp(lvos_pf_algs[i], 0, 0) ? lvos_pf_algs[i] : ERR_PTR(-ENOENT);
}

/* comp= and recomp= as checked at load: the names the volumes use */
static const char *lvos_pf_comp_name, *lvos_pf_recomp_name;

/* Check algorithm parameter @param=@val at load; log why it is refused. */
static const char *__init lvos_pf_param_alg(const char *param, const char *val,
					    bool allow_none)
{
	/* sysfs writes may end in a newline, a parameter may not */
	const char *alg = strchr(val, '\n') ? ERR_PTR(-EINVAL) :
			  lvos_pf_check_alg(val, allow_none);

	if (IS_ERR(alg))
		pr_err("%s=%s: %s\n", param, val, PTR_ERR(alg) == -EINVAL ?
		       "unknown algorithm" : "not available in this kernel");
	return alg;
}

/* Drop every stored page. Called with pf->lock held for writing. */
static void lvos_pf_free_all(struct lvos_pf_dev *pf)
{
	unsigned long idx;

	for (idx = 0; idx < pf->nr_slots; idx++) {
		lvos_pf_slot_lock(pf, idx);
		lvos_pf_clear_pending(pf, idx);
		lvos_pf_free_slot(pf, idx);
		lvos_pf_slot_unlock(pf, idx);
	}
}

/*
 * Re-apply the sizing policy to the current RAM: the cap always, the
 * volume size only while nobody has it open and it holds no data (swap
 * cannot use a resized device anyway; the new size applies at the next
 * swapon after a reset).
 */
void lvos_pf_refresh(struct lvos_pf_dev *pf)
{
	unsigned long ram = totalram_pages();
	unsigned long cap = lvos_pf_cap_pages(ram, READ_ONCE(pf->cap_pct));
	unsigned long size, blocks = 0, *pending;
	struct lvos_pf_slot *table;
	struct lvos_pf_blkmap m = { 0 };
	bool empty;

	if (cap != READ_ONCE(pf->cap_pages)) {
		pr_info("%s: memory cap %lu KiB (%u%% of %lu KiB RAM)\n",
			pf->disk->disk_name, cap << (PAGE_SHIFT - 10),
			pf->cap_pct, ram << (PAGE_SHIFT - 10));
		WRITE_ONCE(pf->cap_pages, cap);
	}
	size = lvos_pf_size_pages(ram, READ_ONCE(pf->size_pct));
	if (size == pf->nr_slots || !size || !lvos_pf_claim(pf))
		return;
	/* an attached backing device's block map follows the new size */
	down_read(&pf->lock);
	empty = lvos_pf_empty(pf);
	if (pf->bdev)
		blocks = lvos_pf_backing_blocks(bdev_nr_bytes(pf->bdev), size);
	up_read(&pf->lock);
	table = NULL;
	pending = NULL;
	if (!empty)
		goto out_free;
	table = lvos_pf_table_alloc(size);
	pending = lvos_pf_pending_alloc(size);
	if (!table || !pending || (blocks && lvos_pf_blkmap_alloc(&m, blocks)))
		goto out_free;	/* keep the old size; the next pass retries */
	down_write(&pf->lock);
	if (!lvos_pf_empty(pf) || !pf->bdev != !m.bits || pf->blkmap.used) {
		up_write(&pf->lock);
		goto out_free;
	}
	swap(table, pf->table);
	swap(pending, pf->free_pending);
	if (m.bits)
		swap(m, pf->blkmap);
	pf->nr_slots = size;
	up_write(&pf->lock);
	kvfree(table);
	kvfree(pending);
	lvos_pf_blkmap_free(&m);
	set_capacity_and_notify(pf->disk, size * LVOS_PF_SECTORS_PER_PAGE);
	lvos_pf_unclaim(pf);
	pr_info("%s: volume %lu KiB (%u%% of RAM)\n", pf->disk->disk_name,
		size << (PAGE_SHIFT - 10), pf->size_pct);
	return;

out_free:
	lvos_pf_unclaim(pf);
	kvfree(table);
	kvfree(pending);
	lvos_pf_blkmap_free(&m);
}

/*
 * Take the backing device off @pf (under pf->lock for writing, or at
 * teardown) and return its handle; the caller closes it with
 * lvos_pf_backing_close() after dropping the lock, since closing a block
 * device takes its open_mutex, which reclaim (and so our I/O path) can
 * already depend on.
 */
static struct lvos_pf_blkmap lvos_pf_backing_take(struct lvos_pf_dev *pf, void **handle)
{
	struct lvos_pf_blkmap m = pf->blkmap;

	*handle = pf->backing;
	memset(&pf->blkmap, 0, sizeof(pf->blkmap));
	pf->backing = NULL;
	pf->bdev = NULL;
	strscpy(pf->backing_path, "none", sizeof(pf->backing_path));
	return m;
}

static void lvos_pf_backing_close(void *handle, struct lvos_pf_blkmap *m)
{
	if (handle)
		lvos_bdev_close(handle);
	lvos_pf_blkmap_free(m);
}

/* ---- sysfs ---- */

#define LVOS_PF_BUSY_WHY	"volume in use or holding data (swapoff and reset first)"
#define LVOS_PF_ALGS_WHY	"unknown algorithm (lz4, lz4hc, lzo, lzo-rle, zstd, deflate)"

static struct lvos_pf_dev *lvos_pf_of(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

#define LVOS_PF_STAT(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct lvos_pf_dev *pf = lvos_pf_of(dev);			\
									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static DEVICE_ATTR_RO(_name)

#define LVOS_PF_COUNT(_name, _field) \
	LVOS_PF_STAT(_name, atomic64_read(&pf->st._field))

LVOS_PF_STAT(disksize, (u64)pf->nr_slots << PAGE_SHIFT);
LVOS_PF_STAT(mem_limit, (u64)READ_ONCE(pf->cap_pages) << PAGE_SHIFT);
LVOS_PF_STAT(mem_used_total, (u64)lvos_pf_pool_pages(pf) << PAGE_SHIFT);
LVOS_PF_STAT(mem_used_max, (u64)atomic_long_read(&pf->st.max_used_pages) << PAGE_SHIFT);
LVOS_PF_STAT(orig_data_size, (u64)(atomic64_read(&pf->st.pages_stored) -
				   atomic64_read(&pf->st.wb_pages)) << PAGE_SHIFT);
LVOS_PF_COUNT(compr_data_size, compr_bytes);
LVOS_PF_COUNT(pages_stored, pages_stored);
LVOS_PF_COUNT(same_pages, same_pages);
LVOS_PF_COUNT(huge_pages, huge_pages);
LVOS_PF_COUNT(written_back_pages, wb_pages);
LVOS_PF_COUNT(writeback_total, wb_total);
LVOS_PF_COUNT(recompressed_pages, recomp_pages);
LVOS_PF_COUNT(recompress_total, recomp_total);
LVOS_PF_COUNT(recompress_saved_bytes, recomp_saved);
LVOS_PF_COUNT(compactions, compactions);
LVOS_PF_COUNT(pages_compacted, pages_compacted);
LVOS_PF_COUNT(refused_pages, refused_pages);
LVOS_PF_COUNT(failed_reads, failed_reads);
LVOS_PF_COUNT(failed_writes, failed_writes);
LVOS_PF_COUNT(miss_free, miss_free);
LVOS_PF_COUNT(discarded_pages, discarded_pages);

/*
 * What the volume holds whatever it stores: the device, its slot table and
 * maps, a stream per online CPU, the recompressor while it exists. The
 * compressor workspaces as lvos_pf_alg_workspace() states them.
 */
static ssize_t overhead_bytes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);
	/* the device, the worker's bounce page */
	size_t n = kmalloc_size_roundup(sizeof(*pf)) + PAGE_SIZE;

	down_read(&pf->lock);
	n += lvos_pf_kv_bytes(pf->table, pf->nr_slots * sizeof(*pf->table)) +
	     lvos_pf_kv_bytes(pf->free_pending, BITS_TO_LONGS(pf->nr_slots) * sizeof(long)) +
	     lvos_pf_streams_bytes(pf->streams) + lvos_pf_recomp_bytes(pf);
	spin_lock(&pf->blk_lock);
	n += lvos_pf_kv_bytes(pf->blkmap.bits, BITS_TO_LONGS(pf->blkmap.nbits) * sizeof(long));
	spin_unlock(&pf->blk_lock);
	up_read(&pf->lock);
	return sysfs_emit(buf, "%zu\n", n);
}
static DEVICE_ATTR_RO(overhead_bytes);

static ssize_t lvos_pf_bad(struct lvos_pf_dev *pf, const char *attr,
			   const char *why, ssize_t err)
{
	pr_warn_ratelimited("%s: %s: %s\n", pf->disk->disk_name, attr, why);
	return err;
}

/* A uint setting in [min, max]; @busy_if_used refuses it on a volume in use. */
static ssize_t lvos_pf_store_uint(struct device *dev, const char *attr,
				  const char *buf, size_t len,
				  unsigned int min, unsigned int max,
				  bool busy_if_used, unsigned int *field)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);
	char who[DISK_NAME_LEN + 32];
	unsigned int v;
	int ret;

	snprintf(who, sizeof(who), "%s: %s", pf->disk->disk_name, attr);
	ret = lvos_parse_uint(who, buf, min, max, 0, &v);
	if (ret)
		return ret;
	if (!busy_if_used) {
		/*
		 * A plain word the I/O path and the worker read with READ_ONCE:
		 * no exclusion, so no wait behind a purge pass holding pf->lock
		 * for reading across thousands of backing-device writes (and no
		 * swap I/O queued behind this writer meanwhile).
		 */
		WRITE_ONCE(*field, v);
	} else {
		/* the size: only for a volume nobody has open and that is empty */
		if (lvos_pf_in_use(pf))
			return lvos_pf_bad(pf, attr, LVOS_PF_BUSY_WHY, -EBUSY);
		down_write(&pf->lock);
		if (lvos_pf_in_use(pf) || !lvos_pf_empty(pf)) {
			up_write(&pf->lock);
			return lvos_pf_bad(pf, attr, LVOS_PF_BUSY_WHY, -EBUSY);
		}
		WRITE_ONCE(*field, v);
		up_write(&pf->lock);
	}
	lvos_pf_refresh(pf);
	return len;
}

static unsigned int *lvos_pf_field(struct device *dev, size_t off)
{
	return (unsigned int *)((char *)lvos_pf_of(dev) + off);
}

#define LVOS_PF_UINT(_name, _field, _min, _max, _busy)			\
static const size_t _name##_off = offsetof(struct lvos_pf_dev, _field);	\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n",					\
			  READ_ONCE(*lvos_pf_field(dev, _name##_off)));	\
}									\
static ssize_t _name##_store(struct device *dev,			\
			     struct device_attribute *attr,		\
			     const char *buf, size_t len)		\
{									\
	return lvos_pf_store_uint(dev, #_name, buf, len, _min, _max,	\
				  _busy, lvos_pf_field(dev, _name##_off)); \
}									\
static DEVICE_ATTR_RW(_name)

LVOS_PF_UINT(size_percent, size_pct, LVOS_PF_SIZE_PCT_MIN, LVOS_PF_SIZE_PCT_MAX, true);
LVOS_PF_UINT(cap_percent, cap_pct, LVOS_PF_CAP_PCT_MIN, LVOS_PF_CAP_PCT_MAX, false);
LVOS_PF_UINT(idle_age, idle_age, 0, LVOS_PF_AGE_MAX, false);
LVOS_PF_UINT(compact_threshold, compact_pct, 0, 100, false);

/*
 * Switch to @c / @rc. A new primary algorithm needs the volume empty and
 * gets new streams; a new recompression one needs no page recompressed
 * with the old one, whose recompressor goes (the worker makes the new one
 * when idle pages wait for it).
 */
static ssize_t lvos_pf_set_algs(struct lvos_pf_dev *pf, const char *attr,
				const char *c, const char *rc, bool need_empty)
{
	struct lvos_pf_streams *streams = NULL, *old;

	if (need_empty) {
		streams = lvos_pf_streams_alloc(c);
		if (IS_ERR(streams))
			return lvos_pf_bad(pf, attr, "cannot allocate compression streams",
					   PTR_ERR(streams));
	}
	if (need_empty && !lvos_pf_claim(pf)) {
		lvos_pf_streams_free(streams);
		return lvos_pf_bad(pf, attr, LVOS_PF_BUSY_WHY, -EBUSY);
	}
	down_write(&pf->lock);
	if (need_empty ? !lvos_pf_empty(pf) : atomic64_read(&pf->st.recomp_pages) > 0) {
		up_write(&pf->lock);
		if (need_empty)
			lvos_pf_unclaim(pf);
		lvos_pf_streams_free(streams);
		return lvos_pf_bad(pf, attr, need_empty ?
				   LVOS_PF_BUSY_WHY :
				   "pages stored with the current algorithm", -EBUSY);
	}
	old = pf->streams;
	if (need_empty) {
		pf->streams = streams;
		strscpy(pf->comp, c, sizeof(pf->comp));
	} else {
		old = NULL;
		if (strcmp(pf->recomp, rc))
			lvos_pf_recomp_free(pf);
		strscpy(pf->recomp, rc, sizeof(pf->recomp));
	}
	up_write(&pf->lock);
	if (need_empty)
		lvos_pf_unclaim(pf);
	lvos_pf_streams_free(old);
	return 0;
}

static ssize_t lvos_pf_store_alg(struct device *dev, const char *attr,
				 const char *buf, size_t len, bool secondary)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);
	char name[LVOS_PF_NAME_LEN];
	const char *alg;
	ssize_t ret;

	if (strscpy(name, buf, sizeof(name)) < 0)
		return lvos_pf_bad(pf, attr, "algorithm name too long", -EINVAL);
	alg = lvos_pf_check_alg(name, secondary);
	if (PTR_ERR(alg) == -EINVAL)
		return lvos_pf_bad(pf, attr, LVOS_PF_ALGS_WHY, -EINVAL);
	if (IS_ERR(alg))
		return lvos_pf_bad(pf, attr, "algorithm not available in this kernel",
				   PTR_ERR(alg));
	ret = secondary ? lvos_pf_set_algs(pf, attr, pf->comp, alg, false) :
			  lvos_pf_set_algs(pf, attr, alg, pf->recomp, true);
	return ret ? ret : len;
}

static const char *lvos_pf_alg_name(struct device *dev, bool secondary)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);

	return secondary ? pf->recomp : pf->comp;
}

#define LVOS_PF_ALG(_name, _secondary)					\
static const bool _name##_2nd = _secondary;				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%s\n", lvos_pf_alg_name(dev, _name##_2nd)); \
}									\
static ssize_t _name##_store(struct device *dev,			\
			     struct device_attribute *attr,		\
			     const char *buf, size_t len)		\
{									\
	return lvos_pf_store_alg(dev, #_name, buf, len, _name##_2nd);	\
}									\
static DEVICE_ATTR_RW(_name)

LVOS_PF_ALG(comp_algorithm, false);
LVOS_PF_ALG(recomp_algorithm, true);

static ssize_t backing_dev_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);
	ssize_t ret;

	down_read(&pf->lock);
	ret = sysfs_emit(buf, "%s\n", pf->backing_path);
	up_read(&pf->lock);
	return ret;
}

static ssize_t backing_dev_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t len)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);
	char *path;
	void *handle = NULL;
	struct block_device *bdev;
	struct lvos_pf_blkmap m;
	unsigned long slots;
	ssize_t ret = len;

	path = kstrndup(buf, LVOS_PF_PATH_LEN, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	path[strcspn(path, "\n")] = '\0';
	if (!*path || strlen(path) >= LVOS_PF_PATH_LEN) {
		ret = lvos_pf_bad(pf, "backing_dev", "empty or too long path", -EINVAL);
		goto out;
	}
	if (!strcmp(path, "none")) {
		struct lvos_pf_blkmap m = { 0 };

		down_write(&pf->lock);
		lvos_pf_free_pending(pf);
		if (atomic64_read(&pf->st.wb_pages))
			ret = lvos_pf_bad(pf, "backing_dev",
					  "pages still on the backing device", -EBUSY);
		else
			m = lvos_pf_backing_take(pf, &handle);
		up_write(&pf->lock);
		lvos_pf_backing_close(handle, &m);
		goto out;
	}
	bdev = lvos_bdev_open(path, pf, &handle);
	if (IS_ERR(bdev)) {
		pr_warn_ratelimited("%s: backing_dev: cannot open %s exclusively (%ld)\n",
				    pf->disk->disk_name, path, PTR_ERR(bdev));
		ret = PTR_ERR(bdev);
		goto out;
	}
	if (bdev->bd_disk->fops == &lvos_pf_fops) {
		/* its writeback would allocate from the pool it frees */
		lvos_bdev_close(handle);
		ret = lvos_pf_bad(pf, "backing_dev", "a pagefile volume cannot back one", -EINVAL);
		goto out;
	}
again:
	/* allocated outside the lock, for the volume's size (checked below) */
	slots = READ_ONCE(pf->nr_slots);
	ret = lvos_pf_blkmap_alloc(&m, lvos_pf_backing_blocks(bdev_nr_bytes(bdev), slots));
	if (ret) {
		lvos_bdev_close(handle);
		ret = lvos_pf_bad(pf, "backing_dev", ret == -ENOMEM ?
				  "no memory for its block map" : "device smaller than a page",
				  ret);
		goto out;
	}
	ret = len;
	down_write(&pf->lock);
	if (pf->nr_slots != slots) {	/* resized meanwhile */
		up_write(&pf->lock);
		lvos_pf_blkmap_free(&m);
		goto again;
	}
	if (pf->backing) {
		up_write(&pf->lock);
		lvos_pf_blkmap_free(&m);
		lvos_bdev_close(handle);
		ret = lvos_pf_bad(pf, "backing_dev", "already has one (write none first)", -EBUSY);
		goto out;
	}
	pf->backing = handle;
	pf->bdev = bdev;
	pf->blkmap = m;
	strscpy(pf->backing_path, path, sizeof(pf->backing_path));
	up_write(&pf->lock);
	pr_info("%s: backing device %s, using %lu of its %llu pages\n", pf->disk->disk_name,
		path, m.nbits, bdev_nr_bytes(bdev) >> PAGE_SHIFT);
out:
	kfree(path);
	return ret;
}
static DEVICE_ATTR_RW(backing_dev);

static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct lvos_pf_dev *pf = lvos_pf_of(dev);
	unsigned int v;
	int ret = kstrtouint(buf, 10, &v);

	if (!ret && v != 1)
		ret = -ERANGE;
	if (ret)
		return lvos_pf_bad(pf, "reset", "write 1 to drop all data", ret);
	if (!lvos_pf_claim(pf))
		return lvos_pf_bad(pf, "reset", "volume in use (swapoff first)", -EBUSY);
	down_write(&pf->lock);
	lvos_pf_free_all(pf);
	up_write(&pf->lock);
	lvos_pf_unclaim(pf);
	lvos_pf_refresh(pf);
	return len;
}
static DEVICE_ATTR_WO(reset);

static struct attribute *lvos_pf_attrs[] = {
	&dev_attr_disksize.attr,
	&dev_attr_mem_limit.attr,
	&dev_attr_mem_used_total.attr,
	&dev_attr_mem_used_max.attr,
	&dev_attr_orig_data_size.attr,
	&dev_attr_compr_data_size.attr,
	&dev_attr_pages_stored.attr,
	&dev_attr_same_pages.attr,
	&dev_attr_huge_pages.attr,
	&dev_attr_written_back_pages.attr,
	&dev_attr_writeback_total.attr,
	&dev_attr_recompressed_pages.attr,
	&dev_attr_recompress_total.attr,
	&dev_attr_recompress_saved_bytes.attr,
	&dev_attr_compactions.attr,
	&dev_attr_pages_compacted.attr,
	&dev_attr_refused_pages.attr,
	&dev_attr_failed_reads.attr,
	&dev_attr_failed_writes.attr,
	&dev_attr_miss_free.attr,
	&dev_attr_discarded_pages.attr,
	&dev_attr_overhead_bytes.attr,
	&dev_attr_size_percent.attr,
	&dev_attr_cap_percent.attr,
	&dev_attr_idle_age.attr,
	&dev_attr_compact_threshold.attr,
	&dev_attr_comp_algorithm.attr,
	&dev_attr_recomp_algorithm.attr,
	&dev_attr_backing_dev.attr,
	&dev_attr_reset.attr,
	NULL,
};

static const struct attribute_group lvos_pf_group = {
	.name = "pagefile",
	.attrs = lvos_pf_attrs,
};

static const struct attribute_group *lvos_pf_groups[] = {
	&lvos_pf_group,
	NULL,
};

/* ---- device lifecycle ---- */

static void lvos_pf_destroy(struct lvos_pf_dev *pf)
{
	struct lvos_pf_blkmap m;
	void *handle;

	cancel_delayed_work_sync(&pf->purge_work);
	del_gendisk(pf->disk);
	put_disk(pf->disk);
	lvos_pf_free_all(pf);
	m = lvos_pf_backing_take(pf, &handle);
	lvos_pf_backing_close(handle, &m);
	lvos_pf_streams_free(pf->streams);
	lvos_pf_recomp_free(pf);
	zs_destroy_pool(pf->pool);
	kvfree(pf->free_pending);
	kvfree(pf->table);
	__free_page(pf->purge_page);
	kfree(pf);
}

/* A volume's settings and sizes from the module parameters and the RAM. */
static int lvos_pf_init_settings(struct lvos_pf_dev *pf, int id)
{
	unsigned long ram = totalram_pages();

	pf->id = id;
	init_rwsem(&pf->lock);
	spin_lock_init(&pf->blk_lock);
	spin_lock_init(&pf->rc_lock);
	INIT_DELAYED_WORK(&pf->purge_work, lvos_pf_purge_fn);
	ratelimit_state_init(&pf->refuse_rs, 30 * HZ, 1);
	ratelimit_set_flags(&pf->refuse_rs, RATELIMIT_MSG_ON_RELEASE);
	strscpy(pf->comp, lvos_pf_comp_name, sizeof(pf->comp));
	strscpy(pf->recomp, lvos_pf_recomp_name, sizeof(pf->recomp));
	strscpy(pf->backing_path, "none", sizeof(pf->backing_path));
	pf->size_pct = size_percent;
	pf->cap_pct = cap_percent;
	pf->idle_age = idle_age;
	pf->compact_pct = compact_threshold;
	pf->cap_pages = lvos_pf_cap_pages(ram, cap_percent);
	pf->nr_slots = lvos_pf_size_pages(ram, size_percent);
	if (!pf->nr_slots) {
		pr_err("%u%% of %lu KiB RAM is too small for a volume\n",
		       size_percent, ram << (PAGE_SHIFT - 10));
		return -EINVAL;
	}
	return 0;
}

/* The gendisk of a volume, added with its sysfs groups. */
static int lvos_pf_add_disk(struct lvos_pf_dev *pf)
{
	int ret;

	pf->disk = lvos_alloc_page_disk();
	if (IS_ERR(pf->disk))
		return PTR_ERR(pf->disk);
	pf->disk->major = lvos_pf_major;
	pf->disk->first_minor = pf->id;
	pf->disk->minors = 1;
	pf->disk->flags |= GENHD_FL_NO_PART;
	pf->disk->fops = &lvos_pf_fops;
	pf->disk->private_data = pf;
	snprintf(pf->disk->disk_name, DISK_NAME_LEN, "pagefile%d", pf->id);
	set_capacity(pf->disk, pf->nr_slots * LVOS_PF_SECTORS_PER_PAGE);
	ret = device_add_disk(NULL, pf->disk, lvos_pf_groups);
	if (ret)
		put_disk(pf->disk);
	return ret;
}

static int lvos_pf_create(int id)
{
	struct lvos_pf_dev *pf;
	char name[32];
	int ret = -ENOMEM;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	ret = lvos_pf_init_settings(pf, id);
	if (ret)
		goto err_free_pf;

	ret = -ENOMEM;
	snprintf(name, sizeof(name), "lvos_pagefile%d", id);
	pf->pool = zs_create_pool(name);
	if (!pf->pool)
		goto err_free_pf;
	pf->huge_size = zs_huge_class_size(pf->pool);
	pf->streams = lvos_pf_streams_alloc(pf->comp);
	if (IS_ERR(pf->streams)) {
		ret = PTR_ERR(pf->streams);
		goto err_destroy_pool;
	}
	ret = -ENOMEM;
	pf->purge_page = alloc_page(GFP_KERNEL);
	pf->table = lvos_pf_table_alloc(pf->nr_slots);
	pf->free_pending = lvos_pf_pending_alloc(pf->nr_slots);
	if (!pf->purge_page || !pf->table || !pf->free_pending)
		goto err_free_table;

	ret = lvos_pf_add_disk(pf);
	if (ret)
		goto err_free_table;

	lvos_pf_devs[id] = pf;
	queue_delayed_work(lvos_pf_wq, &pf->purge_work, lvos_pf_purge_interval * HZ);
	pr_info("%s: %lu KiB volume, cap %lu KiB, %s (idle pages: %s after %u s)\n",
		pf->disk->disk_name, pf->nr_slots << (PAGE_SHIFT - 10),
		pf->cap_pages << (PAGE_SHIFT - 10), pf->comp, pf->recomp, pf->idle_age);
	return 0;

err_free_table:
	kvfree(pf->free_pending);
	kvfree(pf->table);
	if (pf->purge_page)
		__free_page(pf->purge_page);
	lvos_pf_streams_free(pf->streams);
err_destroy_pool:
	zs_destroy_pool(pf->pool);
err_free_pf:
	kfree(pf);
	return ret;
}

static int lvos_pf_mem_notify(struct notifier_block *nb, unsigned long action,
			      void *arg)
{
	int i;

	if (action != MEM_ONLINE && action != MEM_OFFLINE)
		return NOTIFY_OK;
	/* re-size from the worker, outside the hotplug locks */
	for (i = 0; i < LVOS_PF_MAX_DEVICES; i++)
		if (lvos_pf_devs[i])
			mod_delayed_work(lvos_pf_wq, &lvos_pf_devs[i]->purge_work, 0);
	return NOTIFY_OK;
}

static struct notifier_block lvos_pf_mem_nb = {
	.notifier_call = lvos_pf_mem_notify,
};

static int __init lvos_pf_check_params(void)
{
	if (num_devices < 1 || num_devices > LVOS_PF_MAX_DEVICES) {
		pr_err("num_devices=%u: must be 1..%d\n", num_devices, LVOS_PF_MAX_DEVICES);
		return -EINVAL;
	}
	if (size_percent < LVOS_PF_SIZE_PCT_MIN || size_percent > LVOS_PF_SIZE_PCT_MAX) {
		pr_err("size_percent=%u: must be %d..%d\n", size_percent,
		       LVOS_PF_SIZE_PCT_MIN, LVOS_PF_SIZE_PCT_MAX);
		return -EINVAL;
	}
	if (cap_percent < LVOS_PF_CAP_PCT_MIN || cap_percent > LVOS_PF_CAP_PCT_MAX) {
		pr_err("cap_percent=%u: must be %d..%d\n", cap_percent,
		       LVOS_PF_CAP_PCT_MIN, LVOS_PF_CAP_PCT_MAX);
		return -EINVAL;
	}
	if (idle_age > LVOS_PF_AGE_MAX) {
		pr_err("idle_age=%u: must be 0..%u\n", idle_age, LVOS_PF_AGE_MAX);
		return -EINVAL;
	}
	if (compact_threshold > 100) {
		pr_err("compact_threshold=%u: must be 0..100\n", compact_threshold);
		return -EINVAL;
	}
	if (lvos_pf_purge_interval < 1 || lvos_pf_purge_interval > 3600) {
		pr_err("purge_interval=%u: must be 1..3600\n", lvos_pf_purge_interval);
		return -EINVAL;
	}
	lvos_pf_comp_name = lvos_pf_param_alg("comp", comp, false);
	lvos_pf_recomp_name = lvos_pf_param_alg("recomp", recomp, true);
	if (IS_ERR(lvos_pf_comp_name) || IS_ERR(lvos_pf_recomp_name))
		return -EINVAL;
	return 0;
}

static void lvos_pf_destroy_all(void)
{
	int i;

	for (i = 0; i < LVOS_PF_MAX_DEVICES; i++) {
		if (lvos_pf_devs[i]) {
			lvos_pf_destroy(lvos_pf_devs[i]);
			lvos_pf_devs[i] = NULL;
		}
	}
}

static int __init lvos_pf_init(void)
{
	int i, ret;

	ret = lvos_pf_check_params();
	if (ret)
		return ret;
	lvos_pf_t0 = ktime_get_boottime_seconds();
	lvos_pf_wq = alloc_workqueue("lvos_pagefile",
				     WQ_UNBOUND | WQ_MEM_RECLAIM | WQ_FREEZABLE, 0);
	if (!lvos_pf_wq)
		return -ENOMEM;
	ret = lvos_pf_streams_init();
	if (ret)
		goto err_destroy_wq;
	lvos_pf_major = register_blkdev(0, "pagefile");
	if (lvos_pf_major < 0) {
		ret = lvos_pf_major;
		goto err_streams_exit;
	}
	for (i = 0; i < num_devices; i++) {
		ret = lvos_pf_create(i);
		if (ret)
			goto err_destroy_devs;
	}
	ret = register_memory_notifier(&lvos_pf_mem_nb);
	if (ret)
		goto err_destroy_devs;
	return 0;

err_destroy_devs:
	lvos_pf_destroy_all();
	unregister_blkdev(lvos_pf_major, "pagefile");
err_streams_exit:
	lvos_pf_streams_exit();
err_destroy_wq:
	destroy_workqueue(lvos_pf_wq);
	return ret;
}

static void __exit lvos_pf_exit(void)
{
	unregister_memory_notifier(&lvos_pf_mem_nb);
	lvos_pf_destroy_all();
	unregister_blkdev(lvos_pf_major, "pagefile");
	lvos_pf_streams_exit();
	destroy_workqueue(lvos_pf_wq);
}

module_init(lvos_pf_init);
module_exit(lvos_pf_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lvos: volatile, memory-bound, self-purging compressed swap volumes");
MODULE_AUTHOR("lvos developers");
MODULE_VERSION(LVOS_VERSION);
