/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the emulated NIC's frame parser and split placement,
 * driven through its programming model (device/hsplit_hw.h) as
 * test/pmd/test_device.c drives it: no ethdev, no devargs.
 *
 * One input programs a port of 1-4 queues (split mode and level, segment
 * offsets, header and payload buffer sizes, a payload provider or none,
 * pack/single placement, copy or drop when the provider is empty, MAC
 * filter, RSS, up to two steering rules), then feeds its remaining bytes as
 * frames through a tiny backend, polling from any queue, harvesting and
 * re-posting descriptors as a driver would.
 *
 * Every posted buffer, provider chunk and frame lives in a block allocated
 * once for the whole run, at its largest size; per input, ASan poisons the
 * block past the size the device is told (the mbuf's buf_len, chunk_size,
 * the frame's length) and all of it once the input is done, so a device
 * read or write outside them is an ASan report, as with an exact-size
 * malloc per input, which cost a third of the run's time.
 *
 * Oracles, per completion: header + payload bytes are the frame, in order;
 * the header never passes the header buffer, the payload never passes its
 * mbuf or chunk; a frame that cannot be split (protocol split not matched,
 * header longer than the header buffer, provider empty with copy) is LINEAR;
 * a protocol split cuts exactly after the header the queue asks for, as
 * hsplit_parse_frame() measured it; ptype and flags are the parser's. Per
 * input: every frame the wire handed over is accounted for by exactly one
 * counter, and the per-queue counters add up to the completions seen.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <sanitizer/asan_interface.h>

#include "fuzz_input.h"
#include "hsplit_hw.h"

/* The PMD core registers this; the target stands in for it, as test_device does. */
RTE_LOG_REGISTER(hsplit_logtype, pmd.net.hsplit, CRIT);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_device: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } } while (0)

#define NB_QUEUES   4u
#define NB_DESC     8u
#define MAX_FRAMES  64u
#define MAX_CHUNKS  8u
#define MAX_HDR_BUF (RTE_PKTMBUF_HEADROOM + 2047u)
#define MAX_PAY_BUF 10239u
#define MAX_CHUNK   (64u << 8)

/*
 * A block of `max` bytes of which only the first `len` may be touched: the rest
 * is poisoned, and the left redzone of the block's malloc guards its start.
 */
static void block_open(uint8_t *block, size_t len, size_t max)
{
	ASAN_UNPOISON_MEMORY_REGION(block, len);
	ASAN_POISON_MEMORY_REGION(block + len, max - len);
}

/* The block's life ends with the input: any later touch is a report. */
static void block_close(uint8_t *block, size_t max)
{
	ASAN_POISON_MEMORY_REGION(block, max);
}

static uint8_t *block_new(size_t max)
{
	uint8_t *block = malloc(max);

	if (block == NULL)
		abort();
	block_close(block, max);
	return block;
}

/* ------------------------------------------------------------------ */
/* the wire: frames copied out of the input, each in its own block     */
/* ------------------------------------------------------------------ */

struct fuzz_wire {
	struct hsplit_backend base;
	uint8_t *frames[MAX_FRAMES]; /* blocks of HSPLIT_MAX_FRAME, open for lens[] */
	uint32_t lens[MAX_FRAMES];
	unsigned int head, tail, held;
	uint64_t handed;             /* frames rx_done took back */
};

static int wire_rx_burst(struct hsplit_backend *be, struct hsplit_frame *f, unsigned int n)
{
	struct fuzz_wire *w = container_of(be, struct fuzz_wire, base);
	unsigned int i;

	FZ_CHECK(w->held == 0, "rx_burst while %u frames are still held", w->held);
	for (i = 0; i < n && w->head + i < w->tail; i++) {
		f[i].data = w->frames[w->head + i];
		f[i].len = w->lens[w->head + i];
	}
	w->held = i;
	return (int)i;
}

static void wire_rx_done(struct hsplit_backend *be, unsigned int count)
{
	struct fuzz_wire *w = container_of(be, struct fuzz_wire, base);

	FZ_CHECK(count == w->held, "rx_done(%u) after a burst of %u", count, w->held);
	w->head += count;
	w->handed += count;
	w->held = 0;
}

