// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_balloon device: a virtio balloon (device ID 5, virtio 1.x) that
 * inflates in 2 MiB chunks first and in large messages, keeps a working-set
 * floor, deflates under pressure before the OOM killer and can hand idle
 * page cache back on its own (guest-driven mode, through free page
 * reporting).
 *
 * Modelled on drivers/virtio/virtio_balloon.c (the protocol, stats, free
 * page reporting, balloon compaction) and drivers/misc/vmw_balloon.c (2 MiB
 * pages, a shrinker with a hold-off). Differences from virtio_balloon:
 * chunks of 512 PFNs are whole host huge pages; a message carries up to
 * 16384 PFNs (64 MiB) instead of 256; every wait for the host is bounded.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/oom.h>
#include <linux/page-flags.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/fs.h>
#include <linux/virtio_ring.h>

#include "balloon.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#if PAGE_SHIFT != VIRTIO_BALLOON_PFN_SHIFT
#error "lvos_balloon assumes the balloon page is the kernel page (4 KiB)"
#endif

/* stats tags after VIRTIO_BALLOON_S_HTLB_PGFAIL (9): 6.12's uapi header */
#define LVOS_BL_S_OOM_KILL	10
#define LVOS_BL_S_ALLOC_STALL	11
#define LVOS_BL_S_ASYNC_SCAN	12
#define LVOS_BL_S_DIRECT_SCAN	13
#define LVOS_BL_S_ASYNC_RECLAIM	14
#define LVOS_BL_S_DIRECT_RECLAIM 15

#define LVOS_BL_OOM_PAGES	2048UL	/* 8 MiB per OOM notification */
/*
 * How long a deflate the guest needs (working set, shrinker, OOM notifier)
 * waits for the host: with oom_lock held, inside reclaim or while a
 * workload waits for memory, ack_timeout_ms (up to 10 minutes) is far too
 * long. A deflate the host has not acknowledged by then is the host's
 * until it does (limbo), unless the host lets the guest re-use pages
 * before its ack (no must-tell-host).
 */
#define LVOS_BL_URGENT_MS	10U

/* virtqueue indexes, as the virtio spec numbers them */
enum { VQ_INFLATE, VQ_DEFLATE, VQ_STATS, VQ_FREE_PAGE, VQ_REPORTING, VQ_NR };

static unsigned long mb_pages(unsigned int mb)
{
	return (unsigned long)mb << (20 - PAGE_SHIFT);
}

static unsigned long lvos_bl_size(struct lvos_bl *b)
{
	return b->nr_chunks * LVOS_BL_CHUNK + b->nr_pages;
}

/* ---- talking to the host ---- */

static void lvos_bl_ack(struct virtqueue *vq)
{
	struct lvos_bl *b = vq->vdev->priv;

	wake_up(&b->acked);
}

static bool lvos_bl_got_ack(struct virtqueue *vq)
{
	unsigned int len;

	if (lvos_bl_fault_drop())
		return false;
	return virtqueue_get_buf(vq, &len);
}

static void lvos_bl_update_actual(struct lvos_bl *b)
{
	u32 actual = lvos_bl_size(b);

	if (b->vq_dead)
		return;
	/* the legacy balloon config space is little-endian, like virtio 1.x */
	virtio_cwrite_le(b->vdev, struct virtio_balloon_config, actual, &actual);
}

static void lvos_bl_release_pages(struct lvos_bl *b, struct list_head *pages)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		if (b->adjust_managed)
			adjust_managed_page_count(page, 1);
		put_page(page);
	}
}

static void lvos_bl_release_chunk(struct lvos_bl *b, struct page *page)
{
	list_del(&page->lru);
	set_page_private(page, 0);
	if (b->adjust_managed)
		adjust_managed_page_count(page, LVOS_BL_CHUNK);
	__free_pages(page, LVOS_BL_HUGE_ORDER);
}

/* The old page of a migration, once the host has heard of it (or reset). */
static void lvos_bl_release_migrated(struct lvos_bl *b)
{
	struct page *page = b->limbo_migrated;

	if (!page)
		return;
	b->limbo_migrated = NULL;
	b->nr_pages--;
	if (b->adjust_managed)
		adjust_managed_page_count(page, 1);
	put_page(page);
}

/* Pages of a deflate message the host has now acknowledged: the guest's. */
static void lvos_bl_release_limbo(struct lvos_bl *b)
{
	struct page *page, *next;
	unsigned long n = b->nr_limbo_chunks * LVOS_BL_CHUNK + b->nr_limbo_pages;

	list_for_each_entry_safe(page, next, &b->limbo_chunks, lru)
		lvos_bl_release_chunk(b, page);
	lvos_bl_release_pages(b, &b->limbo_pages);
	lvos_bl_release_migrated(b);
	b->nr_chunks -= b->nr_limbo_chunks;
	b->nr_pages -= b->nr_limbo_pages;
	b->nr_limbo_chunks = 0;
	b->nr_limbo_pages = 0;
	WRITE_ONCE(b->deflated[LVOS_BL_DEF_HOST], b->deflated[LVOS_BL_DEF_HOST] + n);
	lvos_bl_update_actual(b);
}

static bool *lvos_bl_stalled(struct lvos_bl *b, struct virtqueue *vq)
{
	return vq == b->inflate_vq ? &b->inflate_stalled : &b->deflate_stalled;
}

/*
 * A message the host has not acknowledged still owns its PFN buffer and
 * the pages in it: nothing more is sent on @vq until it comes back, and
 * the pages of a stalled deflate stay in the balloon (limbo) until then.
 * The other queue has its own buffer and goes on. Called with @b->lock
 * held. Return: true when nothing is outstanding on @vq.
 */
static bool lvos_bl_unstalled(struct lvos_bl *b, struct virtqueue *vq)
{
	bool *stalled = lvos_bl_stalled(b, vq);

	if (b->vq_dead)
		return false;
	if (!*stalled)
		return true;
	if (!lvos_bl_got_ack(vq))
		return false;
	if (vq == b->deflate_vq)
		lvos_bl_release_limbo(b);
	*stalled = false;
	pr_info_ratelimited("the host acknowledged the stalled %s message: balloon resumes\n",
			    vq == b->inflate_vq ? "inflate" : "deflate");
	return true;
}

/*
 * Send @n PFNs from @vq's buffer and wait up to @timeout_ms for the ack.
 * Return: 0; -ETIMEDOUT when the host did not answer in time (@vq is
 * stalled: the message is still the host's); another error when the
 * message could not be queued (the host never saw it).
 */
static int lvos_bl_tell(struct lvos_bl *b, struct virtqueue *vq, unsigned int n,
			unsigned int timeout_ms)
{
	__virtio32 *pfns = vq == b->inflate_vq ? b->pfns : b->dpfns;
	const char *what = vq == b->inflate_vq ? "inflate" : "deflate";
	struct scatterlist sg;
	int err;

	if (!lvos_bl_unstalled(b, vq))
		return -EBUSY;
	sg_init_one(&sg, pfns, n * sizeof(pfns[0]));
	/* one descriptor, no indirect table: never allocates */
	err = virtqueue_add_outbuf(vq, &sg, 1, b, GFP_NOWAIT | __GFP_NOWARN);
	if (err) {
		pr_warn_ratelimited("cannot queue a %s message: %d\n", what, err);
		return err;
	}
	virtqueue_kick(vq);
	if (!wait_event_timeout(b->acked, lvos_bl_got_ack(vq), msecs_to_jiffies(timeout_ms))) {
		*lvos_bl_stalled(b, vq) = true;
		WRITE_ONCE(b->stalls, b->stalls + 1);
		pr_warn_ratelimited("the host did not acknowledge a %s message of %u pages within %u ms: balloon stalled\n",
				    what, n, timeout_ms);
		trace_lvos_balloon_message(what, n, false);
		return -ETIMEDOUT;
	}
	trace_lvos_balloon_message(what, n, true);
	return 0;
}

