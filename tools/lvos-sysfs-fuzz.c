// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos-sysfs-fuzz - hostile input for every writable sysfs file and every
 * module parameter of the lvos modules; runs inside the busybox test
 * guests (static, no shell loop: under TCG a shell spends milliseconds per
 * write, this tool microseconds).
 *
 * sysfs mode (default): walks /sys/kernel/lvos and /sys/block/pagefile*
 * /pagefile (or the roots given), and for every file with a write bit
 * writes --count generated inputs one at a time, then two concurrent
 * phases (--threads writers on one file: refused inputs only, with a
 * reader watching the value, then mixed inputs). Inputs are generated,
 * not listed: random bytes; numbers with signs, bases, padding, separators
 * and suffixes around the file's bounds, past 2^32 and 2^64, floats;
 * the file's valid values and mutations of them; words of every lvos file;
 * embedded NULs and newlines; strings of PAGE_SIZE and more; one input cut
 * into several write() calls on one descriptor.
 *
 * Each write is judged by an oracle built from docs/ABI/ and the kernel's
 * parsers (kstrtouint, kstrtobool, sysfs_streq; kernfs hands a store the
 * first PAGE_SIZE bytes, NUL-terminated): accepted or refused, and with
 * which errno. A violation is: an outcome the oracle rules out, a value
 * that changed after a refused write, an accepted write that does not read
 * back as written, a short write, a concurrent reader seeing a refused
 * value, more kernel log lines than ratelimited logging can produce, or a
 * WARNING/BUG in the kernel log. Counters and actions (reset, report,
 * guard of a disk) have no value of their own: reset is write-only (no
 * read-back), report is checked through layers, a disk's guard through its
 * text; a change of the disk's seq (an event from the host) excuses it.
 * Every setting is written back to its first value after its file (and
 * with --restore FILE later, for one that was busy, e.g. a backing device
 * holding pages).
 *
 * --params KO: loads KO (finit_module) --count times per parameter with a
 * generated value for one parameter: a refused value must fail the load
 * with an errno and a log line, an accepted one must show the value in
 * /sys/module/<mod>/parameters and in the module's own sysfs file, and
 * the module must unload.
 *
 * --param-values N MODULE PARAM prints N generated values, one per line
 * (without NUL, newline and quotes), for a shell loop.
 *
 * The seed is fixed by default and printed: `--seed S --only FILE`
 * replays one file exactly (each file's stream depends on the seed and
 * its path only). Exit: 0 no violation, 1 violations, 2 usage, 3 setup.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define KPAGE		4096		/* kernfs hands a store at most PAGE_SIZE bytes */
#define MAXIN		(65536 + 64)	/* longest generated input */
#define VALSZ		8192		/* a value read back */
#define MAXVIOL_SHOWN	6		/* violations described per file */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* random numbers: splitmix64, one stream per file and thread          */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* ------------------------------------------------------------------ */
/* byte buffers                                                        */

struct buf {
	char d[MAXIN + 1];
	size_t n;
};

static void b_reset(struct buf *b)
{
	b->n = 0;
	b->d[0] = '\0';
}

static void b_put(struct buf *b, const void *p, size_t n)
{
	if (n > MAXIN - b->n)
		n = MAXIN - b->n;
	memcpy(b->d + b->n, p, n);
	b->n += n;
	b->d[b->n] = '\0';
}

static void b_str(struct buf *b, const char *s)
{
	b_put(b, s, strlen(s));
}

static void b_ch(struct buf *b, char c)
{
	b_put(b, &c, 1);
}

static void b_fmt(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void b_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		b_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* C-escaped, cut to @max input bytes */
static const char *esc(const char *p, size_t n, char *out, size_t outsz, size_t max)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < max && o + 8 < outsz; i++) {
		unsigned char c = p[i];

		if (c == '\n')
			o += snprintf(out + o, outsz - o, "\\n");
		else if (c == '\t')
			o += snprintf(out + o, outsz - o, "\\t");
		else if (c == '\\' || c == '"')
			o += snprintf(out + o, outsz - o, "\\%c", c);
		else if (c < 32 || c > 126)
			o += snprintf(out + o, outsz - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
	if (i < n && o + 32 < outsz)
		snprintf(out + o, outsz - o, "...(%zu bytes)", n);
	return out;
}

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";

	return s ? s : "E?";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* the kernel's parsers, as in lib/kstrtox.c and lib/string.c          */

static const char *fixup_radix(const char *s, unsigned int *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if (tolower((unsigned char)s[1]) == 'x' && isxdigit((unsigned char)s[2]))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && tolower((unsigned char)s[1]) == 'x')
		s += 2;
	return s;
}

static int m_kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v = 0;
	bool ovf = false;
	size_t n = 0;

	if (s[0] == '+')
		s++;
	s = fixup_radix(s, &base);
	for (;; n++) {
		unsigned int c = (unsigned char)s[n], lc = c | 0x20, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			d = lc - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v & (~0ULL << 60)) {
			if (v > (ULLONG_MAX - d) / base)
				ovf = true;
		}
		v = v * base + d;
	}
	if (ovf)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

static int m_kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int e = m_kstrtoull(s, base, &v);

	if (e)
		return e;
	if (v != (unsigned int)v)
		return -ERANGE;
	*res = v;
	return 0;
}

static int m_kstrtobool(const char *s, bool *res)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		switch (s[1]) {
		case 'n': case 'N':
			*res = true;
			return 0;
		case 'f': case 'F':
			*res = false;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static bool m_sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	if (*s1 == '\n' && !s1[1] && !*s2)
		return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* what each file takes (docs/ABI/)                                    */

enum kind {
	K_UINT,		/* kstrtouint base 10 in [min, max] (or 0): "%u\n" */
	K_BOOL,		/* kstrtobool: "0\n" / "1\n" */
	K_MODE,		/* auto|online|manual (sysfs_streq): "<mode> (...)\n" */
	K_ALG,		/* a compressor name (pagefile): "<name>\n" */
	K_PATH,		/* a block device path or none (pagefile backing_dev) */
	K_RESET,	/* write-only: 1 (pagefile reset) */
	K_GUARD,	/* clear|force (blkgrow disks/<disk>/guard) */
	K_REPORT,	/* write-only layer line (blkgrow disks/<disk>/report) */
	K_GENERIC,	/* a file this tool has no spec for: generic checks */
};

static const char *const kind_names[] = {
	"uint", "bool", "mode", "alg", "path", "reset", "guard", "report", "generic",
};

#define F_BUSY		0x01	/* a valid value may get -EBUSY (volume in use) */
#define F_NONE		0x02	/* alg: "none" is valid */
#define F_ZERO		0x04	/* uint: 0 is valid besides [min, max] */
#define F_CPUS		0x08	/* uint: max is nr_cpu_ids */
#define F_OVF_EINVAL	0x10	/* uint: past UINT_MAX is -EINVAL, not -ERANGE */
#define F_COSTLY	0x20	/* a valid write is expensive (allocates compressors,
				 * opens a disk, resizes a volume): at most
				 * COSTLY_PERMILLE of the inputs may be ones the
				 * file can accept; the rest are regenerated */
#define COSTLY_PERMILLE	10
#define NAMED_BASE	30	/* log lines naming the file, + per 5 s */
#define NAMED_WINDOW	30

enum dirkind { D_PAGEFILE, D_HOTPLUG, D_BALLOON, D_BLKGROW, D_BGDISK, D_HV, D_OTHER };

struct spec {
	enum dirkind dir;
	const char *name;
	enum kind kind;
	unsigned int min, max;
	unsigned int flags;
	unsigned int accept_log;	/* log lines an accepted write may print */
};

static const struct spec specs[] = {
	/* sysfs-block-lvos-pagefile: kstrtouint's errno passes through */
	{ D_PAGEFILE, "size_percent", K_UINT, 1, 400, F_BUSY | F_COSTLY, 2 },
	{ D_PAGEFILE, "cap_percent", K_UINT, 1, 90, 0, 1 },
	{ D_PAGEFILE, "idle_age", K_UINT, 0, 2592000, 0, 0 },
	{ D_PAGEFILE, "compact_threshold", K_UINT, 0, 100, 0, 0 },
	{ D_PAGEFILE, "comp_algorithm", K_ALG, 0, 0, F_BUSY | F_COSTLY, 0 },
	{ D_PAGEFILE, "recomp_algorithm", K_ALG, 0, 0, F_BUSY | F_NONE | F_COSTLY, 0 },
	{ D_PAGEFILE, "backing_dev", K_PATH, 0, 0, F_BUSY | F_COSTLY, 1 },
	{ D_PAGEFILE, "reset", K_RESET, 1, 1, F_BUSY | F_COSTLY, 2 },
	/* sysfs-kernel-lvos-hotplug */
	{ D_HOTPLUG, "cpu_policy", K_MODE, 0, 0, 0, 0 },
	{ D_HOTPLUG, "memory_policy", K_MODE, 0, 0, 0, 1 },
	{ D_HOTPLUG, "movable_ratio", K_UINT, 0, 3000, 0, 1 },
	{ D_HOTPLUG, "retune", K_BOOL, 0, 0, 0, 1 },
	{ D_HOTPLUG, "park", K_BOOL, 0, 0, 0, 2 },
	{ D_HOTPLUG, "park_floor", K_UINT, 1, 1, F_CPUS, 0 },
	{ D_HOTPLUG, "park_interval_ms", K_UINT, 100, 60000, 0, 0 },
	/* sysfs-kernel-lvos-balloon: any kstrtouint failure is -EINVAL */
	{ D_BALLOON, "reserve_mb", K_UINT, 16, 65536, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "hyst_mb", K_UINT, 0, 4096, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "holdoff_ms", K_UINT, 0, 600000, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "watch_ms", K_UINT, 100, 60000, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "ack_timeout_ms", K_UINT, 100, 600000, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "huge", K_BOOL, 0, 0, 0, 0 },
	{ D_BALLOON, "report_chunks", K_BOOL, 0, 0, 0, 0 },
	{ D_BALLOON, "shrinker", K_BOOL, 0, 0, 0, 0 },
	{ D_BALLOON, "guest_driven", K_BOOL, 0, 0, 0, 1 },
	{ D_BALLOON, "guest_interval_s", K_UINT, 1, 86400, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "guest_step_mb", K_UINT, 1, 65536, F_OVF_EINVAL, 0 },
	{ D_BALLOON, "guest_keep_mb", K_UINT, 0, 1048576, F_OVF_EINVAL, 0 },
	/* sysfs-kernel-lvos-blkgrow: any kstrtouint failure is -EINVAL */
	{ D_BLKGROW, "poll_ms", K_UINT, 100, 3600000, F_ZERO | F_OVF_EINVAL, 0 },
	{ D_BLKGROW, "watch_ms", K_UINT, 50, 10000, F_OVF_EINVAL, 0 },
	{ D_BLKGROW, "trim_interval", K_UINT, 1, 2592000, F_ZERO | F_OVF_EINVAL, 0 },
	{ D_BLKGROW, "guard", K_BOOL, 0, 0, 0, 0 },
	{ D_BGDISK, "report", K_REPORT, 0, 0, 0, 1 },
	{ D_BGDISK, "guard", K_GUARD, 0, 0, 0, 2 },
};

static const char *const algs[] = { "lz4", "lz4hc", "lzo", "lzo-rle", "zstd", "deflate" };
static const char *const modes[] = { "auto", "online", "manual" };
static const char *const layers[] = { "partition", "luks", "lvm", "fs", "guard", "trim" };
static const char *const outcomes[] = { "grown", "unchanged", "skipped", "failed", "done" };
static const char *const boolwords[] = {
	"0", "1", "y", "n", "Y", "N", "yes", "no", "on", "off", "On", "OFF", "oN",
	"true", "false", "t", "f", "T", "F", "o", "O", "of", "ok", "2", "-1", "01",
};
/* every word some lvos file takes, for cross-file confusion */
static const char *const vocab[] = {
	"auto", "online", "manual", "none", "clear", "force", "lz4", "lz4hc", "lzo",
	"lzo-rle", "zstd", "deflate", "partition", "luks", "lvm", "fs", "guard", "trim",
	"grown", "unchanged", "skipped", "failed", "done", "on", "off", "yes", "no",
	"true", "false", "max", "min", "default", "reset", "offline", "online_movable",
	"online_kernel", "auto-movable", "/dev/vda", "1", "0", "lz4 ", " zstd", "AUTO",
	"Online", "NONE", "Clear", "fs grown", "trim done /", "guard done x",
};

