// SPDX-License-Identifier: GPL-2.0-only
/*
 * streams.c - lvos_pagefile compression contexts.
 *
 * Primary streams: one per *online* CPU, made and dropped through a
 * multi-instance CPU hotplug state as zram's zcomp and zswap do, so a
 * guest with 64 possible and 2 online CPUs pays for 2. A hot-added CPU
 * gets its stream before it runs anything (the PREPARE stage runs on the
 * controlling CPU before the new one starts); a CPU that went away loses
 * its stream once it is dead. A task that picked a stream and then
 * migrated off a CPU that died meanwhile sees tfm == NULL under the
 * stream's mutex and picks again on the CPU it runs on now.
 *
 * The recompressor (idle pages, zstd by default: ~1.2 MiB of workspace)
 * is one context per volume, made by the purge worker on the first pass
 * that has idle pages to recompress and freed once idle recompression is
 * off and no page needs it to be read. It is guarded by a spinlock: the
 * read path decompresses under a slot's bit spinlock, and reads of
 * recompressed (cold) pages are rare.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/lz4.h>
#include <linux/lzo.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "pagefile.h"

static enum cpuhp_state lvos_pf_cpuhp;

/*
 * Workspace one context of @alg holds, as the compressor libraries size
 * it at the crypto API's default level (x86-64). lz4/lz4hc/lzo from the
 * libraries' own constants; zstd (level 3: compression + decompression
 * workspaces) and deflate (window 11, memlevel 8) measured once from
 * their *_workspace_bound() functions on 6.1 and 6.12, which differ by
 * less than 1%. Only used for the overhead_bytes report.
 */
size_t lvos_pf_alg_workspace(const char *alg)
{
	static const struct { const char *name; size_t bytes; } ws[] = {
		{ "lz4", LZ4_MEM_COMPRESS },
		{ "lz4hc", LZ4HC_MEM_COMPRESS },
		{ "lzo", LZO1X_MEM_COMPRESS },
		{ "lzo-rle", LZO1X_MEM_COMPRESS },
		{ "zstd", 1288 * 1024 },
		{ "deflate", 268 * 1024 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(ws); i++)
		if (!strcmp(alg, ws[i].name))
			return ws[i].bytes;
	return 0;
}

static void lvos_pf_stream_drop(struct lvos_pf_streams *set, struct lvos_pf_stream *s)
{
	mutex_lock(&s->lock);
	if (s->tfm) {
		crypto_free_comp(s->tfm);
		kfree(s->buf);
		s->tfm = NULL;
		s->buf = NULL;
		atomic_dec(&set->nr);
	}
	mutex_unlock(&s->lock);
}

static int lvos_pf_cpu_prepare(unsigned int cpu, struct hlist_node *node)
{
	struct lvos_pf_streams *set = hlist_entry(node, struct lvos_pf_streams, node);
	struct lvos_pf_stream *s = per_cpu_ptr(set->cpu, cpu);
	struct crypto_comp *tfm;
	u8 *buf;

	if (READ_ONCE(s->tfm))
		return 0;
	buf = kmalloc_node(2 * PAGE_SIZE, GFP_KERNEL, cpu_to_node(cpu));
	tfm = crypto_alloc_comp(set->alg, 0, 0);
	if (!buf || IS_ERR(tfm)) {
		kfree(buf);
		if (!IS_ERR(tfm))
			crypto_free_comp(tfm);
		pr_warn_ratelimited("no memory for a %s stream for CPU %u\n", set->alg, cpu);
		return -ENOMEM;
	}
	mutex_lock(&s->lock);
	s->buf = buf;
	s->tfm = tfm;
	mutex_unlock(&s->lock);
	atomic_inc(&set->nr);
	return 0;
}

static int lvos_pf_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct lvos_pf_streams *set = hlist_entry(node, struct lvos_pf_streams, node);

	lvos_pf_stream_drop(set, per_cpu_ptr(set->cpu, cpu));
	return 0;
}

int lvos_pf_streams_init(void)
{
	int ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "lvos/pagefile:prepare",
					  lvos_pf_cpu_prepare, lvos_pf_cpu_dead);

	if (ret < 0)
		return ret;
	lvos_pf_cpuhp = ret;
	return 0;
}

void lvos_pf_streams_exit(void)
{
	cpuhp_remove_multi_state(lvos_pf_cpuhp);
}

/* Free a set that is no hotplug instance (any longer). */
static void lvos_pf_streams_release(struct lvos_pf_streams *set)
{
	int cpu;

	/* whatever the teardown did not reach (never, unless an add failed) */
	for_each_possible_cpu(cpu)
		lvos_pf_stream_drop(set, per_cpu_ptr(set->cpu, cpu));
	free_percpu(set->cpu);
	kfree(set);
}

void lvos_pf_streams_free(struct lvos_pf_streams *set)
{
	if (!set)
		return;
	cpuhp_state_remove_instance(lvos_pf_cpuhp, &set->node);
	lvos_pf_streams_release(set);
}

/* Streams of @alg for every online CPU, and for each CPU that comes up. */
struct lvos_pf_streams *lvos_pf_streams_alloc(const char *alg)
{
	struct lvos_pf_streams *set = kzalloc(sizeof(*set), GFP_KERNEL);
	int cpu, ret;

