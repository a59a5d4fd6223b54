// SPDX-License-Identifier: GPL-2.0-only
/*
 * netpv-blast - the traffic generator of the net-pv benchmark
 * (tools/bench/netpv): static, so the same binary runs in the busybox test
 * guests and on the host (tools/tests/netpv-blast-test).
 *
 *   netpv-blast tcp-recv PORT [IDLE [CONNS]]
 *	TCP sink: every connection is read to EOF in its own thread, then one
 *	result line; exits after IDLE s (default 600) without a new connection,
 *	or once CONNS connections have ended (a one-shot receiver that the
 *	benchmark's guest waits for without polling)
 *   netpv-blast tcp-send HOST PORT SECONDS [STREAMS]
 *	STREAMS (default 1) connections writing 128 KiB at a time for SECONDS;
 *	each then shuts down its write side and waits for the receiver's EOF,
 *	so the interval ends when the receiver has read every byte
 *   netpv-blast udp-recv PORT SECONDS
 *	counts datagrams from the first one until the sender's end marker, an
 *	idle gap of 2 s or SECONDS + 5 s; reports received pps and payload
 *	Mbit/s, and the datagrams missing below the highest sequence number
 *   netpv-blast udp-send HOST PORT SECONDS SIZE
 *	sendmmsg() of SIZE-byte datagrams (16..65507) in batches of 64 for
 *	SECONDS, each carrying a sequence number, then end markers
 *   netpv-blast rr-server PORT [IDLE [CONNS]]
 *	echoes what each connection sends (TCP_NODELAY); IDLE, CONNS as tcp-recv
 *   netpv-blast rr HOST PORT SECONDS
 *	1-byte TCP ping-pong (TCP_NODELAY) for SECONDS: round trips/s
 *   netpv-blast memcpy MB
 *	copies between two MB MiB buffers for at least 1 s: the copy bandwidth
 *	that calibrates a TCG guest against the host
 *   netpv-blast features IFNAME
 *	the interface's active offloads (ETHTOOL_GFEATURES; the guests have no
 *	ethtool) and its queue counts
 *
 * A server PORT of 0 takes a free port; servers print the port they listen
 * on to stderr ("netpv-blast: MODE listening on port N").
 * HOST is an IPv4 or IPv6 address (no name lookup: static binary). Every
 * result is one line on stdout, "result mode=MODE key=value ...", flushed at
 * once; progress and errors go to stderr. Sockets time out after 30 s
 * without progress, clients give up SECONDS + 120 s after they start, and a
 * connect is retried for 30 s (the peer's server may still be starting).
 *
 * Exit status: 0 done, 1 a network or system error, 2 usage, 3 timed out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#define IO_TIMEOUT_S	30	/* a socket call without progress for this long fails */
#define CONNECT_RETRY_S	30	/* connect() is retried this long */
#define CLIENT_GRACE_S	120	/* a client exits this long after SECONDS */
#define SERVER_IDLE_S	600	/* default idle time before a server exits */
#define TCP_CHUNK	(128 * 1024)
#define UDP_BATCH	64
#define UDP_MAX		65536	/* receive buffer per datagram */
#define UDP_MAGIC	0x4e505642u	/* "BVPN" little-endian */
#define UDP_END		UINT64_MAX	/* sequence number of the end markers */
#define UDP_END_COUNT	20
#define UDP_IDLE_S	2.0
#define UDP_START_S	60	/* udp-recv waits this long for a first datagram */
#define MAX_STREAMS	64

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long conns_left;	/* servers: exit when it drops to 0 (0: never) */

static void result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void result(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	fputs("result ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void die(const char *what) __attribute__((noreturn));
static void die(const char *what)
{
	fprintf(stderr, "netpv-blast: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "netpv-blast: timed out\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to tell */
	}
	_exit(3);
}

static void set_deadline(unsigned int secs)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mbps(uint64_t bytes, double secs)
{
	return secs > 0 ? bytes * 8.0 / secs / 1e6 : 0.0;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static int parse_addr(const char *host, unsigned long port, struct addr *a)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		a->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		a->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* A connected TCP socket to @a, retrying refused/unreachable for a while. */
static int tcp_connect(const struct addr *a)
{
	double give_up = now() + CONNECT_RETRY_S;

	for (;;) {
		int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket");
		set_timeouts(fd);
		if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
			return fd;
		if (now() > give_up || (errno != ECONNREFUSED && errno != EHOSTUNREACH &&
					errno != ENETUNREACH && errno != ETIMEDOUT &&
					errno != EAGAIN && errno != EINTR))
			die("connect");
		close(fd);
		usleep(200 * 1000);
	}
}

static int listen_on(unsigned long port, int type, const char *what)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				    .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sockaddr_storage ss;
	int one = 1, zero = 0;
	socklen_t len;
	int fd;

	/* Dual-stack where the kernel has IPv6, IPv4 only otherwise. */
	fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) == 0)
			goto bound;
		close(fd);
	}
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa4, sizeof(sa4)) < 0)
		die("bind");
