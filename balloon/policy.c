// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos_balloon policy: the working-set floor, what to do about the host's
 * target, how a batch splits into 2 MiB chunks and pages, how much cold
 * cache guest-driven mode trims. Pure functions over recorded inputs, so
 * KUnit (kunit/balloon_test.c) checks them without a device.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <kunit/visibility.h>

#include "balloon.h"

/*
 * The floor is what the guest keeps: its working set plus a reserve. The
 * working set is what MemAvailable says cannot be had cheaply (anonymous
 * memory, kernel memory, the part of the cache it discounts), plus the
 * active page cache when that cache is refaulting (evicting it would only
 * read it back). When the guest is swapping in it is short already: the
 * floor then covers everything it has now plus the reserve, so the balloon
 * gives the reserve back.
 */
void lvos_bl_compute_floor(const struct lvos_bl_mem *m, struct lvos_bl_floor *f)
{
	unsigned long held = m->balloon + m->available;
	unsigned long used = m->total > held ? m->total - held : 0;
	unsigned long floor;

	f->ws = used;
	if (m->refaults)
		f->ws += m->active_file;
	floor = f->ws + m->reserve;
	if (m->swapins && m->total > m->balloon)
		floor = max(floor, m->total - m->balloon + m->reserve);
	f->floor = min(floor, m->total);
	f->limit = m->total - f->floor;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_compute_floor);

/*
 * Inflate up to the limit, deflate only when the balloon is more than
 * @hyst above it (so a working set that wobbles does not make the balloon
 * wobble), and then back to the limit. @may_deflate is false when the
 * device did not offer deflate-on-oom: the balloon then never goes below
 * the host's target on its own. @holdoff pauses inflation after a
 * pressure deflate.
 */
void lvos_bl_decide(unsigned long target, unsigned long balloon,
		    const struct lvos_bl_floor *f, unsigned long hyst,
		    bool holdoff, bool may_deflate, struct lvos_bl_plan *p)
{
	unsigned long to, cap;

	p->delta = 0;
	p->refused = 0;
	p->reason = LVOS_BL_OK;
	p->pressure = false;

	if (may_deflate && balloon > f->limit && balloon - f->limit > hyst) {
		to = min(target, f->limit);
		p->delta = -(long)(balloon - to);
		if (to < target) {
			p->pressure = true;
			p->refused = target - to;
			p->reason = LVOS_BL_PRESSURE;
		}
		return;
	}
	if (balloon > target) {
		p->delta = -(long)(balloon - target);
		return;
	}
	cap = holdoff ? balloon : max(balloon, f->limit);
	to = min(target, cap);
	p->delta = (long)(to - balloon);
	if (to < target) {
		p->refused = target - to;
		p->reason = holdoff && f->limit > balloon ? LVOS_BL_HOLDOFF
							  : LVOS_BL_FLOOR;
	}
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_decide);

/* One inflate message: @want pages, @room PFNs left in it; chunks first. */
void lvos_bl_inflate_split(unsigned long want, unsigned long room, bool huge,
			   struct lvos_bl_split *s)
{
	unsigned long n = min(want, room);

	s->chunks = huge ? n / LVOS_BL_CHUNK : 0;
	s->pages = n - s->chunks * LVOS_BL_CHUNK;
	s->split = false;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_inflate_split);

/*
 * One deflate message: whole chunks first (the host can back them with a
 * huge page again, the guest gets a free 2 MiB block), then pages; when
 * fewer pages are left than asked for, one chunk is split into pages.
 */
void lvos_bl_deflate_split(unsigned long want, unsigned long room,
			   unsigned long chunks, unsigned long pages,
			   struct lvos_bl_split *s)
{
	unsigned long n = min(want, room), rem;

	s->chunks = min(n / LVOS_BL_CHUNK, chunks);
	rem = n - s->chunks * LVOS_BL_CHUNK;
	s->pages = min(rem, pages);
	s->split = rem > s->pages && chunks > s->chunks;
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_deflate_split);

/*
 * Guest-driven mode: how much page cache to reclaim this round. Only a
 * cold guest (no refaults, no swap-ins since the last round) gives cache
 * back, at most @step pages a round and never below @keep pages of cache.
 */
unsigned long lvos_bl_trim_step(const struct lvos_bl_mem *m,
				const struct lvos_bl_floor *f,
				unsigned long file_pages, unsigned long keep,
				unsigned long step)
{
	if (m->refaults || m->swapins || file_pages <= keep)
		return 0;
	/* below the floor already: the guest needs what it has */
	if (m->total - m->balloon <= f->floor)
		return 0;
	return min(file_pages - keep, step);
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_trim_step);

static const char * const reason_names[LVOS_BL_REASON_NR] = {
	[LVOS_BL_OK] = "none",
	[LVOS_BL_FLOOR] = "floor",
	[LVOS_BL_HOLDOFF] = "holdoff",
	[LVOS_BL_PRESSURE] = "pressure",
	[LVOS_BL_ALLOC] = "alloc",
	[LVOS_BL_STALLED] = "stalled",
};

const char *lvos_bl_reason_name(enum lvos_bl_reason r)
{
	return r < LVOS_BL_REASON_NR ? reason_names[r] : "unknown";
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_reason_name);

static const char * const deflate_names[LVOS_BL_DEF_NR] = {
	[LVOS_BL_DEF_HOST] = "host",
	[LVOS_BL_DEF_PRESSURE] = "pressure",
	[LVOS_BL_DEF_RECLAIM] = "reclaim",
	[LVOS_BL_DEF_OOM] = "oom",
};

const char *lvos_bl_deflate_name(enum lvos_bl_deflate d)
{
	return d < LVOS_BL_DEF_NR ? deflate_names[d] : "unknown";
}
EXPORT_SYMBOL_IF_KUNIT(lvos_bl_deflate_name);