static unsigned long lvos_bl_read_target(struct lvos_bl *b, unsigned long total)
{
	u32 num_pages, fake = lvos_bl_fault_target();

	virtio_cread_le(b->vdev, struct virtio_balloon_config, num_pages, &num_pages);
	if (fake)
		num_pages = fake;	/* debugfs: a host that asks for more than RAM */
	if (num_pages != b->host_target && num_pages > total)
		pr_warn_ratelimited("the host asks for %u pages, more than the guest's %lu: capped\n",
				    num_pages, total);
	b->host_target = num_pages;
	return min_t(unsigned long, num_pages, total);
}

/* ---- pages in and out ---- */

/*
 * A free 2 MiB block, if the guest has one: no reclaim and no compaction
 * here (a balloon that compacts for every chunk is slower than one that
 * takes single pages); when there is none the rest goes in single pages,
 * which reclaim as virtio_balloon's do.
 */
static struct page *lvos_bl_alloc_chunk(struct lvos_bl *b)
{
	struct page *page;

	page = alloc_pages((GFP_HIGHUSER | __GFP_NOWARN | __GFP_NORETRY |
			    __GFP_NOMEMALLOC) & ~__GFP_DIRECT_RECLAIM,
			   LVOS_BL_HUGE_ORDER);
	if (!page)
		WRITE_ONCE(b->chunk_fallbacks, b->chunk_fallbacks + 1);
	return page;
}

/* the host discards a reported range only inside one RAM block */
#define LVOS_BL_MERGE_SHIFT	(27 - PAGE_SHIFT)	/* 128 MiB */

/*
 * A chunk report that was not acknowledged in time: once it comes back,
 * its chunks are ordinary reported chunks. Called with @b->lock and
 * @b->report_lock held.
 */
static bool lvos_bl_report_unstalled(struct lvos_bl *b)
{
	if (b->vq_dead)
		return false;
	if (!b->report_stalled)
		return true;
	if (!lvos_bl_got_ack(b->report_vq))
		return false;
	list_splice_init(&b->inflight, &b->chunks);
	b->nr_inflight = 0;
	b->report_stalled = false;
	return true;
}

/*
 * Inflate by up to @max chunks through the free page reporting queue: the
 * host discards each (merged) range with one call instead of one per 4 KiB
 * page, so a host huge page is dropped whole, never split. The pages are
 * the balloon's (counted in "actual") and never reach the inflate queue,
 * so a deflate frees them without a message: the host only ever saw them
 * as free memory it could discard. Until the host acknowledges the report
 * they stay in @b->inflight, never freed. Called with @b->lock held.
 * Return: chunks added (0: use the inflate queue).
 */
static unsigned long lvos_bl_inflate_reported(struct lvos_bl *b, unsigned long max)
{
	struct scatterlist *sg = b->rsg;
	unsigned long got = 0, pfn, end = 0;
	unsigned int nents = 0;
	struct page *page, *next;
	LIST_HEAD(chunks);
	ktime_t t0, t1;
	int err;

	/* free page reporting has the queue: the inflate queue it is */
	if (!mutex_trylock(&b->report_lock))
		return 0;
	if (!lvos_bl_report_unstalled(b))
		goto out_unlock;
	sg_init_table(sg, LVOS_BL_RSG);
	t0 = ktime_get();
	while (got < max && nents < LVOS_BL_RSG) {
		page = lvos_bl_alloc_chunk(b);
		if (!page)
			break;
		pfn = page_to_pfn(page);
		if (nents && pfn == end &&
		    !((pfn ^ (end - 1)) >> LVOS_BL_MERGE_SHIFT))
			sg[nents - 1].length += LVOS_BL_CHUNK << PAGE_SHIFT;
		else
			sg_set_page(&sg[nents++], page, LVOS_BL_CHUNK << PAGE_SHIFT, 0);
		end = pfn + LVOS_BL_CHUNK;
		set_page_private(page, 1);	/* never on the inflate queue */
		list_add_tail(&page->lru, &chunks);
		got++;
	}
	if (!got)
		goto out_unlock;
	sg_mark_end(&sg[nents - 1]);
	/* indirect descriptors are off: adding never allocates */
	err = virtqueue_add_inbuf(b->report_vq, sg, nents, b, GFP_NOWAIT | __GFP_NOWARN);
	if (err) {
		/* the host never saw them */
		list_for_each_entry_safe(page, next, &chunks, lru) {
			list_del(&page->lru);
			set_page_private(page, 0);
			__free_pages(page, LVOS_BL_HUGE_ORDER);
		}
		pr_warn_ratelimited("cannot queue a chunk report: %d\n", err);
		got = 0;
		goto out_unlock;
	}
	t1 = ktime_get();
	virtqueue_kick(b->report_vq);
	list_for_each_entry(page, &chunks, lru)
		if (b->adjust_managed)
			adjust_managed_page_count(page, -(long)LVOS_BL_CHUNK);
	b->nr_chunks += got;
	if (!wait_event_timeout(b->acked, lvos_bl_got_ack(b->report_vq),
				msecs_to_jiffies(lvos_bl_set.ack_timeout_ms))) {
		b->report_stalled = true;
		list_splice(&chunks, &b->inflight);
		b->nr_inflight += got;
		WRITE_ONCE(b->stalls, b->stalls + 1);
		pr_warn_ratelimited("the host did not acknowledge a report of %lu chunks within %u ms\n",
				    got, lvos_bl_set.ack_timeout_ms);
	} else {
		list_splice(&chunks, &b->chunks);
		trace_lvos_balloon_batch("report", got * LVOS_BL_CHUNK, nents,
					 ktime_us_delta(t1, t0), ktime_us_delta(ktime_get(), t1));
	}
	WRITE_ONCE(b->inflated, b->inflated + got * LVOS_BL_CHUNK);
	WRITE_ONCE(b->chunks_reported, b->chunks_reported + got);
out_unlock:
	mutex_unlock(&b->report_lock);
	return got;
}

/*
 * Inflate by up to @want pages in one message. Chunks come first; when the
 * guest has no free 2 MiB block left the rest of the message is single
 * pages. Called with @b->lock held. Return: pages added (0 when the guest
 * has none to give, the host stalled or the message failed).
 */
