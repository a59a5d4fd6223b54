// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos-openrace - open a block device over and over while something else
 * resizes or resets it, and check that an open handle keeps the size it
 * saw: open, BLKGETSIZE64, pause, read the last 4 KiB with O_DIRECT, close,
 * stay closed for 0-2 ms.
 * A read that fails or comes back short means the device changed under an
 * open handle (what swapon or mkswap would then act on). An open refused
 * with EBUSY is fine: the device is being changed and says so.
 *
 * Usage: lvos-openrace DEVICE SECONDS
 * Prints "openrace: opens=N busy=B changed=C" and exits 0 if C == 0,
 * 1 if not, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long opens = 0, busy = 0, changed = 0;
	double end;
	void *buf;

	if (argc != 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: lvos-openrace DEVICE SECONDS\n");
		return 2;
	}
	if (posix_memalign(&buf, 4096, 4096))
		return 2;
	end = now() + atoi(argv[2]);
	while (now() < end) {
		uint64_t size;
		ssize_t n;
		int fd = open(argv[1], O_RDONLY | O_DIRECT);

		if (fd < 0) {
			if (errno == EBUSY) {
				busy++;
				usleep(rand() % 200);
				continue;
			}
			perror("lvos-openrace: open");
			return 2;
		}
		opens++;
		if (ioctl(fd, BLKGETSIZE64, &size) || size < 4096) {
			perror("lvos-openrace: BLKGETSIZE64");
			return 2;
		}
		usleep(200);	/* a window for a resize to land in */
		n = pread(fd, buf, 4096, size - 4096);
		if (n != 4096) {
			if (changed++ < 5)
				fprintf(stderr, "lvos-openrace: last page of %llu bytes: %s\n",
					(unsigned long long)size,
					n < 0 ? strerror(errno) : "short read");
		}
		close(fd);
		/* closed for a random while: the resizer gets its turns */
		usleep(rand() % 2000);
	}
	printf("openrace: opens=%lu busy=%lu changed=%lu\n", opens, busy, changed);
	return changed ? 1 : 0;
}