bound:
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		die("listen");
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname");
	port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
	fprintf(stderr, "netpv-blast: %s listening on port %lu\n", what, port);
	return fd;
}

/* ------------------------------------------------------------------ TCP */

struct conn {
	int fd;
	int echo;
};

static void *serve_conn(void *arg)
{
	struct conn *c = arg;
	uint64_t bytes = 0, trips = 0;
	double t0 = now(), t1;
	char *buf = malloc(TCP_CHUNK);
	const char *err = NULL;

	if (!buf) {
		close(c->fd);
		free(c);
		return NULL;
	}
	if (c->echo)
		set_nodelay(c->fd);
	for (;;) {
		ssize_t n = read(c->fd, buf, c->echo ? 64 : TCP_CHUNK);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno == EAGAIN ? "no data for 30 s" : strerror(errno);
			break;
		}
		bytes += n;
		if (c->echo) {
			ssize_t off = 0;

			while (off < n) {
				ssize_t w = write(c->fd, buf + off, n - off);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					err = strerror(errno);
					break;
				}
				off += w;
			}
			if (err)
				break;
			trips++;
		}
	}
	t1 = now();
	if (err)
		fprintf(stderr, "netpv-blast: connection: %s\n", err);
	if (c->echo)
		result("mode=rr-server bytes=%" PRIu64 " reads=%" PRIu64 " secs=%.3f%s",
		       bytes, trips, t1 - t0, err ? " error=1" : "");
	else
		result("mode=tcp-recv bytes=%" PRIu64 " secs=%.3f mbps=%.2f%s",
		       bytes, t1 - t0, mbps(bytes, t1 - t0), err ? " error=1" : "");
	/* The line is out before the sender sees our EOF. */
	close(c->fd);
	free(buf);
	free(c);
	pthread_mutex_lock(&out_lock);
	if (conns_left && --conns_left == 0)
		exit(0);
	pthread_mutex_unlock(&out_lock);
	return NULL;
}

static int tcp_server(unsigned long port, unsigned long idle, int echo)
{
	int lfd = listen_on(port, SOCK_STREAM, echo ? "rr-server" : "tcp-recv");
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		struct conn *c;
		pthread_t t;
		int r = poll(&p, 1, idle * 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (r == 0) {
			fprintf(stderr, "netpv-blast: no connection for %lu s, exiting\n", idle);
			return 0;
		}
		c = malloc(sizeof(*c));
		if (!c)
			die("malloc");
		c->echo = echo;
		c->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c->fd < 0) {
			free(c);
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		set_timeouts(c->fd);
		if (pthread_create(&t, &attr, serve_conn, c) != 0) {
			close(c->fd);
			free(c);
			fprintf(stderr, "netpv-blast: pthread_create failed\n");
		}
	}
}

struct stream {
	pthread_t thread;
	int fd;
	double start, stop;	/* stop: the receiver's EOF */
	uint64_t bytes;
	const char *err;
};

static void *send_stream(void *arg)
{
	struct stream *s = arg;
	char *buf = malloc(TCP_CHUNK);
	char drain[256];

	if (!buf) {
		s->err = "out of memory";
		return NULL;
	}
	memset(buf, 0x5a, TCP_CHUNK);
	while (now() < s->stop) {
		ssize_t n = write(s->fd, buf, TCP_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->err = n < 0 && errno == EAGAIN ? "write blocked for 30 s" : strerror(errno);
			break;
		}
		s->bytes += n;
	}
	free(buf);
	if (shutdown(s->fd, SHUT_WR) < 0 && !s->err)
		s->err = strerror(errno);
	/* The receiver closes once it has read everything. */
	while (!s->err) {
		ssize_t n = read(s->fd, drain, sizeof(drain));

		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			s->err = errno == EAGAIN ? "no EOF from the receiver in 30 s" : strerror(errno);
	}
	s->stop = now();
	return NULL;
}

