/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=gen: a built-in source of valid TCP (or UDP, or ICMP) streams.
 *
 * `flows` flows are served round robin; each frame is `size` bytes without
 * FCS, with correct IPv4/IPv6 and L4 checksums, TCP sequence numbers that
 * advance by the payload length, and the payload pattern of
 * rte_pmd_hsplit_gen_byte(). `rate` paces frames per second (0: as fast as
 * the queue polls) and `count` stops after that many frames per start.
 * Transmitted frames are counted and dropped. The pattern repeats every
 * 251 bytes, so the payload checksum for each start offset is computed once
 * at start and each frame costs a header write, a payload copy and a fold.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <rte_string_fns.h>

#include "hsplit_gen.h"
#include "rte_pmd_hsplit.h"

#define GEN_PERIOD   251u
#define GEN_SLOTS    HSPLIT_GEN_BURST
#define GEN_ISN_STEP 0x10000000u   /* flows start far apart in sequence space */

struct gen_flow {
	uint64_t stream_off;
};

struct gen_backend {
	struct hsplit_backend base;
	const struct hsplit_gen_conf *args;
	struct hsplit_gen_conf conf;
	uint32_t hdr_len;             /* L2 + L3 + L4 */
	uint32_t l4_off;
	uint32_t pay_len;
	uint8_t template[128];        /* headers of flow 0, checksums zero */
	uint8_t *pattern;             /* GEN_PERIOD + pay_len bytes of the pattern */
	uint32_t pay_sum[GEN_PERIOD]; /* raw sum of the payload starting at each phase */
	uint8_t *slots;               /* GEN_SLOTS frames */
	struct gen_flow *flows;
	uint32_t next_flow;
	uint64_t sent;
	uint64_t start_tsc;
	uint64_t tx_frames;
};

static struct gen_backend *gen_of(struct hsplit_backend *be)
{
	return container_of(be, struct gen_backend, base);
}

static uint32_t l4_header_len(enum hsplit_gen_proto proto)
{
	return proto == HSPLIT_GEN_TCP ? sizeof(struct rte_tcp_hdr) :
	       proto == HSPLIT_GEN_UDP ? sizeof(struct rte_udp_hdr) : 8u /* ICMP echo */;
}

static uint8_t ip_proto(const struct hsplit_gen_conf *a)
{
	if (a->gen_proto == HSPLIT_GEN_TCP)
		return IPPROTO_TCP;
	if (a->gen_proto == HSPLIT_GEN_UDP)
		return IPPROTO_UDP;
	return a->gen_ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

/* Ethernet + IP header of flow 0; per-flow fields are patched per frame. */
static void build_template(struct gen_backend *g)
{
	const struct hsplit_gen_conf *a = g->args;
	struct rte_ether_hdr *eh = (void *)g->template;
	uint32_t l3_len = a->gen_ipv6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);

	memset(g->template, 0, sizeof(g->template));
	rte_ether_addr_copy(a->mac, &eh->dst_addr);
	eh->src_addr = (struct rte_ether_addr){ { 0x02, 0x67, 0x65, 0x6e, 0x00, 0x01 } };
	eh->ether_type = rte_cpu_to_be_16(a->gen_ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	g->l4_off = RTE_ETHER_HDR_LEN + l3_len;
	g->hdr_len = g->l4_off + l4_header_len(a->gen_proto);
	g->pay_len = a->gen_size - g->hdr_len;
	if (a->gen_ipv6) {
		struct rte_ipv6_hdr *ip = (void *)(eh + 1);
		static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(a->gen_size - g->l4_off));
		ip->proto = ip_proto(a);
		ip->hop_limits = 64;
		memcpy(&ip->dst_addr, dst, 16);
		memcpy(&ip->src_addr, dst, 16);
		((uint8_t *)&ip->src_addr)[5] = 1;
	} else {
		struct rte_ipv4_hdr *ip = (void *)(eh + 1);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(a->gen_size - RTE_ETHER_HDR_LEN));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = ip_proto(a);
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 1));
	}
}