static unsigned long lvos_bl_inflate_one(struct lvos_bl *b, unsigned long want)
{
	struct lvos_bl_split s;
	LIST_HEAD(chunks);
	LIST_HEAD(pages);
	struct page *page, *next;
	unsigned int n = 0, i;
	unsigned long got_chunks = 0, got_pages = 0;
	ktime_t t0, t1;
	int err;

	if (!lvos_bl_unstalled(b, b->inflate_vq))
		return 0;
	if (b->report_chunks && READ_ONCE(lvos_bl_set.report_chunks) &&
	    READ_ONCE(lvos_bl_set.huge) && want >= LVOS_BL_CHUNK) {
		got_chunks = min(want / LVOS_BL_CHUNK, LVOS_BL_REPORT_MAX);
		got_chunks = lvos_bl_inflate_reported(b, got_chunks);
		if (got_chunks)
			return got_chunks * LVOS_BL_CHUNK;
	}
	lvos_bl_inflate_split(want, LVOS_BL_BATCH, READ_ONCE(lvos_bl_set.huge), &s);
	t0 = ktime_get();
	while (got_chunks < s.chunks) {
		page = lvos_bl_alloc_chunk(b);
		if (!page)
			break;
		for (i = 0; i < LVOS_BL_CHUNK; i++)
			b->pfns[n++] = cpu_to_virtio32(b->vdev, page_to_pfn(page) + i);
		list_add(&page->lru, &chunks);
		got_chunks++;
	}
	/* what the chunks did not cover, in single (movable) pages */
	s.pages += (s.chunks - got_chunks) * LVOS_BL_CHUNK;
	while (got_pages < s.pages) {
		page = balloon_page_alloc();
		if (!page)
			break;
		b->pfns[n++] = cpu_to_virtio32(b->vdev, page_to_pfn(page));
		list_add(&page->lru, &pages);
		got_pages++;
	}
	if (!n)
		return 0;
	/*
	 * The pages are not movable until enqueued, so nothing can touch them
	 * before the host has heard of them. Not acknowledged in time: they
	 * stay in the balloon (the host may still take them).
	 */
	t1 = ktime_get();
	err = lvos_bl_tell(b, b->inflate_vq, n, lvos_bl_set.ack_timeout_ms);
	if (!err)
		trace_lvos_balloon_batch("inflate", n, n, ktime_us_delta(t1, t0),
					 ktime_us_delta(ktime_get(), t1));
	if (err && err != -ETIMEDOUT) {
		list_for_each_entry_safe(page, next, &chunks, lru) {
			list_del(&page->lru);
			__free_pages(page, LVOS_BL_HUGE_ORDER);
		}
		list_for_each_entry_safe(page, next, &pages, lru) {
			list_del(&page->lru);
			put_page(page);
		}
		return 0;
	}
	list_for_each_entry_safe(page, next, &chunks, lru) {
		if (b->adjust_managed)
			adjust_managed_page_count(page, -(long)LVOS_BL_CHUNK);
		list_move(&page->lru, &b->chunks);
	}
	if (b->adjust_managed)
		list_for_each_entry(page, &pages, lru)
			adjust_managed_page_count(page, -1);
	balloon_page_list_enqueue(&b->bdi, &pages);
	b->nr_chunks += got_chunks;
	b->nr_pages += got_pages;
	WRITE_ONCE(b->inflated, b->inflated + n);
	return n;
}

/*
 * One chunk that went through the inflate queue becomes 512 movable single
 * pages; the host is not involved (their PFNs are the host's already).
 * A reported chunk is never split: its pages would later go out in a
 * deflate message although the host never saw them inflated. Return:
 * false when every chunk is a reported one.
 */
static bool lvos_bl_split_chunk(struct lvos_bl *b)
{
	struct page *page = NULL, *p;
	LIST_HEAD(pages);
	unsigned int i;

	list_for_each_entry(p, &b->chunks, lru) {
		if (!page_private(p)) {
			page = p;
			break;
		}
	}
	if (!page)
		return false;
	list_del(&page->lru);
	split_page(page, LVOS_BL_HUGE_ORDER);
	for (i = 0; i < LVOS_BL_CHUNK; i++)
		list_add(&page[i].lru, &pages);
	balloon_page_list_enqueue(&b->bdi, &pages);
	b->nr_chunks--;
	b->nr_pages += LVOS_BL_CHUNK;
	return true;
}

/* A deflate message that could not be queued: the pages stay in the balloon. */
static void lvos_bl_deflate_undo(struct lvos_bl *b, struct list_head *chunks,
				 struct list_head *pages)
{
	list_splice(chunks, &b->chunks);
	balloon_page_list_enqueue(&b->bdi, pages);
}

/*
 * Deflate by up to @want pages in one message, telling the host before any
 * page is used again. Pages of a message the host does not acknowledge in
 * time wait in limbo (still in the balloon) for the ack or a reset; when
 * the guest needs them now (@why: pressure, reclaim, OOM) the wait is 10 ms,
 * and a host without must-tell-host lets them go back before its ack.
 * Called with @b->lock held. Return: pages released.
 */
static unsigned long lvos_bl_deflate_one(struct lvos_bl *b, unsigned long want,
					 enum lvos_bl_deflate why)
{
	bool urgent = why != LVOS_BL_DEF_HOST;	/* the guest needs the memory */
	__virtio32 *pfns = b->dpfns;
	struct lvos_bl_split s;
	LIST_HEAD(chunks);
	LIST_HEAD(pages);
	struct page *page, *next;
	unsigned long got_pages, done, chunks_free, pages_free;
	unsigned int n = 0, i, c;
	int err = 0;

	if (!lvos_bl_unstalled(b, b->deflate_vq)) {
		if (!urgent || b->must_tell || b->vq_dead)
			return 0;
		/*
		 * The host still holds the last deflate message (and its
		 * buffer). Without must-tell-host the guest may take pages
		 * back before the host has heard of it: they go unannounced
		 * (the host sees "actual" fall), or the guest OOMs with the
		 * memory right here.
		 */
		pfns = NULL;
	}
	chunks_free = b->nr_chunks - b->nr_inflight - b->nr_limbo_chunks;
	pages_free = b->nr_pages - b->nr_limbo_pages - !!b->limbo_migrated;
	lvos_bl_deflate_split(want, LVOS_BL_BATCH, chunks_free, pages_free, &s);
	if (s.split) {
		if (lvos_bl_split_chunk(b))
			lvos_bl_deflate_split(want, LVOS_BL_BATCH, chunks_free - 1,
					      pages_free + LVOS_BL_CHUNK, &s);
		else
			s.chunks++;	/* a whole reported chunk: a little more */
	}
	for (c = 0; c < s.chunks; c++) {
		page = list_first_entry(&b->chunks, struct page, lru);
		/* a reported chunk was never on the inflate queue: no message */
		for (i = 0; pfns && !page_private(page) && i < LVOS_BL_CHUNK; i++)
			pfns[n++] = cpu_to_virtio32(b->vdev, page_to_pfn(page) + i);
		list_move(&page->lru, &chunks);
	}
	/* pages isolated by compaction are skipped; they come back later */
	got_pages = s.pages ? balloon_page_list_dequeue(&b->bdi, &pages, s.pages) : 0;
	list_for_each_entry(page, &pages, lru)
		if (pfns)
			pfns[n++] = cpu_to_virtio32(b->vdev, page_to_pfn(page));
	done = s.chunks * LVOS_BL_CHUNK + got_pages;
	if (!done)
		return 0;
	if (!pfns) {
		WRITE_ONCE(b->unannounced, b->unannounced + done);
		pr_warn_ratelimited("the host has not acknowledged the last deflate: %lu pages go back to the guest unannounced\n",
				    done);
	} else if (n) {
		/* ack_timeout_ms is 100 ms at least: the urgent wait is the shorter */
		err = lvos_bl_tell(b, b->deflate_vq, n,
				   urgent ? LVOS_BL_URGENT_MS : lvos_bl_set.ack_timeout_ms);
	}
	if (err && err != -ETIMEDOUT) {
		lvos_bl_deflate_undo(b, &chunks, &pages);
		return 0;
	}
	if (err && (b->must_tell || !urgent)) {
		/* the host may still read the message: keep them until it has */
		list_splice(&chunks, &b->limbo_chunks);
		list_splice(&pages, &b->limbo_pages);
		b->nr_limbo_chunks += s.chunks;
		b->nr_limbo_pages += got_pages;
		return 0;
	}
	list_for_each_entry_safe(page, next, &chunks, lru)
		lvos_bl_release_chunk(b, page);
	lvos_bl_release_pages(b, &pages);
	b->nr_chunks -= s.chunks;
	b->nr_pages -= got_pages;
	WRITE_ONCE(b->deflated[why], b->deflated[why] + done);
	return done;
}

static unsigned long lvos_bl_deflate(struct lvos_bl *b, unsigned long want,
				     enum lvos_bl_deflate why)
{
	unsigned long done = 0, n;

