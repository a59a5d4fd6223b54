// SPDX-License-Identifier: GPL-2.0-only
/*
 * purge.c - lvos_pagefile's self-purging: a per-device delayed work item
 * that, with no userspace trigger,
 *  - re-applies the size/cap policy to the guest's current RAM,
 *  - keeps usage under the cap's high watermark by moving the oldest pages
 *    to the backing device (when there is one),
 *  - writes back pages idle for longer than idle_age, oldest first, or
 *    recompresses them with the secondary algorithm,
 *  - compacts the zsmalloc pool when fragmentation passes the threshold.
 * Each pass does a bounded amount of work and then sleeps for
 * purge_interval seconds.
 */
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/zsmalloc.h>

#include "pagefile.h"

/* Usage of the cap where writeback starts, and where it stops. */
#define LVOS_PF_WB_HIGH_PCT	90
#define LVOS_PF_WB_LOW_PCT	80
/* Most pages one pass recompresses or writes back (16 MiB). */
#define LVOS_PF_PASS_BUDGET	(16UL << (20 - PAGE_SHIFT))
/* Compact only when at least this many pages would come back. */
#define LVOS_PF_COMPACT_MIN_WASTE	16

void lvos_pf_kick(struct lvos_pf_dev *pf)
{
	if (pf->bdev && lvos_pf_wb_deficit(zs_get_total_pages(pf->pool),
					   READ_ONCE(pf->cap_pages),
					   LVOS_PF_WB_HIGH_PCT, LVOS_PF_WB_LOW_PCT))
		mod_delayed_work(lvos_pf_wq, &pf->purge_work, 0);
}

/* What a pass does with the slots it picks. */
enum lvos_pf_move {
	LVOS_PF_MOVE_WB,	/* to the backing device */
	LVOS_PF_MOVE_RECOMP,	/* recompress with the secondary algorithm */
	LVOS_PF_MOVE_BACK,	/* back to the primary one (recompression off) */
};

static bool lvos_pf_wants(unsigned long word, u32 now, u32 min_age, enum lvos_pf_move mode)
{
	switch (mode) {
	case LVOS_PF_MOVE_RECOMP:
		return lvos_pf_want_recompress(word, now, min_age);
	case LVOS_PF_MOVE_BACK:
		return lvos_pf_want_back(word);
	default:
		return lvos_pf_want_writeback(word, now, min_age);
	}
}

/*
 * Start moving slot @idx if it still qualifies: copy its page into the
 * worker's bounce page and mark it UNDER_WB. Any write or free of the slot
 * meanwhile clears the mark, and the move is then abandoned.
 */
static bool lvos_pf_begin_move(struct lvos_pf_dev *pf, unsigned long idx,
			       u32 now, u32 min_age, enum lvos_pf_move mode,
			       unsigned long *word)
{
	struct lvos_pf_stream *s = lvos_pf_stream_get(pf);
	void *dst;
	bool ok;
	int ret;

	lvos_pf_slot_lock(pf, idx);
	*word = pf->table[idx].word;
	ok = lvos_pf_wants(*word, now, min_age, mode);
	if (ok) {
		dst = kmap_local_page(pf->purge_page);
		ret = lvos_pf_decompress(pf, s, pf->table[idx].handle, *word, dst);
		kunmap_local(dst);
		if (ret)
			ok = false;
		else
			pf->table[idx].word |= LVOS_PF_UNDER_WB;
	}
	lvos_pf_slot_unlock(pf, idx);
	lvos_pf_stream_put(s);
	return ok;
}

/* Finish a move: true if the slot was still ours (mark cleared). */
static bool lvos_pf_end_move(struct lvos_pf_dev *pf, unsigned long idx)
{
	if (!(pf->table[idx].word & LVOS_PF_UNDER_WB))
		return false;
	pf->table[idx].word &= ~LVOS_PF_UNDER_WB;
	return true;
}

static bool lvos_pf_writeback_one(struct lvos_pf_dev *pf, unsigned long idx,
				  u32 now, u32 min_age)
{
	unsigned long word;
	long blk;
	bool moved = false;

	if (!lvos_pf_begin_move(pf, idx, now, min_age, LVOS_PF_MOVE_WB, &word))
		return false;
	blk = lvos_pf_backing_alloc(pf);
	if (blk >= 0 && lvos_pf_backing_rw(pf, pf->purge_page, blk, REQ_OP_WRITE)) {
		pr_warn_ratelimited("%s: write to backing device %s failed\n",
				    pf->disk->disk_name, pf->backing_path);
		atomic64_inc(&pf->st.failed_writes);
		lvos_pf_backing_free(pf, blk);
		blk = -EIO;
	}

	lvos_pf_slot_lock(pf, idx);
	if (lvos_pf_end_move(pf, idx) && blk >= 0) {
		/* keep the page's age: it is still the same old page */
		u32 t = lvos_pf_slot_time(pf->table[idx].word);

		lvos_pf_free_slot(pf, idx);
		word = lvos_pf_slot_set_size(BIT(LVOS_PF_LOCK) | LVOS_PF_WB, PAGE_SIZE);
		pf->table[idx].word = lvos_pf_slot_set_time(word, t);
		pf->table[idx].handle = blk;
		atomic64_inc(&pf->st.pages_stored);
		atomic64_inc(&pf->st.wb_pages);
		atomic64_inc(&pf->st.wb_total);
		moved = true;
	} else if (blk >= 0) {
		lvos_pf_backing_free(pf, blk);
	}
	lvos_pf_slot_unlock(pf, idx);
	return moved;
}

