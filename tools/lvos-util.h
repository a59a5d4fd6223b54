/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lvos-util.h - robust sysfs file reading and JSON string escaping shared
 * by the lvos user-space tools (lvos-detect-virt, lvosctl).  Header-only,
 * libc only; include after <stdio.h>, <stdbool.h>, <fcntl.h>, <sys/stat.h>.
 *
 * lvos_read_at(): the file is opened non-blocking, must be a regular file
 * (sysfs attributes are; FIFOs, devices and directories are refused with
 * -EINVAL) and at most LVOS_READ_MAX bytes are read; st_size is never used.
 *
 * lvos_json_string(): a double quote and a backslash get a backslash, control
 * characters (0x00-0x1f, 0x7f) become \u00XX, well-formed UTF-8 is copied, every
 * other byte becomes \ufffd: the output is always valid UTF-8 and JSON.
 */
#ifndef LVOS_UTIL_H
#define LVOS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LVOS_READ_MAX	(64 * 1024)	/* bytes read from any one file */

struct lvos_blob {
	char *data;		/* NUL-terminated, but may contain NULs */
	size_t len;
	bool truncated;		/* file was longer than LVOS_READ_MAX */
};

/*
 * Read at most LVOS_READ_MAX bytes of regular file @name below @dirfd.
 * Returns 0 or a negative errno (-EINVAL: not a regular file).
 */
static inline int lvos_read_at(int dirfd, const char *name, struct lvos_blob *b)
{
	struct stat st;
	size_t len = 0;
	char *buf;
	int fd, err;

	b->data = NULL;
	b->len = 0;
	b->truncated = false;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	buf = malloc(LVOS_READ_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* Read one byte more than allowed to detect oversized files. */
	while (len < LVOS_READ_MAX + 1) {
		ssize_t n = read(fd, buf + len, LVOS_READ_MAX + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			free(buf);
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > LVOS_READ_MAX) {
		len = LVOS_READ_MAX;
		b->truncated = true;
	}
	buf[len] = '\0';
	b->data = buf;
	b->len = len;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at @s (1-4), or 0 if none. */
static inline size_t lvos_utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c == 0xe0) {
		need = 2;
		lo = 0xa0;		/* no overlongs */
	} else if (c == 0xed) {
		need = 2;
		hi = 0x9f;		/* no surrogates */
	} else if (c >= 0xe1 && c <= 0xef) {
		need = 2;
	} else if (c == 0xf0) {
		need = 3;
		lo = 0x90;		/* no overlongs */
	} else if (c >= 0xf1 && c <= 0xf3) {
		need = 3;
	} else if (c == 0xf4) {
		need = 3;
		hi = 0x8f;		/* <= U+10FFFF */
	} else {
		return 0;		/* 0x80-0xc1, 0xf5-0xff */
	}
	if (avail <= need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need + 1;
}

static inline void lvos_json_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	putc('"', f);
	while (i < len) {
		unsigned char c = s[i];
		size_t k;

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", (unsigned int)c);
			i++;
		} else if (c < 0x80) {
			putc(c, f);
			i++;
		} else if ((k = lvos_utf8_seq_len(s + i, len - i)) != 0) {
			fwrite(s + i, 1, k, f);
			i += k;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
	putc('"', f);
}

#endif /* LVOS_UTIL_H */
