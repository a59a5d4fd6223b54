// SPDX-License-Identifier: GPL-2.0-only
/*
 * lvos-netq - the admin's side of a NIC's queues, for tests/vm/hotplug-net.py
 * (busybox guests have no ethtool):
 *
 *   lvos-netq xsk IFNAME QUEUE WAIT_FILE
 *	bind a copy-mode AF_XDP socket to QUEUE (which registers its buffer
 *	pool on that queue, as a zero-copy one does), print "xsk: bound",
 *	hold it until WAIT_FILE exists (at most 600 s)
 *   lvos-netq indir IFNAME N
 *	set the RSS indirection table to spread over queues 0..N-1, as
 *	`ethtool -X IFNAME equal N` does; N = 0 restores the driver's default
 *	(the table is then no longer the admin's)
 *   lvos-netq monitor IFNAME
 *	print "channels IFNAME" for every ethtool channels notification
 *	(ETHTOOL_MSG_CHANNELS_NTF) about IFNAME, as `ethtool --monitor
 *	channels` does; runs until killed
 *
 * Exit status: 0 done, 1 usage, 2 the kernel refused (errno printed),
 * 3 timed out waiting, 4 the kernel has no AF_XDP (CONFIG_XDP_SOCKETS).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static int fail(const char *what)
{
	fprintf(stderr, "lvos-netq: %s: %s\n", what, strerror(errno));
	return 2;
}

static int do_xsk(const char *ifname, unsigned int queue, const char *wait_file)
{
	const unsigned int frames = 64, frame_size = 4096, ring = 64;
	struct xdp_umem_reg umem = { .len = frames * frame_size, .chunk_size = frame_size };
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP, .sxdp_flags = XDP_COPY };
	int fd, waited;
	void *area;

	sxdp.sxdp_ifindex = if_nametoindex(ifname);
	sxdp.sxdp_queue_id = queue;
	if (!sxdp.sxdp_ifindex)
		return fail(ifname);
	fd = socket(AF_XDP, SOCK_RAW, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		printf("xsk: no AF_XDP in this kernel\n");
		return 4;
	}
	if (fd < 0)
		return fail("AF_XDP socket");
	area = mmap(NULL, umem.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return fail("mmap");
	umem.addr = (unsigned long)area;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &umem, sizeof(umem)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)))
		return fail("AF_XDP setup");
	if (bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)))
		return fail("AF_XDP bind");
	printf("xsk: bound %s queue %u\n", ifname, queue);
	fflush(stdout);
	for (waited = 0; access(wait_file, F_OK); waited++) {
		if (waited >= 6000)
			return 3;
		usleep(100000);
	}
	close(fd);
	return 0;
}

static int ethtool_ioctl(const char *ifname, void *data)
{
	struct ifreq ifr = { .ifr_data = data };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int err;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	err = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return err;
}

static int do_indir(const char *ifname, unsigned int n)
{
	struct ethtool_rxfh_indir get = { .cmd = ETHTOOL_GRXFHINDIR };
	struct ethtool_rxfh_indir *set;
	unsigned int i;

	if (ethtool_ioctl(ifname, &get))
		return fail("ETHTOOL_GRXFHINDIR");
	set = calloc(1, sizeof(*set) + get.size * sizeof(set->ring_index[0]));
	if (!set)
		return fail("calloc");
	set->cmd = ETHTOOL_SRXFHINDIR;
	set->size = n ? get.size : 0;
	for (i = 0; n && i < get.size; i++)
		set->ring_index[i] = i % n;
	if (ethtool_ioctl(ifname, set))
		return fail("ETHTOOL_SRXFHINDIR");
	printf("indir: %s over %u queues (%u entries)\n", ifname, n, n ? get.size : 0);
	return 0;
}

#define NLA_OK_(a, len) ((len) >= (int)sizeof(*(a)) && (a)->nla_len >= sizeof(*(a)) && \
			 (a)->nla_len <= (len))
#define NLA_NEXT_(a, len) ((len) -= NLA_ALIGN((a)->nla_len), \
			   (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define NLA_DATA_(a) ((void *)((char *)(a) + NLA_HDRLEN))

static struct nlattr *nla_find(void *start, int len, unsigned int type)
{
	struct nlattr *a;

	for (a = start; NLA_OK_(a, len); a = NLA_NEXT_(a, len))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

/* The "ethtool" family's id and "monitor" group from the genetlink controller. */
static int ethtool_family(int fd, unsigned int *family, unsigned int *group)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		struct nlattr na;
		char name[16];
	} req = {
		.nh = { .nlmsg_type = GENL_ID_CTRL, .nlmsg_flags = NLM_F_REQUEST },
		.gh = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
		.na = { .nla_type = CTRL_ATTR_FAMILY_NAME,
			.nla_len = NLA_HDRLEN + sizeof(ETHTOOL_GENL_NAME) },
		.name = ETHTOOL_GENL_NAME,
	};
	static char buf[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlattr *a, *grp;
	int len, glen;

	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(req.na.nla_len));
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -1;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0 || !NLMSG_OK(nh, len) || nh->nlmsg_type == NLMSG_ERROR) {
		errno = len < 0 ? errno : ENOENT;
		return -1;
	}
	len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = nla_find((char *)NLMSG_DATA(nh) + GENL_HDRLEN, len, CTRL_ATTR_FAMILY_ID);
	grp = nla_find((char *)NLMSG_DATA(nh) + GENL_HDRLEN, len, CTRL_ATTR_MCAST_GROUPS);
	if (!a || !grp) {
		errno = ENOENT;
		return -1;
	}
	*family = *(__u16 *)NLA_DATA_(a);
	glen = grp->nla_len - NLA_HDRLEN;
	for (a = NLA_DATA_(grp); NLA_OK_(a, glen); a = NLA_NEXT_(a, glen)) {
		int l = a->nla_len - NLA_HDRLEN;
		struct nlattr *name = nla_find(NLA_DATA_(a), l, CTRL_ATTR_MCAST_GRP_NAME);
		struct nlattr *id = nla_find(NLA_DATA_(a), l, CTRL_ATTR_MCAST_GRP_ID);

		if (name && id && !strcmp(NLA_DATA_(name), ETHTOOL_MCGRP_MONITOR_NAME)) {
			*group = *(__u32 *)NLA_DATA_(id);
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

static int do_monitor(const char *ifname)
{
	unsigned int ifindex = if_nametoindex(ifname), family, group;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[16384];
	int fd, len;

	if (!ifindex)
		return fail(ifname);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fail("netlink socket");
	if (ethtool_family(fd, &family, &group))
		return fail("ethtool genetlink family");
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)))
		return fail("join ethtool monitor group");
	printf("monitor: listening on %s\n", ifname);
	fflush(stdout);
	while ((len = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		struct nlmsghdr *nh;

		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			struct genlmsghdr *gh = NLMSG_DATA(nh);
			struct nlattr *hdr, *idx;
			int l = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

			if (nh->nlmsg_type != family || gh->cmd != ETHTOOL_MSG_CHANNELS_NTF)
				continue;
			hdr = nla_find((char *)gh + GENL_HDRLEN, l, ETHTOOL_A_CHANNELS_HEADER);
			idx = hdr ? nla_find(NLA_DATA_(hdr), hdr->nla_len - NLA_HDRLEN,
					     ETHTOOL_A_HEADER_DEV_INDEX) : NULL;
			if (idx && *(__u32 *)NLA_DATA_(idx) == ifindex) {
				printf("channels %s\n", ifname);
				fflush(stdout);
			}
		}
	}
	return fail("recv");
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "xsk"))
		return do_xsk(argv[2], strtoul(argv[3], NULL, 10), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "indir"))
		return do_indir(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "monitor"))
		return do_monitor(argv[2]);
	fprintf(stderr, "usage: lvos-netq xsk IFNAME QUEUE WAIT_FILE | indir IFNAME N | monitor IFNAME\n");
	return 1;
}