	while (done < want) {
		n = lvos_bl_deflate_one(b, want - done, why);
		if (!n)
			break;
		done += n;
	}
	if (done) {
		lvos_bl_update_actual(b);
		trace_lvos_balloon_deflate(done, lvos_bl_deflate_name(why),
					   lvos_bl_size(b));
	}
	return done;
}

/* ---- the floor ---- */

static unsigned long lvos_bl_total(struct lvos_bl *b)
{
	return totalram_pages() + (b->adjust_managed ? lvos_bl_size(b) : 0);
}

/*
 * Not under @b->lock: all_vm_events() takes the CPU hotplug lock, which
 * the OOM notifier's caller may hold. The balloon's size is read racily.
 */
static void lvos_bl_sample(struct lvos_bl *b, struct lvos_bl_mem *m)
{
	unsigned long refaults, swapins;

	mutex_lock(&b->sample_lock);
	all_vm_events(b->events);
	refaults = global_node_page_state(WORKINGSET_REFAULT_FILE);
	swapins = b->events[PSWPIN];
	m->refaults = refaults - b->last_refaults;
	m->swapins = swapins - b->last_swapins;
	b->last_refaults = refaults;
	b->last_swapins = swapins;
	mutex_unlock(&b->sample_lock);

	m->total = lvos_bl_total(b);
	m->balloon = lvos_bl_size(b);
	m->available = max_t(long, si_mem_available(), 0);
	m->active_file = global_node_page_state(NR_ACTIVE_FILE);
	m->reserve = mb_pages(lvos_bl_set.reserve_mb);
}

/* Short of memory right now: reclaim should take from the balloon. */
static bool lvos_bl_short(void)
{
	return si_mem_available() < (long)(mb_pages(lvos_bl_set.reserve_mb) / 2);
}

static void lvos_bl_holdoff(struct lvos_bl *b)
{
	b->holdoff_until = jiffies + msecs_to_jiffies(lvos_bl_set.holdoff_ms);
}

static void lvos_bl_set_reason(struct lvos_bl *b, enum lvos_bl_reason reason,
			       unsigned long refused)
{
	if (reason != LVOS_BL_OK && (b->reason != reason || !b->refused)) {
		WRITE_ONCE(b->refusals, b->refusals + 1);
		trace_lvos_balloon_refuse(b->target, lvos_bl_size(b), b->floor.floor,
					  refused, lvos_bl_reason_name(reason));
		pr_info_ratelimited("host target %lu pages, balloon %lu: %lu refused (%s; floor %lu of %lu pages)\n",
				    b->target, lvos_bl_size(b), refused,
				    lvos_bl_reason_name(reason), b->floor.floor,
				    lvos_bl_total(b));
	}
	WRITE_ONCE(b->reason, reason);
	WRITE_ONCE(b->refused, refused);
}

/*
 * Move the balloon one message towards the host's target within the floor
 * (@m sampled without the lock). Called with @b->lock held, which is
 * dropped between messages so reclaim and the OOM notifier get their turn.
 * Return: true when another message is due at once.
 */
static bool lvos_bl_balance(struct lvos_bl *b, struct lvos_bl_mem *m)
{
	struct lvos_bl_plan p;
	unsigned long want, done;
	ktime_t t0;

	m->balloon = lvos_bl_size(b);
	m->total = lvos_bl_total(b);
	lvos_bl_compute_floor(m, &b->floor);
	b->target = lvos_bl_read_target(b, m->total);

	/*
	 * Acks that came in since: limbo pages go back. A queue still stalled
	 * holds up only its own direction (inflate_one, deflate_one).
	 */
	lvos_bl_unstalled(b, b->inflate_vq);
	lvos_bl_unstalled(b, b->deflate_vq);
	if (b->vq_dead) {
		lvos_bl_set_reason(b, LVOS_BL_STALLED,
				   b->target > m->balloon ? b->target - m->balloon
							  : m->balloon - b->target);
		return false;
	}
	lvos_bl_decide(b->target, m->balloon, &b->floor,
		       mb_pages(lvos_bl_set.hyst_mb),
		       time_before(jiffies, b->holdoff_until), b->may_deflate, &p);

	if (p.delta < 0) {
		want = min_t(unsigned long, -p.delta, LVOS_BL_BATCH);
		done = lvos_bl_deflate(b, want, p.pressure ? LVOS_BL_DEF_PRESSURE
							  : LVOS_BL_DEF_HOST);
		if (p.pressure && done) {
			lvos_bl_holdoff(b);
			pr_info_ratelimited("working set grew: deflated %lu pages (floor %lu pages)\n",
					    done, b->floor.floor);
		}
		if (!done) {
			lvos_bl_set_reason(b, b->deflate_stalled ? LVOS_BL_STALLED : p.reason,
					   p.refused - p.delta);
			return false;
		}
		lvos_bl_set_reason(b, p.reason, p.refused);
		return done < (unsigned long)-p.delta;
	}
	if (p.delta > 0) {
		/* someone else needs the memory more than the host */
		if (lvos_bl_short()) {
			lvos_bl_set_reason(b, LVOS_BL_FLOOR, p.refused + p.delta);
			return false;
		}
		t0 = ktime_get();
		done = lvos_bl_inflate_one(b, p.delta);
		if (done) {
			WRITE_ONCE(b->inflate_us, ktime_us_delta(ktime_get(), t0));
			lvos_bl_update_actual(b);
			trace_lvos_balloon_inflate(done, lvos_bl_size(b), b->nr_chunks,
						   b->inflate_us);
		}
		if (!done || b->inflate_stalled || b->report_stalled) {
			lvos_bl_set_reason(b, b->inflate_stalled || b->report_stalled ?
					   LVOS_BL_STALLED : LVOS_BL_ALLOC,
					   p.refused + p.delta - done);
			return false;
		}
		lvos_bl_set_reason(b, p.reason, p.refused);
		return done < (unsigned long)p.delta;
	}
	lvos_bl_set_reason(b, p.reason, p.refused);
	return false;
}

/* ---- guest-driven mode: cold page cache back to the host ---- */

static struct vfsmount *lvos_bl_cg_mnt;
static struct file *lvos_bl_reclaim_file;
/*
 * memory.reclaim reclaims anonymous memory too while swap has room (with
 * lvos_pagefile: it compresses the workload's memory back into the guest).
 * 6.11+ takes "swappiness=0": page cache only (cgroup reclaim with
 * swappiness 0 scans file pages only, MGLRU too). Older kernels refuse the
 * argument (-EINVAL): there the trim waits while any swap has free space.
 */
static bool lvos_bl_reclaim_file_only = true;

/*
 * The root memory cgroup's memory.reclaim (5.19+) reclaims the coldest
 * pages of the whole guest, which free page reporting then hands to the
 * host. lvos mounts its own cgroup2 instance, so it does not depend on
 * where (or whether) user space mounted one.
 */
static struct file *lvos_bl_reclaim_open(void)
{
	struct file_system_type *type;
	struct file *f;

	if (lvos_bl_reclaim_file)
		return lvos_bl_reclaim_file;
	if (!lvos_bl_cg_mnt) {
		type = get_fs_type("cgroup2");
		if (!type)
			return ERR_PTR(-ENODEV);
		lvos_bl_cg_mnt = kern_mount(type);
		module_put(type->owner);
		if (IS_ERR(lvos_bl_cg_mnt)) {
			f = ERR_CAST(lvos_bl_cg_mnt);
			lvos_bl_cg_mnt = NULL;
			return f;
		}
	}
	f = file_open_root_mnt(lvos_bl_cg_mnt, "memory.reclaim", O_WRONLY, 0);
	if (!IS_ERR(f))
		lvos_bl_reclaim_file = f;
	return f;
}

