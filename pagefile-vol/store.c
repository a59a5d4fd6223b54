// SPDX-License-Identifier: GPL-2.0-only
/*
 * store.c - the I/O path of lvos_pagefile: pages in and out of the
 * compressed store, the backing device, discard and swap-slot free.
 *
 * A write stores a same-filled page as its fill word, a compressible page
 * compressed in a zsmalloc object, an incompressible one raw. Past the
 * memory cap it goes to the backing device when there is one and is
 * refused otherwise: nothing is ever dropped, a refused write fails and
 * the swap layer keeps the page in memory.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/ratelimit.h>
#include <linux/zsmalloc.h>

#include "pagefile.h"

#define LVOS_PF_GFP	(GFP_NOIO | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_NOWARN)

/* Returned by the write path when the page has to go to the backing device. */
#define LVOS_PF_TO_BACKING	1

unsigned long lvos_pf_pool_pages(struct lvos_pf_dev *pf)
{
	unsigned long pages = zs_get_total_pages(pf->pool);
	unsigned long max = atomic_long_read(&pf->st.max_used_pages);

	while (pages > max) {
		unsigned long old = atomic_long_cmpxchg(&pf->st.max_used_pages, max, pages);

		if (old == max)
			break;
		max = old;
	}
	return pages;
}

/*
 * The memory cap is a hard limit, checked before the pool can grow (as
 * zram checks mem_limit): one zs_malloc() adds at most one zspage, so every
 * allocation first reserves LVOS_PF_ZSPAGE_MAX pages and proceeds only if
 * the pool plus all reservations in flight stays within the cap. A
 * reservation is dropped only after its zs_malloc() returned, when any
 * growth it caused is already in the pool's count, so concurrent writers
 * (and the purge worker) can never together push the pool past the cap.
 */
bool lvos_pf_cap_reserve(struct lvos_pf_dev *pf)
{
	long held = atomic_long_add_return(LVOS_PF_ZSPAGE_MAX, &pf->cap_reserved);

	if (lvos_pf_pool_pages(pf) + held <= READ_ONCE(pf->cap_pages))
		return true;
	atomic_long_sub(LVOS_PF_ZSPAGE_MAX, &pf->cap_reserved);
	return false;
}

void lvos_pf_cap_release(struct lvos_pf_dev *pf)
{
	/* the pool's growth must be visible before the reservation goes */
	smp_mb__before_atomic();
	atomic_long_sub(LVOS_PF_ZSPAGE_MAX, &pf->cap_reserved);
}

long lvos_pf_backing_alloc(struct lvos_pf_dev *pf)
{
	long blk;

	spin_lock(&pf->blk_lock);
	blk = lvos_pf_blk_alloc(&pf->blkmap);
	spin_unlock(&pf->blk_lock);
	return blk;
}

void lvos_pf_backing_free(struct lvos_pf_dev *pf, unsigned long blk)
{
	spin_lock(&pf->blk_lock);
	lvos_pf_blk_free(&pf->blkmap, blk);
	spin_unlock(&pf->blk_lock);
}

/* Drop whatever slot @idx holds. Called with the slot locked. */
void lvos_pf_free_slot(struct lvos_pf_dev *pf, unsigned long idx)
{
	struct lvos_pf_slot *slot = &pf->table[idx];
	unsigned long word = slot->word;
	unsigned int size = lvos_pf_slot_size(word);

	if (word & LVOS_PF_WB) {
		lvos_pf_backing_free(pf, slot->handle);
		atomic64_dec(&pf->st.wb_pages);
	} else if (word & LVOS_PF_SAME) {
		atomic64_dec(&pf->st.same_pages);
	} else if (size) {
		zs_free(pf->pool, slot->handle);
		atomic64_sub(size, &pf->st.compr_bytes);
		if (word & LVOS_PF_HUGE)
			atomic64_dec(&pf->st.huge_pages);
		if (word & LVOS_PF_RECOMP)
			atomic64_dec(&pf->st.recomp_pages);
	} else {
		return;		/* empty: keep the lock bit, nothing to count */
	}
	atomic64_dec(&pf->st.pages_stored);
	slot->handle = 0;
	slot->word &= BIT(LVOS_PF_LOCK);
}

