// SPDX-License-Identifier: GPL-2.0
/*
 * lvos-detect-virt - report what the lvos_hvdetect kernel module found.
 *
 * Command line modelled on systemd-detect-virt(1) so scripts can switch:
 *
 *   lvos-detect-virt [-v|--vm]   print "vendor";        exit 0, or 1 if "none"
 *   lvos-detect-virt --cloud     print "cloud";         exit 0, or 1 if "none"
 *   lvos-detect-virt --cvm       print "confidential";  exit 0, or 1 if "none"
 *   lvos-detect-virt --backend   print "backend";       exit 0, or 1 if "none"
 *   lvos-detect-virt --json      print every file as one JSON object; exit 0
 *   lvos-detect-virt --list      print every vendor ID this tool knows; exit 0
 *   -q/--quiet                   print nothing for the four value modes above,
 *                                only set the exit status (no effect on
 *                                --json, --list, --help, --version)
 *
 * When several mode options are given, the last one wins (as in
 * systemd-detect-virt).  Exit status 2 means an error: bad usage, sysfs
 * directory missing, the requested value unreadable or malformed, or a
 * write error on stdout.
 *
 * The sysfs directory is /sys/kernel/lvos/hv, or $LVOS_HV_SYSFS when that
 * is set and non-empty.  No privileges and nothing beyond libc are needed.
 *
 * Robustness: every file is opened non-blocking, must be a regular file
 * (sysfs attributes are; FIFOs, devices and directories are refused) and
 * at most LVOS_READ_MAX (64 KiB) bytes are read from it; st_size is never used.
 *
 * A single-value file is well formed only if it is one word of printable
 * ASCII (0x21-0x7e, at most VALUE_MAX bytes) followed by exactly one "\n".
 * Anything else (missing, unreadable, too long, no newline, binary) is
 * "unknown" in --json and an error (exit 2) when that value is requested.
 *
 * JSON output (members in this order: vendor front backend cloud metal
 * confidential emulated x86_hyper_type smbios_vm kvm_features detect_ns
 * signatures pv_features evidence caps; see docs/ABI/sysfs-kernel-lvos-hv):
 *   - single-value files are strings ("unknown" when missing/malformed),
 *     except "metal" and "emulated": true for "1", false for "0", else the
 *     string "unknown";
 *   - "signatures" and "evidence" are arrays of strings, one per line
 *     (empty lines are dropped); "pv_features" is an array of the
 *     whitespace-separated words; a missing/unreadable file gives null;
 *     a file over 64 KiB is cut at the last complete line/word and a
 *     warning goes to stderr;
 *   - "caps" is an object with one member per regular file in caps/,
 *     whatever its name, sorted by name (null if caps/ is missing);
 *   - strings are escaped as follows: '"' -> \", '\' -> \\, every control
 *     character (0x00-0x1f and 0x7f) -> \u00XX (including tab/newline),
 *     well-formed UTF-8 is copied unchanged, and each byte that is not part
 *     of a well-formed UTF-8 sequence (stray 0x80-0xff, overlong forms,
 *     surrogates, > U+10FFFF, truncated sequences) -> \ufffd (U+FFFD
 *     REPLACEMENT CHARACTER).  The output is therefore always valid UTF-8
 *     and valid JSON (RFC 8259), at the price of losing the exact value of
 *     invalid bytes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lvos-util.h"

#define PROG		"lvos-detect-virt"
#ifndef LVOS_VERSION
#define LVOS_VERSION	"0.1"
#endif
#define DEFAULT_ROOT	"/sys/kernel/lvos/hv"
#define ENV_ROOT	"LVOS_HV_SYSFS"
#define VALUE_MAX	255		/* longest accepted single value */
#define CAPS_MAX	4096		/* most entries read from caps/ */

#define EXIT_DETECTED	0
#define EXIT_NONE	1
#define EXIT_ERROR	2

static const char *const vendor_ids[] = {
	"kvm", "qemu", "vmware", "microsoft", "oracle", "xen", "bochs",
	"parallels", "bhyve", "qnx", "acrn", "powervm", "apple", "sre",
	"google", "amazon", "vm-other", "none",
};

/*
 * Read a single-value file into @out.  Returns true if it is well formed;
 * otherwise sets *@why to a human-readable reason and returns false.
 */
