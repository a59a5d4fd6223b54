/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lvos_balloon tracepoints: what an operator follows with perf or
 * bpftrace (events/lvos_balloon/ in tracefs).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM lvos_balloon

#if !defined(_LVOS_BALLOON_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _LVOS_BALLOON_TRACE_H

#include <linux/tracepoint.h>

/* The balloon does not follow the host's target, and why. */
TRACE_EVENT(lvos_balloon_refuse,
	TP_PROTO(unsigned long target, unsigned long actual, unsigned long floor,
		 unsigned long refused, const char *reason),
	TP_ARGS(target, actual, floor, refused, reason),
	TP_STRUCT__entry(
		__field(unsigned long, target)
		__field(unsigned long, actual)
		__field(unsigned long, floor)
		__field(unsigned long, refused)
		__string(reason, reason)
	),
	TP_fast_assign(
		__entry->target = target;
		__entry->actual = actual;
		__entry->floor = floor;
		__entry->refused = refused;
		lvos_assign_str(reason, reason);
	),
	TP_printk("target=%lu actual=%lu floor=%lu refused=%lu reason=%s",
		  __entry->target, __entry->actual, __entry->floor,
		  __entry->refused, __get_str(reason))
);

TRACE_EVENT(lvos_balloon_inflate,
	TP_PROTO(unsigned long pages, unsigned long actual, unsigned long chunks,
		 unsigned long usecs),
	TP_ARGS(pages, actual, chunks, usecs),
	TP_STRUCT__entry(
		__field(unsigned long, pages)
		__field(unsigned long, actual)
		__field(unsigned long, chunks)
		__field(unsigned long, usecs)
	),
	TP_fast_assign(
		__entry->pages = pages;
		__entry->actual = actual;
		__entry->chunks = chunks;
		__entry->usecs = usecs;
	),
	TP_printk("pages=%lu actual=%lu chunks=%lu usecs=%lu", __entry->pages,
		  __entry->actual, __entry->chunks, __entry->usecs)
);

TRACE_EVENT(lvos_balloon_deflate,
	TP_PROTO(unsigned long pages, const char *why, unsigned long actual),
	TP_ARGS(pages, why, actual),
	TP_STRUCT__entry(
		__field(unsigned long, pages)
		__string(why, why)
		__field(unsigned long, actual)
	),
	TP_fast_assign(
		__entry->pages = pages;
		lvos_assign_str(why, why);
		__entry->actual = actual;
	),
	TP_printk("pages=%lu why=%s actual=%lu", __entry->pages, __get_str(why),
		  __entry->actual)
);

/* A message to the host (inflate or deflate PFNs) and whether it was acked in time. */
TRACE_EVENT(lvos_balloon_message,
	TP_PROTO(const char *queue, unsigned int pages, bool acked),
	TP_ARGS(queue, pages, acked),
	TP_STRUCT__entry(
		__string(queue, queue)
		__field(unsigned int, pages)
		__field(bool, acked)
	),
	TP_fast_assign(
		lvos_assign_str(queue, queue);
		__entry->pages = pages;
		__entry->acked = acked;
	),
	TP_printk("queue=%s pages=%u acked=%d", __get_str(queue), __entry->pages,
		  __entry->acked)
);

/*
 * One inflate batch and where its time went: @alloc_us allocating the
 * pages in the guest (with init_on_alloc, Debian's default, that includes
 * zeroing them), @host_us from the kick to the host's ack. @ranges is what
 * the host discards one call each: merged ranges on the reporting queue,
 * single PFNs on the inflate queue.
 */
TRACE_EVENT(lvos_balloon_batch,
	TP_PROTO(const char *queue, unsigned long pages, unsigned int ranges,
		 unsigned long alloc_us, unsigned long host_us),
	TP_ARGS(queue, pages, ranges, alloc_us, host_us),
	TP_STRUCT__entry(
		__string(queue, queue)
		__field(unsigned long, pages)
		__field(unsigned int, ranges)
		__field(unsigned long, alloc_us)
		__field(unsigned long, host_us)
	),
	TP_fast_assign(
		lvos_assign_str(queue, queue);
		__entry->pages = pages;
		__entry->ranges = ranges;
		__entry->alloc_us = alloc_us;
		__entry->host_us = host_us;
	),
	TP_printk("queue=%s pages=%lu ranges=%u alloc_us=%lu host_us=%lu",
		  __get_str(queue), __entry->pages, __entry->ranges,
		  __entry->alloc_us, __entry->host_us)
);

#endif /* _LVOS_BALLOON_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