/* A free of slot @idx the swap layer deferred is done (or void). Slot locked. */
bool lvos_pf_clear_pending(struct lvos_pf_dev *pf, unsigned long idx)
{
	if (!test_and_clear_bit(idx, pf->free_pending))
		return false;
	atomic_long_dec(&pf->nr_pending);
	return true;
}

/*
 * Do the frees lvos_pf_slot_free_notify() deferred. Called with pf->lock
 * held (read or write), so the table stays put; never sleeps in a slot.
 */
void lvos_pf_free_pending(struct lvos_pf_dev *pf)
{
	unsigned long idx;

	if (!atomic_long_read(&pf->nr_pending))
		return;
	for_each_set_bit(idx, pf->free_pending, pf->nr_slots) {
		lvos_pf_slot_lock(pf, idx);
		if (lvos_pf_clear_pending(pf, idx))
			lvos_pf_free_slot(pf, idx);
		lvos_pf_slot_unlock(pf, idx);
		cond_resched();
	}
}

/* Publish new contents of slot @idx; the caller accounts them. */
static void lvos_pf_set_slot(struct lvos_pf_dev *pf, unsigned long idx,
			     unsigned long handle, unsigned long flags,
			     unsigned int size)
{
	unsigned long word;

	lvos_pf_slot_lock(pf, idx);
	/* the slot was freed and is written again: that free is done here */
	lvos_pf_clear_pending(pf, idx);
	lvos_pf_free_slot(pf, idx);
	word = pf->table[idx].word | flags;
	word = lvos_pf_slot_set_size(word, size);
	pf->table[idx].word = lvos_pf_slot_set_time(word, lvos_pf_now());
	pf->table[idx].handle = handle;
	atomic64_inc(&pf->st.pages_stored);
	lvos_pf_slot_unlock(pf, idx);
}

static bool lvos_pf_same_filled(const void *mem, unsigned long *fill)
{
	const unsigned long *p = mem;
	unsigned long v = p[0];
	unsigned int i;

	for (i = 1; i < PAGE_SIZE / sizeof(*p); i++)
		if (p[i] != v)
			return false;
	*fill = v;
	return true;
}

static void lvos_pf_fill(void *mem, unsigned long v)
{
	memset_l(mem, v, PAGE_SIZE / sizeof(unsigned long));
}

int lvos_pf_decompress(struct lvos_pf_dev *pf, struct lvos_pf_stream *s,
		       unsigned long handle, unsigned long word, void *dst)
{
	unsigned int size = lvos_pf_slot_size(word);
	unsigned int dlen = PAGE_SIZE;
	void *src;
	int ret = 0;

	src = zs_map_object(pf->pool, handle, ZS_MM_RO);
	if (size == PAGE_SIZE) {
		memcpy(dst, src, PAGE_SIZE);
	} else if (word & LVOS_PF_RECOMP) {
		spin_lock(&pf->rc_lock);
		/* no recompressor while a page is recompressed: a bug, not a crash */
		ret = pf->rc_tfm ? crypto_comp_decompress(pf->rc_tfm, src, size, dst, &dlen) :
				   -EINVAL;
		spin_unlock(&pf->rc_lock);
	} else {
		ret = crypto_comp_decompress(s->tfm, src, size, dst, &dlen);
	}
	if (!ret && size != PAGE_SIZE && dlen != PAGE_SIZE)
		ret = -EIO;
	zs_unmap_object(pf->pool, handle);
	return ret;
}

/*
 * Read slot @idx into @page. Returns 0, LVOS_PF_TO_BACKING with *@blk set
 * (the caller reads the backing device), or a negative error.
 */
static int lvos_pf_read_slot(struct lvos_pf_dev *pf, unsigned long idx,
			     struct page *page, unsigned long *blk)
{
	struct lvos_pf_stream *s = lvos_pf_stream_get(pf);
	unsigned long word;
	void *dst;
	int ret = 0;

