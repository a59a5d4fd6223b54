// SPDX-License-Identifier: GPL-2.0-only
/*
 * npv-litmus: cross-VM atomicity litmus for tests/vm/netpv-litmus.py.
 * Each guest maps ivshmem BAR2 (sysfs resource2) and adds 1 to a shared
 * u64 ITER times with lock xadd; the host then finds the sum exact or not.
 * Under QEMU TCG, guest atomics are only atomic across vCPU threads when
 * the machine may run several (CF_PARALLEL: max_cpus > 1); lvos_netpv's
 * rings need no cross-VM read-modify-write, but its tests pin the setup.
 *
 * usage: npv-litmus RESOURCE2 ITER
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long iter, i;
	uint64_t *ctr;
	void *p;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: npv-litmus RESOURCE2 ITER\n");
		return 2;
	}
	iter = strtoul(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	ctr = (uint64_t *)p + 64;	/* offset 512: away from anything else */
	for (i = 0; i < iter; i++)
		__atomic_fetch_add(ctr, 1, __ATOMIC_SEQ_CST);
	printf("result added=%lu\n", iter);
	return 0;
}
