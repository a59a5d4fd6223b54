/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compat.h - every kernel-version shim lvos needs, in one place.
 *
 * Force-included into every lvos object by the top-level Kbuild, so no
 * source file tests kernel versions itself. Shims are chosen by build-time
 * feature probes (see Kbuild), not by version numbers: Debian's stable
 * kernels backport API changes.
 */
#ifndef _LVOS_COMPAT_H
#define _LVOS_COMPAT_H

#include <linux/export.h>
#include <linux/module.h>

/*
 * Symbol namespace of the lvos exports. Up to 6.12, EXPORT_SYMBOL_NS_GPL()
 * and MODULE_IMPORT_NS() stringify an identifier; 6.13 (cdd30ebb1b9f) takes
 * a string literal instead. Kbuild sets LVOS_HAVE_NS_STRING when the
 * target's export.h no longer stringifies.
 */
#ifdef LVOS_HAVE_NS_STRING
#define LVOS_NS "LVOS"
#else
#define LVOS_NS LVOS
#endif

#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/fs.h>

/*
 * A bio-based, page-granular, non-rotational disk with discard and write
 * zeroes, stable writes, and (where the kernel has the flag) synchronous I/O
 * so swap skips the swap cache as it does for zram. 6.9 (e2c1dbb69a91)
 * moved queue limits into blk_alloc_disk() and 6.11 the flags into
 * lim.features; Kbuild sets LVOS_HAVE_BLK_LIMITS when blk_alloc_disk()
 * takes limits. Returns an ERR_PTR on failure on every kernel.
 */
static inline struct gendisk *lvos_alloc_page_disk(void)
{
#ifdef LVOS_HAVE_BLK_LIMITS
	struct queue_limits lim = {
		.physical_block_size = PAGE_SIZE,
		.logical_block_size = PAGE_SIZE,
		.io_min = PAGE_SIZE,
		.io_opt = PAGE_SIZE,
		.discard_granularity = PAGE_SIZE,
		.max_hw_discard_sectors = UINT_MAX,
		.max_write_zeroes_sectors = UINT_MAX,
		.features = BLK_FEAT_STABLE_WRITES | BLK_FEAT_SYNCHRONOUS,
	};

	return blk_alloc_disk(&lim, NUMA_NO_NODE);
#else
	struct gendisk *disk = blk_alloc_disk(NUMA_NO_NODE);
	struct request_queue *q;

	if (!disk)
		return ERR_PTR(-ENOMEM);
	q = disk->queue;
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	blk_queue_physical_block_size(q, PAGE_SIZE);
	blk_queue_logical_block_size(q, PAGE_SIZE);
	blk_queue_io_min(q, PAGE_SIZE);
	blk_queue_io_opt(q, PAGE_SIZE);
	q->limits.discard_granularity = PAGE_SIZE;
	blk_queue_max_discard_sectors(q, UINT_MAX);
	blk_queue_max_write_zeroes_sectors(q, UINT_MAX);
	return disk;
#endif
}

/*
 * A gendisk with the queue's default limits, for a caller that only needs
 * what allocation sets up (blkgrow takes the block class from it) and never
 * adds it. 6.9 gave blk_alloc_disk() a queue_limits argument and an ERR_PTR
 * return (LVOS_HAVE_BLK_LIMITS). Returns an ERR_PTR on failure on every
 * kernel; put_disk() frees it.
 */
static inline struct gendisk *lvos_alloc_bare_disk(void)
{
#ifdef LVOS_HAVE_BLK_LIMITS
	return blk_alloc_disk(NULL, NUMA_NO_NODE);
#else
	return blk_alloc_disk(NUMA_NO_NODE) ?: ERR_PTR(-ENOMEM);
#endif
}

/*
 * Exclusive open of a block device by path. 6.9 (f3a608827d1f) replaced
 * blkdev_get_by_path() with bdev_file_open_by_path(), which returns a
 * struct file; Kbuild sets LVOS_HAVE_BDEV_FILE when it exists. @handle is
 * what lvos_bdev_close() takes back.
 */
static inline struct block_device *lvos_bdev_open(const char *path,
						  void *holder, void **handle)
{
#ifdef LVOS_HAVE_BDEV_FILE
	struct file *f = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
						holder, NULL);

	if (IS_ERR(f))
		return ERR_CAST(f);
	*handle = f;
	return file_bdev(f);
#else
	struct block_device *bdev = blkdev_get_by_path(path,
			FMODE_READ | FMODE_WRITE | FMODE_EXCL, holder);

	if (!IS_ERR(bdev))
		*handle = bdev;
	return bdev;
#endif
}

