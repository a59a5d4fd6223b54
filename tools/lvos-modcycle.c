// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos-modcycle: load and unload a module many times, and read a module's
 * sysfs files in a loop while that happens, without a fork per cycle
 * (tests/vm/cycles-*.py; static, so it runs in the busybox test guests).
 *
 *   lvos-modcycle cycle [-p PARAM]... [-e PATH]... [-k FILE]... [-m] [-H MS] KO N
 *	N times: init_module(KO, "PARAM PARAM..."); each PATH must exist (-e,
 *	up to 8); hold MS ms (-H); delete_module; each PATH must be gone;
 *	each FILE (-k, up to 8) must
 *	read as it did before the first load (settings the module restores);
 *	MemTotal must be what it was before the first load (-m: a balloon
 *	returned every page). Stops at the first failure (exit 1, the cycle
 *	and the error on stderr); prints
 *	"modcycle: NAME N cycles in S s (U us/cycle)".
 *
 *   lvos-modcycle read [-s US] [-x NAME]... PATH...
 *	Until SIGTERM, at nice 19: walk each PATH (a directory, followed if a
 *	symlink; symlinks below it are not followed) and read every regular
 *	file but those named NAME (-x, up to 8); sleep US microseconds after
 *	each pass (-s: the vCPU may go idle now and then). Nice 19 so that
 *	the readers take little from the cycles on a one-vCPU guest, yet run
 *	whenever the cycling task sleeps in the middle of a load or unload,
 *	and get preempted in the middle of a read (boot with preempt=full)
 *	when it wakes. Errors are expected
 *	while the module comes and goes and are only counted. On SIGTERM
 *	prints "reader: P passes, R reads ok, E errors".
 *
 *   lvos-modcycle snap
 *	The kernel's memory counters for a leak check, as quiet as they get:
 *	drop the page cache and reclaimable slab, shrink every slab cache
 *	(/sys/kernel/slab/NAME/shrink: SLUB counts every object of a per-CPU
 *	slab as in use until it is flushed), wait 1 s for RCU-deferred frees,
 *	drop again, wait 1 s, shrink again and read /proc/slabinfo, /proc/meminfo and
 *	/proc/zoneinfo right away, all from files opened before the first
 *	shrink (see snap()), so that nothing allocates between the last
 *	shrink and the reads. Prints "mem KEY kB" lines (/proc/meminfo,
 *	plus PcpFree: the free pages on the per-CPU lists, which MemFree
 *	leaves out, FreeAll = MemFree + PcpFree, AvailAll = MemAvailable +
 *	PcpFree) and "slab NAME ACTIVE-OBJECTS OBJECT-SIZE" lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static const char *skip[8];
static int nskip;

static void usage(void);
static unsigned long long reads_ok, reads_err, passes;
static char buf[65536];

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void read_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		reads_err++;
		return;
	}
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0);
	if (n < 0)
		reads_err++;
	else
		reads_ok++;
	close(fd);
}

static void walk(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (!d) {
		close(dfd);
		return;
	}
	while (!stop && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_REG) {
			int k;

			for (k = 0; k < nskip && strcmp(e->d_name, skip[k]); k++)
				;
			if (k == nskip)
				read_file(dirfd(d), e->d_name);
		} else if (e->d_type == DT_DIR && depth < 8) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				walk(sub, depth + 1);
		}
	}
	closedir(d);
}

