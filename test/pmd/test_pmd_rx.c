/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit through the ethdev API, as an application uses it: buffer split
 * by protocol and by length, payload placement in the binding (strict mode:
 * checked only through the device view), LINEAR frames, pool exhaustion,
 * bind-rx from the application, rte_flow steering and isolate, peer TX of
 * device-memory payload, and devargs refusals. Backend: gen and peer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "devmem_driver.h"
#include "pmd_rig.h"
#include "rte_pmd_hsplit.h"

#define TEST_NOTE(fmt, ...) print_message("# " fmt "\n", ##__VA_ARGS__)
#define NB_MBUF 2048u
/* --rxhdrs=ipv4-tcp: split after the TCP header */
#define SPLIT_IPV4_TCP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)

static unsigned int port_seq;

/* Probe the next net_hsplit<N> (its name into name), configured and started. */
static uint16_t port_up(const struct pmd_port_cfg *c, char *name, size_t name_len)
{
	snprintf(name, name_len, "net_hsplit%u", port_seq++);
	return pmd_port_up(c, name);
}

/* Closed, and nothing of a binding or a pool left behind. */
static void port_down(uint16_t port, const char *name)
{
	pmd_port_close(port, name);
	assert_int_equal(devmem_binding_count_live(), 0);
	assert_int_equal(devmem_pool_count_zombies(), 0);
}

/* Poll until `want` packets arrived or the generator stopped giving more. */
static unsigned int rx_some(uint16_t port, uint16_t q, struct rte_mbuf **pkts, unsigned int want)
{
	unsigned int got = 0, idle = 0;

	while (got < want && idle < 2000) {
		uint16_t n = rte_eth_rx_burst(port, q, &pkts[got],
					      (uint16_t)RTE_MIN(want - got, 32u));

		got += n;
		idle = n ? 0 : idle + 1;
	}
	return got;
}

/* A named xstat's value; a name the port does not have fails the test. */
static uint64_t xstat(uint16_t port, const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0)
		fail_msg("port %u has no xstat named %s", port, name);
	assert_int_equal(rte_eth_xstats_get_by_id(port, &id, &v, 1), 1);
	return v;
}

static bool is_linear(const struct rte_mbuf *m)
{
	int bit = rte_mbuf_dynflag_lookup(RTE_PMD_HSPLIT_DYNFLAG_LINEAR_NAME, NULL);

	assert_true(bit >= 0);
	assert_int_equal(rte_pmd_hsplit_linear_flag(), 1ull << bit);
	return m->ol_flags & (1ull << bit);
}

/* The payload is where the completion says, with gen's pattern, readable only by the device. */
static void check_devmem_payload(const struct rte_mbuf *pay, uint32_t seq, size_t dmabuf_size)
{
	devmem_ref ref = devmem_mbuf_ref(pay);
	uint64_t off = pay->buf_iova + pay->data_off;
	const uint8_t *dev;
	uint32_t i;

	assert_true(ref != 0);
	assert_true(devmem_ref_is_device(ref));
	assert_null(devmem_ref_host_addr(ref)); /* strict: no CPU view for the app */
	assert_true(off + pay->data_len <= dmabuf_size);
	dev = (const uint8_t *)devmem_ref_device_addr(ref) + (off - devmem_ref_offset(ref));
	for (i = 0; i < pay->data_len; i++)
		if (dev[i] != rte_pmd_hsplit_gen_byte(seq + i))
			fail_msg("payload byte %u at dmabuf offset %" PRIu64 " is %u, want %u", i,
				 off + i, dev[i], rte_pmd_hsplit_gen_byte(seq + i));
}

/* Two peer ports wired to each other (nb, nc: the names port_up picks next, name_len each). */
static void peer_pair_up(char *nb, char *nc, size_t name_len, uint16_t *pb, uint16_t *pc)
{
	struct pmd_port_cfg p = { .nb_rxq = 1 };
	char args_b[64], args_c[64];

	snprintf(args_b, sizeof(args_b), "backend=peer,peer=net_hsplit%u", port_seq + 1);
	snprintf(args_c, sizeof(args_c), "backend=peer,peer=net_hsplit%u", port_seq);
	p.devargs = args_b;
	*pb = port_up(&p, nb, name_len);
	p.devargs = args_c;
	*pc = port_up(&p, nc, name_len);
}

/* gen's 1514-byte frames after a trip through a peer: one segment, every payload byte intact. */
static void check_frames_back(struct rte_mbuf *const *back, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const uint8_t *b = rte_pktmbuf_mtod(back[i], const uint8_t *);
		uint32_t seq = rte_be_to_cpu_32(((const struct rte_tcp_hdr *)(b + 34))->sent_seq);

		assert_int_equal(back[i]->pkt_len, 1514);
		assert_int_equal(back[i]->nb_segs, 1);
		for (j = 54; j < 1514; j++)
			assert_int_equal(b[j], rte_pmd_hsplit_gen_byte(seq + j - 54));
	}
}

static void test_proto_split_ipv4_tcp_devmem(void **state)
{
	struct pmd_port_cfg c = { .devargs = "backend=gen,count=200,flows=1,dmabuf=memfd:size=8M",
			      .nb_rxq = 1, .split = true,
			      .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[200];
	char name[32];
	unsigned int i, n;
	uint16_t port;

	(void)state;
	port = port_up(&c, name, sizeof(name));
	n = rx_some(port, 0, pkts, 200);
	assert_int_equal(n, 200);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const void *, 34);

		assert_int_equal(m->nb_segs, 2);
		assert_int_equal(m->data_len, 14 + 20 + 20);
		assert_int_equal(m->pkt_len, 1514);
		assert_int_equal(m->next->data_len, 1514 - 54);
		assert_int_equal(m->packet_type, RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 |
						 RTE_PTYPE_L4_TCP);
		assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
		assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		assert_false(is_linear(m));
		check_devmem_payload(m->next, rte_be_to_cpu_32(th->sent_seq), 8u << 20);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(xstat(port, "rx_q0_split_packets"), 200);
	assert_int_equal(xstat(port, "rx_q0_split_header_bytes"), 200 * 54);
	assert_int_equal(xstat(port, "rx_q0_devmem_payload_bytes"), 200 * 1460);
	port_down(port, name);
}