static int tcp_send(const struct addr *a, unsigned long secs, unsigned long nstreams)
{
	struct stream s[MAX_STREAMS];
	uint64_t bytes = 0;
	double t0, end = 0;
	unsigned long i;
	int bad = 0;

	memset(s, 0, sizeof(s));
	for (i = 0; i < nstreams; i++)
		s[i].fd = tcp_connect(a);
	t0 = now();
	for (i = 0; i < nstreams; i++) {
		s[i].start = t0;
		s[i].stop = t0 + secs;
		if (pthread_create(&s[i].thread, NULL, send_stream, &s[i]) != 0) {
			fprintf(stderr, "netpv-blast: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nstreams; i++) {
		pthread_join(s[i].thread, NULL);
		close(s[i].fd);
		bytes += s[i].bytes;
		if (s[i].stop > end)
			end = s[i].stop;
		if (s[i].err) {
			fprintf(stderr, "netpv-blast: stream %lu: %s\n", i, s[i].err);
			bad = 1;
		}
	}
	result("mode=tcp streams=%lu bytes=%" PRIu64 " secs=%.3f mbps=%.2f%s",
	       nstreams, bytes, end - t0, mbps(bytes, end - t0), bad ? " error=1" : "");
	return bad;
}

static int rr_client(const struct addr *a, unsigned long secs)
{
	int fd = tcp_connect(a);
	uint64_t trips = 0;
	double t0, t1, stop;
	char c = 'x';

	set_nodelay(fd);
	t0 = now();
	stop = t0 + secs;
	do {
		ssize_t n;

		do {
			n = write(fd, &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			die("rr write");
		do {
			n = read(fd, &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1) {
			if (n == 0)
				errno = ECONNRESET;
			die("rr read");
		}
		trips++;
	} while ((t1 = now()) < stop);
	close(fd);
	result("mode=rr trips=%" PRIu64 " secs=%.3f rtps=%.1f lat_us=%.1f",
	       trips, t1 - t0, trips / (t1 - t0), (t1 - t0) * 1e6 / trips);
	return 0;
}

/* ------------------------------------------------------------------ UDP */

struct udp_hdr {		/* at the start of every datagram, host order */
	uint64_t seq;
	uint32_t magic;
	uint32_t size;
};

static int udp_send(const struct addr *a, unsigned long secs, unsigned long size)
{
	static struct mmsghdr msg[UDP_BATCH];
	static struct iovec iov[UDP_BATCH];
	char *bufs = calloc(UDP_BATCH, size);
	uint64_t seq = 0, batches = 0;
	double t0, t1, stop;
	int fd, i;

	if (!bufs)
		die("calloc");
	fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	set_timeouts(fd);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		die("connect");
	for (i = 0; i < UDP_BATCH; i++) {
		struct udp_hdr h = { .magic = UDP_MAGIC, .size = size };

		memcpy(bufs + i * size, &h, sizeof(h));
		iov[i].iov_base = bufs + i * size;
		iov[i].iov_len = size;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	stop = t0 + secs;
	while ((t1 = now()) < stop) {
		int n;

		for (i = 0; i < UDP_BATCH; i++) {
			uint64_t s = seq + i;

			memcpy(bufs + i * size, &s, sizeof(s));
		}
		n = sendmmsg(fd, msg, UDP_BATCH, 0);
		if (n < 0) {
			/* a full queue or a not-yet-resolved neighbour: retry */
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			die("sendmmsg");
		}
		seq += n;
		batches++;
	}
	for (i = 0; i < UDP_END_COUNT; i++) {
		uint64_t s = UDP_END;

		memcpy(bufs, &s, sizeof(s));
		if (send(fd, bufs, size, 0) < 0 && errno != ENOBUFS && errno != ECONNREFUSED)
			die("send");
		usleep(10 * 1000);
	}
	close(fd);
	free(bufs);
	result("mode=udp-send size=%lu packets=%" PRIu64 " bytes=%" PRIu64
	       " secs=%.3f pps=%.0f mbps=%.2f batches=%" PRIu64,
	       size, seq, seq * size, t1 - t0, seq / (t1 - t0),
	       mbps(seq * size, t1 - t0), batches);
	return 0;
}

static int udp_recv(unsigned long port, unsigned long secs)
{
	static struct mmsghdr msg[UDP_BATCH];
	static struct iovec iov[UDP_BATCH];
	uint64_t packets = 0, bytes = 0, max_seq = 0, bad = 0;
	double first = 0, last = 0, cap = 0;
	char *bufs = malloc(UDP_BATCH * UDP_MAX);
	int fd = listen_on(port, SOCK_DGRAM, "udp-recv");
	int rcvbuf = 4 << 20;
	int i, ended = 0;
	unsigned long size = 0;

	if (!bufs)
		die("malloc");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = bufs + i * UDP_MAX;
		iov[i].iov_len = UDP_MAX;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	while (!ended) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t = now();
		int wait_ms, n;

		if (!packets)
			wait_ms = UDP_START_S * 1000;
		else if (t >= cap)
			break;
		else
			wait_ms = (int)(1000 * (cap - t < UDP_IDLE_S ? cap - t : UDP_IDLE_S)) + 1;
		n = poll(&p, 1, wait_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("poll");
		if (n == 0) {
			if (!packets) {
				fprintf(stderr, "netpv-blast: no datagram in %d s\n", UDP_START_S);
				return 3;
			}
			if (now() - last >= UDP_IDLE_S || now() >= cap)
				break;
			continue;
		}
		n = recvmmsg(fd, msg, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("recvmmsg");
		}
		t = now();
		for (i = 0; i < n; i++) {
			struct udp_hdr h;

			if (msg[i].msg_len < sizeof(h)) {
				bad++;
				continue;
			}
			memcpy(&h, bufs + i * UDP_MAX, sizeof(h));
			if (h.magic != UDP_MAGIC) {
				bad++;
				continue;
			}
			if (h.seq == UDP_END) {
				ended = 1;
				continue;
			}
			if (!packets) {
				first = t;
				cap = t + secs + 5;
			}
			packets++;
			bytes += msg[i].msg_len;
			size = msg[i].msg_len;
			if (h.seq > max_seq)
				max_seq = h.seq;
			last = t;
		}
	}
	close(fd);
	free(bufs);
	if (!packets) {
		fprintf(stderr, "netpv-blast: only end markers arrived\n");
		return 1;
	}
	result("mode=udp-recv size=%lu packets=%" PRIu64 " bytes=%" PRIu64
	       " secs=%.3f pps=%.0f mbps=%.2f lost=%" PRIu64 " bad=%" PRIu64 " end=%d",
	       size, packets, bytes, last - first,
	       last > first ? packets / (last - first) : 0.0, mbps(bytes, last - first),
	       max_seq + 1 >= packets ? max_seq + 1 - packets : 0, bad, ended);
	return 0;
}

/* --------------------------------------------------------------- memcpy */

static int do_memcpy(unsigned long mb)
{
	size_t len = (size_t)mb << 20;
	unsigned char *src = malloc(len), *dst = malloc(len);
	volatile unsigned char sink;
	uint64_t passes = 0;
	double t0, t1;
	size_t i;

	if (!src || !dst)
		die("malloc");
	for (i = 0; i < len; i++)
		src[i] = (unsigned char)(i * 7);
	memset(dst, 0, len);		/* fault both in before timing */
	t0 = now();
	do {
		memcpy(dst, src, len);
		src[passes % len]++;	/* each pass copies something new */
		passes++;
		t1 = now();
	} while (t1 - t0 < 1.0);
	sink = dst[len / 2];
	(void)sink;
	free(src);
	free(dst);
	result("mode=memcpy mb=%lu passes=%" PRIu64 " bytes=%" PRIu64 " secs=%.3f mibps=%.0f",
	       mb, passes, (uint64_t)passes * len, t1 - t0, passes * (double)mb / (t1 - t0));
	return 0;
}

/* ------------------------------------------------------------- features */

static int count_queues(const char *ifname, const char *prefix)
{
	char path[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static const char *short_names[][2] = {
	{ "sg", "tx-scatter-gather" },
	{ "csum", "tx-checksum-ip-generic" },
	{ "tso", "tx-tcp-segmentation" },
	{ "tso6", "tx-tcp6-segmentation" },
	{ "gso", "tx-generic-segmentation" },
	{ "gro", "rx-gro" },
	{ "rxcsum", "rx-checksum" },
	{ "lro", "rx-lro" },
};

static int features(const char *ifname)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *names;
	struct ethtool_gfeatures *feat;
	struct ifreq ifr;
	char *list, *p;
	__u32 n, blocks, i, k;
	int fd;

	if (strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "netpv-blast: interface name too long\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_data = (void *)&sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		die("ETHTOOL_GSSET_INFO");
	n = sset.len;
	if (!(sset.hdr.sset_mask & (1ULL << ETH_SS_FEATURES)) || n == 0 || n > 4096) {
		fprintf(stderr, "netpv-blast: %s: no feature names\n", ifname);
		return 1;
	}
	blocks = (n + 31) / 32;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	list = calloc(n, ETH_GSTRING_LEN + 1);
	if (!names || !feat || !list)
		die("calloc");
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = n;
	ifr.ifr_data = (void *)names;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		die("ETHTOOL_GSTRINGS");
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	ifr.ifr_data = (void *)feat;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		die("ETHTOOL_GFEATURES");
	close(fd);

	p = list;
	*p = '\0';
	for (i = 0; i < n; i++) {
		if (!(feat->features[i / 32].active & (1U << (i % 32))))
			continue;
		p += sprintf(p, "%s%.*s", p == list ? "" : ",", ETH_GSTRING_LEN,
			     (const char *)names->data + i * ETH_GSTRING_LEN);
	}
	pthread_mutex_lock(&out_lock);
	printf("result mode=features ifname=%s", ifname);
	for (k = 0; k < sizeof(short_names) / sizeof(short_names[0]); k++) {
		int on = 0;

		for (i = 0; i < n; i++)
			if (!strncmp((const char *)names->data + i * ETH_GSTRING_LEN,
				     short_names[k][1], ETH_GSTRING_LEN) &&
			    (feat->features[i / 32].active & (1U << (i % 32))))
				on = 1;
		printf(" %s=%s", short_names[k][0], on ? "on" : "off");
	}
	printf(" rx_queues=%d tx_queues=%d active=%s\n", count_queues(ifname, "rx-"),
	       count_queues(ifname, "tx-"), *list ? list : "-");
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	free(names);
	free(feat);
	free(list);
	return 0;
}

/* ----------------------------------------------------------------- main */

static int usage(void)
{
	fputs("usage: netpv-blast tcp-recv PORT [IDLE [CONNS]]\n"
	      "       netpv-blast tcp-send HOST PORT SECONDS [STREAMS]\n"
	      "       netpv-blast udp-recv PORT SECONDS\n"
	      "       netpv-blast udp-send HOST PORT SECONDS SIZE\n"
	      "       netpv-blast rr-server PORT [IDLE [CONNS]]\n"
	      "       netpv-blast rr HOST PORT SECONDS\n"
	      "       netpv-blast memcpy MB\n"
	      "       netpv-blast features IFNAME\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long port, secs, n = 1, idle = SERVER_IDLE_S;
	const char *mode = argc > 1 ? argv[1] : "";
	struct addr a;

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "tcp-recv") || !strcmp(mode, "rr-server")) {
		if (argc < 3 || argc > 5 || parse_uint(argv[2], 0, 65535, &port) ||
		    (argc >= 4 && parse_uint(argv[3], 1, 86400, &idle)) ||
		    (argc == 5 && parse_uint(argv[4], 1, 1000000, &conns_left)))
			return usage();
		return tcp_server(port, idle, !strcmp(mode, "rr-server"));
	}
	if (!strcmp(mode, "tcp-send") || !strcmp(mode, "rr") || !strcmp(mode, "udp-send")) {
		int tcp = !strcmp(mode, "tcp-send"), udp = !strcmp(mode, "udp-send");

		if (argc < 5 || argc > 5 + (tcp || udp) ||
		    parse_uint(argv[3], 1, 65535, &port) ||
		    parse_addr(argv[2], port, &a) ||
		    parse_uint(argv[4], 1, 86400, &secs))
			return usage();
		if (udp && (argc != 6 || parse_uint(argv[5], sizeof(struct udp_hdr), UDP_MAX - 29, &n)))
			return usage();
		if (tcp && argc == 6 && parse_uint(argv[5], 1, MAX_STREAMS, &n))
			return usage();
		set_deadline(secs + CONNECT_RETRY_S + CLIENT_GRACE_S);
		if (tcp)
			return tcp_send(&a, secs, n);
		if (udp)
			return udp_send(&a, secs, n);
		return rr_client(&a, secs);
	}
	if (!strcmp(mode, "udp-recv")) {
		if (argc != 4 || parse_uint(argv[2], 0, 65535, &port) ||
		    parse_uint(argv[3], 1, 86400, &secs))
			return usage();
		set_deadline(secs + UDP_START_S + CLIENT_GRACE_S);
		return udp_recv(port, secs);
	}
	if (!strcmp(mode, "memcpy")) {
		if (argc != 3 || parse_uint(argv[2], 1, 4096, &n))
			return usage();
		set_deadline(600);
		return do_memcpy(n);
	}
	if (!strcmp(mode, "features")) {
		if (argc != 3)
			return usage();
		return features(argv[2]);
	}
	return usage();
}