static int reader(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	long pause_us = 0;
	int i, opt;

	while ((opt = getopt(argc, argv, "s:x:")) != -1) {
		switch (opt) {
		case 's': pause_us = atol(optarg); break;
		case 'x':
			if (nskip == 8)
				usage();
			skip[nskip++] = optarg;
			break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (!argc)
		usage();

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	errno = 0;
	if (nice(19) == -1 && errno)
		perror("nice");
	while (!stop) {
		for (i = 0; i < argc && !stop; i++) {
			int fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd >= 0)
				walk(fd, 0);
		}
		passes++;
		if (pause_us) {
			struct timespec ts = { pause_us / 1000000, (pause_us % 1000000) * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	printf("reader: %llu passes, %llu reads ok, %llu errors\n", passes, reads_ok, reads_err);
	return 0;
}

#define MAX_KEEP 8

/* the first line of @path (empty if unreadable) into @out */
static void read_line(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, out, len - 1);

	if (fd >= 0)
		close(fd);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static long memtotal_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lvos-modcycle cycle [-p PARAM]... [-e PATH]... [-k FILE]... [-m] [-H MS] KO N\n"
		"       lvos-modcycle read [-s US] [-x NAME]... PATH...\n"
		"       lvos-modcycle snap\n");
	exit(2);
}

static int cycle(int argc, char **argv)
{
	const char *ko, *keep[MAX_KEEP], *path[MAX_KEEP];
	char params[1024] = "", name[NAME_MAX + 1], *p, was[MAX_KEEP][256], now_val[256];
	int opt, check_mem = 0, nkeep = 0, npath = 0, k;
	long n, i, hold_ms = 0, mem0 = 0, mem;
	struct stat st;
	void *image;
	ssize_t len;
	double t0, dt;
	int fd;

	while ((opt = getopt(argc, argv, "p:e:k:mH:")) != -1) {
		switch (opt) {
		case 'p':
			if (strlen(params) + strlen(optarg) + 2 > sizeof(params))
				usage();
			if (*params)
				strcat(params, " ");
			strcat(params, optarg);
			break;
		case 'e':
			if (npath == MAX_KEEP)
				usage();
			path[npath++] = optarg;
			break;
		case 'k':
			if (nkeep == MAX_KEEP)
				usage();
			keep[nkeep++] = optarg;
			break;
		case 'm': check_mem = 1; break;
		case 'H': hold_ms = atol(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	ko = argv[optind];
	n = atol(argv[optind + 1]);

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "modcycle: %s: %s\n", ko, strerror(errno));
		return 1;
	}
	image = malloc(st.st_size);
	len = image ? read(fd, image, st.st_size) : -1;
	if (len != st.st_size) {
		fprintf(stderr, "modcycle: reading %s failed\n", ko);
		return 1;
	}
	close(fd);
	/* the module name: the file name without .ko, '-' read as '_' */
	p = strrchr(ko, '/');
	snprintf(name, sizeof(name), "%s", p ? p + 1 : ko);
	p = strstr(name, ".ko");
	if (p)
		*p = '\0';
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';

	if (check_mem)
		mem0 = memtotal_kb();
	for (k = 0; k < nkeep; k++)
		read_line(keep[k], was[k], sizeof(was[k]));
	t0 = now();
	for (i = 0; i < n; i++) {
		if (syscall(SYS_init_module, image, (unsigned long)len, params)) {
			fprintf(stderr, "modcycle: cycle %ld: loading %s: %s\n", i, name,
				strerror(errno));
			return 1;
		}
		for (k = 0; k < npath; k++) {
			if (stat(path[k], &st)) {
				fprintf(stderr, "modcycle: cycle %ld: %s missing after the load: %s\n",
					i, path[k], strerror(errno));
				return 1;
			}
		}
		if (hold_ms) {
			struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (syscall(SYS_delete_module, name, O_NONBLOCK)) {
			fprintf(stderr, "modcycle: cycle %ld: unloading %s: %s\n", i, name,
				strerror(errno));
			return 1;
		}
		for (k = 0; k < npath; k++) {
			if (!stat(path[k], &st) || errno != ENOENT) {
				fprintf(stderr, "modcycle: cycle %ld: %s still there after the unload\n",
					i, path[k]);
				return 1;
			}
		}
		for (k = 0; k < nkeep; k++) {
			read_line(keep[k], now_val, sizeof(now_val));
			if (strcmp(now_val, was[k])) {
				fprintf(stderr,
					"modcycle: cycle %ld: %s is '%s' after the unload, was '%s' before\n",
					i, keep[k], now_val, was[k]);
				return 1;
			}
		}
		if (check_mem && (mem = memtotal_kb()) != mem0) {
			fprintf(stderr,
				"modcycle: cycle %ld: MemTotal %ld kB after the unload, %ld kB before\n",
				i, mem, mem0);
			return 1;
		}
	}
	dt = now() - t0;
	printf("modcycle: %s %ld cycles in %.2f s (%.0f us/cycle)\n", name, n, dt,
	       n ? dt * 1e6 / n : 0.0);
	return 0;
}

static char snapbuf[3][1 << 20];
static const char *const snapfiles[3] = { "/proc/slabinfo", "/proc/meminfo", "/proc/zoneinfo" };

static void write_fd(int fd, const char *val)
{
	if (write(fd, val, strlen(val)) < 0) {
		/* nothing to do: the counters show whatever was not freed */
	}
}

static int read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while (len < size - 1 && (r = read(fd, buf + len, size - 1 - len)) > 0)
		len += r;
	buf[len] = '\0';
	return len < size - 1 ? 0 : -1;
}

/*
 * Every file is opened before the first shrink and stays open: an open
 * and a close allocate a struct file and kernfs state that are freed
 * only after an RCU grace period, and a shrink of a cache that is in use
 * right after counts its new per-CPU slab as full. A write to an open
 * sysfs or sysctl file allocates only its buffer (kmalloc-8, freed at
 * once): kmalloc-8 is shrunk last, after the drop_caches write.
 */
static int snap(void)
{
	int *fds = NULL, n = 0, cap = 0, i, fd[3], dc, last = -1, tmp;
	long pcp = 0, memfree = 0, avail = 0, v, active, total, objsize;
	char key[64], name[128], path[PATH_MAX], *line, *save;
	struct dirent *e;
	DIR *d;

	dc = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	d = opendir("/sys/kernel/slab");
	if (dc < 0 || !d) {
		perror("modcycle: /proc/sys/vm/drop_caches or /sys/kernel/slab");
		return 1;
	}
	sync();
	write_fd(dc, "3");
	while ((e = readdir(d))) {
		/* aliases (merged caches) are symlinks to a cache listed anyway */
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			fds = realloc(fds, cap * sizeof(*fds));
			if (!fds)
				return 1;
		}
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fds[n] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[n] < 0)
			continue;
		if (!strcmp(e->d_name, "kmalloc-8"))
			last = n;
		n++;
	}
	closedir(d);
	if (last >= 0) {
		tmp = fds[last];
		fds[last] = fds[n - 1];
		fds[n - 1] = tmp;
	}
	for (i = 0; i < 3; i++) {
		fd[i] = open(snapfiles[i], O_RDONLY | O_CLOEXEC);
		/* the first read sizes the seq_file buffers */
		if (fd[i] < 0 || read_all(fd[i], snapbuf[i], sizeof(snapbuf[i]))) {
			fprintf(stderr, "modcycle: cannot read %s\n", snapfiles[i]);
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		write_fd(fds[i], "1");
	/*
	 * Dentries, inodes and radix-tree nodes are freed after an RCU grace
	 * period: a shrink right after drop_caches counted ~1000 dentries
	 * that were already gone (dentry-state did not change).
	 */
	sleep(1);
	write_fd(dc, "3");
	sleep(1);
	for (i = 0; i < n; i++)
		write_fd(fds[i], "1");
	for (i = 0; i < 3; i++)
		if (read_all(fd[i], snapbuf[i], sizeof(snapbuf[i])))
			return 1;

	for (line = strtok_r(snapbuf[1], "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63[^:]: %ld", key, &v) != 2)
			continue;
		printf("mem %s %ld\n", key, v);
		if (!strcmp(key, "MemFree"))
			memfree = v;
		else if (!strcmp(key, "MemAvailable"))
			avail = v;
	}
	for (line = strtok_r(snapbuf[2], "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, " count: %ld", &v) == 1)
			pcp += v;
	pcp *= sysconf(_SC_PAGESIZE) / 1024;
	printf("mem PcpFree %ld\nmem FreeAll %ld\nmem AvailAll %ld\n", pcp, memfree + pcp,
	       avail + pcp);
	for (line = strtok_r(snapbuf[0], "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%127s %ld %ld %ld", name, &active, &total, &objsize) == 4)
			printf("slab %s %ld %ld\n", name, active, objsize);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "snap"))
		return snap();
	if (argc >= 2 && !strcmp(argv[1], "cycle"))
		return cycle(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "read"))
		return reader(argc - 1, argv + 1);
	usage();
	return 2;
}