void lvos_bl_guest_release(void)
{
	if (lvos_bl_reclaim_file)
		filp_close(lvos_bl_reclaim_file, NULL);
	lvos_bl_reclaim_file = NULL;
	if (lvos_bl_cg_mnt)
		kern_unmount(lvos_bl_cg_mnt);
	lvos_bl_cg_mnt = NULL;
}

static unsigned long lvos_bl_file_pages(void)
{
	unsigned long file = global_node_page_state(NR_FILE_PAGES);
	unsigned long shmem = global_node_page_state(NR_SHMEM);

	return file > shmem ? file - shmem : 0;
}

static void lvos_bl_guest_trim(struct lvos_bl *b)
{
	struct lvos_bl_mem m;
	unsigned long refaults, swapins, n, before, after;
	struct file *f;
	char buf[40];
	loff_t pos = 0;
	ssize_t err;
	int len;

	if (!READ_ONCE(lvos_bl_set.guest_driven)) {
		b->guest_state = "off";
		return;
	}
	if (!b->reporting) {
		b->guest_state = "unavailable: the host offers no free page reporting";
		return;
	}
	if (time_before(jiffies, b->next_trim))
		return;
	if (!lvos_bl_reclaim_file_only && get_nr_swap_pages() > 0) {
		b->guest_state = "waiting: swap is on (this kernel's memory.reclaim would swap)";
		return;
	}
	b->next_trim = jiffies + lvos_bl_set.guest_interval_s * HZ;

	lvos_bl_sample(b, &m);
	lvos_bl_compute_floor(&m, &b->floor);
	/* cold means: no refaults and no swap-ins over the whole interval */
	mutex_lock(&b->sample_lock);
	refaults = b->last_refaults;
	swapins = b->last_swapins;
	m.refaults = refaults - b->trim_refaults;
	m.swapins = swapins - b->trim_swapins;
	b->trim_refaults = refaults;
	b->trim_swapins = swapins;
	mutex_unlock(&b->sample_lock);

	before = lvos_bl_file_pages();
	n = lvos_bl_trim_step(&m, &b->floor, before, mb_pages(lvos_bl_set.guest_keep_mb),
			      mb_pages(lvos_bl_set.guest_step_mb));
	if (!n) {
		b->guest_state = m.refaults || m.swapins ? "waiting: the guest is busy"
							 : "idle: nothing cold to trim";
		return;
	}
	f = lvos_bl_reclaim_open();
	if (IS_ERR(f)) {
		b->guest_state = "unavailable: no memory cgroup (memory.reclaim)";
		pr_warn_ratelimited("guest-driven mode: cannot open memory.reclaim: %ld\n",
				    PTR_ERR(f));
		return;
	}
	len = scnprintf(buf, sizeof(buf), "%lu%s", n << PAGE_SHIFT,
			lvos_bl_reclaim_file_only ? " swappiness=0" : "");
	/* -EAGAIN: less was reclaimable than asked; what was, is gone */
	err = kernel_write(f, buf, len, &pos);
	if (err == -EINVAL && lvos_bl_reclaim_file_only) {
		lvos_bl_reclaim_file_only = false;
		pr_info("guest-driven mode: memory.reclaim takes no swappiness=0 here: trimming only while swap is off or full\n");
		b->next_trim = jiffies;		/* again at once, the old way */
		b->guest_state = "idle: nothing cold to trim";
		return;
	}
	after = lvos_bl_file_pages();
	if (before > after) {
		WRITE_ONCE(b->trimmed_pages, b->trimmed_pages + before - after);
		WRITE_ONCE(b->trims, b->trims + 1);
	}
	/* the reclaim itself reads as activity: start the next interval now */
	mutex_lock(&b->sample_lock);
	b->trim_refaults = global_node_page_state(WORKINGSET_REFAULT_FILE);
	mutex_unlock(&b->sample_lock);
	b->guest_state = "trimming";
}

static void lvos_bl_balance_work(struct work_struct *work)
{
	struct lvos_bl *b = container_of(to_delayed_work(work), struct lvos_bl,
					 balance_work);
	unsigned long delay = msecs_to_jiffies(lvos_bl_set.watch_ms);
	struct lvos_bl_mem m;

	lvos_bl_sample(b, &m);
	mutex_lock(&b->lock);
	if (lvos_bl_balance(b, &m))
		delay = 0;
	mutex_unlock(&b->lock);
	if (delay)
		lvos_bl_guest_trim(b);

	spin_lock_irq(&b->stop_lock);
	if (!b->stop)
		queue_delayed_work(system_freezable_wq, &b->balance_work, delay);
	spin_unlock_irq(&b->stop_lock);
}

void lvos_bl_kick(struct lvos_bl *b)
{
	unsigned long flags;

	spin_lock_irqsave(&b->stop_lock, flags);
	if (!b->stop)
		mod_delayed_work(system_freezable_wq, &b->balance_work, 0);
	spin_unlock_irqrestore(&b->stop_lock, flags);
}

static void lvos_bl_config_changed(struct virtio_device *vdev)
{
	lvos_bl_kick(vdev->priv);
}

/* ---- pressure: reclaim and OOM take from the balloon ---- */

static unsigned long lvos_bl_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	struct lvos_bl *b = READ_ONCE(lvos_bl_dev);

	if (!b || !b->may_deflate || !READ_ONCE(lvos_bl_set.shrinker) || !lvos_bl_short())
		return 0;
	return READ_ONCE(b->nr_pages) + READ_ONCE(b->nr_chunks) * LVOS_BL_CHUNK;
}

static unsigned long lvos_bl_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct lvos_bl *b = READ_ONCE(lvos_bl_dev);
	unsigned long done;

	if (!b || !b->may_deflate || !READ_ONCE(lvos_bl_set.shrinker))
		return SHRINK_STOP;
	/* inflation holds the lock while it allocates, maybe from here */
	if (!mutex_trylock(&b->lock))
		return SHRINK_STOP;
	done = lvos_bl_deflate(b, max(sc->nr_to_scan, LVOS_BL_CHUNK),
			       LVOS_BL_DEF_RECLAIM);
	if (done) {
		lvos_bl_holdoff(b);
		lvos_bl_set_reason(b, LVOS_BL_PRESSURE,
				   b->target > lvos_bl_size(b) ? b->target - lvos_bl_size(b) : 0);
	}
	mutex_unlock(&b->lock);
	if (done)
		pr_info_ratelimited("memory short: deflated %lu pages for reclaim\n", done);
	return done ? done : SHRINK_STOP;
}

/*
 * Called with oom_lock held: never wait long for @b->lock (20 tries, 2 to
 * 4 ms apart: an inflate message holds it up to one ack timeout); without
 * it the OOM killer goes on. The deflate itself waits LVOS_BL_URGENT_MS.
 */
static int lvos_bl_oom_notify(struct notifier_block *nb, unsigned long dummy,
			      void *parm)
{
	struct lvos_bl *b = container_of(nb, struct lvos_bl, oom_nb);
	unsigned long *freed = parm, done;
	unsigned int tries;

	for (tries = 0; !mutex_trylock(&b->lock); tries++) {
		if (tries == 20)
			return NOTIFY_OK;
		usleep_range(2000, 4000);
	}
	done = lvos_bl_deflate(b, LVOS_BL_OOM_PAGES, LVOS_BL_DEF_OOM);
	if (done) {
		lvos_bl_holdoff(b);
		lvos_bl_set_reason(b, LVOS_BL_PRESSURE,
				   b->target > lvos_bl_size(b) ? b->target - lvos_bl_size(b) : 0);
	}
	mutex_unlock(&b->lock);
	*freed += done;
	if (done)
		pr_info_ratelimited("out of memory: deflated %lu pages\n", done);
	return NOTIFY_OK;
}

/* ---- balloon compaction: single pages can move ---- */

