// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP programs for tests/vm/netpv-xdp.py, one object per action, built on
 * the host with clang (no libbpf headers needed):
 *   xdp-drop.o  xdp-pass.o  xdp-aborted.o  xdp-tx.o (swaps the MACs: back to the sender)
 *   xdp-redirect-N.o (everything to ifindex N)
 * The guest loads them with iproute2: ip link set dev D xdpdrv obj F sec xdp
 */
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))


SEC("xdp")
int npv_xdp(struct xdp_md *ctx)
{
#if defined(NPV_DROP)
	return XDP_DROP;
#elif defined(NPV_PASS)
	return XDP_PASS;
#elif defined(NPV_ABORTED)
	return XDP_ABORTED;
#elif defined(NPV_TX)
	unsigned char *d = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;
	unsigned char t;
	int i;

	if (d + 12 > end)
		return XDP_DROP;
	for (i = 0; i < 6; i++) {
		t = d[i];
		d[i] = d[i + 6];
		d[i + 6] = t;
	}
	return XDP_TX;
#elif defined(NPV_REDIRECT)
	long (*redirect)(__u32 ifindex, __u64 flags) = (void *)BPF_FUNC_redirect;

	return redirect(NPV_REDIRECT, 0);
#else
#error "one of NPV_DROP, NPV_PASS, NPV_ABORTED, NPV_TX, NPV_REDIRECT=ifindex"
#endif
}

char _license[] SEC("license") = "GPL";