#define LINE_MAX_BG	160	/* blkgrow LVOS_BG_LINE_MAX */
#define PATH_LEN_PF	256	/* pagefile LVOS_PF_PATH_LEN */
#define NAME_LEN_PF	16	/* pagefile LVOS_PF_NAME_LEN */

static unsigned int nr_cpu_ids_guess = 1;
static char devpaths[64][64];	/* /dev/<name> of every block device */
static unsigned int ndevpaths;

/* ------------------------------------------------------------------ */
/* files under test                                                    */

struct stats {
	uint64_t inputs, accepted, refused, neutral, violations, lenient;
	uint64_t excused;	/* value changes excused by an event (seq moved) */
};

struct target {
	char path[PATH_MAX];
	char readpath[PATH_MAX];	/* the value to watch ("" none) */
	char volpath[PATH_MAX];		/* an event counter that excuses changes */
	char dev[64];			/* pagefileN / the blkgrow disk */
	dev_t self;			/* a pagefile volume's own device number */
	const struct spec *sp;
	struct spec generic;
	unsigned int max;
	char orig[VALSZ];
	ssize_t origlen;
	struct stats st;
	uint64_t shown;			/* violations described */
	pthread_mutex_t lock;		/* st/shown in the concurrent phases */
	unsigned int loglines, loglimit;
	unsigned int logbase;		/* the limit without accepted writes' lines */
	unsigned int named, namedlimit;	/* lines containing " <file>:" */
	unsigned int loglost;		/* lines the ring overwrote before we read */
	bool named_reported;
	double secs;
	bool restored, log_reported;
};

static struct target *targets;
static unsigned int ntargets;
static char (*ropaths)[PATH_MAX];
static unsigned int nropaths;

static uint64_t opt_seed = 1;
static uint64_t cur_seed = 1;		/* opt_seed + the round */
static const char *opt_until;
static unsigned long opt_count = 10000;
static unsigned int opt_threads = 4;
static unsigned long opt_ccount = 250;		/* per thread and phase */
static const char *opt_only[16];
static unsigned int nonly;
static const char *opt_exclude[16];
static unsigned int nexclude;
static unsigned int opt_min_files;
static const char *opt_state;
static bool opt_verbose;
static bool opt_strict;
static bool opt_focus;		/* --params: mostly values the module's code sees */
static unsigned int opt_log_base = 100, opt_log_window = 40;

static void violation(struct target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void violation(struct target *t, const char *fmt, ...)
{
	va_list ap;
	bool show;

	pthread_mutex_lock(&t->lock);
	t->st.violations++;
	show = t->shown++ < MAXVIOL_SHOWN;
	pthread_mutex_unlock(&t->lock);
	if (!show)
		return;
	flockfile(stdout);
	printf("VIOLATION %s: ", t->path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	funlockfile(stdout);
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* the oracle                                                          */

enum { X_ACCEPT = 1, X_REFUSE = 2, X_EITHER = 3, X_NEUTRAL = 4 };
enum { V_NONE, V_EXACT, V_PREFIX, V_LINE };

struct expect {
	int what;
	int err[12];
	int nerr;
	int vmode;
	char value[PATH_LEN_PF + 16];
	bool lenient;		/* strict reading refuses; the module may accept */
	const char *why;	/* said with a violation */
	bool kernel_only;	/* a parameter value the kernel's parser refuses:
				 * the module's code never sees it */
};

static void x_err(struct expect *x, int e)
{
	if (x->nerr < (int)ARRAY_SIZE(x->err))
		x->err[x->nerr++] = e;
}

static void x_refuse(struct expect *x, int e)
{
	x->what = X_REFUSE;
	x_err(x, e);
}

static bool x_err_ok(const struct expect *x, int e)
{
	int i;

	for (i = 0; i < x->nerr; i++)
		if (x->err[i] == e)
			return true;
	return false;
}

static bool valid_word(const char *const *words, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(words[i], s))
			return true;
	return false;
}

static int word_len_idx(const char *const *words, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(words[i]) == len && !memcmp(words[i], s, len))
			return (int)i;
	return -1;
}

/* blkgrow's lvos_bg_parse_report(): on the count bytes, not the C string */
static bool report_ok(const char *buf, size_t count)
{
	const char *sp, *end;
	size_t i;

	if (count && buf[count - 1] == '\n')
		count--;
	if (!count || count >= LINE_MAX_BG)
		return false;
	for (i = 0; i < count; i++)
		if (!isprint((unsigned char)buf[i]) || !isascii((unsigned char)buf[i]))
			return false;
	end = buf + count;
	sp = memchr(buf, ' ', count);
	if (!sp || word_len_idx(layers, ARRAY_SIZE(layers), buf, sp - buf) < 0)
		return false;
	buf = sp + 1;
	sp = memchr(buf, ' ', end - buf);
	if (!sp)
		sp = end;
	if (word_len_idx(outcomes, ARRAY_SIZE(outcomes), buf, sp - buf) < 0)
		return false;
	if (sp < end && sp + 1 == end)
		return false;
	return true;
}

/*
 * What writing @data (@len bytes) to @t may do. @cur is the value read
 * before (for backing_dev: attached or not).
 */
static void oracle(const struct target *t, const char *data, size_t len,
		   const char *cur, struct expect *x)
{
	const struct spec *sp = t->sp;
	size_t count = len < KPAGE ? len : KPAGE;
	char s[KPAGE + 1];	/* what the store's string functions see */
	unsigned int v;
	bool b;
	int e, i;

	memset(x, 0, sizeof(*x));
	if (!len) {
		x->what = X_NEUTRAL;	/* sysfs_kf_write: nothing to store */
		return;
	}
	memcpy(s, data, count);
	s[count] = '\0';

	switch (sp->kind) {
	case K_UINT:
	case K_RESET:
		e = m_kstrtouint(s, 10, &v);
		if (e == -ERANGE && (sp->flags & F_OVF_EINVAL))
			e = -EINVAL;
		if (e) {
			x_refuse(x, -e);
			return;
		}
		if (!((sp->flags & F_ZERO) && v == 0) && (v < sp->min || v > t->max)) {
			x_refuse(x, ERANGE);
			return;
		}
		x->what = X_ACCEPT;
		if (sp->kind == K_UINT) {
			x->vmode = V_EXACT;
			snprintf(x->value, sizeof(x->value), "%u\n", v);
		}
		break;
	case K_BOOL:
		if (m_kstrtobool(s, &b)) {
			x_refuse(x, EINVAL);
			return;
		}
		x->what = X_ACCEPT;
		x->vmode = V_EXACT;
		snprintf(x->value, sizeof(x->value), "%d\n", b);
		break;
	case K_MODE:
		for (i = 0; i < (int)ARRAY_SIZE(modes); i++)
			if (m_sysfs_streq(s, modes[i]))
				break;
		if (i == (int)ARRAY_SIZE(modes)) {
			x_refuse(x, EINVAL);
			return;
		}
		x->what = X_ACCEPT;
		x->vmode = V_PREFIX;
		snprintf(x->value, sizeof(x->value), "%s (", modes[i]);
		break;
	case K_GUARD:
		if (m_sysfs_streq(s, "force")) {
			x->what = X_EITHER;
			x_err(x, ENODEV);
		} else if (m_sysfs_streq(s, "clear")) {
			x->what = X_EITHER;
			x_err(x, EBUSY);
			x_err(x, ENODEV);
		} else {
			x_refuse(x, EINVAL);
			return;
		}
		x->vmode = V_EXACT;
		strcpy(x->value, "off\n");
		break;
	case K_REPORT:
		if (!report_ok(data, count)) {
			x_refuse(x, EINVAL);
			return;
		}
		x->what = X_ACCEPT;
		x->vmode = V_LINE;
		snprintf(x->value, sizeof(x->value), "%.*s", (int)(count - (data[count - 1] == '\n')),
			 data);
		break;
	case K_ALG: {
		size_t n = strlen(s), cut = strcspn(s, "\n");
		bool strict_ok = cut == n || cut + 1 == n;	/* one trailing newline */

		if (n >= NAME_LEN_PF) {		/* strscpy() into 16 bytes fails */
			x_refuse(x, EINVAL);
			return;
		}
		s[cut] = '\0';
		if (!valid_word(algs, ARRAY_SIZE(algs), s) &&
		    !((sp->flags & F_NONE) && !strcmp(s, "none"))) {
			x_refuse(x, EINVAL);
			return;
		}
		/* known name: the kernel may lack it, the volume may be busy */
		x->what = X_EITHER;
		x_err(x, ENOENT);
		x_err(x, EBUSY);
		x_err(x, ENOMEM);
		if (!strict_ok) {
			/* "lz4\njunk": the module cuts at the first newline */
			x->lenient = true;
			x_err(x, EINVAL);
		}
		x->vmode = V_EXACT;
		snprintf(x->value, sizeof(x->value), "%.*s\n", PATH_LEN_PF, s);
		break;
	}
	case K_PATH: {
		size_t n, cut;
		struct stat st;
		bool strict_ok;

		s[PATH_LEN_PF] = '\0';		/* kstrndup(buf, 256) */
		n = strlen(s);
		cut = strcspn(s, "\n");
		strict_ok = cut == n || cut + 1 == n;
		s[cut] = '\0';
		if (!*s || strlen(s) >= PATH_LEN_PF) {
			x_refuse(x, EINVAL);
			return;
		}
		x->vmode = V_EXACT;
		snprintf(x->value, sizeof(x->value), "%.*s\n", PATH_LEN_PF, s);
		x->lenient = !strict_ok;
		if (x->lenient)
			x_err(x, EINVAL);
		if (!strcmp(s, "none")) {
			x->what = X_EITHER;
			x_err(x, EBUSY);	/* pages still on the backing device */
			return;
		}
		if (stat(s, &st)) {
			x_refuse(x, errno);
			return;
		}
		if (!S_ISBLK(st.st_mode)) {
			x_refuse(x, ENOTBLK);
			return;
		}
		/* a block device: busy (held, or one attached already), gone, empty */
		x->what = cur && strcmp(cur, "none\n") ? X_REFUSE : X_EITHER;
		/*
		 * The volume itself: its idle pages would be written back into
		 * it, again and again, and it would hold itself open (no
		 * reset, no detach once pages are there, no unload).
		 */
		if (t->self && st.st_rdev == t->self) {
			x->what = X_REFUSE;
			x->why = " (the volume itself as its own backing device)";
		}
		x_err(x, EBUSY);
		x_err(x, ENXIO);
		x_err(x, EINVAL);
		x_err(x, EACCES);
		x_err(x, ENOMEDIUM);
		x_err(x, ENODEV);
		x_err(x, EROFS);
		x_err(x, EIO);
		break;
	}
	case K_GENERIC:
		x->what = X_EITHER;
		for (e = 1; e < 134 && x->nerr < (int)ARRAY_SIZE(x->err); e++)
			if (e == EINVAL || e == ERANGE || e == EBUSY || e == ENOENT ||
			    e == ENODEV || e == EACCES || e == EPERM || e == ENOTBLK ||
			    e == EOPNOTSUPP || e == ENOSPC || e == EIO)
				x_err(x, e);
		return;
	}
	if ((sp->flags & F_BUSY) && x->what == X_ACCEPT) {
		x->what = X_EITHER;
		x_err(x, EBUSY);
	}
}

/* ------------------------------------------------------------------ */
/* the generator                                                       */

struct gen {
	struct rng r;
	const struct target *t;
	int pieces[4];		/* a partial write: lengths of the pieces */
	int npieces;
};

static void gen_random_bytes(struct gen *g, struct buf *b, size_t n)
{
	unsigned int mode = below(&g->r, 4);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c;

		switch (mode) {
		case 0:		/* printable */
			c = 32 + below(&g->r, 95);
			break;
		case 1:		/* digits and number punctuation */
			c = "0123456789+-xX .,\n\t_eE"[below(&g->r, 23)];
			break;
		default:	/* anything */
			c = below(&g->r, 256);
			break;
		}
		b_ch(b, c);
	}
}

static size_t gen_len(struct gen *g)
{
	switch (below(&g->r, 10)) {
	case 0:
		return 200 + below(&g->r, 1000);
	case 1: case 2: case 3:
		return 17 + below(&g->r, 180);
	default:
		return 1 + below(&g->r, 16);
	}
}