static const struct hsplit_backend_ops fuzz_wire_ops = {
	.name = "fuzz",
	.rx_burst = wire_rx_burst,
	.rx_done = wire_rx_done,
};

/* ------------------------------------------------------------------ */
/* the payload provider: malloc'd chunks, so ASan sees every overrun   */
/* ------------------------------------------------------------------ */

struct fuzz_provider {
	uint32_t chunk_size;
	unsigned int nb_chunks;      /* how many alloc may still open */
	unsigned int used;           /* chunks opened in this input */
	uint32_t fill;               /* pack: bytes used of the current chunk */
	uint8_t *chunk[MAX_CHUNKS];  /* blocks of MAX_CHUNK, open for chunk_size */
};

static enum hsplit_hw_payload_status
provider_alloc(void *opaque, uint32_t len, bool pack, uint64_t *ref, uint8_t **chunk,
	       uint32_t *off)
{
	struct fuzz_provider *p = opaque;

	FZ_CHECK(len > 0, "provider asked for an empty payload");
	if (len > p->chunk_size)
		return HSPLIT_HW_PAYLOAD_TOO_LONG; /* no chunk of this provider will ever do */
	if (!pack || p->used == 0 || p->fill + len > p->chunk_size) {
		if (p->used == p->nb_chunks)
			return HSPLIT_HW_PAYLOAD_EMPTY;
		block_open(p->chunk[p->used], p->chunk_size, MAX_CHUNK);
		p->used++;
		p->fill = 0;
	}
	*ref = p->used;             /* never 0 */
	*chunk = p->chunk[p->used - 1];
	*off = p->fill;
	p->fill += len;
	return HSPLIT_HW_PAYLOAD_OK;
}

static const struct hsplit_hw_payload_ops fuzz_payload_ops = { .alloc = provider_alloc };

/* ------------------------------------------------------------------ */
/* the port                                                           */
/* ------------------------------------------------------------------ */

/* What the harness expects of each queue's counters. */
struct expect {
	uint64_t packets, bytes, split, linear, header_bytes, devmem_bytes;
};

static struct {
	struct hsplit_hw_port hw;
	struct hsplit_hw_rxq rxq[NB_QUEUES];
	struct hsplit_rx_desc ring[NB_QUEUES][NB_DESC];
	struct rte_mbuf hdr_mbuf[NB_QUEUES][NB_DESC], pay_mbuf[NB_QUEUES][NB_DESC];
	struct fuzz_wire wire;
	struct fuzz_provider prov[NB_QUEUES];
	struct hsplit_hw_rule rules[2];
	uint16_t hdr_buf_len[NB_QUEUES], pay_buf_len[NB_QUEUES]; /* 0: no payload mbuf */
	struct expect exp[NB_QUEUES];
} rig;

/* A descriptor buffer: an mbuf header the device reads buf_addr/buf_len of, its data open. */
static struct rte_mbuf *buf_post(struct rte_mbuf *m, uint16_t len, uint16_t max)
{
	m->buf_len = len;
	block_open(m->buf_addr, len, max);
	return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal[] = { "fuzz_device", "--no-huge", "-m", "64", "--no-pci", "--no-shconf", "-l",
			"0", "--log-level=*:crit", "--file-prefix", prefix };
	unsigned int q, i;

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "fuzz_device_%d", (int)getpid());
	FZ_CHECK(rte_eal_init((int)RTE_DIM(eal), eal) >= 0, "EAL init failed");
	hsplit_hw_port_init(&rig.hw, "fuzz_device", 0);
	/* The inboxes live for the whole run: their slots are sized by max_frame now. */
	for (q = 0; q < NB_QUEUES; q++) {
		rig.rxq[q].port = &rig.hw;
		rig.rxq[q].queue_id = (uint16_t)q;
		FZ_CHECK(hsplit_hw_inbox_create(&rig.rxq[q], 0) == 0, "inbox %u", q);
		for (i = 0; i < NB_DESC; i++) {
			rig.hdr_mbuf[q][i].buf_addr = block_new(MAX_HDR_BUF);
			rig.pay_mbuf[q][i].buf_addr = block_new(MAX_PAY_BUF);
		}
		for (i = 0; i < MAX_CHUNKS; i++)
			rig.prov[q].chunk[i] = block_new(MAX_CHUNK);
	}
	for (i = 0; i < MAX_FRAMES; i++)
		rig.wire.frames[i] = block_new(HSPLIT_MAX_FRAME);
	return 0;
}

