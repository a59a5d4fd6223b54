// SPDX-License-Identifier: GPL-2.0-only
/*
 * pagefile-hog - memory-pressure and data-verification tool for testing a
 * compressed swap block device inside a small QEMU guest.
 *
 * It maps MIB MiB of private anonymous memory (more than the guest has, so
 * the kernel must swap), fills every page with deterministic content,
 * optionally rewrites some pages, optionally waits for a file to appear
 * (so a harness can e.g. stress or reload things meanwhile), then reads
 * every page back in a random order and compares it with the expected
 * content.  Any difference means the swap path lost or corrupted data.
 *
 * Page content is a pure function of (seed, page index, generation).  The
 * kind of each page depends only on (seed, index) and the --mix split:
 *   zero   - all zero bytes (exercises zero/same-page detection)
 *   text   - pseudo-random words from a small dictionary: compresses about
 *            2-4x with lz4, never same-filled (starts with a header line)
 *   random - a splitmix64 stream: incompressible
 *
 * The last line on stdout is always machine readable (except after a usage
 * error):
 *   hog-result pages=N zero=Z text=T random=R corrupt=C fill_ms=F verify_ms=V
 * corrupt counts bad pages summed over all passes (at most once per page
 * and pass).  Exit status: 0 no corruption, 1 corrupt pages found, 2 usage
 * error, 3 --wait-file timeout, 4 out of memory (mmap/malloc) or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { KIND_ZERO, KIND_TEXT, KIND_RANDOM };
static const char *const kind_names[] = { "zero", "text", "random" };
enum { SALT_KIND = 1, SALT_REWRITE, SALT_CORRUPT, SALT_PERM, SALT_CONTENT = 16 };
#define MAX_MIB (1u << 20)	/* 1 TiB: page indices still fit in uint32_t */
#define MAX_REPORTS 16		/* corrupt pages described on stderr */

static const char *const words[64] = {
	"kernel", "memory", "swapping", "device", "request", "queue", "writeback",
	"reading", "sector", "offset", "length", "status", "failed", "success",
	"timeout", "retrying", "buffer", "cache", "flushing", "commit", "journal",
	"inode", "mounted", "process", "thread", "signal", "network", "packet",
	"address", "server", "client", "session", "allocation", "compression",
	"interrupt", "scheduler", "completed", "started", "stopped", "warning",
	"error", "notice", "debug", "information", "filesystem", "partition",
	"controller", "firmware", "module", "loaded", "unloaded", "register",
	"context", "switch", "latency", "bandwidth", "throughput", "pressure",
	"reclaim", "anonymous", "mapping", "fault", "handler", "the"
};

static size_t page_size;
static uint64_t seed = 1;
static unsigned int mix_zero = 25, mix_text = 50;	/* random = the rest */
static int quiet;

static uint64_t mix64(uint64_t z)	/* splitmix64 finaliser */
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t next64(uint64_t *state)	/* splitmix64 generator */
{
	*state += 0x9e3779b97f4a7c15ULL;
	return mix64(*state);
}

static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
	return mix64(mix64(mix64(a) ^ b) ^ c);
}

static int page_kind(uint64_t idx)
{
	unsigned int r = hash3(seed, idx, SALT_KIND) % 100;

	return r < mix_zero ? KIND_ZERO :
	       r < mix_zero + mix_text ? KIND_TEXT : KIND_RANDOM;
}

static void put(char *p, size_t *pos, const char *s, size_t len)
{
	if (len > page_size - *pos)
		len = page_size - *pos;
	memcpy(p + *pos, s, len);
	*pos += len;
}

/* Write the expected content of page idx, generation gen, to p. */
static void gen_page(void *p, uint64_t idx, unsigned int gen)
{
	uint64_t st = hash3(seed, idx, SALT_CONTENT + gen), r;
	char *c = p, tmp[64];
	size_t i, pos = 0;

	switch (page_kind(idx)) {
	case KIND_ZERO:
		memset(p, 0, page_size);
		break;
	case KIND_RANDOM:
		for (i = 0; i + 8 <= page_size; i += 8) {
			r = next64(&st);
			memcpy(c + i, &r, 8);
		}
		break;
	default:	/* text: a header line, then words, pairs, numbers, newlines */
		put(c, &pos, tmp, snprintf(tmp, sizeof(tmp),
			"page %" PRIu64 " gen %u:\n", idx, gen));
		while (pos < page_size) {
			r = next64(&st);
			put(c, &pos, words[r & 63], strlen(words[r & 63]));
			if (r & 64) {	/* frequent word pairs help lz4, as in real text */
				put(c, &pos, " ", 1);
				put(c, &pos, words[(r & 63) ^ 1], strlen(words[(r & 63) ^ 1]));
			}
			switch ((r >> 7) & 31) {
			case 0:
				put(c, &pos, "\n", 1);
				break;
			case 1:
				put(c, &pos, tmp, snprintf(tmp, sizeof(tmp), " %u ",
							   (unsigned int)(r >> 16) % 10000));
				break;
			default:
				put(c, &pos, " ", 1);
			}
		}
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Strict unsigned decimal: digits only, no sign, no overflow, <= max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end || *out > max) ? -1 : 0;
}