static const char *const bigs[] = {
	"4294967295", "4294967296", "4294967297", "2147483647", "2147483648",
	"18446744073709551615", "18446744073709551616", "18446744073709551617",
	"9223372036854775807", "9223372036854775808", "340282366920938463463374607431768211456",
	"99999999999999999999999999999999", "0xffffffff", "0x100000000",
	"0xffffffffffffffff", "0x10000000000000000", "1e99", "1e9", "1.5", "0.0", "-0",
	"1e-5", "inf", "-inf", "nan", "NaN", "Infinity", "0x", "0b101", "0o17", "+",
	"-", "--1", "+-1", "-+1", "++1", "1-", "1+1", "0x1p3", "\xef\xbc\x91", "\xd9\xa1",
};

/* @v in @base into @out (80 bytes); the number of digits */
static size_t u64_digits(uint64_t v, unsigned int base, bool upper, char *out)
{
	char tmp[80];
	size_t i = 0, n = 0;

	do {
		unsigned int d = v % base;

		tmp[i++] = d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10;
		v /= base;
	} while (v);
	while (i)
		out[n++] = tmp[--i];
	out[n] = '\0';
	return n;
}

/* A number: prefix, sign, base, digits, separators, suffix. */
static void gen_number(struct gen *g, struct buf *b)
{
	static const char *const pre[] = {
		"", "", "", "", "", "", " ", "\t", "0", "00", "+", "+", "-", "-", "+0", "-0",
		"\n", " +", "0000000000", "\v", "\r",
	};
	static const char *const suf[] = {
		"", "", "", "", "\n", "\n", "\n", "\n\n", " ", "\t", "\r\n", " \n", "x",
		"k", "K", "M", "MB", "ms", "s", "%", ".0", "\n1", "\v", "\f", ",", ";",
		"\n\n\n", "\x80", "\xff", "e3",
	};
	const struct spec *sp = g->t->sp;
	unsigned int lo = sp->kind == K_UINT ? sp->min : 0;
	unsigned int hi = sp->kind == K_UINT ? g->t->max : 1000;
	uint64_t v;
	unsigned int base = 10, i, n;

	b_str(b, pre[below(&g->r, ARRAY_SIZE(pre))]);
	switch (below(&g->r, 10)) {
	case 0:		/* a string of digits, often past 2^64 */
		n = 1 + below(&g->r, 60);
		for (i = 0; i < n; i++)
			b_ch(b, '0' + below(&g->r, 10));
		goto suffix;
	case 1:
		b_str(b, bigs[below(&g->r, ARRAY_SIZE(bigs))]);
		goto suffix;
	case 2:
		v = below(&g->r, 21);
		break;
	case 3: case 4:	/* at the bounds */
		v = (uint64_t)(below(&g->r, 2) ? lo : hi) + below(&g->r, 7) - 3;
		if (v > 0xffffffffffULL)
			v = 0xffffffffffffffffULL - below(&g->r, 3);	/* lo - 3 wrapped */
		break;
	case 5:		/* inside the range */
		v = lo + below(&g->r, (uint64_t)hi - lo + 1);
		break;
	case 6:
		v = (uint32_t)rnd(&g->r);
		break;
	case 7:
		v = rnd(&g->r);
		break;
	case 8:		/* powers of two and ten, and their neighbours */
		v = (1ULL << below(&g->r, 64)) + below(&g->r, 3) - 1;
		break;
	default:
		v = 1;
		for (i = below(&g->r, 20); i; i--)
			v *= 10;
		v += below(&g->r, 3) - 1;
		break;
	}
	switch (below(&g->r, 8)) {
	case 0:
		b_str(b, below(&g->r, 2) ? "0x" : "0X");
		base = 16;
		break;
	case 1:
		b_ch(b, '0');
		base = 8;
		break;
	case 2:
		b_str(b, "0b");
		base = 2;
		break;
	}
	{
		char dig[80];
		size_t k, nd = u64_digits(v, base, chance(&g->r, 50), dig);
		char sep = chance(&g->r, 8) ? "_, '."[below(&g->r, 5)] : 0;

		for (k = 0; k < nd; k++) {	/* maybe a thousands separator */
			if (sep && k && (nd - k) % 3 == 0)
				b_ch(b, sep);
			b_ch(b, dig[k]);
		}
	}
suffix:
	b_str(b, suf[below(&g->r, ARRAY_SIZE(suf))]);
	if (chance(&g->r, 5)) {
		b_ch(b, '\0');
		gen_random_bytes(g, b, below(&g->r, 8));
	}
}

/* A value the file takes (maybe with a newline). */
static void gen_valid(struct gen *g, struct buf *b)
{
	const struct target *t = g->t;
	const struct spec *sp = t->sp;
	uint64_t v;
	size_t i, n;

	switch (sp->kind) {
	case K_UINT:
	case K_RESET:
		switch (below(&g->r, 6)) {
		case 0:
			v = sp->min;
			break;
		case 1:
			v = t->max;
			break;
		case 2:
			v = (sp->flags & F_ZERO) ? 0 : sp->min + below(&g->r, 3);
			break;
		default:
			v = sp->min + below(&g->r, (uint64_t)t->max - sp->min + 1);
			break;
		}
		if (chance(&g->r, 10))
			b_ch(b, '+');
		else if (chance(&g->r, 10))
			b_str(b, "000");
		b_fmt(b, "%" PRIu64, v);
		break;
	case K_BOOL:
		b_str(b, boolwords[below(&g->r, ARRAY_SIZE(boolwords))]);
		break;
	case K_MODE:
		b_str(b, modes[below(&g->r, ARRAY_SIZE(modes))]);
		break;
	case K_ALG:
		if ((sp->flags & F_NONE) && chance(&g->r, 20))
			b_str(b, "none");
		else
			b_str(b, algs[below(&g->r, ARRAY_SIZE(algs))]);
		break;
	case K_PATH:
		if (chance(&g->r, 40) || !ndevpaths)
			b_str(b, "none");
		else
			b_str(b, devpaths[below(&g->r, ndevpaths)]);
		break;
	case K_GUARD:
		b_str(b, below(&g->r, 3) ? "clear" : "force");
		break;
	case K_REPORT:
		b_str(b, layers[below(&g->r, ARRAY_SIZE(layers))]);
		b_ch(b, ' ');
		b_str(b, outcomes[below(&g->r, ARRAY_SIZE(outcomes))]);
		if (chance(&g->r, 80)) {
			b_ch(b, ' ');
			n = below(&g->r, 10) ? 1 + below(&g->r, 60) : below(&g->r, 180);
			for (i = 0; i < n; i++)
				b_ch(b, 32 + below(&g->r, 95));
		}
		break;
	case K_GENERIC:
		b_str(b, vocab[below(&g->r, ARRAY_SIZE(vocab))]);
		break;
	}
	if (chance(&g->r, 50))
		b_ch(b, '\n');
}

static void mutate(struct gen *g, struct buf *b)
{
	unsigned int k = 1 + below(&g->r, 3);

	while (k--) {
		size_t at = b->n ? below(&g->r, b->n + 1) : 0;
		char c = below(&g->r, 256);

		switch (below(&g->r, 11)) {
		case 0:		/* replace */
			if (at < b->n)
				b->d[at] = c;
			break;
		case 1: case 2: case 3:	/* insert: any, NUL, newline, space */
			if (b->n < MAXIN) {
				static const char ins[] = { 0, '\n', ' ' };
				char ch = c;

				if (below(&g->r, 4))
					ch = ins[below(&g->r, 3)];
				memmove(b->d + at + 1, b->d + at, b->n - at);
				b->d[at] = ch;
				b->n++;
				b->d[b->n] = '\0';
			}
			break;
		case 4:		/* delete */
			if (at < b->n) {
				memmove(b->d + at, b->d + at + 1, b->n - at - 1);
				b->n--;
				b->d[b->n] = '\0';
			}
			break;
		case 5:		/* twice */
			if (b->n && b->n * 2 <= MAXIN)
				b_put(b, b->d, b->n);
			break;
		case 6:		/* case */
			if (at < b->n)
				b->d[at] ^= isalpha((unsigned char)b->d[at]) ? 0x20 : 0;
			break;
		case 7:		/* junk after */
			gen_random_bytes(g, b, 1 + below(&g->r, 8));
			break;
		case 8:		/* blank before */
			if (b->n < MAXIN) {
				memmove(b->d + 1, b->d, b->n);
				b->d[0] = below(&g->r, 2) ? ' ' : '\t';
				b->n++;
				b->d[b->n] = '\0';
			}
			break;
		case 9:		/* truncate */
			b->n = at;
			b->d[b->n] = '\0';
			break;
		default:	/* a run of one byte */
			if (at < b->n) {
				size_t n = 1 + below(&g->r, 40);

				while (n-- && b->n < MAXIN) {
					memmove(b->d + at + 1, b->d + at, b->n - at);
					b->n++;
				}
				b->d[b->n] = '\0';
			}
			break;
		}
	}
}

/* PAGE_SIZE and more: around the kernfs cut, of digits, padding, text */
static void gen_long(struct gen *g, struct buf *b)
{
	static const size_t lens[] = {
		KPAGE - 2, KPAGE - 1, KPAGE, KPAGE + 1, 2 * KPAGE, 3 * KPAGE + 7, 65536,
		LINE_MAX_BG - 1, LINE_MAX_BG, LINE_MAX_BG + 1, PATH_LEN_PF - 1, PATH_LEN_PF,
		PATH_LEN_PF + 1, NAME_LEN_PF - 1, NAME_LEN_PF, 1023, 1024, 1025,
	};
	size_t len = lens[below(&g->r, ARRAY_SIZE(lens))];
	struct buf *v = malloc(sizeof(*v));

	if (!v)
		return;
	b_reset(v);
	gen_valid(g, v);
	switch (below(&g->r, 6)) {
	case 0:		/* leading zeros, then a valid number: still valid */
		while (b->n + v->n < len)
			b_ch(b, '0');
		b_put(b, v->d, v->n);
		break;
	case 1:		/* valid, then blanks */
		b_put(b, v->d, v->n);
		while (b->n < len)
			b_ch(b, below(&g->r, 4) ? ' ' : '\n');
		break;
	case 2:
		while (b->n < len)
			b_ch(b, '9');
		break;
	case 3:		/* a valid word repeated */
		while (b->n < len && v->n)
			b_put(b, v->d, v->n);
		b->n = len < b->n ? len : b->n;
		b->d[b->n] = '\0';
		break;
	case 4:		/* valid, NUL, then junk to the length */
		b_put(b, v->d, v->n);
		b_ch(b, '\0');
		gen_random_bytes(g, b, len > b->n ? len - b->n : 0);
		break;
	default:
		gen_random_bytes(g, b, len);
		break;
	}
	free(v);
}

/* One input; g->npieces > 1 asks for that many write() calls. */
static void gen_input(struct gen *g, struct buf *b)
{
	unsigned int c = below(&g->r, 100);

	b_reset(b);
	g->npieces = 1;
	if (c < 12) {
		gen_random_bytes(g, b, gen_len(g));
	} else if (c < 40) {
		gen_number(g, b);
	} else if (c < 56) {
		gen_valid(g, b);
	} else if (c < 70) {
		gen_valid(g, b);
		mutate(g, b);
	} else if (c < 75) {
		gen_long(g, b);
	} else if (c < 85) {	/* NULs and newlines around a value */
		struct buf *v = malloc(sizeof(*v));

		if (!v)
			return;
		b_reset(v);
		if (chance(&g->r, 50))
			gen_valid(g, v);
		else
			gen_number(g, v);
		switch (below(&g->r, 6)) {
		case 0:
			b_ch(b, '\n');
			b_put(b, v->d, v->n);
			break;
		case 1:
			b_put(b, v->d, v->n);
			b_str(b, "\n\n");
			break;
		case 2:
			b_put(b, v->d, v->n);
			b_ch(b, '\0');
			gen_random_bytes(g, b, 1 + below(&g->r, 20));
			break;
		case 3:
			b_ch(b, '\0');
			b_put(b, v->d, v->n);
			break;
		case 4:
			b_put(b, v->d, v->n);
			b_ch(b, '\n');
			gen_valid(g, b);
			break;
		default:
			b_put(b, v->d, v->n);
			b_ch(b, '\0');
			gen_valid(g, b);
			break;
		}
		free(v);
	} else if (c < 93) {	/* words of every file */
		unsigned int k = 1 + (chance(&g->r, 20) ? below(&g->r, 3) : 0);

		while (k--) {
			b_str(b, vocab[below(&g->r, ARRAY_SIZE(vocab))]);
			if (k)
				b_ch(b, " \n\t,"[below(&g->r, 4)]);
		}
		if (chance(&g->r, 30))
			mutate(g, b);
		if (chance(&g->r, 40))
			b_ch(b, '\n');
	} else {		/* one input in several write() calls */
		size_t cut[4], k, last = 0;

		if (chance(&g->r, 50))
			gen_valid(g, b);
		else
			gen_number(g, b);
		while (b->n < 4)
			b_ch(b, '\n');
		/* 2-4 pieces of at least one byte: cuts ascending in 1..n-1 */
		g->npieces = 2 + below(&g->r, 3);
		for (k = 0; k + 1 < (size_t)g->npieces; k++) {
			size_t room = b->n - 1 - last - ((size_t)g->npieces - 2 - k);

			cut[k] = last + 1 + below(&g->r, room);
			g->pieces[k] = cut[k] - last;
			last = cut[k];
		}
		g->pieces[k] = b->n - last;
	}
	if (!b->n && chance(&g->r, 80))
		b_ch(b, below(&g->r, 256));
}