	lvos_pf_slot_lock(pf, idx);
	word = pf->table[idx].word;
	if (word & LVOS_PF_WB) {
		*blk = pf->table[idx].handle;
		ret = LVOS_PF_TO_BACKING;
	} else {
		dst = kmap_local_page(page);
		if (word & LVOS_PF_SAME)
			lvos_pf_fill(dst, pf->table[idx].handle);
		else if (!lvos_pf_slot_size(word))
			clear_page(dst);	/* never written: zeroes */
		else
			ret = lvos_pf_decompress(pf, s, pf->table[idx].handle, word, dst);
		kunmap_local(dst);
		/* a page read is hot again */
		if (lvos_pf_slot_size(word) || (word & LVOS_PF_SAME))
			pf->table[idx].word = lvos_pf_slot_set_time(word, lvos_pf_now());
	}
	lvos_pf_slot_unlock(pf, idx);
	lvos_pf_stream_put(s);
	if (ret < 0) {
		atomic64_inc(&pf->st.failed_reads);
		pr_err_ratelimited("%s: page %lu does not decompress (%d)\n",
				   pf->disk->disk_name, idx, ret);
	}
	return ret;
}

/*
 * Compress the page at @src with stream @s: *@data, *@dlen are what to
 * store; LVOS_PF_HUGE (the page itself) when it does not compress below
 * the pool's huge size, else 0.
 */
unsigned long lvos_pf_compress(struct lvos_pf_dev *pf, struct lvos_pf_stream *s,
			       const void *src, const void **data, unsigned int *dlen)
{
	*dlen = 2 * PAGE_SIZE;
	if (crypto_comp_compress(s->tfm, src, PAGE_SIZE, s->buf, dlen) ||
	    *dlen >= pf->huge_size) {
		*dlen = PAGE_SIZE;
		*data = src;
		return LVOS_PF_HUGE;
	}
	*data = s->buf;
	return 0;
}

/*
 * A pool object holding @len bytes of @data, for the worker: it never waits
 * for reclaim, and the new copy counts against the cap until the caller
 * frees the old one. 0 when there is no room or memory right now.
 */
unsigned long lvos_pf_copy_nowait(struct lvos_pf_dev *pf, const void *data, unsigned int len)
{
	unsigned long handle = -ENOMEM;
	void *dst;

	if (lvos_pf_cap_reserve(pf)) {
		handle = zs_malloc(pf->pool, len, LVOS_PF_GFP_NOWAIT);
		lvos_pf_cap_release(pf);
	}
	if (IS_ERR_VALUE(handle))
		return 0;
	dst = zs_map_object(pf->pool, handle, ZS_MM_WO);
	memcpy(dst, data, len);
	zs_unmap_object(pf->pool, handle);
	return handle;
}

/* No room left for one more allocation (see lvos_pf_cap_reserve()). */
static bool lvos_pf_over_cap(struct lvos_pf_dev *pf)
{
	unsigned long want = lvos_pf_pool_pages(pf) + LVOS_PF_ZSPAGE_MAX +
			     atomic_long_read(&pf->cap_reserved);

	return want > READ_ONCE(pf->cap_pages);
}

static void lvos_pf_refuse(struct lvos_pf_dev *pf)
{
	s64 n = atomic64_inc_return(&pf->st.refused_pages);

	/* one line per 30 s with the running count, however hard reclaim pushes */
	if (__ratelimit(&pf->refuse_rs))
		pr_warn("%s: memory cap of %lu KiB reached and no backing device: writes refused (%lld so far)\n",
			pf->disk->disk_name,
			READ_ONCE(pf->cap_pages) << (PAGE_SHIFT - 10), (long long)n);
}

/*
 * Store @page in slot @idx. Returns 0, LVOS_PF_TO_BACKING (the caller
 * writes the page to the backing device), or a negative error.
 */
/*
 * The pool object for a compressed page. No direct reclaim while holding a
 * stream: every other writer (and kswapd) may be waiting for it, and a
 * GFP_NOIO allocation retries for as long as reclaim cannot make progress.
 * As zram does: try without blocking, else drop the stream, allocate,
 * compress again. Then *@s is a stream again (maybe another CPU's) and
 * *@data points into it (a huge page's stays @src). Return: the handle;
 * -ENOMEM or -EIO (as an unsigned long) with the stream dropped.
 */