static int parse_mix(const char *s)
{
	char buf[64], *p = buf, *field;
	uint64_t v[3];

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (int n = 0; n < 3; n++) {
		field = strsep(&p, ":");
		if (!field || parse_u64(field, 100, &v[n]))
			return -1;
	}
	if (p || v[0] + v[1] + v[2] != 100)
		return -1;
	mix_zero = v[0];
	mix_text = v[1];
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: pagefile-hog [options] MIB\n"
	      "Fill MIB MiB of anonymous memory with deterministic pages, then verify them.\n"
	      "  --mix Z:T:R         percent of zero:text:random pages, sum 100 (default 25:50:25)\n"
	      "  --seed N            content seed (default 1)\n"
	      "  --rewrite PCT       after filling, rewrite ~PCT% of pages with generation 1\n"
	      "  --wait-file PATH    print 'hog: ready', then wait until PATH exists\n"
	      "  --wait-timeout SECS give up waiting after SECS, exit 3 (default 600)\n"
	      "  --passes N          verify passes, each in a new random order (default 1)\n"
	      "  --corrupt-one       flip one byte after filling (verifier self-test)\n"
	      "  --dump-page I FILE  write expected page I (generation 0) to FILE and exit;\n"
	      "                      MIB is optional then\n"
	      "  --quiet             print only 'hog: ready', errors and the hog-result line\n"
	      "  -h, --help          show this help\n"
	      "Exit: 0 ok, 1 corrupt pages, 2 usage error, 3 wait timeout, 4 no memory/IO error\n",
	      f);
}