static void test_proto_split_ipv6_udp_host_payload(void **state)
{
	struct pmd_port_cfg c = { .devargs = "backend=gen,count=64,proto=udp,l3=ipv6,size=1000",
			      .nb_rxq = 1, .split = true,
			      .proto_hdr = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN |
					   RTE_PTYPE_L4_UDP };
	struct rte_mbuf *pkts[64];
	char name[32];
	unsigned int i, n;
	uint16_t port;

	(void)state;
	port = port_up(&c, name, sizeof(name));
	n = rx_some(port, 0, pkts, 64);
	assert_int_equal(n, 64);
	for (i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->nb_segs, 2);
		assert_int_equal(pkts[i]->data_len, 14 + 40 + 8);
		assert_int_equal(devmem_mbuf_ref(pkts[i]->next), 0); /* no binding: host mbuf */
		assert_int_equal(*rte_pktmbuf_mtod(pkts[i]->next, uint8_t *),
				 rte_pmd_hsplit_gen_byte((uint64_t)i * (1000 - 62)));
		assert_int_equal(pkts[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	port_down(port, name);
}

static void test_length_split(void **state)
{
	struct pmd_port_cfg c = { .devargs = "backend=gen,count=32", .nb_rxq = 1, .split = true,
			      .seg0_len = 100 };
	struct rte_mbuf *pkts[32];
	char name[32];
	unsigned int i, n;
	uint16_t port;

	(void)state;
	port = port_up(&c, name, sizeof(name));
	n = rx_some(port, 0, pkts, 32);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->nb_segs, 2);
		assert_int_equal(pkts[i]->data_len, 100);
		assert_int_equal(pkts[i]->next->data_len, 1414);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	port_down(port, name);
}

/* ICMP cannot be split at L4: the whole frame lands in host memory, flagged LINEAR. */
static void test_linear_for_icmp(void **state)
{
	struct pmd_port_cfg c = { .devargs = "backend=gen,count=16,proto=icmp,size=200,dmabuf=memfd:size=4M",
			      .nb_rxq = 1, .split = true,
			      .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[16];
	char name[32];
	unsigned int i, n;
	uint16_t port;

	(void)state;
	port = port_up(&c, name, sizeof(name));
	n = rx_some(port, 0, pkts, 16);
	assert_int_equal(n, 16);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *s;

		assert_true(is_linear(pkts[i]));
		assert_int_equal(pkts[i]->pkt_len, 200);
		for (s = pkts[i]; s != NULL; s = s->next)
			assert_int_equal(devmem_mbuf_ref(s), 0);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(xstat(port, "rx_q0_linear_packets"), 16);
	assert_int_equal(xstat(port, "rx_q0_devmem_payload_bytes"), 0);
	port_down(port, name);
}

/* A 16-chunk binding, single placement, the app holds every chunk: drop or copy. */
static void run_pool_empty(const char *devargs, bool copy)
{
	struct pmd_port_cfg c = { .devargs = devargs, .nb_rxq = 1, .split = true,
			      .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[64];
	char name[32];
	unsigned int i, n, linear = 0;
	uint16_t port;

	port = port_up(&c, name, sizeof(name));
	n = rx_some(port, 0, pkts, 64);
	for (i = 0; i < n; i++)
		linear += is_linear(pkts[i]);
	if (copy) {
		assert_int_equal(n, 64);
		assert_int_equal(linear, 64 - 16);
		assert_int_equal(xstat(port, "rx_q0_payload_pool_empty_copies"), 48);
	} else {
		assert_int_equal(n, 16);
		assert_int_equal(linear, 0);
		assert_int_equal(xstat(port, "rx_q0_payload_pool_empty_drops"), 48);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	port_down(port, name);
}

static void test_pool_empty_drop(void **state)
{
	(void)state;
	run_pool_empty("backend=gen,count=64,dmabuf=memfd:size=64K,placement=single", false);
}

static void test_pool_empty_copy(void **state)
{
	(void)state;
	run_pool_empty("backend=gen,count=64,dmabuf=memfd:size=64K,placement=single,on_empty=copy",
		       true);
}

/* The application binds with devmem_bind_rx(); the kernel's refusals apply. */
static void test_bind_rx_from_app(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 4096 };
	struct rte_eth_conf conf = { .rxmode.offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT };
	union rte_eth_rxseg seg[2] = { 0 };
	struct rte_eth_rxconf rxconf = { .rx_seg = seg, .rx_nseg = 2 };
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct rte_mbuf *pkts[8];
	uint16_t port, q0 = 0, q1 = 1, q9 = 9;
	char name[32];
	unsigned int n;

	(void)state;
	snprintf(name, sizeof(name), "net_hsplit%u", port_seq++);
	assert_int_equal(rte_vdev_init(name, "backend=gen,count=8"), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(devmem_dmabuf_open("memfd:size=1M", &dmabuf), 0);
	assert_int_equal(devmem_binding_create(dmabuf, &bp, &binding), 0);
	assert_int_equal(rte_eth_dev_configure(port, 2, 1, &conf), 0);
	seg[0].split.mp = hdr_mp;
	seg[0].split.proto_hdr = SPLIT_IPV4_TCP;
	seg[1].split.mp = pay_mp;
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, &rxconf, NULL), 0);
	/* queue 1 without split: HDS off is -EINVAL, as in the kernel */
	assert_int_equal(rte_eth_rx_queue_setup(port, 1, 256, 0, NULL, pay_mp), 0);
	assert_int_equal(devmem_bind_rx(port, &q9, 1, binding), -ERANGE);
	assert_int_equal(devmem_bind_rx(port, &q1, 1, binding), -EINVAL);
	assert_int_equal(devmem_bind_rx(port, &q0, 1, binding), 0);
	assert_int_equal(devmem_bind_rx(port, &q0, 1, binding), -EEXIST);
	assert_int_equal(devmem_rxq_check(port, 0), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	n = rx_some(port, 0, pkts, 8);
	assert_int_equal(n, 8);
	assert_int_equal(devmem_ref_binding_id(devmem_mbuf_ref(pkts[0]->next)),
			 devmem_binding_id(binding));
	rte_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(rte_eth_dev_close(port), 0);
	assert_int_equal(rte_vdev_uninit(name), 0);
	devmem_binding_unbind(binding);
	devmem_dmabuf_put(dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
}

/* A payload pool whose mbufs carry pinned external buffers (rte_pktmbuf_pool_create_extbuf). */
struct pinned_pool {
	struct rte_mempool *mp;
	void *mem;
};

static void pinned_pool_create(struct pinned_pool *pp, const char *name, unsigned int n)
{
	struct rte_pktmbuf_extmem ext = { .elt_size = 2048 };

	ext.buf_len = (size_t)n * ext.elt_size;
	pp->mem = rte_zmalloc("pinned_ext", ext.buf_len, 4096);
	assert_non_null(pp->mem);
	ext.buf_ptr = pp->mem;
	ext.buf_iova = rte_malloc_virt2iova(pp->mem);
	pp->mp = rte_pktmbuf_pool_create_extbuf(name, n, 0, 0, ext.elt_size, 0, &ext, 1);
	assert_non_null(pp->mp);
	assert_true(rte_pktmbuf_priv_flags(pp->mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF);
}

static void pinned_pool_free(struct pinned_pool *pp, unsigned int n)
{
	/* Every mbuf came back: nothing the port delivered or posted was lost. */
	assert_int_equal(rte_mempool_avail_count(pp->mp), n);
	rte_mempool_free(pp->mp);
	rte_free(pp->mem);
}

/* Queue 0 split by protocol with `pay` for payloads; returns the port. */
static uint16_t pinned_port_probe(const char *devargs, struct rte_mempool *pay, char *name,
				  size_t name_len, int want_setup)
{
	struct rte_eth_conf conf = { .rxmode.offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT };
	union rte_eth_rxseg seg[2] = { 0 };
	struct rte_eth_rxconf rxconf = { .rx_seg = seg, .rx_nseg = 2 };
	uint16_t port;

	snprintf(name, name_len, "net_hsplit%u", port_seq++);
	assert_int_equal(rte_vdev_init(name, devargs), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	seg[0].split.mp = hdr_mp;
	seg[0].split.proto_hdr = SPLIT_IPV4_TCP;
	seg[1].split.mp = pay;
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, &rxconf, NULL), want_setup);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	return port;
}

/*
 * A pinned-extbuf pool as the payload pool (what a PMD user does to land
 * payloads in memory registered once): posted raw, its mbufs keep their
 * EXTERNAL flag, the payload is in their external buffer, and every mbuf
 * goes back to the pool after free and after the port closes.
 */
static void test_pinned_extbuf_payload_pool(void **state)
{
	struct pinned_pool pp;
	struct rte_mbuf *pkts[64];
	char name[32];
	unsigned int i, j, n, rounds;
	uint16_t port;

	(void)state;
	pinned_pool_create(&pp, "pinned_pay", 1024);
	port = pinned_port_probe("backend=gen,count=192,flows=1", pp.mp, name, sizeof(name), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	/* Three bursts of 64: mbufs freed in between are posted again. */
	for (rounds = 0; rounds < 3; rounds++) {
		n = rx_some(port, 0, pkts, 64);
		assert_int_equal(n, 64);
		for (i = 0; i < n; i++) {
			const struct rte_mbuf *pay = pkts[i]->next;
			const struct rte_tcp_hdr *th =
				rte_pktmbuf_mtod_offset(pkts[i], const void *, 34);
			uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
			const uint8_t *b;

			assert_int_equal(pkts[i]->nb_segs, 2);
			assert_int_equal(pkts[i]->data_len, 54);
			assert_int_equal(pay->pool, pp.mp);
			assert_true(pay->ol_flags & RTE_MBUF_F_EXTERNAL);
			assert_true(RTE_MBUF_HAS_PINNED_EXTBUF(pay));
			assert_int_equal(pay->data_len, 1514 - 54);
			b = rte_pktmbuf_mtod(pay, const uint8_t *);
			assert_true(b >= (const uint8_t *)pp.mem &&
				    b + pay->data_len <= (const uint8_t *)pp.mem + 1024u * 2048u);
			for (j = 0; j < pay->data_len; j++)
				if (b[j] != rte_pmd_hsplit_gen_byte(seq + j))
					fail_msg("payload byte %u of frame %u is %u, want %u", j, i,
						 b[j], rte_pmd_hsplit_gen_byte(seq + j));
			assert_int_equal(pkts[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
					 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
	port_down(port, name);
	pinned_pool_free(&pp, 1024);
}

/*
 * A dmabuf chunk cannot be attached to a pinned pool's mbufs, so binding
 * such a queue is refused up front, from the devargs and from the
 * application, instead of failing frame by frame; the queue keeps working
 * with host payloads.
 */
static void test_pinned_extbuf_payload_pool_refuses_a_binding(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 4096 };
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct pinned_pool pp;
	struct rte_mbuf *pkts[8];
	char name[32];
	uint16_t port, q0 = 0;
	unsigned int n;

	(void)state;
	pinned_pool_create(&pp, "pinned_pay2", 512);
	port = pinned_port_probe("backend=gen,count=8,dmabuf=memfd:size=1M", pp.mp, name,
				 sizeof(name), -EINVAL);
	pmd_port_close(port, name);
	assert_int_equal(devmem_binding_count_live(), 0);

	port = pinned_port_probe("backend=gen,count=8", pp.mp, name, sizeof(name), 0);
	assert_int_equal(devmem_dmabuf_open("memfd:size=1M", &dmabuf), 0);
	assert_int_equal(devmem_binding_create(dmabuf, &bp, &binding), 0);
	assert_int_equal(devmem_bind_rx(port, &q0, 1, binding), -EINVAL);
	assert_null(devmem_rxq_binding(port, 0));
	assert_int_equal(rte_eth_dev_start(port), 0);
	n = rx_some(port, 0, pkts, 8);
	assert_int_equal(n, 8);
	assert_int_equal(pkts[0]->next->pool, pp.mp);
	assert_int_equal(devmem_mbuf_ref(pkts[0]->next), 0);
	rte_pktmbuf_free_bulk(pkts, n);
	pmd_port_close(port, name);
	devmem_binding_unbind(binding);
	devmem_dmabuf_put(dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
	pinned_pool_free(&pp, 512);
}

/*
 * lib/devmem's pinned-extbuf pool over a strict binding (devmem.h: the way
 * to hand a dmabuf to a PMD that only takes mempools) as the payload pool:
 * the device reaches each mbuf by its IOVA, the dmabuf offset, so every
 * split frame's payload lands in the dmabuf while the host view stays
 * PROT_NONE, and transmitting those mbufs reads them there too. As the
 * header pool it is refused: the host must read headers.
 */
static void test_devmem_extbuf_pool_as_payload_pool(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 4096 };
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct rte_mempool *mp;
	struct rte_mbuf *pkts[64], *back[64];
	const uint8_t *view;
	size_t size;
	char name[32], nb[32], nc[32];
	unsigned int i, j, n;
	uint16_t port, pb, pc;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("memfd:size=4M", &dmabuf), 0);
	assert_true(devmem_dmabuf_is_strict(dmabuf));
	assert_int_equal(devmem_binding_create(dmabuf, &bp, &binding), 0);
	assert_int_equal(devmem_pktmbuf_pool_create_extbuf("dm_extbuf_pay", binding, 0,
							   SOCKET_ID_ANY, NULL, 0, &mp), 0);
	assert_ptr_equal(devmem_pktmbuf_pool_extbuf_binding(mp), binding);
	assert_null(devmem_pktmbuf_pool_extbuf_binding(pay_mp));
	view = devmem_dmabuf_device_view(dmabuf);
	size = devmem_dmabuf_size(dmabuf);

	/* as the header pool: refused at queue setup */
	{
		struct rte_eth_conf conf = { .rxmode.offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT };
		union rte_eth_rxseg seg[2] = { 0 };
		struct rte_eth_rxconf rxconf = { .rx_seg = seg, .rx_nseg = 2 };

		snprintf(name, sizeof(name), "net_hsplit%u", port_seq++);
		assert_int_equal(rte_vdev_init(name, "backend=gen,count=8"), 0);
		assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
		assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
		seg[0].split.mp = mp;
		seg[0].split.proto_hdr = SPLIT_IPV4_TCP;
		seg[1].split.mp = pay_mp;
		assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, &rxconf, NULL), -EINVAL);
		assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, mp), -EINVAL);
		pmd_port_close(port, name);
	}

	port = pinned_port_probe("backend=gen,count=64,flows=1", mp, name, sizeof(name), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	n = rx_some(port, 0, pkts, 64);
	assert_int_equal(n, 64);
	for (i = 0; i < n; i++) {
		const struct rte_mbuf *pay = pkts[i]->next;
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(pkts[i], const void *, 34);
		uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
		uint64_t off = pay->buf_iova + pay->data_off;

		assert_int_equal(pay->pool, mp);
		assert_int_equal(pay->data_len, 1514 - 54);
		assert_true(off + pay->data_len <= size);
		for (j = 0; j < pay->data_len; j++)
			if (view[off + j] != rte_pmd_hsplit_gen_byte(seq + j))
				fail_msg("dmabuf byte %" PRIu64 " (frame %u) is %u, want %u", off + j,
					 i, view[off + j], rte_pmd_hsplit_gen_byte(seq + j));
	}

	/* Out through a peer pair: the device reads the payloads by IOVA as well. */
	peer_pair_up(nb, nc, sizeof(nb), &pb, &pc);
	assert_int_equal(rte_eth_tx_burst(pb, 0, pkts, (uint16_t)n), n);
	assert_int_equal(rx_some(pc, 0, back, 64), 64);
	check_frames_back(back, 64);
	rte_pktmbuf_free_bulk(back, 64);
	pmd_port_close(pb, nb);
	pmd_port_close(pc, nc);
	pmd_port_close(port, name);
	assert_int_equal(rte_mempool_avail_count(mp), devmem_binding_nr_chunks(binding));
	devmem_pktmbuf_pool_free_extbuf(mp);
	devmem_binding_unbind(binding);
	devmem_dmabuf_put(dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
}

static struct rte_flow *tcp_port_rule(uint16_t port, bool src, uint16_t value, int queue)
{
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_tcp spec = { 0 }, mask = { 0 };
	struct rte_flow_action_queue aq = { .index = (uint16_t)(queue < 0 ? 0 : queue) };
	struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4 },
		{ .type = RTE_FLOW_ITEM_TYPE_TCP, .spec = &spec, .mask = &mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action actions[] = {
		{ .type = queue < 0 ? RTE_FLOW_ACTION_TYPE_DROP : RTE_FLOW_ACTION_TYPE_QUEUE,
		  .conf = queue < 0 ? NULL : &aq },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_error err;
	struct rte_flow *f;

	if (src) {
		spec.hdr.src_port = rte_cpu_to_be_16(value);
		mask.hdr.src_port = 0xffff;
	} else {
		spec.hdr.dst_port = rte_cpu_to_be_16(value);
		mask.hdr.dst_port = 0xffff;
	}
	f = rte_flow_create(port, &attr, pattern, actions, &err);
	if (f == NULL)
		fail_msg("flow create: %s", err.message ? err.message : "?");
	return f;
}

/* gen flows f=0..3 have TCP source ports 10000+f; rules send one to queue 1, drop another. */
static void test_flow_steering_and_isolate(void **state)
{
	struct pmd_port_cfg c = { .devargs = "backend=gen,count=400,flows=4", .nb_rxq = 2,
			      .split = true,
			      .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[400];
	struct rte_flow_error err;
	unsigned int n0, n1, i;
	char name[32];
	uint16_t port;

	(void)state;
	port = port_up(&c, name, sizeof(name));
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_non_null(tcp_port_rule(port, true, 10001, 1));
	assert_non_null(tcp_port_rule(port, true, 10002, -1));
	assert_int_equal(rte_eth_dev_start(port), 0);
	n1 = rx_some(port, 1, pkts, 400);
	for (i = 0; i < n1; i++)
		assert_int_equal(rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(pkts[i],
				 struct rte_tcp_hdr *, 34)->src_port), 10001);
	rte_pktmbuf_free_bulk(pkts, n1);
	n0 = rx_some(port, 0, pkts, 400);
	rte_pktmbuf_free_bulk(pkts, n0);
	assert_int_equal(n1, 100);
	assert_int_equal(n0, 200);
	assert_int_equal(xstat(port, "rx_flow_drops"), 100);

	/* Isolated: only the queue rule delivers. */
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(rte_flow_isolate(port, 1, &err), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	n1 = rx_some(port, 1, pkts, 400);
	rte_pktmbuf_free_bulk(pkts, n1);
	n0 = rx_some(port, 0, pkts, 400);
	rte_pktmbuf_free_bulk(pkts, n0);
	assert_int_equal(n1, 100);
	assert_int_equal(n0, 0);
	assert_int_equal(xstat(port, "rx_isolated_drops"), 200);
	assert_int_equal(rte_flow_flush(port, &err), 0);
	port_down(port, name);
}

static void test_rss_spreads_flows(void **state)
{
	struct pmd_port_cfg c = { .devargs = "backend=gen,count=256,flows=16", .nb_rxq = 2,
			      .rss = true };
	struct rte_mbuf *pkts[256];
	unsigned int n0, n1, i;
	char name[32];
	uint16_t port;

	(void)state;
	port = port_up(&c, name, sizeof(name));
	n0 = rx_some(port, 0, pkts, 256);
	for (i = 0; i < n0; i++)
		assert_true(pkts[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH);
	rte_pktmbuf_free_bulk(pkts, n0);
	n1 = rx_some(port, 1, pkts, 256);
	rte_pktmbuf_free_bulk(pkts, n1);
	TEST_NOTE("RSS: queue 0 %u, queue 1 %u", n0, n1);
	assert_int_equal(n0 + n1, 256);
	assert_true(n0 > 0 && n1 > 0);
	port_down(port, name);
}

/* Received device-memory payload sent out through a peer: the bytes arrive intact. */
static void test_peer_tx_of_devmem_payload(void **state)
{
	struct pmd_port_cfg a = { .devargs = "backend=gen,count=32,dmabuf=memfd:size=4M", .nb_rxq = 1,
			      .split = true,
			      .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[32], *back[32];
	char na[32], nb[32], nc[32];
	uint16_t pa, pb, pc, sent;
	unsigned int i, n;

	(void)state;
	pa = port_up(&a, na, sizeof(na));
	peer_pair_up(nb, nc, sizeof(nb), &pb, &pc);
	n = rx_some(pa, 0, pkts, 32);
	assert_int_equal(n, 32);
	sent = rte_eth_tx_burst(pb, 0, pkts, (uint16_t)n);
	assert_int_equal(sent, n);
	assert_int_equal(rx_some(pc, 0, back, 32), 32);
	check_frames_back(back, 32);
	/* and back the other way: one-segment host mbufs go out as they are */
	assert_int_equal(rte_eth_tx_burst(pc, 0, back, 32), 32);
	assert_int_equal(rx_some(pb, 0, pkts, 32), 32);
	for (i = 0; i < 32; i++) {
		const uint8_t *b = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint32_t seq = rte_be_to_cpu_32(((const struct rte_tcp_hdr *)(b + 34))->sent_seq);

		assert_int_equal(pkts[i]->pkt_len, 1514);
		assert_int_equal(b[1513], rte_pmd_hsplit_gen_byte(seq + 1513 - 54));
	}
	rte_pktmbuf_free_bulk(pkts, 32);
	port_down(pa, na); /* the port with the binding first: port_down checks none is left */
	port_down(pb, nb);
	port_down(pc, nc);
}

/*
 * The receive queue's mbuf pool runs dry while the application holds every
 * frame, so the ring empties; once the application gives them back, frames
 * flow again. (rx_burst used to refill only after delivering, and with an
 * empty ring nothing is delivered: the queue stayed dead, every frame a
 * no_desc drop.)
 */
static void test_refill_after_pool_ran_dry(void **state)
{
	struct rte_mempool *small = rte_pktmbuf_pool_create("small", 300, 0, 0,
							    2048 + RTE_PKTMBUF_HEADROOM, 0);
	struct rte_eth_conf conf = { 0 };
	struct rte_mbuf *held[300];
	const char *name = "net_hsplit_dry0";
	unsigned int n;
	uint16_t port;

	(void)state;
	assert_non_null(small);
	assert_int_equal(rte_vdev_init(name, "backend=gen,size=200"), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, small), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	n = rx_some(port, 0, held, RTE_DIM(held));
	assert_true(n < RTE_DIM(held));          /* the pool ran dry first */
	assert_true(xstat(port, "rx_q0_mbuf_alloc_failures") > 0);
	assert_true(xstat(port, "rx_q0_no_desc_drops") > 0);
	rte_pktmbuf_free_bulk(held, n);
	assert_int_equal(rx_some(port, 0, held, 64), 64);
	rte_pktmbuf_free_bulk(held, 64);
	port_down(port, name);
	rte_mempool_free(small);
}

/* Transmit onto a padded wire (pcap): a 42-byte frame leaves as 60 bytes, zero-padded. */
static void test_tx_pads_short_frames_on_a_padded_wire(void **state)
{
	struct rte_eth_conf conf = { 0 };
	char path[64], args[96];
	const char *name = "net_hsplit_pad0";
	uint8_t rec[16 + 60], *b;
	struct rte_mbuf *m;
	uint16_t port;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/hsplit-txpad-%d.pcap", (int)getpid());
	snprintf(args, sizeof(args), "backend=pcap,tx_pcap=%s", path);
	assert_int_equal(rte_vdev_init(name, args), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, pay_mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	m = rte_pktmbuf_alloc(pay_mp);
	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, 42);
	memset(b, 0xab, 42);
	assert_int_equal(rte_eth_tx_burst(port, 0, &m, 1), 1);
	port_down(port, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 24, SEEK_SET), 0);             /* the file header */
	assert_int_equal(fread(rec, 1, sizeof(rec), f), sizeof(rec));
	fclose(f);
	unlink(path);
	assert_int_equal(rec[8] | rec[9] << 8, 60);              /* incl_len */
	assert_int_equal(rec[16 + 41], 0xab);
	assert_int_equal(rec[16 + 42], 0);
	assert_int_equal(rec[16 + 59], 0);
}

/* A peer port with these receive offloads, promiscuous off; returns the port id. */
static uint16_t peer_port_up(const char *peer, uint64_t rx_offloads, char *name, size_t name_len)
{
	struct rte_eth_conf conf = { .rxmode = { .offloads = rx_offloads },
				     .txmode = { .offloads = RTE_ETH_TX_OFFLOAD_VLAN_INSERT } };
	char args[64];
	uint16_t port;

	snprintf(name, name_len, "net_hsplit%u", port_seq++);
	snprintf(args, sizeof(args), "backend=peer,peer=%s", peer);
	assert_int_equal(rte_vdev_init(name, args), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, pay_mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_promiscuous_disable(port), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	return port;
}

/* Send one 100-byte IPv4/UDP frame to dst from `from`, tagged by TX VLAN insert when vid != 0. */
static void send_udp_to(uint16_t from, const struct rte_ether_addr *dst, uint16_t vid)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pay_mp);
	struct rte_ether_hdr *eh;
	uint8_t *b;

	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, 100);
	memset(b, 0, 100);
	eh = (struct rte_ether_hdr *)b;
	rte_ether_addr_copy(dst, &eh->dst_addr);
	eh->src_addr.addr_bytes[0] = 0x02;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	b[14] = 0x45;
	b[16] = 0, b[17] = 86;          /* total length */
	b[23] = IPPROTO_UDP;
	b[38] = 0, b[39] = 66;          /* UDP length */
	if (vid) {
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
		m->vlan_tci = vid;
	}
	assert_int_equal(rte_eth_tx_burst(from, 0, &m, 1), 1);
}

/* At most one frame on port's queue 0 (NULL when none came). */
static struct rte_mbuf *rx_one(uint16_t port)
{
	struct rte_mbuf *m = NULL;

	return rx_some(port, 0, &m, 1) == 1 ? m : NULL;
}

/*
 * Multicast and VLAN as an application sets them through ethdev: the
 * sender inserts tags (TX VLAN insert), the receiver filters groups
 * (set_mc_addr_list, allmulticast) and VLAN IDs (vlan_filter) and strips the
 * tag into vlan_tci. Filter drops are counted, and neither errors nor missed.
 */
static void test_vlan_and_multicast(void **state)
{
	const struct rte_ether_addr joined = { { 0x33, 0x33, 0xff, 0x00, 0x00, 0x02 } };
	const struct rte_ether_addr other = { { 0x33, 0x33, 0xff, 0x00, 0x00, 0x03 } };
	struct rte_ether_addr mine, list[1] = { joined };
	char ns[32], nr[32], rx_name[32];
	struct rte_eth_stats st;
	struct rte_mbuf *m;
	uint16_t ps, pr;

	(void)state;
	/* ps sends to pr, and pr is the name peer_port_up picks next */
	snprintf(rx_name, sizeof(rx_name), "net_hsplit%u", port_seq + 1);
	ps = peer_port_up(rx_name, 0, ns, sizeof(ns));
	snprintf(rx_name, sizeof(rx_name), "net_hsplit%u", port_seq - 1);
	pr = peer_port_up(rx_name, RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_VLAN_FILTER,
			  nr, sizeof(nr));
	assert_int_equal(rte_eth_macaddr_get(pr, &mine), 0);
	assert_int_equal(rte_eth_dev_set_mc_addr_list(pr, list, 1), 0);
	assert_int_equal(rte_eth_dev_vlan_filter(pr, 5, 1), 0);

	/* a joined group, VID 5: delivered untagged, the tag in vlan_tci */
	send_udp_to(ps, &joined, 5);
	m = rx_one(pr);
	assert_non_null(m);
	assert_int_equal(m->pkt_len, 100);
	assert_int_equal(m->vlan_tci, 5);
	assert_true(m->ol_flags & RTE_MBUF_F_RX_VLAN);
	assert_true(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED);
	assert_int_equal(m->packet_type & RTE_PTYPE_L2_MASK, RTE_PTYPE_L2_ETHER);
	assert_int_equal(rte_be_to_cpu_16(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type),
			 RTE_ETHER_TYPE_IPV4);
	rte_pktmbuf_free(m);
	/* a group not joined; a VID not in the table: counted drops */
	send_udp_to(ps, &other, 5);
	assert_null(rx_one(pr));
	assert_int_equal(xstat(pr, "rx_mac_filtered_drops"), 1);
	send_udp_to(ps, &mine, 6);
	assert_null(rx_one(pr));
	assert_int_equal(xstat(pr, "rx_vlan_filtered_drops"), 1);
	/* allmulticast takes every group; an empty list forgets the joined one */
	assert_int_equal(rte_eth_allmulticast_enable(pr), 0);
	send_udp_to(ps, &other, 5);
	m = rx_one(pr);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_eth_allmulticast_disable(pr), 0);
	assert_int_equal(rte_eth_dev_set_mc_addr_list(pr, NULL, 0), 0);
	send_udp_to(ps, &joined, 5);
	assert_null(rx_one(pr));
	assert_int_equal(xstat(pr, "rx_mac_filtered_drops"), 2);
	/* strip and filter off at run time: the tag stays in the frame */
	assert_int_equal(rte_eth_dev_set_vlan_offload(pr, 0), 0);
	send_udp_to(ps, &mine, 6);
	m = rx_one(pr);
	assert_non_null(m);
	assert_int_equal(m->pkt_len, 104);
	assert_false(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED);
	assert_int_equal(m->packet_type & RTE_PTYPE_L2_MASK, RTE_PTYPE_L2_ETHER_VLAN);
	rte_pktmbuf_free(m);
	/* filter drops are what the application asked for: not errors, not missed */
	assert_int_equal(rte_eth_stats_get(pr, &st), 0);
	assert_int_equal(st.ierrors, 0);
	assert_int_equal(st.imissed, 0);
	assert_int_equal(st.ipackets, 3);
	port_down(ps, ns);
	port_down(pr, nr);
}

/*
 * backend=ethdev over net_ring (a DPDK port whose transmit comes back on
 * its receive): gen frames sent through the port return through the device,
 * split by protocol, payload intact; the ring port is taken over (no
 * longer listed to the application) and closed with the net_hsplit port.
 */
static void test_ethdev_backend_over_net_ring(void **state)
{
	struct pmd_port_cfg g = { .devargs = "backend=gen,count=32", .nb_rxq = 1 };
	struct pmd_port_cfg e = { .devargs = "backend=ethdev,port=net_ring_t", .nb_rxq = 1,
			      .split = true, .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[32], *back[32];
	char ng[32], ne[32];
	uint16_t pg, pe, ring, p;
	unsigned int i;

	(void)state;
	if (rte_vdev_init("net_ring_t", NULL) < 0) {
		TEST_NOTE("skipped: net_ring is not available (Debian's DPDK PMD directory)");
		skip();
	}
	assert_int_equal(rte_eth_dev_get_port_by_name("net_ring_t", &ring), 0);
	pg = port_up(&g, ng, sizeof(ng));
	pe = port_up(&e, ne, sizeof(ne));
	RTE_ETH_FOREACH_DEV(p)
		assert_int_not_equal(p, ring);
	assert_int_equal(rx_some(pg, 0, pkts, 32), 32);
	assert_int_equal(rte_eth_tx_burst(pe, 0, pkts, 32), 32);
	assert_int_equal(rx_some(pe, 0, back, 32), 32);
	for (i = 0; i < 32; i++) {
		const struct rte_mbuf *pay = back[i]->next;
		const uint8_t *b = rte_pktmbuf_mtod(back[i], const uint8_t *);
		uint32_t seq = rte_be_to_cpu_32(((const struct rte_tcp_hdr *)(b + 34))->sent_seq);

		assert_int_equal(back[i]->nb_segs, 2);
		assert_int_equal(back[i]->data_len, 54);
		assert_int_equal(back[i]->pkt_len, 1514);
		assert_int_equal(back[i]->packet_type,
				 RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP);
		assert_int_equal(back[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		assert_int_equal(rte_pktmbuf_mtod(pay, const uint8_t *)[1459],
				 rte_pmd_hsplit_gen_byte(seq + 1459));
	}
	rte_pktmbuf_free_bulk(back, 32);
	assert_int_equal(xstat(pe, "backend_ethdev_rx_oversize_drops"), 0);
	port_down(pe, ne);
	assert_false(rte_eth_dev_is_valid_port(ring)); /* closed with its owner */
	assert_int_equal(rte_vdev_uninit("net_ring_t"), 0);
	port_down(pg, ng);
}

/*
 * cycle_stats=1 splits rx_burst's time into the device's and the driver's
 * halves without changing what is delivered; without it both stay 0. The
 * values are timings, so only "moved" and "reset" are asserted.
 */
static void cycle_stats_port(bool on)
{
	struct pmd_port_cfg c = { .devargs = on ? "backend=gen,count=200,flows=1,"
					      "dmabuf=memfd:size=8M,cycle_stats=1" :
					      "backend=gen,count=200,flows=1,dmabuf=memfd:size=8M",
				  .nb_rxq = 1, .split = true, .proto_hdr = SPLIT_IPV4_TCP };
	struct rte_mbuf *pkts[200];
	char name[32];
	unsigned int i, n;
	uint16_t port;

	port = port_up(&c, name, sizeof(name));
	n = rx_some(port, 0, pkts, 200);
	assert_int_equal(n, 200);
	for (i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->nb_segs, 2);
		assert_int_equal(pkts[i]->data_len, 54);
		assert_true(devmem_mbuf_ref(pkts[i]->next) != 0);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(xstat(port, "rx_q0_split_packets"), 200);
	assert_int_equal(xstat(port, "rx_q0_devmem_payload_bytes"), 200 * 1460);
	if (on) {
		assert_true(xstat(port, "rx_q0_device_cycles") > 0);
		assert_true(xstat(port, "rx_q0_driver_cycles") > 0);
		assert_true(xstat(port, "rx_q0_cycle_bursts") > 0);
		/* count=200: gen has nothing more, so these polls are empty, hence idle */
		for (i = 0; i < 4; i++)
			assert_int_equal(rte_eth_rx_burst(port, 0, pkts, 32), 0);
		assert_true(xstat(port, "rx_q0_idle_cycles") > 0);
		assert_int_equal(rte_eth_xstats_reset(port), 0);
	}
	assert_int_equal(xstat(port, "rx_q0_device_cycles"), 0);
	assert_int_equal(xstat(port, "rx_q0_driver_cycles"), 0);
	assert_int_equal(xstat(port, "rx_q0_cycle_bursts"), 0);
	assert_int_equal(xstat(port, "rx_q0_idle_cycles"), 0);
	port_down(port, name);
}

static void test_cycle_stats(void **state)
{
	(void)state;
	cycle_stats_port(true);
	cycle_stats_port(false);
}

static void test_bad_devargs(void **state)
{
	static const char *const bad[] = {
		"backend=nic", "backend=afpacket", "backend=peer", "size=20", "flows=0",
		"chunk=3000", "placement=spread", "on_empty=wait", "cycle_stats=2",
		"cycle_stats=yes", "sw_csum=2", "sw_csum=on", "dmabuf_queues=[0,99]",
		"mac=01:00:5e:00:00:01", "dmabuf=nosuch:size=1M", "nonsense=1", "max_queues=17",
		"dmabuf=[memfd:size=1M", "l3=ipx", "proto=sctp", "count=-1", "queue=x",
		/* a key of another backend; ethdev without or with a missing port */
		"backend=gen,iface=lo", "backend=ethdev", "backend=ethdev,port=net_nosuch0",
		"backend=ethdev,port=net_ring_t,size=64",
		/* kq: no queue; lo (no lease device here, and no netdevsim port anyway) */
		"backend=kq,iface=lo", "backend=kq,iface=lo,queue=1",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		char name[32];

		snprintf(name, sizeof(name), "net_hsplit%u", port_seq++);
		if (rte_vdev_init(name, bad[i]) >= 0)
			fail_msg("devargs '%s' were accepted", bad[i]);
	}
	assert_int_equal(devmem_binding_count_live(), 0);
}

int main(void)
{
	static const struct pmd_rig_eal eal = { .name = "test_pmd_rx", .memory_mb = "512",
						.lcores = "0-1", .nb_mbuf = NB_MBUF, .hdr_room = 256 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_split_ipv4_tcp_devmem),
		cmocka_unit_test(test_proto_split_ipv6_udp_host_payload),
		cmocka_unit_test(test_length_split),
		cmocka_unit_test(test_linear_for_icmp),
		cmocka_unit_test(test_pool_empty_drop),
		cmocka_unit_test(test_pool_empty_copy),
		cmocka_unit_test(test_bind_rx_from_app),
		cmocka_unit_test(test_pinned_extbuf_payload_pool),
		cmocka_unit_test(test_pinned_extbuf_payload_pool_refuses_a_binding),
		cmocka_unit_test(test_devmem_extbuf_pool_as_payload_pool),
		cmocka_unit_test(test_flow_steering_and_isolate),
		cmocka_unit_test(test_rss_spreads_flows),
		cmocka_unit_test(test_peer_tx_of_devmem_payload),
		cmocka_unit_test(test_vlan_and_multicast),
		cmocka_unit_test(test_refill_after_pool_ran_dry),
		cmocka_unit_test(test_tx_pads_short_frames_on_a_padded_wire),
		cmocka_unit_test(test_ethdev_backend_over_net_ring),
		cmocka_unit_test(test_cycle_stats),
		cmocka_unit_test(test_bad_devargs),
	};

	return pmd_rig_run(&eal, tests, RTE_DIM(tests));
}