static int gen_prepare(struct gen_backend *g)
{
	uint32_t i;

	build_template(g);
	rte_free(g->pattern);
	g->pattern = rte_malloc("hsplit_gen_pattern", GEN_PERIOD + g->pay_len, 0);
	if (g->pattern == NULL)
		return -ENOMEM;
	for (i = 0; i < GEN_PERIOD + g->pay_len; i++)
		g->pattern[i] = rte_pmd_hsplit_gen_byte(i);
	for (i = 0; i < GEN_PERIOD; i++)
		g->pay_sum[i] = __rte_raw_cksum(g->pattern + i, g->pay_len, 0);
	memset(g->flows, 0, sizeof(*g->flows) * g->args->gen_flows);
	g->next_flow = 0;
	g->sent = 0;
	g->start_tsc = rte_get_tsc_cycles();
	return 0;
}

/* Fold header and cached payload sums into the L4 checksum field. */
static void fill_l4_checksum(struct gen_backend *g, uint8_t *frame, uint32_t phase)
{
	const struct hsplit_gen_conf *a = g->args;
	uint8_t *l4 = frame + g->l4_off;
	uint32_t l4_len = a->gen_size - g->l4_off, sum;
	uint16_t *field;

	if (a->gen_proto == HSPLIT_GEN_ICMP && !a->gen_ipv6) {
		sum = 0;
		field = (uint16_t *)(l4 + 2);
	} else if (a->gen_ipv6) {
		sum = rte_ipv6_phdr_cksum((const void *)(frame + RTE_ETHER_HDR_LEN), 0);
		field = (uint16_t *)(l4 + (a->gen_proto == HSPLIT_GEN_TCP ? 16 : 6));
		if (a->gen_proto == HSPLIT_GEN_ICMP)
			field = (uint16_t *)(l4 + 2);
	} else {
		sum = rte_ipv4_phdr_cksum((const void *)(frame + RTE_ETHER_HDR_LEN), 0);
		field = (uint16_t *)(l4 + (a->gen_proto == HSPLIT_GEN_TCP ? 16 : 6));
	}
	*field = 0;
	sum = __rte_raw_cksum(l4, g->hdr_len - g->l4_off, sum);
	sum += g->pay_sum[phase];
	RTE_SET_USED(l4_len);
	*field = (uint16_t)~__rte_raw_cksum_reduce(sum);
	if (*field == 0 && a->gen_proto == HSPLIT_GEN_UDP)
		*field = 0xffff;
}

static void write_frame(struct gen_backend *g, uint8_t *frame, uint32_t f)
{
	const struct hsplit_gen_conf *a = g->args;
	struct gen_flow *flow = &g->flows[f];
	uint32_t phase = (uint32_t)(flow->stream_off % GEN_PERIOD);
	uint8_t *l4 = frame + g->l4_off;

	memcpy(frame, g->template, g->hdr_len);
	if (a->gen_ipv6) {
		struct rte_ipv6_hdr *ip = (void *)(frame + RTE_ETHER_HDR_LEN);
		uint8_t *src = (uint8_t *)&ip->src_addr;

		src[14] = (uint8_t)(f >> 8);
		src[15] = (uint8_t)(f + 1);
	} else {
		struct rte_ipv4_hdr *ip = (void *)(frame + RTE_ETHER_HDR_LEN);

		/* 10.1.(f mod 256).1: mixes RSS; the port keeps flows apart beyond 256 */
		ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 1, f & 0xff, 1));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)g->sent);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (a->gen_proto == HSPLIT_GEN_TCP) {
		struct rte_tcp_hdr *th = (void *)l4;

		th->src_port = rte_cpu_to_be_16((uint16_t)(10000 + f));
		th->dst_port = rte_cpu_to_be_16(a->gen_dport);
		th->sent_seq = rte_cpu_to_be_32((uint32_t)(f * GEN_ISN_STEP + flow->stream_off));
		th->data_off = (sizeof(*th) / 4) << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		th->rx_win = rte_cpu_to_be_16(65535);
	} else if (a->gen_proto == HSPLIT_GEN_UDP) {
		struct rte_udp_hdr *uh = (void *)l4;

		uh->src_port = rte_cpu_to_be_16((uint16_t)(10000 + f));
		uh->dst_port = rte_cpu_to_be_16(a->gen_dport);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(a->gen_size - g->l4_off));
	} else {
		l4[0] = a->gen_ipv6 ? 128 : 8; /* echo request */
		l4[4] = (uint8_t)(f >> 8);
		l4[5] = (uint8_t)f;
		l4[6] = (uint8_t)(g->sent >> 8);
		l4[7] = (uint8_t)g->sent;
	}
	memcpy(frame + g->hdr_len, g->pattern + phase, g->pay_len);
	fill_l4_checksum(g, frame, phase);
	flow->stream_off += g->pay_len;
}