#ifdef CONFIG_BALLOON_COMPACTION
static int lvos_bl_migratepage(struct balloon_dev_info *bdi, struct page *newpage,
			       struct page *page, enum migrate_mode mode)
{
	struct lvos_bl *b = container_of(bdi, struct lvos_bl, bdi);
	unsigned long flags;
	int err;

	/* like virtio_balloon: never wait for the lock (inflation may compact) */
	if (!mutex_trylock(&b->lock))
		return -EAGAIN;
	/* both messages must be possible, or nothing moves */
	if (!lvos_bl_unstalled(b, b->inflate_vq) || !lvos_bl_unstalled(b, b->deflate_vq)) {
		mutex_unlock(&b->lock);
		return -EAGAIN;
	}
	get_page(newpage);	/* the balloon's reference */
	if (b->adjust_managed)
		adjust_managed_page_count(newpage, -1);
	spin_lock_irqsave(&bdi->pages_lock, flags);
	balloon_page_insert(bdi, newpage);
	bdi->isolated_pages--;
	__count_vm_event(BALLOON_MIGRATE);
	spin_unlock_irqrestore(&bdi->pages_lock, flags);
	WRITE_ONCE(b->migrated, b->migrated + 1);

	/*
	 * Like virtio_balloon: the new page in, then the old one out, each
	 * with its own buffer, so the old page is always announced even when
	 * the host does not acknowledge the new one (stalled: it stays the
	 * host's). With must-tell-host the old page is the host's until the
	 * deflate is acknowledged: it waits in limbo, counted in the balloon.
	 */
	b->pfns[0] = cpu_to_virtio32(b->vdev, page_to_pfn(newpage));
	lvos_bl_tell(b, b->inflate_vq, 1, lvos_bl_set.ack_timeout_ms);
	balloon_page_finalize(page);
	b->dpfns[0] = cpu_to_virtio32(b->vdev, page_to_pfn(page));
	err = lvos_bl_tell(b, b->deflate_vq, 1, lvos_bl_set.ack_timeout_ms);
	if (err && b->must_tell) {
		/*
		 * The balloon keeps its reference. Not on a list: the
		 * migration core unlinks page->lru after this returns. One at
		 * most: the stalled deflate queue stops the next migration.
		 */
		b->limbo_migrated = page;
		b->nr_pages++;
		lvos_bl_update_actual(b);
		mutex_unlock(&b->lock);
		return MIGRATEPAGE_SUCCESS;
	}
	mutex_unlock(&b->lock);
	if (b->adjust_managed)
		adjust_managed_page_count(page, 1);
	put_page(page);		/* the balloon's reference */
	return MIGRATEPAGE_SUCCESS;
}
#endif

/* ---- stats ---- */

static void lvos_bl_stat(struct lvos_bl *b, unsigned int *i, u16 tag, u64 val)
{
	b->stats[*i].tag = cpu_to_virtio16(b->vdev, tag);
	b->stats[*i].val = cpu_to_virtio64(b->vdev, val);
	(*i)++;
}

#define pages_to_bytes(x) ((u64)(x) << PAGE_SHIFT)

/* Every tag the kernel's uapi knows (6.12), on every kernel. */
static unsigned int lvos_bl_fill_stats(struct lvos_bl *b)
{
	unsigned long *ev = b->events, stall = 0;
	struct sysinfo si;
	unsigned int i = 0, z;

	mutex_lock(&b->sample_lock);
	all_vm_events(ev);
	si_meminfo(&si);
	for (z = 0; z < MAX_NR_ZONES; z++)
		stall += ev[ALLOCSTALL_NORMAL - ZONE_NORMAL + z];
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_SWAP_IN, pages_to_bytes(ev[PSWPIN]));
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_SWAP_OUT, pages_to_bytes(ev[PSWPOUT]));
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_MAJFLT, ev[PGMAJFAULT]);
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_MINFLT, ev[PGFAULT]);
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_MEMFREE, pages_to_bytes(si.freeram));
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_MEMTOT, pages_to_bytes(si.totalram));
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_AVAIL,
		     pages_to_bytes(max_t(long, si_mem_available(), 0)));
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_CACHES,
		     pages_to_bytes(global_node_page_state(NR_FILE_PAGES)));
#ifdef CONFIG_HUGETLB_PAGE
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_HTLB_PGALLOC, ev[HTLB_BUDDY_PGALLOC]);
	lvos_bl_stat(b, &i, VIRTIO_BALLOON_S_HTLB_PGFAIL, ev[HTLB_BUDDY_PGALLOC_FAIL]);
#endif
	lvos_bl_stat(b, &i, LVOS_BL_S_OOM_KILL, ev[OOM_KILL]);
	lvos_bl_stat(b, &i, LVOS_BL_S_ALLOC_STALL, stall);
	lvos_bl_stat(b, &i, LVOS_BL_S_ASYNC_SCAN, pages_to_bytes(ev[PGSCAN_KSWAPD]));
	lvos_bl_stat(b, &i, LVOS_BL_S_DIRECT_SCAN, pages_to_bytes(ev[PGSCAN_DIRECT]));
	lvos_bl_stat(b, &i, LVOS_BL_S_ASYNC_RECLAIM, pages_to_bytes(ev[PGSTEAL_KSWAPD]));
	lvos_bl_stat(b, &i, LVOS_BL_S_DIRECT_RECLAIM, pages_to_bytes(ev[PGSTEAL_DIRECT]));
	mutex_unlock(&b->sample_lock);
	return i;
}

/*
 * The host asks for stats by returning the buffer; the answer goes back in
 * the same buffer from process context (stats collection may sleep).
 */
static void lvos_bl_stats_request(struct virtqueue *vq)
{
	struct lvos_bl *b = vq->vdev->priv;
	unsigned long flags;

	spin_lock_irqsave(&b->stop_lock, flags);
	if (!b->stop)
		queue_work(system_freezable_wq, &b->stats_work);
	spin_unlock_irqrestore(&b->stop_lock, flags);
}

static void lvos_bl_stats_work(struct work_struct *work)
{
	struct lvos_bl *b = container_of(work, struct lvos_bl, stats_work);
	struct scatterlist sg;
	unsigned int len, n;

	n = lvos_bl_fill_stats(b);
	if (!virtqueue_get_buf(b->stats_vq, &len))
		return;
	sg_init_one(&sg, b->stats, sizeof(b->stats[0]) * n);
	if (!virtqueue_add_outbuf(b->stats_vq, &sg, 1, b, GFP_KERNEL))
		virtqueue_kick(b->stats_vq);
}

/* ---- free page reporting ---- */

/*
 * The page reporting core puts the pages back on the free lists when this
 * returns, so it must not return before the host is done with them: the
 * wait is unbounded (with a warning), and ends early only when the device
 * is reset (remove, freeze), after which the host holds nothing.
 */
static int lvos_bl_report(struct page_reporting_dev_info *pr, struct scatterlist *sg,
			  unsigned int nents)
{
	struct lvos_bl *b = container_of(pr, struct lvos_bl, prdev);
	unsigned int i;
	unsigned long pages = 0;
	int err;

	for (i = 0; i < nents; i++)
		pages += sg[i].length >> PAGE_SHIFT;
	/* balloon chunks share the queue (lvos_bl_inflate_reported()) */
	mutex_lock(&b->report_lock);
	if (b->vq_dead || b->report_stalled) {
		mutex_unlock(&b->report_lock);
		return -EBUSY;
	}
	/* indirect descriptors are off: adding never allocates */
	err = virtqueue_add_inbuf(b->report_vq, sg, nents, b, GFP_NOWAIT | __GFP_NOWARN);
	if (err) {
		mutex_unlock(&b->report_lock);
		pr_warn_ratelimited("cannot queue a free page report: %d\n", err);
		return err;
	}
	virtqueue_kick(b->report_vq);
	if (!wait_event_timeout(b->acked, lvos_bl_got_ack(b->report_vq) || READ_ONCE(b->vq_dead),
				msecs_to_jiffies(lvos_bl_set.ack_timeout_ms))) {
		WRITE_ONCE(b->stalls, b->stalls + 1);
		pr_warn_ratelimited("the host has not acknowledged a free page report after %u ms: waiting\n",
				    lvos_bl_set.ack_timeout_ms);
		wait_event(b->acked, lvos_bl_got_ack(b->report_vq) || READ_ONCE(b->vq_dead));
	}
	mutex_unlock(&b->report_lock);
	WRITE_ONCE(b->reports, b->reports + 1);
	WRITE_ONCE(b->reported_pages, b->reported_pages + pages);
	return 0;
}