#define say(...) do { if (!quiet) printf(__VA_ARGS__); } while (0)

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mix", required_argument, NULL, 'm' }, { "seed", required_argument, NULL, 's' },
		{ "rewrite", required_argument, NULL, 'r' }, { "passes", required_argument, NULL, 'p' },
		{ "wait-file", required_argument, NULL, 'w' },
		{ "wait-timeout", required_argument, NULL, 't' },
		{ "dump-page", required_argument, NULL, 'd' },
		{ "corrupt-one", no_argument, NULL, 'c' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	uint64_t mib = 0, rewrite = 0, timeout = 600, passes = 1, dump_idx = 0;
	uint64_t npages, i, j, counts[3] = { 0 }, corrupt = 0, nrewritten = 0;
	uint64_t t0, fill_ms = 0, verify_ms = 0, st;
	const char *wait_file = NULL, *dump_file = NULL;
	int opt, corrupt_one = 0, ret = 0, reports = 0;
	unsigned char *mem, *scratch, *gens;
	uint32_t *perm, tmp;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;

		switch (opt) {
		case 'm': bad = parse_mix(optarg); break;
		case 's': bad = parse_u64(optarg, UINT64_MAX, &seed); break;
		case 'r': bad = parse_u64(optarg, 100, &rewrite); break;
		case 'w': wait_file = optarg; break;
		case 't': bad = parse_u64(optarg, 86400 * 365, &timeout); break;
		case 'p': bad = parse_u64(optarg, 1000000, &passes); break;
		case 'c': corrupt_one = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'd':
			bad = parse_u64(optarg, UINT32_MAX, &dump_idx) || optind >= argc;
			if (!bad)
				dump_file = argv[optind++];
			break;
		default: bad = 1;
		}
		if (bad) {
			fprintf(stderr, "pagefile-hog: bad option or value: %s\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc - 1 || (!dump_file && optind == argc) ||
	    (optind < argc && (parse_u64(argv[optind], MAX_MIB, &mib) || !mib))) {
		fprintf(stderr, "pagefile-hog: need one MIB argument, 1..%u\n", MAX_MIB);
		usage(stderr);
		return 2;
	}

	scratch = malloc(page_size);
	if (!scratch)
		return 4;
	if (dump_file) {
		FILE *f = fopen(dump_file, "wb");

		gen_page(scratch, dump_idx, 0);
		if (!f || fwrite(scratch, page_size, 1, f) != 1 || fclose(f)) {
			perror(dump_file);
			return 4;
		}
		return 0;
	}

	npages = mib * (1024 * 1024 / page_size);
	for (i = 0; i < npages; i++)
		counts[page_kind(i)]++;
	say("hog: %" PRIu64 " MiB, %" PRIu64 " pages of %zu bytes, mix %u:%u:%u, seed %" PRIu64 "\n",
	    mib, npages, page_size, mix_zero, mix_text, 100 - mix_zero - mix_text, seed);
	mem = mmap(NULL, npages * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gens = calloc(npages, 1);
	perm = malloc(npages * sizeof(*perm));
	if (mem == MAP_FAILED || !gens || !perm) {
		perror("pagefile-hog: mmap/malloc");
		ret = 4;
		goto out;
	}

	/* Phases 1 and 2: fill, then rewrite a random subset as generation 1. */
	t0 = now_ms();
	for (i = 0; i < npages; i++)
		gen_page(mem + i * page_size, i, 0);
	for (i = 0; i < npages; i++) {
		if (hash3(seed, i, SALT_REWRITE) % 100 < rewrite) {
			gens[i] = 1;
			gen_page(mem + i * page_size, i, 1);
			nrewritten++;
		}
	}
	fill_ms = now_ms() - t0;
	say("hog: filled in %" PRIu64 " ms, rewrote %" PRIu64 " pages\n", fill_ms, nrewritten);
	if (corrupt_one) {
		i = hash3(seed, 0, SALT_CORRUPT) % npages;
		j = hash3(seed, 1, SALT_CORRUPT) % page_size;
		mem[i * page_size + j] ^= 0x5a;
		say("hog: corrupted page %" PRIu64 " byte %" PRIu64 "\n", i, j);
	}

	/* Phase 3: let the harness do its thing while our pages sit in swap. */
	if (wait_file) {
		uint64_t deadline = now_ms() + timeout * 1000;
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		printf("hog: ready\n");
		fflush(stdout);
		while (access(wait_file, F_OK)) {
			if (now_ms() >= deadline) {
				fprintf(stderr, "pagefile-hog: timed out waiting for %s\n", wait_file);
				ret = 3;
				goto out;
			}
			nanosleep(&ts, NULL);
		}
	}

	/* Phase 4: verify every page once per pass, in a fresh random order. */
	t0 = now_ms();
	for (uint64_t pass = 1; pass <= passes; pass++) {
		uint64_t bad = 0, pt0 = now_ms();

		st = hash3(seed, pass, SALT_PERM);
		for (i = 0; i < npages; i++)
			perm[i] = i;
		for (i = npages - 1; i > 0; i--) {
			j = next64(&st) % (i + 1);
			tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (i = 0; i < npages; i++) {
			uint64_t idx = perm[i];
			unsigned char *p = mem + idx * page_size;

			gen_page(scratch, idx, gens[idx]);
			if (!memcmp(p, scratch, page_size))
				continue;
			bad++;
			if (reports++ < MAX_REPORTS) {
				size_t off = 0, ndiff = 0;

				for (j = page_size; j-- > 0; )
					if (p[j] != scratch[j]) {
						off = j;
						ndiff++;
					}
				fprintf(stderr, "hog: pass %" PRIu64 ": page %" PRIu64
					" (%s, gen %u) corrupt: %zu bytes differ, first at %zu"
					" (got 0x%02x want 0x%02x)\n", pass, idx, kind_names[page_kind(idx)],
					gens[idx], ndiff, off, p[off], scratch[off]);
			}
		}
		corrupt += bad;
		say("hog: pass %" PRIu64 "/%" PRIu64 ": corrupt=%" PRIu64 " in %" PRIu64 " ms\n",
		    pass, passes, bad, now_ms() - pt0);
	}
	verify_ms = now_ms() - t0;
	ret = corrupt ? 1 : 0;
out:
	printf("hog-result pages=%" PRIu64 " zero=%" PRIu64 " text=%" PRIu64
	       " random=%" PRIu64 " corrupt=%" PRIu64 " fill_ms=%" PRIu64
	       " verify_ms=%" PRIu64 "\n", npages, counts[KIND_ZERO],
	       counts[KIND_TEXT], counts[KIND_RANDOM], corrupt, fill_ms, verify_ms);
	return ret;
}