static unsigned long lvos_pf_obj_alloc(struct lvos_pf_dev *pf, struct lvos_pf_stream **s,
				       const void *src, unsigned long flags,
				       const void **data, unsigned int dlen)
{
	unsigned int again = 2 * PAGE_SIZE;
	unsigned long handle;
	int ret;

	handle = zs_malloc(pf->pool, dlen, LVOS_PF_GFP_NOWAIT);
	if (!IS_ERR_VALUE(handle))
		return handle;
	lvos_pf_stream_put(*s);
	handle = zs_malloc(pf->pool, dlen, LVOS_PF_GFP);
	if (IS_ERR_VALUE(handle)) {
		pr_warn_ratelimited("%s: no memory for a %u-byte object\n",
				    pf->disk->disk_name, dlen);
		return (unsigned long)-ENOMEM;
	}
	*s = lvos_pf_stream_get(pf);
	if (flags & LVOS_PF_HUGE)
		return handle;
	ret = crypto_comp_compress((*s)->tfm, src, PAGE_SIZE, (*s)->buf, &again);
	/* same input, same algorithm: a different size is a bug */
	if (ret || again != dlen) {
		zs_free(pf->pool, handle);
		lvos_pf_stream_put(*s);
		return (unsigned long)-EIO;
	}
	*data = (*s)->buf;
	return handle;
}

static int lvos_pf_write_slot(struct lvos_pf_dev *pf, unsigned long idx,
			      struct page *page)
{
	struct lvos_pf_stream *s;
	unsigned int dlen = 2 * PAGE_SIZE;
	unsigned long handle, fill, flags = 0;
	const void *data;
	void *src, *dst;

	src = kmap_local_page(page);
	if (lvos_pf_same_filled(src, &fill)) {
		kunmap_local(src);
		lvos_pf_set_slot(pf, idx, fill, LVOS_PF_SAME, 0);
		atomic64_inc(&pf->st.same_pages);
		return 0;
	}
	/* at the cap already: no compression work for a page that cannot stay */
	if (lvos_pf_over_cap(pf)) {
		kunmap_local(src);
		goto over_cap;
	}

	s = lvos_pf_stream_get(pf);
	flags = lvos_pf_compress(pf, s, src, &data, &dlen);
	/* the pool may not grow past the cap: reserve before allocating */
	if (!lvos_pf_cap_reserve(pf)) {
		lvos_pf_stream_put(s);
		kunmap_local(src);
		goto over_cap;
	}
	handle = lvos_pf_obj_alloc(pf, &s, src, flags, &data, dlen);
	if (IS_ERR_VALUE(handle)) {
		lvos_pf_cap_release(pf);
		kunmap_local(src);
		atomic64_inc(&pf->st.failed_writes);
		return (int)(long)handle;
	}
	lvos_pf_cap_release(pf);
	dst = zs_map_object(pf->pool, handle, ZS_MM_WO);
	memcpy(dst, data, dlen);
	zs_unmap_object(pf->pool, handle);
	lvos_pf_stream_put(s);
	kunmap_local(src);

	lvos_pf_set_slot(pf, idx, handle, flags, dlen);
	atomic64_add(dlen, &pf->st.compr_bytes);
	if (flags & LVOS_PF_HUGE)
		atomic64_inc(&pf->st.huge_pages);
	lvos_pf_kick(pf);	/* near the cap: the worker moves old pages out */
	return 0;

over_cap:
	if (pf->bdev)
		return LVOS_PF_TO_BACKING;
	lvos_pf_refuse(pf);
	return -ENOSPC;
}