static bool get_value(int dirfd, const char *name, char out[VALUE_MAX + 1],
		      const char **why)
{
	struct lvos_blob b;
	size_t i, n;
	int err;

	out[0] = '\0';
	err = lvos_read_at(dirfd, name, &b);
	if (err == -EINVAL) {
		*why = "not a regular file";
		return false;
	}
	if (err < 0) {
		*why = strerror(-err);
		return false;
	}
	if (b.truncated || b.len > VALUE_MAX + 1) {
		*why = "value too long";
		goto bad;
	}
	if (b.len == 0 || b.data[b.len - 1] != '\n') {
		*why = "value not terminated by a newline";
		goto bad;
	}
	n = b.len - 1;
	if (n == 0) {
		*why = "empty value";
		goto bad;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b.data[i];

		if (c < 0x21 || c > 0x7e) {
			*why = "value is not a single printable word";
			goto bad;
		}
	}
	memcpy(out, b.data, n);
	out[n] = '\0';
	free(b.data);
	return true;
bad:
	free(b.data);
	return false;
}

static void json_cstring(FILE *f, const char *s)
{
	lvos_json_string(f, s, strlen(s));
}

static void json_key(FILE *f, bool *first, const char *key)
{
	fputs(*first ? "\n  " : ",\n  ", f);
	*first = false;
	json_cstring(f, key);
	fputs(": ", f);
}

static void json_value(FILE *f, int dirfd, bool *first, const char *name)
{
	char val[VALUE_MAX + 1];
	const char *why;

	json_key(f, first, name);
	json_cstring(f, get_value(dirfd, name, val, &why) ? val : "unknown");
}

static void json_bool(FILE *f, int dirfd, bool *first, const char *name)
{
	char val[VALUE_MAX + 1];
	const char *why;

	json_key(f, first, name);
	if (!get_value(dirfd, name, val, &why))
		json_cstring(f, "unknown");
	else if (strcmp(val, "1") == 0)
		fputs("true", f);
	else if (strcmp(val, "0") == 0)
		fputs("false", f);
	else
		json_cstring(f, "unknown");
}

static bool is_sep(char c, const char *seps)
{
	return c != '\0' && strchr(seps, c) != NULL;
}

/*
 * Emit the file @name as an array of the non-empty pieces separated by
 * any byte of @seps ("\n" for lines, whitespace for words).
 */
static void json_split(FILE *f, int dirfd, const char *root, bool *first,
		       const char *name, const char *seps)
{
	struct lvos_blob b;
	size_t i, start, end;
	bool first_elem = true;

	json_key(f, first, name);
	if (lvos_read_at(dirfd, name, &b) < 0) {
		fputs("null", f);
		return;
	}
	end = b.len;
	if (b.truncated) {
		fprintf(stderr, "%s: warning: %s/%s: larger than %d bytes, truncated\n",
			PROG, root, name, LVOS_READ_MAX);
		/* Drop the incomplete last piece. */
		while (end > 0 && !is_sep(b.data[end - 1], seps))
			end--;
	}
	putc('[', f);
	for (start = 0, i = 0; i <= end; i++) {
		if (i < end && !is_sep(b.data[i], seps))
			continue;
		if (i > start) {
			fputs(first_elem ? "\n    " : ",\n    ", f);
			first_elem = false;
			lvos_json_string(f, b.data + start, i - start);
		}
		start = i + 1;
	}
	fputs(first_elem ? "]" : "\n  ]", f);
	free(b.data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void json_caps(FILE *f, int rootfd, bool *first)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	bool first_elem = true;
	DIR *d;
	int fd;

	json_key(f, first, "caps");
	fd = openat(rootfd, "caps", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fputs("null", f);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		fputs("null", f);
		return;
	}
	while (n < CAPS_MAX && (de = readdir(d)) != NULL) {
		struct stat st;
		char *copy;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **tmp = realloc(names, ncap * sizeof(*names));

			if (!tmp)
				break;
			names = tmp;
			cap = ncap;
		}
		copy = strdup(de->d_name);
		if (!copy)
			break;
		names[n++] = copy;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	putc('{', f);
	for (i = 0; i < n; i++) {
		char val[VALUE_MAX + 1];
		const char *why;

		fputs(first_elem ? "\n    " : ",\n    ", f);
		first_elem = false;
		json_cstring(f, names[i]);
		fputs(": ", f);
		json_cstring(f, get_value(dirfd(d), names[i], val, &why) ?
				val : "unknown");
		free(names[i]);
	}
	fputs(first_elem ? "}" : "\n  }", f);
	free(names);
	closedir(d);
}

static void print_json(FILE *f, int rootfd, const char *root)
{
	bool first = true;

	putc('{', f);
	json_value(f, rootfd, &first, "vendor");
	json_value(f, rootfd, &first, "front");
	json_value(f, rootfd, &first, "backend");
	json_value(f, rootfd, &first, "cloud");
	json_bool(f, rootfd, &first, "metal");
	json_value(f, rootfd, &first, "confidential");
	json_bool(f, rootfd, &first, "emulated");
	json_value(f, rootfd, &first, "x86_hyper_type");
	json_value(f, rootfd, &first, "smbios_vm");
	json_value(f, rootfd, &first, "kvm_features");
	json_value(f, rootfd, &first, "detect_ns");
	json_split(f, rootfd, root, &first, "signatures", "\n");
	json_split(f, rootfd, root, &first, "pv_features", " \t\n\r\v\f");
	json_split(f, rootfd, root, &first, "evidence", "\n");
	json_caps(f, rootfd, &first);
	fputs("\n}\n", f);
}

/* ------------------------------------------------------------------- CLI */

enum mode {
	MODE_VM,
	MODE_CLOUD,
	MODE_CVM,
	MODE_BACKEND,
	MODE_JSON,
	MODE_LIST,
	MODE_HELP,
	MODE_VERSION,
};

enum {
	ARG_CLOUD = 0x100,
	ARG_CVM,
	ARG_BACKEND,
	ARG_JSON,
	ARG_LIST,
	ARG_VERSION,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS...]\n"
		"\n"
		"Report the hypervisor detected by the lvos_hvdetect kernel module\n"
		"(reads %s, or $%s if set).\n"
		"\n"
		"  -v --vm       Print the hypervisor vendor ID (default)\n"
		"     --cloud    Print the cloud provider ID\n"
		"     --cvm      Print the confidential computing technology\n"
		"     --backend  Print the real hypervisor behind enlightenments\n"
		"     --json     Print all findings as one JSON object\n"
		"     --list     List all known vendor IDs\n"
		"  -q --quiet    Print nothing, only set the exit status\n"
		"  -h --help     Show this help\n"
		"     --version  Show version\n"
		"\n"
		"Exit status: 0 if found, 1 if the value is \"none\", 2 on error.\n",
		PROG, DEFAULT_ROOT, ENV_ROOT);
}