static int lvos_bl_init_vqs(struct lvos_bl *b)
{
	struct virtqueue *vqs[VQ_NR] = {};
	vq_callback_t *callbacks[VQ_NR] = { lvos_bl_ack, lvos_bl_ack };
	const char *names[VQ_NR] = { "inflate", "deflate" };
	struct scatterlist sg;
	unsigned int n;
	int err;

	if (virtio_has_feature(b->vdev, VIRTIO_BALLOON_F_STATS_VQ)) {
		names[VQ_STATS] = "stats";
		callbacks[VQ_STATS] = lvos_bl_stats_request;
	}
	if (virtio_has_feature(b->vdev, VIRTIO_BALLOON_F_REPORTING)) {
		names[VQ_REPORTING] = "reporting_vq";
		callbacks[VQ_REPORTING] = lvos_bl_ack;
	}
	err = lvos_find_vqs(b->vdev, VQ_NR, vqs, callbacks, names);
	if (err)
		return err;
	b->inflate_vq = vqs[VQ_INFLATE];
	b->deflate_vq = vqs[VQ_DEFLATE];
	b->stats_vq = vqs[VQ_STATS];
	b->report_vq = vqs[VQ_REPORTING];
	if (b->stats_vq) {
		/* one buffer the host returns whenever it wants stats */
		n = lvos_bl_fill_stats(b);
		sg_init_one(&sg, b->stats, sizeof(b->stats[0]) * n);
		err = virtqueue_add_outbuf(b->stats_vq, &sg, 1, b, GFP_KERNEL);
		if (err) {
			b->vdev->config->del_vqs(b->vdev);
			return err;
		}
		virtqueue_kick(b->stats_vq);
	}
	return 0;
}