/* ------------------------------------------------------------------ */
/* sysfs I/O                                                           */

static ssize_t readval(int fd, char *out, size_t sz)
{
	ssize_t n = pread(fd, out, sz - 1, 0);

	if (n < 0)
		n = -errno;
	else
		out[n] = '\0';
	return n;
}

static ssize_t readpath(const char *path, char *out, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = readval(fd, out, sz);
	close(fd);
	return n;
}

/* write(); -errno on failure */
static ssize_t wr(int fd, const char *p, size_t n)
{
	ssize_t r = pwrite(fd, p, n, 0);

	return r < 0 ? -errno : r;
}

/* ------------------------------------------------------------------ */
/* the kernel log                                                      */

struct kmsg {
	int fd;
	bool have_seq;
	unsigned long long seq;		/* of the last record seen */
	unsigned int named;		/* records containing the needle */
	unsigned int lost;		/* overwritten before we read them */
};

static unsigned long long rec_seq(const char *rec)
{
	const char *c = strchr(rec, ',');

	return c ? strtoull(c + 1, NULL, 10) : 0;
}

/*
 * From now on. With @label, a record of our own ("<14>": user.info, off
 * the console while its level is 5) marks the start, so the count is exact
 * (sequence numbers) even if the ring wraps before we read.
 */
static void kmsg_open(struct kmsg *k, const char *label)
{
	static __thread char rec[65536];
	char line[PATH_MAX + 64];
	int n;

	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return;
	lseek(k->fd, 0, SEEK_END);
	if (!label)
		return;
	n = snprintf(line, sizeof(line), "<14>lvos-sysfs-fuzz: start %s seed %" PRIu64 "\n",
		     label, cur_seed);
	if (write(k->fd, line, n) != n)
		return;
	for (;;) {
		ssize_t r = read(k->fd, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			return;
		rec[r] = '\0';
		if (strstr(rec, line + 4 /* no <14> */ )) {
			k->seq = rec_seq(rec);
			k->have_seq = true;
			return;
		}
	}
}

/*
 * Records since the mark (lost ones too: by sequence number); @bad counts
 * WARNING/BUG/etc. records (shown); k->named the ones containing @needle.
 */
static unsigned int kmsg_count(struct kmsg *k, unsigned int *bad, const char *who,
			       const char *needle)
{
	static const char *const pats[] = {
		"WARNING:", "BUG:", "Oops", "KASAN:", "UBSAN:", "Call Trace:",
		"possible circular locking", "possible recursive locking",
		"inconsistent lock state", "suspicious RCU usage", "Kernel panic",
	};
	static __thread char rec[65536];
	unsigned int n = 0;
	size_t i;

	*bad = 0;
	if (k->fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(k->fd, rec, sizeof(rec) - 1);
		unsigned long long seq;

		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten: the sequence numbers count them */
		if (r < 0 && errno != EAGAIN)
			printf("kmsg: read: %s\n", strerror(errno));
		if (r <= 0)
			break;
		rec[r] = '\0';
		seq = rec_seq(rec);
		n += k->have_seq && seq > k->seq ? (unsigned int)(seq - k->seq) : 1;
		if (k->have_seq && seq > k->seq + 1)
			k->lost += seq - k->seq - 1;
		k->seq = seq;
		k->have_seq = true;
		if (needle && strstr(rec, needle))
			k->named++;
		for (i = 0; i < ARRAY_SIZE(pats); i++) {
			if (strstr(rec, pats[i])) {
				char *msg = strchr(rec, ';');

				(*bad)++;
				printf("KERNEL %s: %s", who, msg ? msg + 1 : rec);
				break;
			}
		}
	}
	return n;
}

static void kmsg_close(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
}

/* ------------------------------------------------------------------ */
/* discovery                                                           */

static void scan_devs(void)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	char first[48] = "";

	if (!d)
		return;
	while ((e = readdir(d)) && ndevpaths + 4 < ARRAY_SIZE(devpaths)) {
		char p[64];
		struct stat st;

		if (e->d_name[0] == '.' || strlen(e->d_name) > 40)
			continue;
		snprintf(p, sizeof(p), "/dev/%.40s", e->d_name);
		if (stat(p, &st) || !S_ISBLK(st.st_mode))
			continue;
		memcpy(devpaths[ndevpaths++], p, sizeof(p));
		if (!first[0] || strncmp(e->d_name, "pagefile", 8))
			snprintf(first, sizeof(first), "%.40s", e->d_name);
	}
	closedir(d);
	/* the same device spelled differently, and a character device */
	if (first[0]) {
		snprintf(devpaths[ndevpaths++], sizeof(devpaths[0]), "//dev///%.40s", first);
		snprintf(devpaths[ndevpaths++], sizeof(devpaths[0]), "/dev/./%.40s", first);
		snprintf(devpaths[ndevpaths++], sizeof(devpaths[0]), "/dev/%.40s/", first);
	}
	snprintf(devpaths[ndevpaths++], sizeof(devpaths[0]), "/dev/null");
}

static unsigned int cpu_ids(void)
{
	char s[256];
	const char *p;

	if (readpath("/sys/devices/system/cpu/possible", s, sizeof(s)) <= 0)
		return 1;
	p = strrchr(s, '-');
	p = p ? p + 1 : strrchr(s, ',') ? strrchr(s, ',') + 1 : s;
	return (unsigned int)strtoul(p, NULL, 10) + 1;
}

static bool wanted(const char *path)
{
	unsigned int i;

	for (i = 0; i < nexclude; i++)
		if (strstr(path, opt_exclude[i]))
			return false;
	if (!nonly)
		return true;
	for (i = 0; i < nonly; i++)
		if (strstr(path, opt_only[i]))
			return true;
	return false;
}

static enum dirkind dir_of(const char *path, char *dev, size_t devsz)
{
	const char *p;

	dev[0] = '\0';
	if ((p = strstr(path, "/pagefile/")) && strstr(path, "/block/pagefile")) {
		const char *q = strstr(path, "/block/") + 7;

		snprintf(dev, devsz, "%.*s", (int)(strchr(q, '/') - q), q);
		return D_PAGEFILE;
	}
	if (strstr(path, "/lvos/hotplug/"))
		return D_HOTPLUG;
	if (strstr(path, "/lvos/balloon/"))
		return D_BALLOON;
	if ((p = strstr(path, "/lvos/blkgrow/disks/"))) {
		p += strlen("/lvos/blkgrow/disks/");
		snprintf(dev, devsz, "%.*s", (int)(strchr(p, '/') - p), p);
		return D_BGDISK;
	}
	if (strstr(path, "/lvos/blkgrow/"))
		return D_BLKGROW;
	if (strstr(path, "/lvos/hv/"))
		return D_HV;
	return D_OTHER;
}

static void add_target(const char *path)
{
	struct target *t;
	const char *base = strrchr(path, '/') + 1;
	enum dirkind dk;
	size_t i;

	targets = realloc(targets, (ntargets + 1) * sizeof(*targets));
	if (!targets) {
		perror("realloc");
		exit(3);
	}
	t = &targets[ntargets++];
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	snprintf(t->path, sizeof(t->path), "%s", path);
	dk = dir_of(path, t->dev, sizeof(t->dev));
	t->generic = (struct spec){ dk, base, K_GENERIC, 0, 0, 0, 1 };
	t->sp = &t->generic;
	for (i = 0; i < ARRAY_SIZE(specs); i++)
		if (specs[i].dir == dk && !strcmp(specs[i].name, base))
			t->sp = &specs[i];
	t->max = (t->sp->flags & F_CPUS) ? nr_cpu_ids_guess : t->sp->max;
	if (dk == D_PAGEFILE) {
		char p[PATH_MAX], v[64];
		unsigned int ma, mi;

		snprintf(p, sizeof(p), "/sys/block/%s/dev", t->dev);
		if (readpath(p, v, sizeof(v)) > 0 && sscanf(v, "%u:%u", &ma, &mi) == 2)
			t->self = makedev(ma, mi);
	}
	snprintf(t->readpath, sizeof(t->readpath), "%s", path);
	if (t->sp->kind == K_RESET) {
		t->readpath[0] = '\0';
	} else if (t->sp->kind == K_REPORT) {
		snprintf(t->readpath, sizeof(t->readpath), "%.*slayers",
			 (int)(base - path), path);
	}
	if (dk == D_BGDISK)
		snprintf(t->volpath, sizeof(t->volpath), "%.*sseq", (int)(base - path), path);
}

static void walk(const char *dir, int depth)
{
	struct dirent **ents;
	int n, i;

	if (depth > 6)
		return;
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		char p[PATH_MAX];
		struct stat st;

		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(p, depth + 1);
		} else if (S_ISREG(st.st_mode) && wanted(p)) {
			if (st.st_mode & 0222) {
				add_target(p);
			} else {
				ropaths = realloc(ropaths, (nropaths + 1) * sizeof(*ropaths));
				if (!ropaths)
					exit(3);
				snprintf(ropaths[nropaths++], PATH_MAX, "%s", p);
			}
		}
	}
	free(ents);
}

static void default_roots(void)
{
	DIR *d;
	struct dirent *e;

	walk("/sys/kernel/lvos", 0);
	d = opendir("/sys/block");
	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[PATH_MAX];

		if (strncmp(e->d_name, "pagefile", 8))
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/pagefile", e->d_name);
		walk(p, 0);
	}
	closedir(d);
}

/* ------------------------------------------------------------------ */
/* judging one write                                                   */

static bool value_ok(const struct expect *x, const char *got)
{
	switch (x->vmode) {
	case V_EXACT:
		return !strcmp(got, x->value);
	case V_PREFIX:
		return !strncmp(got, x->value, strlen(x->value));
	case V_LINE: {
		const char *p = got;
		size_t n = strlen(x->value);

		for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (!strncmp(p, x->value, n) && p[n] == '\n')
				return true;
		return false;
	}
	}
	return true;
}

/*
 * Check the result @r of writing @p/@n against @x; @before/@after are the
 * watched value around it (NULL: not read). Returns 1 accepted, 0 refused.
 */
