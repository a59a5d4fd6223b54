// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos-frag - fragment a test guest's free memory on purpose.
 *
 * Maps MIB MiB of private anonymous memory, writes every page, then gives
 * every other page back (MADV_DONTNEED): the guest is left with MIB/2 MiB
 * of single free pages whose buddies are in use, which is where the next
 * single-page allocations (a balloon inflating in 4 KiB pages) come from.
 * Prints "frag: ready", waits until WAIT_FILE exists (at most 600 s), then
 * exits, freeing the rest: the pageblocks are then half free, half the
 * new allocations, which is what compaction moves (whole free pageblocks
 * are never compaction targets).  Used by tests/vm/balloon-basic.py.
 *
 * Exit status: 0 done, 1 usage, 2 out of memory, 3 timed out waiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long mib, i, n;
	char *end, *p;
	int waited;

	if (argc != 3 || !*argv[1]) {
		fprintf(stderr, "usage: lvos-frag MIB WAIT_FILE\n");
		return 1;
	}
	mib = strtoul(argv[1], &end, 10);
	if (*end || !mib || mib > (1UL << 20)) {
		fprintf(stderr, "lvos-frag: bad size '%s'\n", argv[1]);
		return 1;
	}
	n = (mib << 20) / page;
	p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("lvos-frag: mmap");
		return 2;
	}
	if (madvise(p, n * page, MADV_NOHUGEPAGE))
		perror("lvos-frag: madvise(MADV_NOHUGEPAGE)");
	for (i = 0; i < n; i++)
		memset(p + i * page, 0x5a, page);
	for (i = 1; i < n; i += 2)
		if (madvise(p + i * page, page, MADV_DONTNEED)) {
			perror("lvos-frag: madvise(MADV_DONTNEED)");
			return 2;
		}
	printf("frag: ready: %lu pages held, %lu given back\n", n - n / 2, n / 2);
	fflush(stdout);
	for (waited = 0; access(argv[2], F_OK); waited++) {
		if (waited >= 6000) {
			fprintf(stderr, "lvos-frag: timed out waiting for %s\n", argv[2]);
			return 3;
		}
		usleep(100000);
	}
	return 0;
}