/* How many frames the rate and count allow now. */
static unsigned int gen_budget(struct gen_backend *g, unsigned int n)
{
	const struct hsplit_gen_conf *a = g->args;
	uint64_t allowed = UINT64_MAX;

	if (a->gen_count)
		allowed = a->gen_count - g->sent;
	if (a->gen_rate) {
		uint64_t elapsed = rte_get_tsc_cycles() - g->start_tsc;
		uint64_t due = (uint64_t)((double)elapsed * (double)a->gen_rate /
					  (double)rte_get_tsc_hz()) + 1;

		allowed = RTE_MIN(allowed, due > g->sent ? due - g->sent : 0);
	}
	return (unsigned int)RTE_MIN((uint64_t)n, allowed);
}

static int gen_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n)
{
	struct gen_backend *g = gen_of(be);
	unsigned int i;

	n = gen_budget(g, RTE_MIN(n, GEN_SLOTS));
	for (i = 0; i < n; i++) {
		uint8_t *frame = g->slots + (size_t)i * g->args->gen_size;

		write_frame(g, frame, g->next_flow);
		g->next_flow = g->next_flow + 1 == g->args->gen_flows ? 0 : g->next_flow + 1;
		g->sent++;
		frames[i].data = frame;
		frames[i].len = g->args->gen_size;
	}
	return (int)n;
}

static void gen_rx_done(struct hsplit_backend *be, unsigned int count)
{
	RTE_SET_USED(be);
	RTE_SET_USED(count);
}

static int gen_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
			unsigned int n)
{
	RTE_SET_USED(frames);
	gen_of(be)->tx_frames += n;
	return (int)n;
}

static bool gen_link_up(struct hsplit_backend *be)
{
	RTE_SET_USED(be);
	return true;
}

static int gen_start(struct hsplit_backend *be)
{
	return gen_prepare(gen_of(be));
}

static void gen_close(struct hsplit_backend *be)
{
	struct gen_backend *g = gen_of(be);

	rte_free(g->pattern);
	rte_free(g->slots);
	rte_free(g->flows);
	rte_free(g);
}

static int on_size(const char *v, void *c)
{
	uint64_t x;
	int ret = hsplit_arg_u64(v, 64, 9014, &x);

	((struct hsplit_gen_conf *)c)->gen_size = (uint32_t)x;
	return ret;
}

static int on_flows(const char *v, void *c)
{
	uint64_t x;
	int ret = hsplit_arg_u64(v, 1, HSPLIT_GEN_MAX_FLOWS, &x);

	((struct hsplit_gen_conf *)c)->gen_flows = (uint32_t)x;
	return ret;
}

static int on_rate(const char *v, void *c)
{
	return hsplit_arg_u64(v, 0, 1000000000ull, &((struct hsplit_gen_conf *)c)->gen_rate);
}

static int on_count(const char *v, void *c)
{
	return hsplit_arg_u64(v, 0, UINT64_MAX, &((struct hsplit_gen_conf *)c)->gen_count);
}

static int on_proto(const char *v, void *c)
{
	struct hsplit_gen_conf *conf = c;

	if (strcmp(v, "tcp") == 0)
		conf->gen_proto = HSPLIT_GEN_TCP;
	else if (strcmp(v, "udp") == 0)
		conf->gen_proto = HSPLIT_GEN_UDP;
	else if (strcmp(v, "icmp") == 0)
		conf->gen_proto = HSPLIT_GEN_ICMP;
	else
		return -EINVAL;
	return 0;
}

static int on_l3(const char *v, void *c)
{
	if (strcmp(v, "ipv4") != 0 && strcmp(v, "ipv6") != 0)
		return -EINVAL;
	((struct hsplit_gen_conf *)c)->gen_ipv6 = v[3] == '6';
	return 0;
}