static const uint32_t split_protos[] = {
	RTE_PTYPE_L2_ETHER,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN | RTE_PTYPE_L4_TCP,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_UDP,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN | RTE_PTYPE_L4_UDP,
	RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP,   /* L4, any... of one family */
	RTE_PTYPE_L4_TCP,                                   /* L4 TCP, either family */
};

/* Program queue q's registers and post its ring (3 + 4 bytes of input). */
static void queue_program(struct input *in, unsigned int q)
{
	struct hsplit_hw_rxq *rxq = &rig.rxq[q];
	struct fuzz_provider *prov = &rig.prov[q];
	uint8_t a = take8(in), b = take8(in), c = take8(in);
	uint32_t proto = split_protos[(a >> 2) % RTE_DIM(split_protos)];
	unsigned int i;

	memset(rig.ring[q], 0, sizeof(rig.ring[q]));
	rxq->ring = rig.ring[q];
	rxq->nb_desc = NB_DESC;
	rxq->mask = NB_DESC - 1;
	rxq->posted = rxq->done = rxq->head = 0;
	rxq->enabled = (c & 0x80) == 0;
	rxq->split = (enum hsplit_split_mode)(a % 3);
	rxq->proto_hdr = proto;
	rxq->level = proto & RTE_PTYPE_L4_MASK ? HSPLIT_LEVEL_L4 :
		     proto & RTE_PTYPE_L3_MASK ? HSPLIT_LEVEL_L3 : HSPLIT_LEVEL_L2;
	rxq->seg0_len = (uint16_t)(b * 4);
	rxq->seg0_off = (uint16_t)(c & 0x3f);
	rxq->seg1_off = (uint16_t)((a >> 6) * 64);
	memset(&rxq->stats, 0, sizeof(rxq->stats));
	/* Buffer sizes: header room from none to past a jumbo frame's headers. */
	rig.hdr_buf_len[q] = (uint16_t)(RTE_PKTMBUF_HEADROOM + take16(in) % 2048);
	rig.pay_buf_len[q] = rxq->split == HSPLIT_SPLIT_NONE && (b & 1) ? 0 :
			     (uint16_t)(take16(in) % 10240);
	/* The provider: none, or chunks of 64 B..16 KiB, pack or single. */
	prov->used = 0;
	prov->fill = 0;
	rxq->payload = (c & 0x40) ? &fuzz_payload_ops : NULL;
	rxq->payload_opaque = prov;
	rxq->pack = b & 2;
	rxq->copy_on_empty = b & 4;
	prov->chunk_size = 64u << (take8(in) % 9);
	prov->nb_chunks = take8(in) % (MAX_CHUNKS + 1);
	for (i = 0; i < NB_DESC; i++) {
		rxq->ring[i].hdr = buf_post(&rig.hdr_mbuf[q][i], rig.hdr_buf_len[q], MAX_HDR_BUF);
		rxq->ring[i].pay = rig.pay_buf_len[q] ?
			buf_post(&rig.pay_mbuf[q][i], rig.pay_buf_len[q], MAX_PAY_BUF) : NULL;
	}
	rxq->posted = NB_DESC;
	memset(&rig.exp[q], 0, sizeof(rig.exp[q]));
	rig.hw.rxq[q] = rxq;
}