static int lvos_bl_validate(struct virtio_device *vdev)
{
	/*
	 * The host must know how free pages are initialized (poisoned or
	 * zeroed on free) before it may report them; without the feature,
	 * free page reporting could change what the guest expects to find.
	 */
	if (!want_init_on_free() && !page_poisoning_enabled_static())
		__virtio_clear_bit(vdev, VIRTIO_BALLOON_F_PAGE_POISON);
	else if (!virtio_has_feature(vdev, VIRTIO_BALLOON_F_PAGE_POISON))
		__virtio_clear_bit(vdev, VIRTIO_BALLOON_F_REPORTING);
	/* no allocation when adding buffers, not even under reclaim */
	__virtio_clear_bit(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	__virtio_clear_bit(vdev, VIRTIO_F_ACCESS_PLATFORM);
	return 0;
}

static void lvos_bl_stop(struct lvos_bl *b)
{
	spin_lock_irq(&b->stop_lock);
	b->stop = true;
	spin_unlock_irq(&b->stop_lock);
	cancel_delayed_work_sync(&b->balance_work);
	cancel_work_sync(&b->stats_work);
}

/*
 * Every page back to the guest: the host told first while it still
 * answers, then the device reset (after which it holds no buffer and no
 * balloon page), then whatever it never acknowledged. The queues are gone
 * afterwards. Return: pages that went back after the reset only.
 */
static unsigned long lvos_bl_shutdown(struct lvos_bl *b)
{
	struct virtio_device *vdev = b->vdev;
	struct page *page, *next;
	unsigned long left;
	LIST_HEAD(pages);
	size_t n;

	mutex_lock(&b->lock);
	lvos_bl_deflate(b, lvos_bl_size(b), LVOS_BL_DEF_HOST);
	left = lvos_bl_size(b);
	virtio_reset_device(vdev);
	WRITE_ONCE(b->vq_dead, true);
	/* a free page report waiting on the host gives up, then none starts */
	wake_up_all(&b->acked);
	mutex_lock(&b->report_lock);
	mutex_unlock(&b->report_lock);

	list_splice_init(&b->inflight, &b->chunks);
	list_splice_init(&b->limbo_chunks, &b->chunks);
	list_splice_init(&b->limbo_pages, &pages);
	b->nr_inflight = 0;
	b->nr_limbo_chunks = 0;
	b->nr_pages -= b->nr_limbo_pages;
	b->nr_limbo_pages = 0;
	b->inflate_stalled = false;
	b->deflate_stalled = false;
	b->report_stalled = false;
	lvos_bl_release_migrated(b);
	lvos_bl_release_pages(b, &pages);
	list_for_each_entry_safe(page, next, &b->chunks, lru)
		lvos_bl_release_chunk(b, page);
	b->nr_chunks = 0;
	while (b->nr_pages) {
		n = balloon_page_list_dequeue(&b->bdi, &pages, b->nr_pages);
		if (!n) {
			/* isolated by compaction right now: it comes back */
			mutex_unlock(&b->lock);
			usleep_range(1000, 2000);
			mutex_lock(&b->lock);
			continue;
		}
		b->nr_pages -= n;
		lvos_bl_release_pages(b, &pages);
	}
	mutex_unlock(&b->lock);
	vdev->config->del_vqs(vdev);
	return left;
}

static int lvos_bl_start(struct lvos_bl *b)
{
	struct lvos_bl_mem m;
	int err;

	/* the stats request may come as soon as the queue exists */
	spin_lock_irq(&b->stop_lock);
	b->stop = false;
	spin_unlock_irq(&b->stop_lock);
	err = lvos_bl_init_vqs(b);
	if (err) {
		lvos_bl_stop(b);
		return err;
	}
	mutex_lock(&b->report_lock);
	b->vq_dead = false;
	mutex_unlock(&b->report_lock);
	/* deltas from now on, not since boot */
	lvos_bl_sample(b, &m);
	b->trim_refaults = b->last_refaults;
	b->trim_swapins = b->last_swapins;
	return 0;
}

static void lvos_bl_free(struct lvos_bl *b)
{
	kfree(b->dpfns);
	kfree(b->pfns);
	kfree(b);
}

/* The driver state of @vdev before its queues exist. */
static struct lvos_bl *lvos_bl_alloc(struct virtio_device *vdev)
{
	struct lvos_bl *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->pfns = kmalloc_array(LVOS_BL_BATCH, sizeof(*b->pfns), GFP_KERNEL);
	b->dpfns = kmalloc_array(LVOS_BL_BATCH, sizeof(*b->dpfns), GFP_KERNEL);
	if (!b->pfns || !b->dpfns) {
		lvos_bl_free(b);
		return NULL;
	}
	b->vdev = vdev;
	vdev->priv = b;
	mutex_init(&b->lock);
	mutex_init(&b->sample_lock);
	mutex_init(&b->report_lock);
	spin_lock_init(&b->stop_lock);
	init_waitqueue_head(&b->acked);
	INIT_LIST_HEAD(&b->chunks);
	INIT_LIST_HEAD(&b->inflight);
	INIT_LIST_HEAD(&b->limbo_chunks);
	INIT_LIST_HEAD(&b->limbo_pages);
	INIT_DELAYED_WORK(&b->balance_work, lvos_bl_balance_work);
	INIT_WORK(&b->stats_work, lvos_bl_stats_work);
	balloon_devinfo_init(&b->bdi);
#ifdef CONFIG_BALLOON_COMPACTION
	b->bdi.migratepage = lvos_bl_migratepage;
#endif
	b->may_deflate = virtio_has_feature(vdev, VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
	b->must_tell = virtio_has_feature(vdev, VIRTIO_BALLOON_F_MUST_TELL_HOST);
	b->adjust_managed = !b->may_deflate;
	b->guest_state = "off";
	b->reason = LVOS_BL_OK;
	b->stop = true;		/* until the queues are up */
	return b;
}

/* With deflate-on-oom: the shrinker (opt-in at run time) and the OOM notifier. */
static int lvos_bl_pressure_register(struct lvos_bl *b)
{
	int err;

	if (!b->may_deflate)
		return 0;
	b->shrinker = lvos_shrinker_create("lvos-balloon", lvos_bl_shrink_count,
					   lvos_bl_shrink_scan);
	if (!b->shrinker)
		return -ENOMEM;
	/* like virtio_balloon's */
	b->oom_nb.notifier_call = lvos_bl_oom_notify;
	b->oom_nb.priority = 80;
	err = register_oom_notifier(&b->oom_nb);
	if (err)
		lvos_shrinker_destroy(b->shrinker);
	return err;
}

static void lvos_bl_pressure_unregister(struct lvos_bl *b)
{
	if (!b->may_deflate)
		return;
	unregister_oom_notifier(&b->oom_nb);
	lvos_shrinker_destroy(b->shrinker);
}

/* Page poison value, whether chunks use the reporting queue, free page reporting. */
static int lvos_bl_report_setup(struct lvos_bl *b)
{
	struct virtio_device *vdev = b->vdev;
	int err;

	if (virtio_has_feature(vdev, VIRTIO_BALLOON_F_PAGE_POISON)) {
		/* 0: pages are zeroed on free; else the poison byte */
		u32 poison = 0;

		if (!want_init_on_free())
			memset(&poison, PAGE_POISON, sizeof(poison));
		virtio_cwrite_le(vdev, struct virtio_balloon_config, poison_val, &poison);
	}
	/*
	 * Chunks go through the reporting queue unless the host wants to hear
	 * of every balloon page (must-tell-host) or would not discard them
	 * (QEMU keeps reported pages when a poison value is set).
	 */
	b->report_chunks = b->report_vq && !b->must_tell &&
		!(virtio_has_feature(vdev, VIRTIO_BALLOON_F_PAGE_POISON) &&
		  !want_init_on_free());
	b->prdev.report = lvos_bl_report;
	if (!b->report_vq)
		return 0;
	if (virtqueue_get_vring_size(b->report_vq) < PAGE_REPORTING_CAPACITY)
		return -ENOSPC;
	err = page_reporting_register(&b->prdev);
	if (err && err != -EBUSY)
		return err;
	if (err)
		dev_warn(&vdev->dev, "another driver reports free pages: lvos does not\n");
	b->reporting = !err;
	return 0;
}

static int lvos_bl_probe(struct virtio_device *vdev)
{
	struct lvos_bl *b;
	int err;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config space access is disabled\n");
		return -EINVAL;
	}
	mutex_lock(&lvos_bl_dev_lock);
	if (lvos_bl_dev) {
		mutex_unlock(&lvos_bl_dev_lock);
		dev_err(&vdev->dev, "lvos drives one balloon per guest; %s has it\n",
			dev_name(&lvos_bl_dev->vdev->dev));
		return -EBUSY;
	}
	b = lvos_bl_alloc(vdev);
	if (!b) {
		err = -ENOMEM;
		goto err_unlock;
	}
	err = lvos_bl_start(b);
	if (err)
		goto err_free;
	err = lvos_bl_pressure_register(b);
	if (err)
		goto err_del_vqs;
	err = lvos_bl_report_setup(b);
	if (err)
		goto err_pressure;
	virtio_device_ready(vdev);
	WRITE_ONCE(lvos_bl_dev, b);
	mutex_unlock(&lvos_bl_dev_lock);
	dev_info(&vdev->dev, "lvos balloon on %s: deflate-on-oom %s, free page reporting %s, stats %s, 2 MiB chunks %s\n",
		 dev_name(vdev->dev.parent), b->may_deflate ? "yes" : "no",
		 b->reporting ? "yes" : "no", b->stats_vq ? "yes" : "no",
		 lvos_bl_set.huge ? "yes" : "no");
	lvos_bl_kick(b);
	return 0;

err_pressure:
	lvos_bl_pressure_unregister(b);
err_del_vqs:
	/* the host may have asked for stats already */
	lvos_bl_stop(b);
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
err_free:
	lvos_bl_free(b);
err_unlock:
	mutex_unlock(&lvos_bl_dev_lock);
	return err;
}

static void lvos_bl_remove(struct virtio_device *vdev)
{
	struct lvos_bl *b = vdev->priv;
	unsigned long size, left;

	mutex_lock(&lvos_bl_dev_lock);
	WRITE_ONCE(lvos_bl_dev, NULL);
	mutex_unlock(&lvos_bl_dev_lock);

	lvos_bl_stop(b);
	lvos_bl_pressure_unregister(b);
	size = lvos_bl_size(b);
	/* resets the device: a report still waiting on the host returns */
	left = lvos_bl_shutdown(b);
	if (b->reporting)
		page_reporting_unregister(&b->prdev);
	dev_info(&vdev->dev, "released: %lu pages back to the guest%s\n", size,
		 left ? " (after a reset: the host had stopped answering)" : "");
	lvos_bl_free(b);
}

#ifdef CONFIG_PM_SLEEP
/* Suspend and hibernation: the balloon is emptied and the queues go. */
static int lvos_bl_freeze(struct virtio_device *vdev)
{
	struct lvos_bl *b = vdev->priv;

	lvos_bl_stop(b);
	lvos_bl_shutdown(b);
	return 0;
}

static int lvos_bl_restore(struct virtio_device *vdev)
{
	struct lvos_bl *b = vdev->priv;
	int err;

	err = lvos_bl_start(b);
	if (err)
		return err;
	virtio_device_ready(vdev);
	lvos_bl_kick(b);
	return 0;
}
#endif

static unsigned int lvos_bl_features[] = {
	VIRTIO_BALLOON_F_MUST_TELL_HOST,
	VIRTIO_BALLOON_F_STATS_VQ,
	VIRTIO_BALLOON_F_DEFLATE_ON_OOM,
	VIRTIO_BALLOON_F_PAGE_POISON,
	VIRTIO_BALLOON_F_REPORTING,
};

/*
 * No MODULE_DEVICE_TABLE: virtio_balloon claims the same device, and two
 * modules with one alias race at boot. lvos is opt-in: a modprobe.d file
 * (tools/modprobe.d/lvos-balloon.conf) points the alias here instead.
 */
static const struct virtio_device_id lvos_bl_id_table[] = {
	{ VIRTIO_ID_BALLOON, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct virtio_driver lvos_bl_driver = {
	.feature_table = lvos_bl_features,
	.feature_table_size = ARRAY_SIZE(lvos_bl_features),
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.id_table = lvos_bl_id_table,
	.validate = lvos_bl_validate,
	.probe = lvos_bl_probe,
	.remove = lvos_bl_remove,
	.config_changed = lvos_bl_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze = lvos_bl_freeze,
	.restore = lvos_bl_restore,
#endif
};

int lvos_bl_register(void)
{
	return register_virtio_driver(&lvos_bl_driver);
}

void lvos_bl_unregister(void)
{
	unregister_virtio_driver(&lvos_bl_driver);
}