static int on_dport(const char *v, void *c)
{
	uint64_t x;
	int ret = hsplit_arg_u64(v, 1, 65535, &x);

	((struct hsplit_gen_conf *)c)->gen_dport = (uint16_t)x;
	return ret;
}

static int on_handshake(const char *v, void *c)
{
	return hsplit_arg_bool(v, &((struct hsplit_gen_conf *)c)->gen_handshake);
}

static int on_rto(const char *v, void *c)
{
	uint64_t x;
	int ret = hsplit_arg_u64(v, 1, 600000, &x);

	((struct hsplit_gen_conf *)c)->gen_rto_ms = (uint32_t)x;
	return ret;
}

static const struct hsplit_backend_arg gen_args[] = {
	{ "size", on_size, "a frame size of 64..9014 bytes (no FCS)" },
	{ "flows", on_flows, "a flow count of 1..50000" },
	{ "rate", on_rate, "frames per second, 0 (unpaced) to 10^9" },
	{ "count", on_count, "a frame count, 0 = endless" },
	{ "proto", on_proto, "tcp, udp, icmp" },
	{ "l3", on_l3, "ipv4, ipv6" },
	{ "dport", on_dport, "a port 1..65535" },
	{ "handshake", on_handshake, "0 or 1" },
	{ "rto", on_rto, "a timeout of 1..600000 ms" },
};

static const char *const gen_keys[] = {
	"size", "flows", "rate", "count", "proto", "l3", "dport", "handshake", "rto", NULL
};

static int gen_args_check(const struct hsplit_backend_params *params)
{
	struct hsplit_gen_conf conf = { .gen_size = 1514 };

	return hsplit_backend_args_parse(params, &hsplit_backend_gen_ops, gen_args,
					 RTE_DIM(gen_args), &conf);
}

static int gen_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	const char *port_name = params->port_name;
	struct hsplit_gen_conf conf = {
		.gen_size = 1514, .gen_flows = 1, .gen_dport = 5201, .gen_rto_ms = 200,
		.mac = params->port_mac,
	};
	const struct hsplit_gen_conf *args = &conf;
	struct gen_backend *g;
	uint32_t min;
	int ret;

	ret = hsplit_backend_args_parse(params, &hsplit_backend_gen_ops, gen_args,
					RTE_DIM(gen_args), &conf);
	if (ret < 0)
		return ret;
	if (args->gen_handshake)
		return hsplit_gen_tcp_open(args, port_name, out);
	min = RTE_ETHER_HDR_LEN + l4_header_len(args->gen_proto) +
	      (args->gen_ipv6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr));
	if (args->gen_size <= min) {
		HSPLIT_LOG(ERR, "%s: size=%u leaves no payload: %s over %s needs more than %u "
			   "bytes", port_name, args->gen_size,
			   args->gen_proto == HSPLIT_GEN_TCP ? "tcp" :
			   args->gen_proto == HSPLIT_GEN_UDP ? "udp" : "icmp",
			   args->gen_ipv6 ? "ipv6" : "ipv4", min);
		return -EINVAL;
	}
	g = rte_zmalloc("hsplit_gen", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (g == NULL)
		return -ENOMEM;
	g->base.ops = &hsplit_backend_gen_ops;
	g->base.wire_padded = true;   /* size= is at least 64 */
	strlcpy(g->base.port_name, port_name, sizeof(g->base.port_name));
	g->conf = conf;
	g->args = &g->conf;
	g->slots = rte_malloc("hsplit_gen_slots", (size_t)GEN_SLOTS * conf.gen_size, 0);
	g->flows = rte_zmalloc("hsplit_gen_flows", sizeof(*g->flows) * conf.gen_flows, 0);
	if (g->slots == NULL || g->flows == NULL || gen_prepare(g) < 0) {
		gen_close(&g->base);
		return -ENOMEM;
	}
	*out = &g->base;
	return 0;
}

const struct hsplit_backend_ops hsplit_backend_gen_ops = {
	.name = "gen",
	.keys = gen_keys,
	.args_check = gen_args_check,
	.open = gen_open,
	.close = gen_close,
	.start = gen_start,
	.rx_burst = gen_rx_burst,
	.rx_done = gen_rx_done,
	.tx_burst = gen_tx_burst,
	.link_up = gen_link_up,
};