static void queue_release(unsigned int q)
{
	struct hsplit_hw_rxq *rxq = &rig.rxq[q];
	struct fuzz_provider *prov = &rig.prov[q];
	unsigned int i;

	for (i = 0; i < NB_DESC; i++) {
		block_close(rig.hdr_mbuf[q][i].buf_addr, MAX_HDR_BUF);
		block_close(rig.pay_mbuf[q][i].buf_addr, MAX_PAY_BUF);
	}
	rxq->ring = NULL;
	for (i = 0; i < prov->used; i++)
		block_close(prov->chunk[i], MAX_CHUNK);
	prov->used = 0;
	rig.hw.rxq[q] = NULL;
}

static void port_program(struct input *in, unsigned int nb_queues)
{
	struct hsplit_hw_port *hw = &rig.hw;
	uint8_t a = take8(in);
	unsigned int i, nb_rules = (a >> 4) % 3;

	hw->nb_rx_queues = (uint16_t)nb_queues;
	hw->backend = &rig.wire.base;
	hw->mac = (struct rte_ether_addr){ { 0x02, 0x68, 0x73, 0x00, 0x00, 0x01 } };
	hw->promisc = a & 1;
	hw->allmulti = a & 2;
	hw->isolated = a & 4;
	/* An Ethernet wire (runts dropped) or a link that never pads; MTU 1500 or jumbo. */
	hw->min_frame = (a & 0x40) ? 14 : 60;
	hsplit_hw_set_mtu(hw, (a & 0x80) ? 9000 : 1500);
	hsplit_hw_rss_defaults(hw, (uint16_t)nb_queues);
	hw->rss_types = (a & 8) ? 0 : 0x3f;
	memset(&hw->stats, 0, sizeof(hw->stats));
	for (i = 0; i < nb_rules; i++) {
		struct hsplit_rule *r = &rig.rules[i].rule;
		uint8_t f = take8(in);

		memset(r, 0, sizeof(*r));
		r->ipv4_set = f & 1;
		r->ipv6_set = !r->ipv4_set && (f & 2);
		r->l4_proto = (f & 4) ? IPPROTO_TCP : (f & 8) ? IPPROTO_UDP : 0;
		r->dport = take16(in);
		r->dport_mask = (f & 16) ? 0xffff : 0;
		r->drop = f & 32;
		r->queue = (uint16_t)(f >> 6);   /* may name a queue that is not set up */
		FZ_CHECK(hsplit_hw_rule_append(hw, &rig.rules[i]) == 0, "rule append");
	}
}

/* ------------------------------------------------------------------ */
/* the driver's half: harvest and check completions                    */
/* ------------------------------------------------------------------ */

/* Per queue: the wire index after the frame it completed last (queues complete in wire order). */
static struct {
	uint32_t next;
} order[NB_QUEUES];

static bool is_split_match(const struct hsplit_hw_rxq *rxq, const struct hsplit_pkt *pkt,
			   uint32_t *want)
{
	uint32_t want_l3 = rxq->proto_hdr & RTE_PTYPE_L3_MASK;
	uint32_t want_l4 = rxq->proto_hdr & RTE_PTYPE_L4_MASK;

	if (rxq->level == HSPLIT_LEVEL_L2) {
		*want = pkt->l2_len;
		return true;
	}
	if (!pkt->l3_ok || (want_l3 && (want_l3 == RTE_PTYPE_L3_IPV6_EXT_UNKNOWN) != pkt->ipv6))
		return false;
	*want = (uint32_t)pkt->l2_len + pkt->l3_len;
	if (rxq->level == HSPLIT_LEVEL_L3)
		return true;
	if (!pkt->l4_ok || (want_l4 == RTE_PTYPE_L4_TCP && pkt->l4_proto != IPPROTO_TCP) ||
	    (want_l4 == RTE_PTYPE_L4_UDP && pkt->l4_proto != IPPROTO_UDP))
		return false;
	*want += pkt->l4_len;
	return true;
}