static bool lvos_pf_recompress_one(struct lvos_pf_dev *pf, unsigned long idx,
				   u32 now, u32 min_age)
{
	unsigned int dlen = 2 * PAGE_SIZE, old;
	unsigned long word, handle = 0;
	bool done = false;
	void *src;
	int ret;

	if (!lvos_pf_begin_move(pf, idx, now, min_age, LVOS_PF_MOVE_RECOMP, &word))
		return false;
	old = lvos_pf_slot_size(word);
	src = kmap_local_page(pf->purge_page);
	spin_lock(&pf->rc_lock);
	ret = crypto_comp_compress(pf->rc_tfm, src, PAGE_SIZE, pf->rc_buf, &dlen);
	spin_unlock(&pf->rc_lock);
	kunmap_local(src);
	if (!ret && dlen < old && dlen < pf->huge_size) {
		/* rc_buf is the worker's: no lock needed to read it */
		handle = lvos_pf_copy_nowait(pf, pf->rc_buf, dlen);
	}

	lvos_pf_slot_lock(pf, idx);
	if (lvos_pf_end_move(pf, idx)) {
		word = pf->table[idx].word;
		if (handle) {
			zs_free(pf->pool, pf->table[idx].handle);
			atomic64_sub(old - dlen, &pf->st.compr_bytes);
			atomic64_add(old - dlen, &pf->st.recomp_saved);
			if (word & LVOS_PF_HUGE)
				atomic64_dec(&pf->st.huge_pages);
			word &= ~LVOS_PF_HUGE;
			word |= LVOS_PF_RECOMP;
			pf->table[idx].handle = handle;
			atomic64_inc(&pf->st.recomp_pages);
			atomic64_inc(&pf->st.recomp_total);
			handle = 0;
			done = true;
		}
		/* tried once: an incompressible page is not retried every pass */
		pf->table[idx].word = lvos_pf_slot_set_size(word | LVOS_PF_IDLE_DONE,
							    done ? dlen : old);
	}
	lvos_pf_slot_unlock(pf, idx);
	if (handle)
		zs_free(pf->pool, handle);
	return done;
}

/*
 * Recompression was turned off: store a recompressed page with the primary
 * algorithm again, so that the recompressor can go once none is left
 * (a volume in use keeps its swap header, which goes idle, for good).
 */
static bool lvos_pf_back_one(struct lvos_pf_dev *pf, unsigned long idx, u32 now)
{
	unsigned long word, handle, flags;
	struct lvos_pf_stream *s;
	unsigned int dlen, old;
	const void *data;
	bool done = false;
	void *src;

	if (!lvos_pf_begin_move(pf, idx, now, 0, LVOS_PF_MOVE_BACK, &word))
		return false;
	old = lvos_pf_slot_size(word);
	s = lvos_pf_stream_get(pf);
	src = kmap_local_page(pf->purge_page);
	flags = lvos_pf_compress(pf, s, src, &data, &dlen);
	handle = lvos_pf_copy_nowait(pf, data, dlen);
	kunmap_local(src);
	lvos_pf_stream_put(s);

	lvos_pf_slot_lock(pf, idx);
	if (lvos_pf_end_move(pf, idx) && handle) {
		word = pf->table[idx].word & ~(LVOS_PF_RECOMP | LVOS_PF_IDLE_DONE);
		zs_free(pf->pool, pf->table[idx].handle);
		atomic64_add((s64)dlen - old, &pf->st.compr_bytes);
		atomic64_dec(&pf->st.recomp_pages);
		if (flags & LVOS_PF_HUGE)
			atomic64_inc(&pf->st.huge_pages);
		pf->table[idx].handle = handle;
		pf->table[idx].word = lvos_pf_slot_set_size(word | flags, dlen);
		handle = 0;
		done = true;
	}
	lvos_pf_slot_unlock(pf, idx);
	if (handle)
		zs_free(pf->pool, handle);
	return done;
}

/*
 * Move or recompress up to @budget slots that qualify, oldest first: one pass
 * builds an age histogram from the slots' words (read without the lock,
 * rechecked under it), the second handles the oldest buckets.
 * @stop, when set, ends the pass early once it returns true. A recompress
 * pass with no recompressor yet does nothing but set *@rc_wanted.
 */