static int judge(struct target *t, struct stats *st, const char *phase, const char *p,
		 size_t n, const struct expect *x, ssize_t r, const char *before,
		 const char *after, bool excused)
{
	char e1[200], e2[200], e3[200], want_s[200] = "";
	size_t want = n < KPAGE ? n : KPAGE;
	int i;

	st->inputs++;
	if (x->what == X_NEUTRAL) {
		st->neutral++;
		if (r != 0)
			violation(t, "%s: wrote 0 bytes, got %zd", phase, r);
		return 0;
	}
	for (i = 0; i < x->nerr; i++)
		snprintf(want_s + strlen(want_s), sizeof(want_s) - strlen(want_s), "%s%s",
			 i ? "|" : "", errname(x->err[i]));
	if (r >= 0) {
		st->accepted++;
		if (x->what == X_REFUSE) {
			violation(t, "%s: wrote \"%s\" (%zu bytes): accepted, expected %s%s; value \"%s\" -> \"%s\"",
				  phase, esc(p, n, e1, sizeof(e1), 60), n, want_s,
				  x->why ? x->why : "",
				  before ? esc(before, strlen(before), e2, sizeof(e2), 60) : "?",
				  after ? esc(after, strlen(after), e3, sizeof(e3), 60) : "?");
		} else if ((size_t)r != want) {
			violation(t, "%s: wrote \"%s\" (%zu bytes): short write %zd, expected %zu",
				  phase, esc(p, n, e1, sizeof(e1), 60), n, r, want);
		} else if (x->lenient) {
			st->lenient++;
		}
		if (after && x->what != X_REFUSE && !value_ok(x, after) && !excused)
			violation(t, "%s: wrote \"%s\" (%zu bytes): accepted, but reads \"%s\", expected \"%s\"",
				  phase, esc(p, n, e1, sizeof(e1), 60), n,
				  esc(after, strlen(after), e2, sizeof(e2), 80),
				  esc(x->value, strlen(x->value), e3, sizeof(e3), 80));
		return 1;
	}
	st->refused++;
	if (x->what == X_ACCEPT || !x_err_ok(x, (int)-r)) {
		violation(t, "%s: wrote \"%s\" (%zu bytes): %s, expected %s%s%s", phase,
			  esc(p, n, e1, sizeof(e1), 60), n, errname((int)-r),
			  x->what == X_REFUSE ? "" : "success",
			  x->what == X_EITHER ? " or " : "", x->what == X_ACCEPT ? "" : want_s);
	}
	if (before && after && strcmp(before, after)) {
		if (excused)
			st->excused++;
		else
			violation(t, "%s: wrote \"%s\" (%zu bytes): refused (%s) but the value changed: \"%s\" -> \"%s\"",
				  phase, esc(p, n, e1, sizeof(e1), 60), n, errname((int)-r),
				  esc(before, strlen(before), e2, sizeof(e2), 60),
				  esc(after, strlen(after), e3, sizeof(e3), 60));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the phases                                                          */

struct fds {
	int w, r, vol;
};

static int open_fds(struct target *t, struct fds *f)
{
	f->r = f->vol = -1;
	f->w = open(t->path, O_WRONLY | O_CLOEXEC);
	if (f->w < 0)
		return -errno;
	if (t->readpath[0])
		f->r = open(t->readpath, O_RDONLY | O_CLOEXEC);
	if (t->volpath[0])
		f->vol = open(t->volpath, O_RDONLY | O_CLOEXEC);
	return 0;
}

static void close_fds(struct fds *f)
{
	if (f->w >= 0)
		close(f->w);
	if (f->r >= 0)
		close(f->r);
	if (f->vol >= 0)
		close(f->vol);
}

static void serial_phase(struct target *t, unsigned long count)
{
	struct gen g = { .t = t };
	struct fds f;
	struct buf *in = malloc(sizeof(*in));
	static char before[VALSZ], after[VALSZ], vol0[64], vol1[64];
	struct stats st = { 0 };
	unsigned long i, costly = 0;
	int err;

	g.r.s = cur_seed ^ fnv1a(t->path);
	err = open_fds(t, &f);
	if (err || !in) {
		violation(t, "cannot open: %s", errname(-err));
		free(in);
		return;
	}
	before[0] = '\0';
	if (f.r >= 0 && readval(f.r, before, sizeof(before)) < 0)
		before[0] = '\0';
	for (i = 0; i < count;) {
		struct expect x;
		int k, off = 0;

		gen_input(&g, in);
		if (t->sp->flags & F_COSTLY) {
			struct expect cx;

			oracle(t, in->d, in->n, NULL, &cx);
			if (cx.what != X_REFUSE && cx.what != X_NEUTRAL) {
				if (costly * 1000 >= (i + 1) * COSTLY_PERMILLE)
					continue;
				costly++;
			}
		}
		for (k = 0; k < g.npieces && i < count; k++, i++) {
			const char *p = in->d + off;
			size_t n = g.npieces > 1 ? (size_t)g.pieces[k] : in->n;
			bool excused = false;
			ssize_t r;

			off += n;
			if (f.vol >= 0)
				readval(f.vol, vol0, sizeof(vol0));
			if (f.vol >= 0 || t->sp->kind == K_PATH) {
				/* events may move it: read it fresh */
				if (f.r >= 0 && readval(f.r, before, sizeof(before)) < 0)
					before[0] = '\0';
			}
			oracle(t, p, n, before, &x);
			if (g.npieces > 1) {	/* plain write(): the offset moves on */
				r = write(f.w, p, n);
				if (r < 0)
					r = -errno;
			} else {
				r = wr(f.w, p, n);
			}
			if (f.r >= 0 && readval(f.r, after, sizeof(after)) < 0)
				after[0] = '\0';
			if (f.vol >= 0) {
				readval(f.vol, vol1, sizeof(vol1));
				excused = strcmp(vol0, vol1) != 0;
			}
			if (opt_verbose) {
				char e[200];

				printf("  #%lu \"%s\" -> %s\n", i, esc(p, n, e, sizeof(e), 60),
				       r >= 0 ? "ok" : errname((int)-r));
			}
			judge(t, &st, "serial", p, n, &x, r, f.r >= 0 ? before : NULL,
			      f.r >= 0 ? after : NULL, excused);
			if (f.r >= 0)
				memcpy(before, after, strlen(after) + 1);
		}
	}
	close_fds(&f);
	free(in);
	pthread_mutex_lock(&t->lock);
	t->st.inputs += st.inputs;
	t->st.accepted += st.accepted;
	t->st.refused += st.refused;
	t->st.neutral += st.neutral;
	t->st.lenient += st.lenient;
	t->st.excused += st.excused;
	pthread_mutex_unlock(&t->lock);
}

/* ---- concurrent writers on one file ---- */

struct cshared {
	struct target *t;
	bool refused_only;
	volatile int stop;
	char orig[VALSZ];
	/* accepted values (normalised as they read back) */
	pthread_mutex_t lock;
	char (*vals)[PATH_LEN_PF + 16];
	unsigned int nvals, capvals;
	unsigned long reads, seen_changed;
	char seen[VALSZ];	/* the first other value the reader saw */
};

struct cthread {
	pthread_t th;
	struct cshared *sh;
	unsigned int idx;
	struct stats st;
};

static void remember(struct cshared *sh, const char *v)
{
	unsigned int i;

	pthread_mutex_lock(&sh->lock);
	for (i = 0; i < sh->nvals; i++)
		if (!strcmp(sh->vals[i], v))
			break;
	if (i == sh->nvals) {
		if (sh->nvals == sh->capvals) {
			sh->capvals = sh->capvals ? sh->capvals * 2 : 64;
			sh->vals = realloc(sh->vals, sh->capvals * sizeof(*sh->vals));
			if (!sh->vals)
				exit(3);
		}
		snprintf(sh->vals[sh->nvals++], sizeof(sh->vals[0]), "%s", v);
	}
	pthread_mutex_unlock(&sh->lock);
}

static void *cwriter(void *arg)
{
	struct cthread *ct = arg;
	struct cshared *sh = ct->sh;
	struct target *t = sh->t;
	struct gen g = { .t = t };
	struct buf *in = malloc(sizeof(*in));
	unsigned long i, tries, costly = 0;
	int fd = open(t->path, O_WRONLY | O_CLOEXEC);

	g.r.s = cur_seed ^ fnv1a(t->path) ^ (0x51ed27ULL * (ct->idx + 1)) ^
		(sh->refused_only ? 0xabcdefULL : 0);
	if (fd < 0 || !in) {
		violation(t, "concurrent: cannot open: %s", strerror(errno));
		free(in);
		return NULL;
	}
	for (i = 0; i < opt_ccount; i++) {
		struct expect x;
		ssize_t r;

		for (tries = 0;; tries++) {
			gen_input(&g, in);
			/* the value moves under the other writers: not known here */
			oracle(t, in->d, in->n, NULL, &x);
			if (tries > 1000)
				goto out;
			if (sh->refused_only && x.what != X_REFUSE)
				continue;
			if ((t->sp->flags & F_COSTLY) && x.what != X_REFUSE && x.what != X_NEUTRAL) {
				if (costly * 1000 >= (i + 1) * COSTLY_PERMILLE)
					continue;
				costly++;
			}
			break;
		}
		/* every fourth write through its own open(): races open/release too */
		if (i % 4 == 3) {
			int fd2 = open(t->path, O_WRONLY | O_CLOEXEC);

			r = fd2 < 0 ? -errno : wr(fd2, in->d, in->n);
			if (fd2 >= 0)
				close(fd2);
		} else {
			r = wr(fd, in->d, in->n);
		}
		if (x.what == X_NEUTRAL) {
			ct->st.inputs++;
			ct->st.neutral++;
			continue;
		}
		judge(t, &ct->st, sh->refused_only ? "concurrent refused-only" : "concurrent mixed",
		      in->d, in->n, &x, r, NULL, NULL, false);
		if (r >= 0 && x.vmode == V_EXACT)
			remember(sh, x.value);
		else if (r >= 0 && x.vmode == V_PREFIX)
			remember(sh, x.value);
	}
out:
	close(fd);
	free(in);
	return NULL;
}

/* refused-only: the value must never move */
static void *creader(void *arg)
{
	struct cthread *ct = arg;
	struct cshared *sh = ct->sh;
	static char v[VALSZ];
	int fd = open(sh->t->readpath, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while (!sh->stop) {
		if (readval(fd, v, sizeof(v)) >= 0) {
			sh->reads++;
			if (strcmp(v, sh->orig) && sh->seen_changed++ == 0)
				snprintf(sh->seen, sizeof(sh->seen), "%s", v);
		}
	}
	close(fd);
	return NULL;
}

static void concurrent_phase(struct target *t, bool refused_only)
{
	struct cshared sh = { .t = t, .refused_only = refused_only };
	struct cthread *ct = calloc(opt_threads + 1, sizeof(*ct));
	static char fin[VALSZ], vol0[64], vol1[64];
	bool watch = t->readpath[0] && t->sp->kind != K_REPORT && t->sp->kind != K_GENERIC;
	unsigned int i;

	if (!ct || !opt_threads || !opt_ccount)
		goto out;
	pthread_mutex_init(&sh.lock, NULL);
	if (t->readpath[0] && readpath(t->readpath, sh.orig, sizeof(sh.orig)) < 0)
		sh.orig[0] = '\0';
	vol0[0] = vol1[0] = '\0';
	if (t->volpath[0])
		readpath(t->volpath, vol0, sizeof(vol0));
	for (i = 0; i < opt_threads; i++) {
		ct[i].sh = &sh;
		ct[i].idx = i;
		pthread_create(&ct[i].th, NULL, cwriter, &ct[i]);
	}
	if (refused_only && watch) {
		ct[opt_threads].sh = &sh;
		pthread_create(&ct[opt_threads].th, NULL, creader, &ct[opt_threads]);
	}
	for (i = 0; i < opt_threads; i++)
		pthread_join(ct[i].th, NULL);
	sh.stop = 1;
	if (refused_only && watch)
		pthread_join(ct[opt_threads].th, NULL);
	if (t->volpath[0])
		readpath(t->volpath, vol1, sizeof(vol1));
	if (sh.seen_changed && strcmp(vol0, vol1) == 0) {
		char e1[200], e2[200];

		violation(t, "concurrent refused-only: a reader saw \"%s\" (%lu of %lu reads), the value was \"%s\" and only refused writes ran",
			  esc(sh.seen, strlen(sh.seen), e1, sizeof(e1), 60), sh.seen_changed,
			  sh.reads, esc(sh.orig, strlen(sh.orig), e2, sizeof(e2), 60));
	}
	for (i = 0; i < opt_threads; i++) {
		t->st.inputs += ct[i].st.inputs;
		t->st.accepted += ct[i].st.accepted;
		t->st.refused += ct[i].st.refused;
		t->st.neutral += ct[i].st.neutral;
		t->st.lenient += ct[i].st.lenient;
	}
	/* the value now: the first one or one a writer had accepted */
	if (watch && strcmp(vol0, vol1) == 0 && readpath(t->readpath, fin, sizeof(fin)) >= 0) {
		bool ok = !strcmp(fin, sh.orig);
		struct expect x = { .vmode = t->sp->kind == K_MODE ? V_PREFIX : V_EXACT };

		for (i = 0; !ok && i < sh.nvals; i++) {
			snprintf(x.value, sizeof(x.value), "%s", sh.vals[i]);
			ok = value_ok(&x, fin);
		}
		if (!ok) {
			char e1[200], e2[200];

			violation(t, "concurrent %s: the value is \"%s\": neither the first (\"%s\") nor one of the %u accepted",
				  refused_only ? "refused-only" : "mixed",
				  esc(fin, strlen(fin), e1, sizeof(e1), 60),
				  esc(sh.orig, strlen(sh.orig), e2, sizeof(e2), 60), sh.nvals);
		}
	}
	free(sh.vals);
out:
	free(ct);
}

/* ------------------------------------------------------------------ */
/* restore                                                             */

/* what to write to get @val (as read) back; false if nothing can */
static bool restore_string(const struct target *t, const char *val, char *out, size_t sz)
{
	size_t n = strcspn(val, "\n");

	switch (t->sp->kind) {
	case K_UINT:
	case K_BOOL:
	case K_ALG:
	case K_PATH:
		snprintf(out, sz, "%.*s", (int)n, val);
		return n > 0;
	case K_MODE:
		snprintf(out, sz, "%.*s", (int)strcspn(val, " \n"), val);
		return true;
	case K_GUARD:
		/* "off" stays off; a guard the fuzzer cleared cannot be re-armed */
		return false;
	default:
		return false;
	}
}

static bool restore_one(struct target *t, const char *orig, bool report)
{
	char w[VALSZ], now[VALSZ], e1[200], e2[200];
	int fd;
	ssize_t r = 0;

	if (!t->readpath[0] || !restore_string(t, orig, w, sizeof(w)))
		return true;
	if (readpath(t->readpath, now, sizeof(now)) >= 0 && !strcmp(now, orig))
		return true;
	fd = open(t->path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* a backing device: detach the fuzzer's before attaching the first */
		if (t->sp->kind == K_PATH && strcmp(w, "none"))
			wr(fd, "none", 4);
		r = wr(fd, w, strlen(w));
		close(fd);
	}
	if (readpath(t->readpath, now, sizeof(now)) >= 0 && !strcmp(now, orig))
		return true;
	if (report)
		violation(t, "not restored: wrote \"%s\" (%s), reads \"%s\", was \"%s\"",
			  esc(w, strlen(w), e1, sizeof(e1), 60), r < 0 ? errname((int)-r) : "ok",
			  esc(now, strlen(now), e2, sizeof(e2), 60), orig);
	else
		printf("restore deferred: %s: %s (wrote \"%s\")\n", t->path,
		       r < 0 ? errname((int)-r) : "value differs", w);
	return false;
}

static void save_state(void)
{
	FILE *f;
	unsigned int i;

	if (!opt_state || !access(opt_state, F_OK))
		return;		/* the first run's values are the ones to restore */
	f = fopen(opt_state, "w");
	if (!f) {
		perror(opt_state);
		return;
	}
	for (i = 0; i < ntargets; i++) {
		char e[VALSZ * 4];

		if (targets[i].origlen >= 0 && targets[i].readpath[0])
			fprintf(f, "%s\t%s\n", targets[i].path,
				esc(targets[i].orig, targets[i].origlen, e, sizeof(e), VALSZ));
	}
	fclose(f);
}

static size_t unesc(const char *s, char *out, size_t sz)
{
	size_t o = 0;

	while (*s && o + 1 < sz) {
		if (*s == '\\' && s[1]) {
			s++;
			if (*s == 'n')
				out[o++] = '\n';
			else if (*s == 't')
				out[o++] = '\t';
			else if (*s == 'x' && isxdigit((unsigned char)s[1]) &&
				 isxdigit((unsigned char)s[2])) {
				char h[3] = { s[1], s[2], 0 };

				out[o++] = (char)strtoul(h, NULL, 16);
				s += 2;
			} else {
				out[o++] = *s;
			}
			s++;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	return o;
}

static int restore_from(const char *file)
{
	FILE *f = fopen(file, "r");
	static char line[VALSZ * 4 + PATH_MAX], val[VALSZ];
	unsigned int n = 0, bad = 0;

	if (!f) {
		perror(file);
		return 3;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		if (!tab)
			continue;
		*tab = '\0';
		line[strcspn(tab + 1, "\n") + (tab + 1 - line)] = '\0';
		unesc(tab + 1, val, sizeof(val));
		add_target(line);
		n++;
		if (!restore_one(&targets[ntargets - 1], val, true))
			bad++;
	}
	fclose(f);
	printf("restore: %u settings, %u not restored\n", n, bad);
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* one file                                                            */

static void fuzz_target(struct target *t, unsigned int round)
{
	struct kmsg k;
	unsigned int bad, windows;
	double t0 = now_s(), secs;
	char needle[80];

	if (round == 0) {
		if (t->readpath[0])
			t->origlen = readpath(t->readpath, t->orig, sizeof(t->orig));
		else
			t->origlen = -1;
	}
	kmsg_open(&k, t->path);
	serial_phase(t, opt_count);
	concurrent_phase(t, true);
	concurrent_phase(t, false);
	t->restored = t->origlen < 0 || restore_one(t, t->orig, false);
	secs = now_s() - t0;
	t->secs += secs;
	/* " file:" as the modules write it ("auto_movable_ratio:" is not ours) */
	snprintf(needle, sizeof(needle), " %s:", strrchr(t->path, '/') + 1);
	t->loglines += kmsg_count(&k, &bad, t->path, needle);
	t->named += k.named;
	t->loglost += k.lost;
	kmsg_close(&k);
	/*
	 * Ratelimited: pr_*_ratelimited lets 10 lines per 5 s through per call
	 * site (plus one "callbacks suppressed"); allow several sites, and the
	 * lines an accepted write may print (a resize, an attach).
	 */
	windows = (unsigned int)(secs / 5) + 1;
	t->logbase += opt_log_base + opt_log_window * windows;
	t->loglimit = t->logbase + (unsigned int)(t->st.accepted * t->sp->accept_log);
	/* the refusals' own lines name the file: 10 per 5 s per call site */
	t->namedlimit += NAMED_BASE + NAMED_WINDOW * windows;
	if (bad)
		violation(t, "%u WARNING/BUG lines in the kernel log", bad);
	if (t->named > t->namedlimit && !t->named_reported) {
		t->named_reported = true;
		violation(t, "%u kernel log lines name the file in %.1f s for %" PRIu64
			  " refused writes: the refusals are not ratelimited (limit %u)",
			  t->named, t->secs, t->st.refused, t->namedlimit);
	}
	if (t->loglines > t->loglimit && !t->log_reported) {
		t->log_reported = true;
		violation(t, "%u kernel log lines in %.1f s for %" PRIu64 " refused and %" PRIu64
			  " accepted writes: more than ratelimited logging prints (limit %u)",
			  t->loglines, t->secs, t->st.refused, t->st.accepted, t->loglimit);
	}
	if (opt_verbose)
		printf("round %u %s: %" PRIu64 " inputs so far, %.1f s\n", round, t->path,
		       t->st.inputs, secs);
}

static void print_target(struct target *t)
{
	char what[64];

	if (t->sp->kind == K_UINT)
		snprintf(what, sizeof(what), "uint[%s%u..%u]", (t->sp->flags & F_ZERO) ? "0," : "",
			 t->sp->min, t->max);
	else
		snprintf(what, sizeof(what), "%s", kind_names[t->sp->kind]);
	if (opt_strict && t->st.lenient)
		violation(t, "%" PRIu64 " lenient acceptances (--strict)", t->st.lenient);
	if (t->loglost)
		printf("note: %s: the kernel log ring overwrote %u lines before they were read: the WARNING scan and named=%u saw the rest only (boot with a larger log_buf_len)\n",
		       t->path, t->loglost, t->named);
	printf("file %s kind=%s inputs=%" PRIu64 " accepted=%" PRIu64 " refused=%" PRIu64
	       " violations=%" PRIu64 " lenient=%" PRIu64 " excused=%" PRIu64
	       " log=%u/%u named=%u/%u secs=%.1f%s\n",
	       t->path, what, t->st.inputs, t->st.accepted, t->st.refused, t->st.violations,
	       t->st.lenient, t->st.excused, t->loglines, t->loglimit, t->named, t->namedlimit,
	       t->secs,
	       t->restored ? "" : " restore=deferred");
	fflush(stdout);
}

/* read-only files: a write must be refused before any store runs */
static unsigned int check_readonly(void)
{
	unsigned int i, bad = 0;

	for (i = 0; i < nropaths; i++) {
		int fd = open(ropaths[i], O_WRONLY | O_CLOEXEC);

		if (fd >= 0 || errno != EACCES) {
			printf("VIOLATION %s: read-only, but open for writing gave %s\n", ropaths[i],
			       fd >= 0 ? "a descriptor" : errname(errno));
			bad++;
		}
		if (fd >= 0)
			close(fd);
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* module parameters                                                   */

enum ptype { P_UINT, P_BOOL, P_ALG, P_MODE, P_UNKNOWN };

struct pspec {
	const char *mod, *name;
	enum ptype type;
	unsigned int min, max;
	unsigned int flags;	/* F_ZERO, F_CPUS, F_NONE */
	const char *sysfs;	/* the module's own file with the effective value */
};

static const struct pspec pspecs[] = {
	{ "lvos_pagefile", "num_devices", P_UINT, 1, 16, 0, NULL },
	{ "lvos_pagefile", "size_percent", P_UINT, 1, 400, 0, "/sys/block/pagefile0/pagefile/size_percent" },
	{ "lvos_pagefile", "cap_percent", P_UINT, 1, 90, 0, "/sys/block/pagefile0/pagefile/cap_percent" },
	{ "lvos_pagefile", "idle_age", P_UINT, 0, 2592000, 0, "/sys/block/pagefile0/pagefile/idle_age" },
	{ "lvos_pagefile", "compact_threshold", P_UINT, 0, 100, 0, "/sys/block/pagefile0/pagefile/compact_threshold" },
	{ "lvos_pagefile", "purge_interval", P_UINT, 1, 3600, 0, NULL },
	{ "lvos_pagefile", "comp", P_ALG, 0, 0, 0, "/sys/block/pagefile0/pagefile/comp_algorithm" },
	{ "lvos_pagefile", "recomp", P_ALG, 0, 0, F_NONE, "/sys/block/pagefile0/pagefile/recomp_algorithm" },
	{ "lvos_balloon", "reserve_mb", P_UINT, 16, 65536, 0, "/sys/kernel/lvos/balloon/reserve_mb" },
	{ "lvos_balloon", "hyst_mb", P_UINT, 0, 4096, 0, "/sys/kernel/lvos/balloon/hyst_mb" },
	{ "lvos_balloon", "holdoff_ms", P_UINT, 0, 600000, 0, "/sys/kernel/lvos/balloon/holdoff_ms" },
	{ "lvos_balloon", "watch_ms", P_UINT, 100, 60000, 0, "/sys/kernel/lvos/balloon/watch_ms" },
	{ "lvos_balloon", "ack_timeout_ms", P_UINT, 100, 600000, 0, "/sys/kernel/lvos/balloon/ack_timeout_ms" },
	{ "lvos_balloon", "huge", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/balloon/huge" },
	{ "lvos_balloon", "report_chunks", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/balloon/report_chunks" },
	{ "lvos_balloon", "shrinker", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/balloon/shrinker" },
	{ "lvos_balloon", "guest_driven", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/balloon/guest_driven" },
	{ "lvos_balloon", "guest_interval_s", P_UINT, 1, 86400, 0, "/sys/kernel/lvos/balloon/guest_interval_s" },
	{ "lvos_balloon", "guest_step_mb", P_UINT, 1, 65536, 0, "/sys/kernel/lvos/balloon/guest_step_mb" },
	{ "lvos_balloon", "guest_keep_mb", P_UINT, 0, 1048576, 0, "/sys/kernel/lvos/balloon/guest_keep_mb" },
	{ "lvos_vcpu_hotplug", "cpu_policy", P_MODE, 0, 0, 0, "/sys/kernel/lvos/hotplug/cpu_policy" },
	{ "lvos_vcpu_hotplug", "memory_policy", P_MODE, 0, 0, 0, "/sys/kernel/lvos/hotplug/memory_policy" },
	{ "lvos_vcpu_hotplug", "movable_ratio", P_UINT, 0, 3000, 0, "/sys/kernel/lvos/hotplug/movable_ratio" },
	{ "lvos_vcpu_hotplug", "retune", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/hotplug/retune" },
	{ "lvos_vcpu_hotplug", "park", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/hotplug/park" },
	{ "lvos_vcpu_hotplug", "park_floor", P_UINT, 1, 1, F_CPUS, "/sys/kernel/lvos/hotplug/park_floor" },
	{ "lvos_vcpu_hotplug", "park_interval_ms", P_UINT, 100, 60000, 0, "/sys/kernel/lvos/hotplug/park_interval_ms" },
	/* with the others at their defaults (park_below 20 < unpark_above 75) */
	{ "lvos_vcpu_hotplug", "park_below", P_UINT, 0, 74, 0, NULL },
	{ "lvos_vcpu_hotplug", "unpark_above", P_UINT, 21, 100, 0, NULL },
	{ "lvos_vcpu_hotplug", "park_after", P_UINT, 1, 1000, 0, NULL },
	{ "lvos_blkgrow", "poll_ms", P_UINT, 100, 3600000, F_ZERO, "/sys/kernel/lvos/blkgrow/poll_ms" },
	{ "lvos_blkgrow", "watch_ms", P_UINT, 50, 10000, 0, "/sys/kernel/lvos/blkgrow/watch_ms" },
	{ "lvos_blkgrow", "trim_interval", P_UINT, 1, 2592000, F_ZERO, "/sys/kernel/lvos/blkgrow/trim_interval" },
	{ "lvos_blkgrow", "guard", P_BOOL, 0, 0, 0, "/sys/kernel/lvos/blkgrow/guard" },
	{ "lvos_blkgrow", "poll_bare_metal", P_BOOL, 0, 0, 0, NULL },
};

/* a generated parameter value; *noval: "name" alone, no '=' */
static void gen_param(struct gen *g, const struct pspec *ps, struct buf *b, bool *noval)
{
	static struct target pt;
	static struct spec sp;
	unsigned int c = below(&g->r, 100);
	size_t i;

	/* reuse the sysfs generator with a spec of the parameter's kind */
	sp = (struct spec){ D_OTHER, ps->name,
		ps->type == P_UINT ? K_UINT : ps->type == P_BOOL ? K_BOOL :
		ps->type == P_MODE ? K_MODE : ps->type == P_ALG ? K_ALG : K_GENERIC,
		ps->min, ps->max, ps->flags, 0 };
	pt.sp = &sp;
	pt.max = (ps->flags & F_CPUS) ? nr_cpu_ids_guess : ps->max;
	g->t = &pt;
	b_reset(b);
	*noval = false;
	if (c < 3) {
		*noval = true;
	} else if (c < 18) {
		gen_random_bytes(g, b, gen_len(g));
	} else if (c < 55) {
		gen_number(g, b);
	} else if (c < 75) {
		gen_valid(g, b);
	} else if (c < 88) {
		gen_valid(g, b);
		mutate(g, b);
	} else if (c < 92) {
		gen_long(g, b);
	} else {
		b_str(b, vocab[below(&g->r, ARRAY_SIZE(vocab))]);
		if (chance(&g->r, 50))
			mutate(g, b);
	}
	/* a C string without quotes (the kernel strips one pair around it) */
	b->n = strlen(b->d);
	for (i = 0; i < b->n; i++)
		if (b->d[i] == '"')
			b->d[i] = '\'';
	if (g->npieces > 1)
		g->npieces = 1;
}

/* what the kernel (parse_args + param_set_*) and the module's init decide */
static void param_oracle(const struct pspec *ps, const char *v, bool noval, struct expect *x)
{
	unsigned int u, max = (ps->flags & F_CPUS) ? nr_cpu_ids_guess : ps->max;
	bool b;
	int e, i;

	memset(x, 0, sizeof(*x));
	x->vmode = V_EXACT;
	switch (ps->type) {
	case P_UINT:
		if (noval) {
			x_refuse(x, EINVAL);
			return;
		}
		e = m_kstrtouint(v, 0, &u);
		if (e) {
			x_refuse(x, -e);
			x->kernel_only = true;
			return;
		}
		if (!((ps->flags & F_ZERO) && !u) && (u < ps->min || u > max)) {
			x_refuse(x, EINVAL);	/* the module's init */
			return;
		}
		x->what = X_ACCEPT;
		snprintf(x->value, sizeof(x->value), "%u\n", u);
		return;
	case P_BOOL:
		if (noval) {
			b = true;
		} else if (m_kstrtobool(v, &b)) {
			x_refuse(x, EINVAL);
			x->kernel_only = true;
			return;
		}
		x->what = X_ACCEPT;
		snprintf(x->value, sizeof(x->value), "%c\n", b ? 'Y' : 'N');
		return;
	case P_MODE:
		for (i = 0; !noval && i < (int)ARRAY_SIZE(modes); i++)
			if (m_sysfs_streq(v, modes[i]))
				break;
		if (noval || i == (int)ARRAY_SIZE(modes)) {
			x_refuse(x, EINVAL);
			return;
		}
		x->what = X_ACCEPT;
		snprintf(x->value, sizeof(x->value), "%s\n", modes[i]);
		return;
	case P_ALG:
		if (noval) {
			x_refuse(x, EINVAL);
			return;
		}
		if (strlen(v) > 1024) {
			x_refuse(x, ENOSPC);	/* param_set_charp */
			x->kernel_only = true;
			return;
		}
		if (!valid_word(algs, ARRAY_SIZE(algs), v) &&
		    !((ps->flags & F_NONE) && !strcmp(v, "none"))) {
			x_refuse(x, EINVAL);
			return;
		}
		x->what = X_EITHER;	/* the kernel may not have it */
		x_err(x, EINVAL);
		snprintf(x->value, sizeof(x->value), "%.16s\n", v);
		return;
	case P_UNKNOWN:
		x->what = X_EITHER;
		x_err(x, EINVAL);
		x_err(x, ERANGE);
		x_err(x, ENOSPC);
		x->vmode = V_NONE;
		return;
	}
}

struct modinfo {
	char name[64];
	char params[64][64];
	char ptypes[64][32];
	unsigned int nparams;
};

static int read_modinfo(const char *img, size_t len, struct modinfo *mi)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh;
	const char *shstr, *p, *end;
	unsigned int i;

	memset(mi, 0, sizeof(*mi));
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > len)
		return -1;
	sh = (const void *)(img + eh->e_shoff);
	if (eh->e_shstrndx >= eh->e_shnum)
		return -1;
	shstr = img + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		if (strcmp(shstr + sh[i].sh_name, ".modinfo"))
			continue;
		p = img + sh[i].sh_offset;
		end = p + sh[i].sh_size;
		for (; p < end; p += strlen(p) + 1) {
			const char *colon;

			if (!strncmp(p, "name=", 5))
				snprintf(mi->name, sizeof(mi->name), "%s", p + 5);
			/* parmtype= (module_param) or parm= (its description;
			 * module_param_cb has no parmtype) */
			if ((!strncmp(p, "parmtype=", 9) || !strncmp(p, "parm=", 5)) &&
			    (colon = strchr(p, ':')) && mi->nparams < ARRAY_SIZE(mi->params)) {
				const char *nm = strchr(p, '=') + 1;
				unsigned int k;
				bool typ = p[4] == 't';

				for (k = 0; k < mi->nparams; k++)
					if (strlen(mi->params[k]) == (size_t)(colon - nm) &&
					    !strncmp(mi->params[k], nm, colon - nm))
						break;
				if (k == mi->nparams)
					snprintf(mi->params[mi->nparams++], sizeof(mi->params[0]),
						 "%.*s", (int)(colon - nm), nm);
				if (typ || !mi->ptypes[k][0])
					snprintf(mi->ptypes[k], sizeof(mi->ptypes[0]), "%.20s",
						 typ ? colon + 1 : "?");
			}
			if (!*p)
				p++, p--;	/* empty strings between entries */
		}
		return mi->name[0] ? 0 : -1;
	}
	return -1;
}

static bool module_loaded(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "/sys/module/%s/initstate", name);
	return !access(p, F_OK);
}

static int unload(const char *name)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY && errno != EWOULDBLOCK)
			return -errno;
		usleep(10000);
	}
	return -errno;
}

/* the effective value, as the module's own file shows it */
static bool effective_ok(const struct pspec *ps, const struct expect *x, char *got, size_t sz)
{
	char want[PATH_LEN_PF + 16];

	if (!ps->sysfs)
		return true;
	if (readpath(ps->sysfs, got, sz) < 0) {
		snprintf(got, sz, "(unreadable: %s)", strerror(errno));
		return false;
	}
	switch (ps->type) {
	case P_BOOL:
		snprintf(want, sizeof(want), "%d\n", x->value[0] == 'Y');
		return !strcmp(got, want);
	case P_MODE:
		snprintf(want, sizeof(want), "%.*s (", (int)strcspn(x->value, "\n"), x->value);
		return !strncmp(got, want, strlen(want));
	default:
		return !strcmp(got, x->value);
	}
}

static int fuzz_params(const char *ko)
{
	struct modinfo mi;
	struct stat st;
	char *img;
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	unsigned int pi, totviol = 0;
	uint64_t totin = 0, totacc = 0, totref = 0;
	double t0 = now_s();

	if (fd < 0 || fstat(fd, &st)) {
		perror(ko);
		return 3;
	}
	img = malloc(st.st_size);
	if (!img || pread(fd, img, st.st_size, 0) != st.st_size ||
	    read_modinfo(img, st.st_size, &mi)) {
		fprintf(stderr, "%s: cannot read its .modinfo\n", ko);
		return 3;
	}
	free(img);
	if (module_loaded(mi.name)) {
		fprintf(stderr, "%s is loaded: unload it first\n", mi.name);
		return 3;
	}
	printf("params %s: module %s, %u parameters, seed %" PRIu64 "\n", ko, mi.name,
	       mi.nparams, opt_seed);
	for (pi = 0; pi < mi.nparams; pi++) {
		const struct pspec *ps = NULL;
		struct pspec unknown = { mi.name, mi.params[pi], P_UNKNOWN, 0, 0, 0, NULL };
		struct gen g;
		struct buf *b = malloc(sizeof(*b));
		char *args = malloc(MAXIN + 200);
		char modp[PATH_MAX];
		uint64_t in = 0, acc = 0, ref = 0, viol = 0, lines = 0;
		double p0 = now_s();
		unsigned long i;
		size_t k;

		if (!b || !args)
			return 3;
		if (nonly && !wanted(mi.params[pi]))
			continue;
		for (k = 0; k < ARRAY_SIZE(pspecs); k++)
			if (!strcmp(pspecs[k].mod, mi.name) && !strcmp(pspecs[k].name, mi.params[pi]))
				ps = &pspecs[k];
		if (!ps) {
			printf("param %s.%s: no spec in lvos-sysfs-fuzz (type %s): generic checks only\n",
			       mi.name, mi.params[pi], mi.ptypes[pi]);
			ps = &unknown;
		}
		snprintf(modp, sizeof(modp), "/sys/module/%s/parameters/%s", mi.name, ps->name);
		g.r.s = opt_seed ^ fnv1a(mi.name) ^ fnv1a(ps->name);
		for (i = 0; i < opt_count; i++) {
			struct expect x;
			struct kmsg km;
			bool noval;
			unsigned int bad, n;
			int r, err;
			char e1[200], got[512], e2[200];

			do {	/* --focus: 1 in 5 of the kernel's own refusals */
				gen_param(&g, ps, b, &noval);
				param_oracle(ps, b->d, noval, &x);
			} while (opt_focus && x.kernel_only && below(&g.r, 5));
			if (noval)
				snprintf(args, MAXIN + 200, "%s", ps->name);
			else
				snprintf(args, MAXIN + 200, "%s=\"%s\"", ps->name, b->d);
			kmsg_open(&km, NULL);
			r = syscall(SYS_finit_module, fd, args, 0);
			err = r ? errno : 0;
			in++;
			if (!r) {
				acc++;
				if (x.what == X_REFUSE) {
					viol++;
					printf("VIOLATION %s.%s: \"%s\" loaded, expected %s\n", mi.name,
					       ps->name, esc(b->d, b->n, e1, sizeof(e1), 80),
					       errname(x.err[0]));
				} else if (x.vmode == V_EXACT &&
					   (readpath(modp, got, sizeof(got)) < 0 || strcmp(got, x.value))) {
					viol++;
					printf("VIOLATION %s.%s: \"%s\" loaded, %s reads \"%s\", expected \"%s\"\n",
					       mi.name, ps->name, esc(b->d, b->n, e1, sizeof(e1), 80), modp,
					       esc(got, strlen(got), e2, sizeof(e2), 60), x.value);
				} else if (x.vmode == V_EXACT && !effective_ok(ps, &x, got, sizeof(got))) {
					viol++;
					printf("VIOLATION %s.%s: \"%s\" loaded, %s reads \"%s\" (given %s)\n",
					       mi.name, ps->name, esc(b->d, b->n, e1, sizeof(e1), 80), ps->sysfs,
					       esc(got, strlen(got), e2, sizeof(e2), 60), x.value);
				}
				if (!strcmp(ps->name, "num_devices") && x.what == X_ACCEPT) {
					char p1[64], p2[64];
					unsigned int nd = (unsigned int)strtoul(x.value, NULL, 10);

					snprintf(p1, sizeof(p1), "/sys/block/pagefile%u", nd - 1);
					snprintf(p2, sizeof(p2), "/sys/block/pagefile%u", nd);
					if (access(p1, F_OK) || !access(p2, F_OK)) {
						viol++;
						printf("VIOLATION param %s.num_devices=%u: not %u volumes\n",
						       mi.name, nd, nd);
					}
				}
				r = unload(mi.name);
				if (r) {
					viol++;
					printf("VIOLATION %s.%s: \"%s\": the module does not unload: %s\n",
					       mi.name, ps->name, esc(b->d, b->n, e1, sizeof(e1), 80),
					       errname(-r));
					kmsg_close(&km);
					free(b);
					free(args);
					return 1;	/* nothing more can be loaded */
				}
			} else {
				ref++;
				if (x.what == X_ACCEPT || (x.what != X_NEUTRAL && !x_err_ok(&x, err) &&
							   ps->type != P_UNKNOWN)) {
					viol++;
					printf("VIOLATION %s.%s: \"%s\" refused with %s, expected %s\n",
					       mi.name, ps->name, esc(b->d, b->n, e1, sizeof(e1), 80),
					       errname(err), x.what == X_ACCEPT ? "a load" : errname(x.err[0]));
				}
				if (module_loaded(mi.name)) {
					viol++;
					printf("VIOLATION %s.%s: refused but %s is left loaded\n",
					       mi.name, ps->name, mi.name);
					unload(mi.name);
				}
			}
			n = kmsg_count(&km, &bad, mi.name, NULL);
			if (r && err && n == 0) {
				/*
				 * A message cut at the printk line limit has no
				 * newline: the record stays open (for a
				 * continuation) and readers see it once the next
				 * record starts. Start one.
				 */
				int kfd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
				unsigned int bad2;

				if (kfd >= 0) {
					if (write(kfd, "lvos-sysfs-fuzz: (mark)\n", 24) < 0)
						perror("/dev/kmsg");
					close(kfd);
				}
				n = kmsg_count(&km, &bad2, mi.name, NULL);
				n = n ? n - 1 : 0;
				bad += bad2;
			}
			kmsg_close(&km);
			lines += n;
			if (bad)
				viol++;
			if (r && err && n == 0) {
				viol++;
				printf("VIOLATION %s.%s: \"%s\" refused (%s) without a log line\n",
				       mi.name, ps->name, esc(b->d, b->n, e1, sizeof(e1), 80), errname(err));
			}
			if (n > 20) {
				viol++;
				printf("VIOLATION %s.%s: \"%s\": %u log lines for one load\n",
				       mi.name, ps->name, esc(b->d, b->n, e1, sizeof(e1), 80), n);
			}
		}
		printf("param %s.%s inputs=%" PRIu64 " accepted=%" PRIu64 " refused=%" PRIu64
		       " violations=%" PRIu64 " log=%" PRIu64 " secs=%.1f\n", mi.name, ps->name,
		       in, acc, ref, viol, lines, now_s() - p0);
		fflush(stdout);
		totin += in;
		totacc += acc;
		totref += ref;
		totviol += viol;
		free(b);
		free(args);
	}
	close(fd);
	printf("params-total module=%s params=%u inputs=%" PRIu64 " accepted=%" PRIu64
	       " refused=%" PRIu64 " violations=%u seed=%" PRIu64 " secs=%.1f\n", mi.name,
	       mi.nparams, totin, totacc, totref, totviol, opt_seed, now_s() - t0);
	return totviol ? 1 : 0;
}

static int param_values(unsigned long n, const char *mod, const char *name)
{
	const struct pspec *ps = NULL;
	struct gen g;
	struct buf *b = malloc(sizeof(*b));
	size_t k;

	for (k = 0; k < ARRAY_SIZE(pspecs); k++)
		if (!strcmp(pspecs[k].mod, mod) && !strcmp(pspecs[k].name, name))
			ps = &pspecs[k];
	if (!ps || !b) {
		fprintf(stderr, "no parameter %s of %s\n", name, mod);
		return 2;
	}
	g.r.s = opt_seed ^ fnv1a(mod) ^ fnv1a(name);
	while (n--) {
		bool noval;
		size_t i;

		gen_param(&g, ps, b, &noval);
		for (i = 0; i < b->n; i++)
			if (b->d[i] == '\n' || b->d[i] == '\'' || b->d[i] == '\\')
				b->d[i] = ' ';
		if (b->n > 2000)
			b->d[2000] = '\0';
		printf("%s\n", b->d);
	}
	free(b);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("usage: lvos-sysfs-fuzz [options] [ROOT...]\n"
	      "       lvos-sysfs-fuzz --params KO [--count N] [--seed S] [--only PARAM]\n"
	      "       lvos-sysfs-fuzz --param-values N MODULE PARAM [--seed S]\n"
	      "       lvos-sysfs-fuzz --restore STATEFILE\n"
	      "Writes generated hostile input to every writable file under ROOT (default\n"
	      "/sys/kernel/lvos and /sys/block/pagefile*/pagefile) and judges each write.\n"
	      "  --seed S          generator seed (default 1; printed)\n"
	      "  --count N         inputs per file written one at a time (default 10000)\n"
	      "  --threads T       concurrent writers per file (default 4; 0: none)\n"
	      "  --concurrent N    inputs per writer in each concurrent phase (default 250)\n"
	      "  --only STR        only paths containing STR (repeatable)\n"
	      "  --exclude STR     not paths containing STR (repeatable)\n"
	      "  --min-files N     fail unless at least N writable files were found\n"
	      "  --state FILE      save the first values there (for --restore)\n"
	      "  --until FILE      repeat (seed+1, seed+2, ...) until FILE exists\n"
	      "  --strict          lenient acceptances are violations\n"
	      "  --focus           --params: 4 in 5 values the kernel's own parser refuses\n"
	      "                    are skipped (the module never sees them; for slow kernels)\n"
	      "  --log-limit B,W   kernel log lines allowed per file: B + W per 5 s (100,40)\n"
	      "  --list            print the files and their kinds, write nothing\n"
	      "  -v                print every write\n"
	      "Exit: 0 no violation, 1 violations, 2 usage, 3 setup error\n", f);
}

int main(int argc, char **argv)
{
	static const char *modes_s[] = { "sysfs", "params", "values", "restore", "list" };
	const char *ko = NULL, *restore = NULL;
	unsigned long nvalues = 0;
	unsigned int i, mode = 0, readonly_bad, round;
	uint64_t tin = 0, tacc = 0, tref = 0, tviol = 0, tlen = 0;
	double t0 = now_s();
	const char *pos[64];
	int a, npos = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		const char *o = argv[a];
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(o, "-v")) {
			opt_verbose = true;
		} else if (!strcmp(o, "--strict")) {
			opt_strict = true;
		} else if (!strcmp(o, "--focus")) {
			opt_focus = true;
		} else if (!strcmp(o, "--list")) {
			mode = 4;
		} else if (!v && o[0] == '-') {
			usage(stderr);
			return 2;
		} else if (!strcmp(o, "--seed")) {
			opt_seed = strtoull(v, NULL, 0), a++;
		} else if (!strcmp(o, "--count")) {
			opt_count = strtoul(v, NULL, 0), a++;
		} else if (!strcmp(o, "--threads")) {
			opt_threads = strtoul(v, NULL, 0), a++;
		} else if (!strcmp(o, "--concurrent")) {
			opt_ccount = strtoul(v, NULL, 0), a++;
		} else if (!strcmp(o, "--min-files")) {
			opt_min_files = strtoul(v, NULL, 0), a++;
		} else if (!strcmp(o, "--state")) {
			opt_state = v, a++;
		} else if (!strcmp(o, "--until")) {
			opt_until = v, a++;
		} else if (!strcmp(o, "--log-limit")) {
			if (sscanf(v, "%u,%u", &opt_log_base, &opt_log_window) != 2) {
				usage(stderr);
				return 2;
			}
			a++;
		} else if (!strcmp(o, "--only") && nonly < ARRAY_SIZE(opt_only)) {
			opt_only[nonly++] = v, a++;
		} else if (!strcmp(o, "--exclude") && nexclude < ARRAY_SIZE(opt_exclude)) {
			opt_exclude[nexclude++] = v, a++;
		} else if (!strcmp(o, "--params")) {
			ko = v, a++, mode = 1;
		} else if (!strcmp(o, "--restore")) {
			restore = v, a++, mode = 3;
		} else if (!strcmp(o, "--param-values")) {
			nvalues = strtoul(v, NULL, 0);
			mode = 2;
			a += 1;
		} else if (o[0] == '-') {
			usage(stderr);
			return 2;
		} else if (npos < (int)ARRAY_SIZE(pos)) {
			pos[npos++] = o;	/* a root, or MODULE PARAM */
		}
	}
	if (opt_threads > 64)
		opt_threads = 64;
	nr_cpu_ids_guess = cpu_ids();
	switch (mode) {
	case 1:
		return fuzz_params(ko);
	case 2:
		if (npos != 2) {
			usage(stderr);
			return 2;
		}
		return param_values(nvalues, pos[0], pos[1]);
	case 3:
		return restore_from(restore);
	}

	scan_devs();
	for (a = 0; a < npos; a++)
		walk(pos[a], 0);
	if (!npos)
		default_roots();
	printf("lvos-sysfs-fuzz: %s mode, seed %" PRIu64 ", %u writable files, %u read-only, %lu serial + 2x%ux%lu concurrent inputs per file, nr_cpu_ids %u, %u block devices\n",
	       modes_s[mode], opt_seed, ntargets, nropaths, opt_count, opt_threads, opt_ccount,
	       nr_cpu_ids_guess, ndevpaths);
	if (mode == 4) {
		for (i = 0; i < ntargets; i++)
			printf("%s %s%s\n", targets[i].path, kind_names[targets[i].sp->kind],
			       targets[i].sp->kind == K_GENERIC ? " (no spec)" : "");
		for (i = 0; i < nropaths; i++)
			printf("%s read-only\n", ropaths[i]);
		return 0;
	}
	if (ntargets < opt_min_files) {
		printf("VIOLATION: %u writable files found, expected at least %u\n", ntargets,
		       opt_min_files);
		return 1;
	}
	readonly_bad = check_readonly();
	for (i = 0; i < ntargets; i++) {
		if (targets[i].sp->kind == K_GENERIC)
			printf("note: %s has no spec in lvos-sysfs-fuzz: generic checks only\n",
			       targets[i].path);
		if (targets[i].readpath[0])
			targets[i].origlen = readpath(targets[i].readpath, targets[i].orig,
						      sizeof(targets[i].orig));
	}
	save_state();
	for (round = 0;; round++) {
		cur_seed = opt_seed + round;
		if (round)
			printf("round %u: seed %" PRIu64 " (--until %s not there yet)\n", round,
			       cur_seed, opt_until);
		for (i = 0; i < ntargets; i++)
			fuzz_target(&targets[i], round);
		if (!opt_until || !access(opt_until, F_OK))
			break;
	}
	for (i = 0; i < ntargets; i++) {
		struct target *t = &targets[i];

		print_target(t);
		tin += t->st.inputs;
		tacc += t->st.accepted;
		tref += t->st.refused;
		tviol += t->st.violations;
		tlen += t->st.lenient;
	}
	tviol += readonly_bad;
	printf("total files=%u inputs=%" PRIu64 " accepted=%" PRIu64 " refused=%" PRIu64
	       " violations=%" PRIu64 " lenient=%" PRIu64 " readonly=%u rounds=%u seed=%" PRIu64
	       " secs=%.1f\n", ntargets, tin, tacc, tref, tviol, tlen, nropaths, round + 1,
	       opt_seed, now_s() - t0);
	return tviol ? 1 : 0;
}