/* Does completion d hold exactly frame f? (checks placement, never reads outside buffers) */
static bool completion_is(unsigned int q, const struct hsplit_rx_desc *d, const uint8_t *f,
			  uint32_t len)
{
	const struct hsplit_hw_rxq *rxq = &rig.rxq[q];
	uint32_t hoff = RTE_PKTMBUF_HEADROOM + rxq->seg0_off;
	const uint8_t *pay;

	if ((uint32_t)d->hdr_len + d->pay_len != len)
		return false;
	if (memcmp((const uint8_t *)d->hdr->buf_addr + hoff, f, d->hdr_len) != 0)
		return false;
	if (d->pay_len == 0)
		return true;
	if (d->status & HSPLIT_CQE_DEVMEM)
		pay = rig.prov[q].chunk[d->pay_ref - 1] + d->pay_off;
	else
		pay = (const uint8_t *)d->pay->buf_addr + d->pay_off;
	return memcmp(pay, f + d->hdr_len, d->pay_len) == 0;
}

static void check_completion(unsigned int q, const struct hsplit_rx_desc *d)
{
	const struct hsplit_hw_rxq *rxq = &rig.rxq[q];
	struct fuzz_wire *w = &rig.wire;
	uint32_t hoff = RTE_PKTMBUF_HEADROOM + rxq->seg0_off;
	uint32_t hroom = rig.hdr_buf_len[q] > hoff ? rig.hdr_buf_len[q] - hoff : 0;
	struct expect *e = &rig.exp[q];
	struct hsplit_pkt pkt;
	uint32_t i, len = 0, want = 0;
	const uint8_t *f = NULL;

	/* Bounds first: nothing may claim bytes outside the buffers it names. */
	FZ_CHECK(d->hdr_len <= hroom, "q%u: hdr_len %u past a %u-byte header room", q, d->hdr_len,
		 hroom);
	if (d->status & HSPLIT_CQE_DEVMEM) {
		const struct fuzz_provider *p = &rig.prov[q];

		FZ_CHECK(d->pay_ref >= 1 && d->pay_ref <= p->used, "q%u: pay_ref %" PRIu64
			 " was not handed out", q, d->pay_ref);
		FZ_CHECK((uint64_t)d->pay_off + d->pay_len <= p->chunk_size,
			 "q%u: payload [%u, +%u) past a %u-byte chunk", q, d->pay_off, d->pay_len,
			 p->chunk_size);
		FZ_CHECK(d->pay_len > 0, "q%u: DEVMEM completion with no payload", q);
	} else if (d->pay_len > 0) {
		FZ_CHECK(d->pay != NULL, "q%u: %u payload bytes and no payload mbuf", q, d->pay_len);
		FZ_CHECK((uint64_t)d->pay_off + d->pay_len <= d->pay->buf_len,
			 "q%u: payload [%u, +%u) past a %u-byte buffer", q, d->pay_off, d->pay_len,
			 d->pay->buf_len);
	}
	/* Which frame is it? The earliest handed-over frame not yet matched that fits. */
	for (i = order[q].next; i < w->tail; i++) {
		if (completion_is(q, d, w->frames[i], w->lens[i])) {
			f = w->frames[i];
			len = w->lens[i];
			order[q].next = i + 1;
			break;
		}
	}
	FZ_CHECK(f != NULL, "q%u: completion (status %#x, hdr %u + pay %u) is no frame the wire "
		 "sent, or bytes were misplaced", q, d->status, d->hdr_len, d->pay_len);
	FZ_CHECK(hsplit_parse_frame(f, len, &pkt) == 0, "q%u: completed a malformed frame", q);
	FZ_CHECK(d->ptype == pkt.ptype, "q%u: ptype %#x, the parser says %#x", q, d->ptype,
		 pkt.ptype);
	FZ_CHECK((d->ol_flags & ~RTE_MBUF_F_RX_RSS_HASH) == pkt.csum_flags,
		 "q%u: ol_flags %#" PRIx64 ", the parser says %#" PRIx64, q, d->ol_flags,
		 pkt.csum_flags);

	switch (rxq->split) {
	case HSPLIT_SPLIT_NONE:
		FZ_CHECK((d->status & ~HSPLIT_CQE_COPIED) == 0 || (d->status & HSPLIT_CQE_LINEAR),
			 "q%u: a queue that does not split completed status %#x", q, d->status);
		FZ_CHECK(d->status != 0 || d->pay_len == 0, "q%u: unsplit frame in two parts", q);
		break;
	case HSPLIT_SPLIT_LENGTH:
		if (!(d->status & HSPLIT_CQE_LINEAR))
			FZ_CHECK(d->hdr_len == RTE_MIN(len, (uint32_t)rxq->seg0_len),
				 "q%u: length split at %u, asked %u (frame %u)", q, d->hdr_len,
				 rxq->seg0_len, len);
		break;
	case HSPLIT_SPLIT_PROTO:
		if (!is_split_match(rxq, &pkt, &want) || want > hroom) {
			FZ_CHECK(d->status & HSPLIT_CQE_LINEAR, "q%u: split a frame that cannot be "
				 "split at %u (status %#x)", q, d->hdr_len, d->status);
		} else if (!(d->status & HSPLIT_CQE_LINEAR)) {
			FZ_CHECK(d->hdr_len == want, "q%u: protocol split at %u, the headers end "
				 "at %u", q, d->hdr_len, want);
		}
		break;
	}
	if (d->status & HSPLIT_CQE_LINEAR)
		FZ_CHECK(d->hdr_len == RTE_MIN(len, hroom) && !(d->status & HSPLIT_CQE_SPLIT),
			 "q%u: LINEAR frame starts with %u bytes in a %u-byte room", q, d->hdr_len,
			 hroom);
	if (d->status & HSPLIT_CQE_COPIED)
		FZ_CHECK((d->status & HSPLIT_CQE_LINEAR) && rxq->copy_on_empty,
			 "q%u: COPIED status %#x", q, d->status);
	if (d->status & HSPLIT_CQE_DEVMEM)
		FZ_CHECK(rxq->payload != NULL && (d->status & HSPLIT_CQE_SPLIT),
			 "q%u: DEVMEM status %#x without a provider", q, d->status);

	e->packets++;
	e->bytes += len;
	if (d->status & HSPLIT_CQE_LINEAR) {
		e->linear++;
	} else if (d->status & HSPLIT_CQE_SPLIT) {
		e->split++;
		e->header_bytes += d->hdr_len;
	}
	if (d->status & HSPLIT_CQE_DEVMEM)
		e->devmem_bytes += d->pay_len;
}