static unsigned long lvos_pf_oldest_first(struct lvos_pf_dev *pf, u32 min_age,
					  enum lvos_pf_move mode, unsigned long budget,
					  bool (*stop)(struct lvos_pf_dev *pf), bool *rc_wanted)
{
	unsigned long hist[LVOS_PF_AGE_BUCKETS] = { 0 };
	unsigned long idx, word, done = 0;
	u32 now = lvos_pf_now();
	int cut;

	for (idx = 0; idx < pf->nr_slots; idx++) {
		word = READ_ONCE(pf->table[idx].word);
		if (lvos_pf_wants(word, now, min_age, mode))
			hist[lvos_pf_age_bucket(now - lvos_pf_slot_time(word), min_age)]++;
		if (!(idx & 4095))
			cond_resched();
	}
	cut = lvos_pf_oldest_first_cut(hist, budget);
	if (cut < 0)
		return 0;
	/* the recompressor is made (outside pf->lock) when idle pages wait for it */
	if (mode == LVOS_PF_MOVE_RECOMP && !pf->rc_tfm) {
		*rc_wanted = true;
		return 0;
	}
	for (idx = 0; idx < pf->nr_slots && done < budget; idx++) {
		word = READ_ONCE(pf->table[idx].word);
		if (!lvos_pf_wants(word, now, min_age, mode) ||
		    lvos_pf_age_bucket(now - lvos_pf_slot_time(word), min_age) < cut)
			continue;
		if (mode == LVOS_PF_MOVE_RECOMP ? lvos_pf_recompress_one(pf, idx, now, min_age) :
		    mode == LVOS_PF_MOVE_BACK ? lvos_pf_back_one(pf, idx, now) :
		    lvos_pf_writeback_one(pf, idx, now, min_age))
			done++;
		if (!(idx & 63)) {
			cond_resched();
			if (stop && stop(pf))
				break;
		}
	}
	return done;
}

static bool lvos_pf_below_low(struct lvos_pf_dev *pf)
{
	return !lvos_pf_wb_deficit(zs_get_total_pages(pf->pool),
				   READ_ONCE(pf->cap_pages),
				   0, LVOS_PF_WB_LOW_PCT);
}

static void lvos_pf_compact(struct lvos_pf_dev *pf, bool force)
{
	unsigned long freed;

	if (!force && !lvos_pf_want_compact(zs_get_total_pages(pf->pool),
					    atomic64_read(&pf->st.compr_bytes),
					    READ_ONCE(pf->compact_pct),
					    LVOS_PF_COMPACT_MIN_WASTE))
		return;
	freed = zs_compact(pf->pool);
	atomic64_inc(&pf->st.compactions);
	atomic64_add(freed, &pf->st.pages_compacted);
}

void lvos_pf_purge_fn(struct work_struct *work)
{
	struct lvos_pf_dev *pf = container_of(to_delayed_work(work),
					      struct lvos_pf_dev, purge_work);
	u32 idle_age = READ_ONCE(pf->idle_age);
	unsigned long moved = 0, budget = LVOS_PF_PASS_BUDGET;
	bool rc_wanted = false;

	lvos_pf_refresh(pf);

	down_read(&pf->lock);
	lvos_pf_free_pending(pf);
	if (!atomic64_read(&pf->st.pages_stored))
		goto out;
	/* over the high watermark: oldest pages out until below the low one */
	if (pf->bdev && lvos_pf_wb_deficit(zs_get_total_pages(pf->pool),
					   READ_ONCE(pf->cap_pages),
					   LVOS_PF_WB_HIGH_PCT, LVOS_PF_WB_LOW_PCT)) {
		moved = lvos_pf_oldest_first(pf, 0, LVOS_PF_MOVE_WB, budget, lvos_pf_below_low,
					     NULL);
		budget -= min(moved, budget);
	}
	if (idle_age && pf->bdev && budget) {
		unsigned long idle = lvos_pf_oldest_first(pf, idle_age, LVOS_PF_MOVE_WB,
							  budget, NULL, NULL);

		moved += idle;
		budget -= idle;
	}
	if (idle_age && budget && strcmp(pf->recomp, "none"))
		lvos_pf_oldest_first(pf, idle_age, LVOS_PF_MOVE_RECOMP, budget, NULL,
				     &rc_wanted);
	else if (budget && atomic64_read(&pf->st.recomp_pages))
		lvos_pf_oldest_first(pf, 0, LVOS_PF_MOVE_BACK, budget, NULL, NULL);
	/* objects moved out leave holes all over the pool: compact after them */
	lvos_pf_compact(pf, moved > 0);
out:
	lvos_pf_recomp_drop_unused(pf);
	up_read(&pf->lock);
	/* idle pages wait for a recompressor: make it, and come back at once */
	if (rc_wanted) {
		lvos_pf_recomp_make(pf);
		if (READ_ONCE(pf->rc_tfm)) {
			queue_delayed_work(lvos_pf_wq, &pf->purge_work, 0);
			return;
		}
	}
	queue_delayed_work(lvos_pf_wq, &pf->purge_work,
			   READ_ONCE(lvos_pf_purge_interval) * HZ);
}