static inline void lvos_bdev_close(void *handle)
{
#ifdef LVOS_HAVE_BDEV_FILE
	fput(handle);
#else
	blkdev_put(handle, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
}

#include <linux/device/class.h>
#include <scsi/scsi_device.h>

/*
 * 6.12 (5f60d5f6bbc1) moved asm/unaligned.h to linux/unaligned.h; Kbuild
 * sets LVOS_HAVE_LINUX_UNALIGNED when the new one exists.
 */
#ifdef LVOS_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * class_interface callbacks: 6.4 (6a9a7f2f5bd9 and friends) dropped the
 * interface argument. Kbuild sets LVOS_HAVE_CLASS_INTF_NOARG when it is
 * gone; callbacks are declared with LVOS_CLASS_INTF_ARGS.
 */
#ifdef LVOS_HAVE_CLASS_INTF_NOARG
#define LVOS_CLASS_INTF_ARGS struct device *dev
#else
#define LVOS_CLASS_INTF_ARGS struct device *dev, struct class_interface *intf
#endif

/*
 * A SCSI command that reads @len bytes, no retries. 6.5 (d0949565811f)
 * replaced scsi_execute_req() with scsi_execute_cmd(); Kbuild sets
 * LVOS_HAVE_SCSI_EXECUTE_CMD when it exists. Return: the SCSI result
 * (0 = good, > 0 = status with @sshdr filled when sense came back, < 0 =
 * the command was not sent).
 */
static inline int lvos_scsi_read(struct scsi_device *sdev, const unsigned char *cdb,
				 void *buf, unsigned int len,
				 struct scsi_sense_hdr *sshdr, int timeout)
{
#ifdef LVOS_HAVE_SCSI_EXECUTE_CMD
	const struct scsi_exec_args args = { .sshdr = sshdr };

	return scsi_execute_cmd(sdev, cdb, REQ_OP_DRV_IN, buf, len, timeout, 0, &args);
#else
	return scsi_execute_req(sdev, cdb, DMA_FROM_DEVICE, buf, len, sshdr,
				timeout, 0, NULL);
#endif
}

#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

/*
 * A shrinker with no private data, registered and freed in one call each.
 * 6.7 (c42d50aefd17) replaced register_shrinker() on an embedded struct
 * with shrinker_alloc() + shrinker_register(); Kbuild sets
 * LVOS_HAVE_SHRINKER_ALLOC when it exists. Return: the shrinker or NULL.
 */
static inline struct shrinker *
lvos_shrinker_create(const char *name,
		     unsigned long (*count)(struct shrinker *, struct shrink_control *),
		     unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s;

#ifdef LVOS_HAVE_SHRINKER_ALLOC
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void lvos_shrinker_destroy(struct shrinker *s)
{
	if (!s)
		return;
#ifdef LVOS_HAVE_SHRINKER_ALLOC
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

#define LVOS_MAX_VQS	8

/*
 * Find @n virtqueues (@names[i] NULL: not used). 6.11 (6457f5f1a8b2)
 * replaced the callbacks/names arrays of virtio_find_vqs() with an array of
 * struct virtqueue_info; Kbuild sets LVOS_HAVE_VQ_INFO when it exists.
 */
static inline int lvos_find_vqs(struct virtio_device *vdev, unsigned int n,
				struct virtqueue *vqs[], vq_callback_t *callbacks[],
				const char *const names[])
{
#ifdef LVOS_HAVE_VQ_INFO
	struct virtqueue_info info[LVOS_MAX_VQS] = {};
	unsigned int i;

	if (n > LVOS_MAX_VQS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
	}
	return virtio_find_vqs(vdev, n, vqs, info, NULL);
#else
	return virtio_find_vqs(vdev, n, vqs, callbacks, names, NULL);
#endif
}

/*
 * Copy a string argument into a trace event. 6.10 (2c92ca849fcc) dropped
 * the source argument of __assign_str() (it is taken from __string());
 * Kbuild sets LVOS_HAVE_ASSIGN_STR_1 when it has one argument.
 */
#ifdef LVOS_HAVE_ASSIGN_STR_1
#define lvos_assign_str(dst, src)	__assign_str(dst)
#else
#define lvos_assign_str(dst, src)	__assign_str(dst, src)
#endif

#include <linux/ethtool.h>
#include <linux/netdevice.h>

/*
 * Read a device's RSS indirection table (@indir: get_rxfh_indir_size()
 * entries). 6.8 gave ->get_rxfh() a struct
 * ethtool_rxfh_param; Kbuild sets LVOS_HAVE_RXFH_PARAM when it exists.
 */
static inline int lvos_get_rxfh_indir(struct net_device *dev, u32 *indir)
{
#ifdef LVOS_HAVE_RXFH_PARAM
	struct ethtool_rxfh_param rxfh = { .indir = indir };

	return dev->ethtool_ops->get_rxfh(dev, &rxfh);
#else
	return dev->ethtool_ops->get_rxfh(dev, indir, NULL, NULL);
#endif
}

#endif /* _LVOS_COMPAT_H */