	if (!set)
		return ERR_PTR(-ENOMEM);
	set->cpu = alloc_percpu(struct lvos_pf_stream);
	if (!set->cpu) {
		kfree(set);
		return ERR_PTR(-ENOMEM);
	}
	for_each_possible_cpu(cpu)
		mutex_init(&per_cpu_ptr(set->cpu, cpu)->lock);
	strscpy(set->alg, alg, sizeof(set->alg));
	ret = cpuhp_state_add_instance(lvos_pf_cpuhp, &set->node);
	if (ret) {
		/* the state machine rolled back the CPUs it had done */
		lvos_pf_streams_release(set);
		return ERR_PTR(ret);
	}
	return set;
}

size_t lvos_pf_streams_bytes(const struct lvos_pf_streams *set)
{
	if (!set)
		return 0;
	return sizeof(*set) + num_possible_cpus() * sizeof(struct lvos_pf_stream) +
	       atomic_read(&set->nr) * (2 * PAGE_SIZE + lvos_pf_alg_workspace(set->alg));
}

struct lvos_pf_stream *lvos_pf_stream_get(struct lvos_pf_dev *pf)
{
	for (;;) {
		struct lvos_pf_stream *s = raw_cpu_ptr(pf->streams->cpu);

		mutex_lock(&s->lock);
		if (likely(s->tfm))
			return s;
		/* picked on a CPU that died since: pick again where we run now */
		mutex_unlock(&s->lock);
	}
}

void lvos_pf_stream_put(struct lvos_pf_stream *s)
{
	mutex_unlock(&s->lock);
}

/* ---- the recompressor ---- */

/* Idle recompression is on: an algorithm and an idle age. */
static bool lvos_pf_recomp_wanted(struct lvos_pf_dev *pf)
{
	return READ_ONCE(pf->idle_age) && strcmp(pf->recomp, "none");
}

/*
 * The purge worker, before a pass, when idle pages wait for recompression:
 * make the recompressor unless it exists. Never under pf->lock: making a
 * tfm takes crypto_alg_sem, which an algorithm being registered holds
 * across allocations, i.e. across reclaim, and reclaim writes swap to
 * this volume under pf->lock (lockdep saw the cycle). The worker is the
 * only one that makes or drops it.
 */
void lvos_pf_recomp_make(struct lvos_pf_dev *pf)
{
	char name[LVOS_PF_NAME_LEN];
	struct crypto_comp *tfm;
	unsigned int noio;
	u8 *buf;

	down_read(&pf->lock);
	strscpy(name, pf->recomp, sizeof(name));
	up_read(&pf->lock);
	/* the worker writes swap out: its allocations must not wait for swap */
	noio = memalloc_noio_save();
	buf = kmalloc(2 * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
	tfm = crypto_alloc_comp(name, 0, 0);
	memalloc_noio_restore(noio);
	if (!buf || IS_ERR(tfm)) {
		kfree(buf);
		if (!IS_ERR(tfm))
			crypto_free_comp(tfm);
		pr_warn_ratelimited("%s: no memory for the %s recompressor: idle pages stay as they are\n",
				    pf->disk->disk_name, name);
		return;
	}
	down_read(&pf->lock);
	/* recomp_algorithm changed meanwhile: the next pass makes the right one */
	if (!pf->rc_tfm && !strcmp(pf->recomp, name)) {
		spin_lock(&pf->rc_lock);
		pf->rc_buf = buf;
		pf->rc_tfm = tfm;
		spin_unlock(&pf->rc_lock);
		tfm = NULL;
		buf = NULL;
	}
	up_read(&pf->lock);
	if (tfm)
		crypto_free_comp(tfm);
	kfree(buf);
}

/*
 * Free the recompressor. With pf->lock held for writing (an algorithm
 * change), or shared by the worker once nothing needs it (readers take
 * rc_lock to use it), or for a volume going away.
 */
void lvos_pf_recomp_free(struct lvos_pf_dev *pf)
{
	struct crypto_comp *tfm = NULL;
	u8 *buf = NULL;

	spin_lock(&pf->rc_lock);
	swap(tfm, pf->rc_tfm);
	swap(buf, pf->rc_buf);
	spin_unlock(&pf->rc_lock);
	if (tfm)
		crypto_free_comp(tfm);
	kfree(buf);
}

/*
 * The purge worker, with pf->lock held shared: drop the recompressor once
 * idle recompression is off and no stored page needs it to be read (only
 * this worker makes recompressed pages, so none appears meanwhile).
 */
void lvos_pf_recomp_drop_unused(struct lvos_pf_dev *pf)
{
	if (pf->rc_tfm && !lvos_pf_recomp_wanted(pf) && !atomic64_read(&pf->st.recomp_pages))
		lvos_pf_recomp_free(pf);
}

size_t lvos_pf_recomp_bytes(struct lvos_pf_dev *pf)
{
	return READ_ONCE(pf->rc_tfm) ? 2 * PAGE_SIZE + lvos_pf_alg_workspace(pf->recomp) : 0;
}