static int finish(int ret)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", PROG, strerror(errno));
		return EXIT_ERROR;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",      no_argument, NULL, 'v' },
		{ "quiet",   no_argument, NULL, 'q' },
		{ "help",    no_argument, NULL, 'h' },
		{ "cloud",   no_argument, NULL, ARG_CLOUD },
		{ "cvm",     no_argument, NULL, ARG_CVM },
		{ "backend", no_argument, NULL, ARG_BACKEND },
		{ "json",    no_argument, NULL, ARG_JSON },
		{ "list",    no_argument, NULL, ARG_LIST },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	char val[VALUE_MAX + 1];
	enum mode mode = MODE_VM;
	const char *root, *name = "vendor", *why;
	bool quiet = false;
	size_t i;
	int c, rootfd, ret;

	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			mode = MODE_VM;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			mode = MODE_HELP;
			break;
		case ARG_CLOUD:
			mode = MODE_CLOUD;
			break;
		case ARG_CVM:
			mode = MODE_CVM;
			break;
		case ARG_BACKEND:
			mode = MODE_BACKEND;
			break;
		case ARG_JSON:
			mode = MODE_JSON;
			break;
		case ARG_LIST:
			mode = MODE_LIST;
			break;
		case ARG_VERSION:
			mode = MODE_VERSION;
			break;
		default:	/* getopt_long already printed the reason */
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[optind]);
		usage(stderr);
		return EXIT_ERROR;
	}

	switch (mode) {
	case MODE_HELP:
		usage(stdout);
		return finish(EXIT_DETECTED);
	case MODE_VERSION:
		printf("%s %s\n", PROG, LVOS_VERSION);
		return finish(EXIT_DETECTED);
	case MODE_LIST:
		for (i = 0; i < sizeof(vendor_ids) / sizeof(vendor_ids[0]); i++)
			puts(vendor_ids[i]);
		return finish(EXIT_DETECTED);
	case MODE_CLOUD:
		name = "cloud";
		break;
	case MODE_CVM:
		name = "confidential";
		break;
	case MODE_BACKEND:
		name = "backend";
		break;
	case MODE_VM:
	case MODE_JSON:
		break;
	}

	root = getenv(ENV_ROOT);
	if (!root || !*root)
		root = DEFAULT_ROOT;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			fprintf(stderr, "%s: %s not found: is lvos_hvdetect loaded? (modprobe lvos_hvdetect)\n",
				PROG, root);
		else
			fprintf(stderr, "%s: cannot open %s: %s\n",
				PROG, root, strerror(errno));
		return EXIT_ERROR;
	}

	if (mode == MODE_JSON) {
		print_json(stdout, rootfd, root);
		close(rootfd);
		return finish(EXIT_DETECTED);
	}

	if (!get_value(rootfd, name, val, &why)) {
		fprintf(stderr, "%s: %s/%s: %s\n", PROG, root, name, why);
		close(rootfd);
		return EXIT_ERROR;
	}
	close(rootfd);
	ret = strcmp(val, "none") == 0 ? EXIT_NONE : EXIT_DETECTED;
	if (!quiet)
		puts(val);
	return finish(ret);
}