/* Synchronous page I/O on the backing device (worker and rw_page context). */
int lvos_pf_backing_rw(struct lvos_pf_dev *pf, struct page *page,
		       unsigned long blk, enum req_op op)
{
	struct bio *bio = bio_alloc(pf->bdev, 1, op | REQ_SYNC, GFP_NOIO);
	int ret;

	bio->bi_iter.bi_sector = (sector_t)blk * LVOS_PF_SECTORS_PER_PAGE;
	__bio_add_page(bio, page, PAGE_SIZE, 0);
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

/*
 * Backing-device I/O from inside ->submit_bio: a synchronous wait would
 * deadlock on current->bio_list, so the page goes in a child bio chained
 * to @parent, which completes when the child does.
 */
static void lvos_pf_backing_chain(struct lvos_pf_dev *pf, struct bio *parent,
				  struct page *page, unsigned long blk,
				  enum req_op op)
{
	struct bio *bio = bio_alloc(pf->bdev, 1, op, GFP_NOIO);

	bio->bi_iter.bi_sector = (sector_t)blk * LVOS_PF_SECTORS_PER_PAGE;
	__bio_add_page(bio, page, PAGE_SIZE, 0);
	bio_chain(bio, parent);
	submit_bio(bio);
}

/* A backing block for slot @idx, which then owns it (WB state). */
static long lvos_pf_claim_backing(struct lvos_pf_dev *pf, unsigned long idx)
{
	long blk;

	blk = lvos_pf_backing_alloc(pf);
	if (blk < 0) {
		atomic64_inc(&pf->st.failed_writes);
		pr_warn_ratelimited("%s: backing device %s is full\n",
				    pf->disk->disk_name, pf->backing_path);
		return blk;
	}
	lvos_pf_set_slot(pf, idx, blk, LVOS_PF_WB, PAGE_SIZE);
	atomic64_inc(&pf->st.wb_pages);
	atomic64_inc(&pf->st.wb_total);
	return blk;
}

static void lvos_pf_discard(struct lvos_pf_dev *pf, struct bio *bio)
{
	sector_t sector = bio->bi_iter.bi_sector;
	unsigned int bytes = bio->bi_iter.bi_size;
	unsigned long idx;
	unsigned int off = (sector & (LVOS_PF_SECTORS_PER_PAGE - 1)) << SECTOR_SHIFT;

	/* only whole pages are dropped; a partial head or tail keeps its data */
	if (off) {
		if (bytes <= PAGE_SIZE - off)
			return;
		bytes -= PAGE_SIZE - off;
		sector += (PAGE_SIZE - off) >> SECTOR_SHIFT;
	}
	idx = sector >> (PAGE_SHIFT - SECTOR_SHIFT);
	for (; bytes >= PAGE_SIZE && idx < pf->nr_slots; bytes -= PAGE_SIZE, idx++) {
		lvos_pf_slot_lock(pf, idx);
		if (pf->table[idx].word & ~BIT(LVOS_PF_LOCK))
			atomic64_inc(&pf->st.discarded_pages);
		lvos_pf_free_slot(pf, idx);
		lvos_pf_slot_unlock(pf, idx);
	}
}

static bool lvos_pf_valid_seg(struct lvos_pf_dev *pf, struct bio_vec *bv,
			      sector_t sector)
{
	if (bv->bv_offset || bv->bv_len != PAGE_SIZE ||
	    (sector & (LVOS_PF_SECTORS_PER_PAGE - 1)) ||
	    (sector >> (PAGE_SHIFT - SECTOR_SHIFT)) >= pf->nr_slots) {
		pr_warn_ratelimited("%s: unaligned or out-of-range I/O at sector %llu\n",
				    pf->disk->disk_name, (unsigned long long)sector);
		return false;
	}
	return true;
}

static void lvos_pf_submit_bio(struct bio *bio)
{
	struct lvos_pf_dev *pf = bio->bi_bdev->bd_disk->private_data;
	enum req_op op = bio_op(bio);
	struct bvec_iter iter;
	struct bio_vec bv;
	unsigned long idx, blk;
	int ret = 0;

	down_read(&pf->lock);
	switch (op) {
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		lvos_pf_discard(pf, bio);
		break;
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		bio_for_each_segment(bv, bio, iter) {
			if (!lvos_pf_valid_seg(pf, &bv, iter.bi_sector)) {
				ret = -EIO;
				break;
			}
			idx = iter.bi_sector >> (PAGE_SHIFT - SECTOR_SHIFT);
			if (op == REQ_OP_READ) {
				ret = lvos_pf_read_slot(pf, idx, bv.bv_page, &blk);
			} else {
				ret = lvos_pf_write_slot(pf, idx, bv.bv_page);
				if (ret == LVOS_PF_TO_BACKING) {
					long b = lvos_pf_claim_backing(pf, idx);

					ret = b < 0 ? (int)b : LVOS_PF_TO_BACKING;
					blk = b;
				}
			}
			if (ret == LVOS_PF_TO_BACKING) {
				lvos_pf_backing_chain(pf, bio, bv.bv_page, blk, op);
				ret = 0;
			}
			if (ret)
				break;
		}
		break;
	case REQ_OP_FLUSH:
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	up_read(&pf->lock);
	if (ret)
		bio->bi_status = errno_to_blk_status(ret);
	bio_endio(bio);
}

static void lvos_pf_slot_free_notify(struct block_device *bdev,
				     unsigned long index)
{
	struct lvos_pf_dev *pf = bdev->bd_disk->private_data;

	/*
	 * Called under the swap layer's spinlock: nothing here may wait. The
	 * volume is open (swap holds it), so the table cannot be resized; a
	 * free that finds pf->lock or the slot taken is deferred, never lost:
	 * the purge worker, the next write of the slot, or whatever needs the
	 * volume empty does it.
	 */
	if (index >= READ_ONCE(pf->nr_slots))
		return;
	if (down_read_trylock(&pf->lock)) {
		if (lvos_pf_slot_trylock(pf, index)) {
			lvos_pf_clear_pending(pf, index);
			lvos_pf_free_slot(pf, index);
			lvos_pf_slot_unlock(pf, index);
			up_read(&pf->lock);
			return;
		}
		up_read(&pf->lock);
	}
	atomic64_inc(&pf->st.miss_free);
	/* the first one deferred brings the next pass forward */
	if (!test_and_set_bit(index, pf->free_pending) &&
	    atomic_long_inc_return(&pf->nr_pending) == 1)
		mod_delayed_work(lvos_pf_wq, &pf->purge_work, 0);
}

#ifdef LVOS_HAVE_RW_PAGE
/*
 * 6.1's swap sets SWP_SYNCHRONOUS_IO (no swap cache round trip) only for
 * disks with ->rw_page. Pages in memory are served here; anything that
 * needs the backing device or fails returns an error without ending the
 * page, and the swap layer resubmits it as a bio (as zram does).
 */
static int lvos_pf_rw_page(struct block_device *bdev, sector_t sector,
			   struct page *page, enum req_op op)
{
	struct lvos_pf_dev *pf = bdev->bd_disk->private_data;
	struct bio_vec bv = { .bv_page = page, .bv_len = PAGE_SIZE };
	unsigned long idx = sector >> (PAGE_SHIFT - SECTOR_SHIFT);
	unsigned long blk;
	int ret;

	if (PageTransHuge(page))
		return -EOPNOTSUPP;
	down_read(&pf->lock);
	if (!lvos_pf_valid_seg(pf, &bv, sector))
		ret = -EINVAL;
	else if (op == REQ_OP_READ)
		ret = lvos_pf_read_slot(pf, idx, page, &blk);
	else if (op == REQ_OP_WRITE && lvos_pf_over_cap(pf))
		ret = -EAGAIN;	/* the bio path moves it out or refuses it, once */
	else if (op == REQ_OP_WRITE)
		ret = lvos_pf_write_slot(pf, idx, page);
	else
		ret = -EOPNOTSUPP;
	up_read(&pf->lock);
	if (ret)
		return ret < 0 ? ret : -EAGAIN;
	page_endio(page, op_is_write(op), 0);
	return 0;
}
#endif

/* Refused while a reset, resize or algorithm change holds the claim. */
#ifdef LVOS_HAVE_OPEN_DISK
static int lvos_pf_open(struct gendisk *disk, blk_mode_t mode)
{
#else
static int lvos_pf_open(struct block_device *bdev, fmode_t mode)
{
	struct gendisk *disk = bdev->bd_disk;
#endif
	struct lvos_pf_dev *pf = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	return pf->claim ? -EBUSY : 0;
}

const struct block_device_operations lvos_pf_fops = {
	.owner = THIS_MODULE,
	.open = lvos_pf_open,
	.submit_bio = lvos_pf_submit_bio,
	.swap_slot_free_notify = lvos_pf_slot_free_notify,
#ifdef LVOS_HAVE_RW_PAGE
	.rw_page = lvos_pf_rw_page,
#endif
};