/* The driver's rx_burst: check what completed, then hand the descriptors back (or not). */
static void harvest(unsigned int q, bool repost)
{
	struct hsplit_hw_rxq *rxq = &rig.rxq[q];

	FZ_CHECK(rxq->done - rxq->head <= rxq->nb_desc && rxq->done <= rxq->posted,
		 "q%u: done %u past posted %u / head %u", q, rxq->done, rxq->posted, rxq->head);
	while (rxq->head != rxq->done) {
		struct hsplit_rx_desc *d = &rxq->ring[rxq->head & rxq->mask];

		check_completion(q, d);
		memset((uint8_t *)d + offsetof(struct hsplit_rx_desc, pay_ref), 0xa5,
		       sizeof(*d) - offsetof(struct hsplit_rx_desc, pay_ref));
		rxq->head++;
	}
	if (repost)
		rxq->posted = rxq->head + rxq->nb_desc;
}

static void check_counters(unsigned int nb_queues)
{
	const struct hsplit_hw_port_stats *ps = &rig.hw.stats;
	uint64_t accounted = ps->rx_malformed + ps->rx_runt + ps->rx_mtu + ps->rx_filtered_mac +
			     ps->rx_filtered_vlan + ps->rx_isolated_drop + ps->rx_flow_drop +
			     ps->rx_bad_queue;
	unsigned int q;

	FZ_CHECK(ps->rx_backend_frames == rig.wire.handed, "rx_backend_frames %" PRIu64
		 ", the wire handed over %" PRIu64, ps->rx_backend_frames, rig.wire.handed);
	for (q = 0; q < nb_queues; q++) {
		const struct hsplit_rxq_dev_stats *s = &rig.rxq[q].stats;
		const struct expect *e = &rig.exp[q];

		FZ_CHECK(s->packets == e->packets && s->bytes == e->bytes && s->split == e->split &&
			 s->linear == e->linear && s->header_bytes == e->header_bytes &&
			 s->devmem_payload_bytes == e->devmem_bytes,
			 "q%u: counters packets %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64
			 " split %" PRIu64 "/%" PRIu64 " linear %" PRIu64 "/%" PRIu64
			 " header_bytes %" PRIu64 "/%" PRIu64 " devmem %" PRIu64 "/%" PRIu64
			 " (device/completions)", q, s->packets, e->packets, s->bytes, e->bytes,
			 s->split, e->split, s->linear, e->linear, s->header_bytes,
			 e->header_bytes, s->devmem_payload_bytes, e->devmem_bytes);
		FZ_CHECK(s->pool_empty_copy <= s->packets + s->oversize,
			 "q%u: %" PRIu64 " copies on empty, %" PRIu64 " packets", q,
			 s->pool_empty_copy, s->packets);
		accounted += s->packets + s->no_desc + s->pool_empty_drop + s->chunk_too_long +
			     s->oversize + s->inbox_full;
	}
	FZ_CHECK(accounted == ps->rx_backend_frames, "%" PRIu64 " frames from the wire, %" PRIu64
		 " accounted for by counters", ps->rx_backend_frames, accounted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct fuzz_wire *w = &rig.wire;
	unsigned int nb_queues, q, round;

	if (size < 2)
		return 0;
	nb_queues = 1u + take8(&in) % NB_QUEUES;
	w->head = w->tail = w->held = 0;
	w->handed = 0;
	w->base.ops = &fuzz_wire_ops;
	memset(order, 0, sizeof(order));
	for (q = 0; q < nb_queues; q++)
		queue_program(&in, q);
	port_program(&in, nb_queues);

	/* Frames: a control byte (poller, re-post, burst end), a length, the bytes. */
	while (in.left > 0 && w->tail < MAX_FRAMES) {
		uint8_t ctl = take8(&in);
		uint32_t len = take16(&in) % (HSPLIT_MAX_FRAME + 1);

		len = RTE_MIN(len, (uint32_t)in.left);
		block_open(w->frames[w->tail], len, HSPLIT_MAX_FRAME);
		memcpy(w->frames[w->tail], in.p, len);
		w->lens[w->tail++] = len;
		in.p += len;
		in.left -= len;
		if (ctl & 0x80 || in.left == 0 || w->tail == MAX_FRAMES) {
			q = (ctl & 3) % nb_queues;
			hsplit_hw_poll(&rig.hw, &rig.rxq[q]);
			harvest(q, !(ctl & 0x40));
		}
	}
	/* Drain: every queue polls (its inbox, then the wire) until nothing moves. */
	for (round = 0; round < 4 * MAX_FRAMES; round++) {
		uint32_t before = w->head;
		bool moved = false;

		for (q = 0; q < nb_queues; q++) {
			uint32_t done = rig.rxq[q].done;

			hsplit_hw_poll(&rig.hw, &rig.rxq[q]);
			moved |= rig.rxq[q].done != done;
			harvest(q, true);
		}
		if (!moved && w->head == before && w->head == w->tail)
			break;
	}
	FZ_CHECK(w->head == w->tail, "%u frames left on the wire", w->tail - w->head);
	for (q = 0; q < nb_queues; q++)
		FZ_CHECK(rte_ring_count(rig.rxq[q].inbox) == 0, "q%u: inbox not drained", q);
	check_counters(nb_queues);

	for (q = 0; q < nb_queues; q++)
		queue_release(q);
	for (q = 0; q < w->tail; q++)
		block_close(w->frames[q], HSPLIT_MAX_FRAME);
	while (!TAILQ_EMPTY(&rig.hw.rules))
		hsplit_hw_rule_remove(&rig.hw, TAILQ_FIRST(&rig.hw.rules));
	return 0;
}
