/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/devmem's token API (the kernel's sk_user_frags and
 * SO_DEVMEM_DONTNEED), which tcprx_dontneed() passes through unchanged.
 *
 * One input makes a token table of 1..64 tokens, then a script of steps:
 * grant a device chunk (devmem_token_grant, offset and size from the input,
 * in range or not), grant a host mbuf segment or a payload mbuf carrying an
 * attached chunk (devmem_token_grant_mbuf), or up to 8 of them at once
 * (devmem_token_grant_mbufs, a bad span anywhere), return ranges with
 * devmem_dontneed (ranges of held tokens, forged and out-of-range numbers,
 * counts that wrap past 2^32, the same range twice, 0 or 129 ranges), and
 * finally destroys the table with whatever is still held.
 *
 * A model of the table follows every step. Oracles: ASan/UBSan; each call
 * returns what the model says (token numbers below the capacity and not
 * already lent, -ENOSPC exactly when all are lent, -EINVAL for a bad range,
 * the number freed by dontneed including its 1024-token cap); the counters
 * hold granted - returned = held with bad_returns and full as counted by
 * the model; a fragment describes the bytes it was granted for; after the
 * table is destroyed every chunk is back in its pool and every mbuf in its
 * mempool (never a double free, never a chunk lost).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "devmem.h"
#include "devmem_driver.h"
#include "fuzz_input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_tokens: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } } while (0)

#define MAX_TOKENS  64u
#define MAX_STEPS   128u
#define CHUNK_SIZE  4096u
#define NB_MBUFS    255u

static struct {
	struct rte_mempool *mp;
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct devmem_pool *pool;
	uint32_t binding_id;
} env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal[] = { "fuzz_tokens", "--no-huge", "-m", "64", "--no-pci", "--no-shconf", "-l",
			"0", "--log-level=*:crit", "--file-prefix", prefix };
	struct devmem_binding_params bp = { .chunk_size = CHUNK_SIZE };
	struct devmem_pool_params pp = { .ops = &devmem_dmabuf_provider_ops, .cache_size = 32,
					 .refill = 16, .port_id = UINT16_MAX, .name = "fztok" };

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "fuzz_tokens_%d", (int)getpid());
	FZ_CHECK(rte_eal_init((int)RTE_DIM(eal), eal) >= 0, "EAL init failed");
	env.mp = rte_pktmbuf_pool_create("fztok_mb", NB_MBUFS, 0, 0, RTE_PKTMBUF_HEADROOM + 512, 0);
	FZ_CHECK(env.mp != NULL, "mbuf pool");
	/* 1 MiB: 256 chunks, more than a run can hold (64 tokens + a few in hand). */
	FZ_CHECK(devmem_dmabuf_open("memfd:size=1M,strict=1", &env.dmabuf) == 0, "dmabuf");
	FZ_CHECK(devmem_binding_create(env.dmabuf, &bp, &env.binding) == 0, "binding");
	pp.provider_priv = env.binding;
	FZ_CHECK(devmem_pool_create(&pp, &env.pool) == 0, "devmem pool");
	env.binding_id = devmem_binding_id(env.binding);
	return 0;
}

/* What the table should look like. */
struct model {
	uint32_t capacity;
	bool lent[MAX_TOKENS];
	uint32_t held;
	uint64_t granted, returned, bad_returns, full;
	uint32_t recent[8];           /* tokens lent lately, for ranges that hit them */
	unsigned int nb_recent;
};

static void model_check(const struct model *m, const struct devmem_token_table *t)
{
	struct devmem_token_stats st;

	devmem_token_get_stats(t, &st);
	FZ_CHECK(st.granted == m->granted && st.returned == m->returned &&
		 st.bad_returns == m->bad_returns && st.full == m->full && st.held == m->held,
		 "stats granted %" PRIu64 "/%" PRIu64 " returned %" PRIu64 "/%" PRIu64
		 " bad %" PRIu64 "/%" PRIu64 " full %" PRIu64 "/%" PRIu64 " held %u/%u"
		 " (table/model)", st.granted, m->granted, st.returned, m->returned,
		 st.bad_returns, m->bad_returns, st.full, m->full, st.held, m->held);
	FZ_CHECK(st.granted - st.returned == st.held, "granted - returned != held");
}

/* A grant call's result against the model; on success the token is lent. */
static bool model_grant(struct model *m, int ret, const struct devmem_frag *frag, bool valid)
{
	if (!valid) {
		FZ_CHECK(ret == -EINVAL, "a grant outside the buffer returned %d", ret);
		return false;
	}
	if (m->held == m->capacity) {
		FZ_CHECK(ret == -ENOSPC, "grant with every token lent returned %d", ret);
		m->full++;
		return false;
	}
	FZ_CHECK(ret == 0, "grant with %u of %u tokens lent returned %d", m->held, m->capacity,
		 ret);
	FZ_CHECK(frag->frag_token < m->capacity && !m->lent[frag->frag_token],
		 "token %u lent twice or past the capacity %u", frag->frag_token, m->capacity);
	m->lent[frag->frag_token] = true;
	m->held++;
	m->granted++;
	m->recent[m->nb_recent++ % RTE_DIM(m->recent)] = frag->frag_token;
	return true;
}

static void step_grant_chunk(struct input *in, struct model *m, struct devmem_token_table *t)
{
	devmem_ref ref = devmem_pool_alloc(env.pool);
	uint32_t off = take8(in) % 2 ? take32(in) : (uint32_t)take8(in) * 16;
	uint32_t size = take8(in) % 2 ? take32(in) : (uint32_t)take8(in) * 16;
	bool valid = size > 0 && off < CHUNK_SIZE && size <= CHUNK_SIZE - off;
	struct devmem_frag frag;
	int ret;

	FZ_CHECK(ref != 0, "the pool ran dry: chunks are being lost");
	ret = devmem_token_grant(t, ref, off, size, &frag);
	if (!model_grant(m, ret, &frag, valid)) {
		devmem_pool_put(env.pool, ref);   /* the reference stayed with us */
		return;
	}
	FZ_CHECK(frag.frag_size == size && frag.flags == 0 && frag.dmabuf_id == env.binding_id &&
		 frag.frag_offset % CHUNK_SIZE == off, "frag %" PRIu64 "+%u id %u flags %#x for "
		 "[%u, +%u)", frag.frag_offset, frag.frag_size, frag.dmabuf_id, frag.flags, off,
		 size);
}

/* A segment of `len` bytes: a payload mbuf carrying a device chunk (device) or host data. */
static struct rte_mbuf *segment_make(bool device, uint16_t len)
{
	struct rte_mbuf *mb = rte_pktmbuf_alloc(env.mp);

	FZ_CHECK(mb != NULL, "the mbuf pool ran dry: mbufs are being lost");
	if (device) {
		/* As the PMD hands them up. */
		devmem_ref ref = devmem_pool_alloc(env.pool);

		FZ_CHECK(ref != 0, "the pool ran dry: chunks are being lost");
		FZ_CHECK(devmem_mbuf_attach(mb, ref, 64, len) == 0, "attach");
	} else {
		FZ_CHECK(rte_pktmbuf_append(mb, len) != NULL, "append %u", len);
	}
	return mb;
}

static void frag_check(const struct devmem_frag *frag, struct rte_mbuf *mb, bool device,
		       uint32_t off, uint32_t size)
{
	FZ_CHECK(frag->frag_size == size, "frag size %u for %u", frag->frag_size, size);
	if (device)
		FZ_CHECK(frag->flags == 0 && frag->dmabuf_id == env.binding_id &&
			 frag->frag_offset % CHUNK_SIZE == 64 + off, "device frag %" PRIu64 " id %u "
			 "flags %#x", frag->frag_offset, frag->dmabuf_id, frag->flags);
	else
		FZ_CHECK(frag->flags == DEVMEM_FRAG_LINEAR && frag->dmabuf_id == 0 &&
			 frag->frag_offset == (uintptr_t)rte_pktmbuf_mtod_offset(mb, char *, off),
			 "host frag %#" PRIx64 " flags %#x", frag->frag_offset, frag->flags);
}

#define MAX_BULK 8u

/*
 * devmem_token_grant_mbufs of 1..8 segments, device and host mixed, a bad
 * span anywhere: the model grants the valid prefix while tokens last.
 */
static void step_grant_mbufs(struct input *in, struct model *m, struct devmem_token_table *t,
			     uint8_t how)
{
	struct devmem_mbuf_span span[MAX_BULK];
	struct devmem_frag frag[MAX_BULK];
	bool device[MAX_BULK];
	unsigned int n = 1 + (how >> 4) % MAX_BULK, valid = n, i, want;
	int ret;

	for (i = 0; i < n; i++) {
		uint8_t b = take8(in);
		uint16_t len = (uint16_t)(1 + take8(in) * 2);

		device[i] = b & 1;
		span[i].m = segment_make(device[i], len);
		span[i].off = b & 2 ? take32(in) : take8(in);
		span[i].len = b & 4 ? take32(in) : take8(in);
		if (valid == n && !(span[i].len > 0 && span[i].off < len &&
				    span[i].len <= (uint32_t)len - span[i].off))
			valid = i;
	}
	ret = devmem_token_grant_mbufs(t, span, n, frag);
	want = RTE_MIN(valid, m->capacity - m->held);
	if (valid == 0)
		FZ_CHECK(ret == -EINVAL, "a bulk grant with a bad first span returned %d", ret);
	else if (want == 0)
		FZ_CHECK(ret == -ENOSPC, "a bulk grant with every token lent returned %d", ret);
	else
		FZ_CHECK(ret == (int)want, "a bulk grant of %u (%u valid, %u free) returned %d", n,
			 valid, m->capacity - m->held, ret);
	if (valid > 0 && want < valid)
		m->full++;
	for (i = 0; i < n; i++) {
		if (i < want && model_grant(m, 0, &frag[i], true))
			frag_check(&frag[i], span[i].m, device[i], span[i].off, span[i].len);
		else
			rte_pktmbuf_free_seg(span[i].m); /* not granted: still ours */
	}
}

static void step_grant_mbuf(struct input *in, struct model *m, struct devmem_token_table *t)
{
	uint8_t how = take8(in);
	uint16_t len = (uint16_t)(1 + take8(in) * 2);
	uint32_t off = how & 2 ? take32(in) : take8(in), size = how & 4 ? take32(in) : take8(in);
	bool valid = size > 0 && off < len && size <= (uint32_t)len - off;
	struct rte_mbuf *mb;
	struct devmem_frag frag;
	int ret;

	if (how & 8) {
		step_grant_mbufs(in, m, t, how);
		return;
	}
	mb = segment_make(how & 1, len);
	ret = devmem_token_grant_mbuf(t, mb, off, size, &frag);
	if (!model_grant(m, ret, &frag, valid)) {
		rte_pktmbuf_free_seg(mb);
		return;
	}
	frag_check(&frag, mb, how & 1, off, size);
}

/* One token number: a recent grant, a neighbour of one, or anything at all. */
static uint32_t pick_token(struct input *in, const struct model *m)
{
	uint8_t b = take8(in);

	switch (b & 3) {
	case 0:
		return m->nb_recent ? m->recent[(b >> 2) % RTE_MIN(m->nb_recent,
								   (unsigned int)RTE_DIM(m->recent))] : 0;
	case 1:
		return b >> 2;                  /* small: inside or just past the capacity */
	case 2:
		return UINT32_MAX - (b >> 2);   /* near the top: ranges that wrap */
	default:
		return take32(in);
	}
}

static uint32_t pick_count(struct input *in)
{
	uint8_t b = take8(in);

	switch (b & 3) {
	case 0: return b >> 2;              /* 0..63 */
	case 1: return 1;
	case 2: return 1000 + (b >> 2);     /* around the 1024-token cap */
	default: return take32(in);
	}
}

/*
 * What devmem_dontneed must do: walk every range, at most 1024 tokens looked at in all.
 * The model counts instead of walking: of the tokens a range looks at, only those
 * below the capacity can be lent, so it visits those (at most 64) and books the rest
 * as bad returns in one sum. Walking 1024 numbers per range here, beside the
 * library's own walk, was half of what an input cost.
 */
static int model_dontneed(struct model *m, const struct devmem_token_range *r, unsigned int n)
{
	unsigned int i, examined = 0;
	int freed = 0;

	for (i = 0; i < n; i++) {
		uint32_t look = RTE_MIN(r[i].token_count, DEVMEM_DONTNEED_MAX_FRAGS - examined);
		uint32_t tok, hits = 0;

		/* Tokens start..start + look - 1, wrapping past 2^32 as the library's do. */
		for (tok = 0; tok < m->capacity; tok++) {
			if ((uint32_t)(tok - r[i].token_start) >= look || !m->lent[tok])
				continue;
			m->lent[tok] = false;
			hits++;
		}
		m->held -= hits;
		m->returned += hits;
		m->bad_returns += look - hits;
		freed += (int)hits;
		examined += look;
		if (look < r[i].token_count)
			return freed;           /* the cap stopped the walk inside this range */
	}
	return freed;
}

static void step_dontneed(struct input *in, struct model *m, struct devmem_token_table *t)
{
	static struct devmem_token_range r[DEVMEM_DONTNEED_MAX_RANGES + 1];
	uint8_t b = take8(in);
	unsigned int n = 1 + b % 4, i;
	int ret, want;

	if ((b & 0xf0) == 0xf0) {
		/* 129 ranges: refused whole, nothing freed. */
		memset(r, 0, sizeof(r));
		ret = devmem_dontneed(t, r, DEVMEM_DONTNEED_MAX_RANGES + 1);
		FZ_CHECK(ret == -EINVAL, "dontneed with 129 ranges returned %d", ret);
		return;
	}
	if ((b & 0xf0) == 0xe0) {
		ret = devmem_dontneed(t, NULL, 0);
		FZ_CHECK(ret == 0, "dontneed with no ranges returned %d", ret);
		return;
	}
	for (i = 0; i < n; i++) {
		r[i].token_start = pick_token(in, m);
		r[i].token_count = pick_count(in);
	}
	if (b & 0x80 && n > 1)
		r[n - 1] = r[0];                /* the same range twice: the second frees nothing */
	want = model_dontneed(m, r, n);
	ret = devmem_dontneed(t, r, n);
	FZ_CHECK(ret == want, "dontneed freed %d, the model says %d", ret, want);
}

static void check_all_home(void)
{
	struct devmem_pool_stats ps;

	devmem_pool_get_stats(env.pool, &ps);
	FZ_CHECK(ps.in_flight == 0, "%u chunks not back in the pool", ps.in_flight);
	FZ_CHECK(rte_mempool_avail_count(env.mp) == NB_MBUFS, "%u of %u mbufs not back",
		 NB_MBUFS - rte_mempool_avail_count(env.mp), NB_MBUFS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct devmem_token_table *t;
	struct model m;
	unsigned int steps;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.capacity = 1 + take8(&in) % MAX_TOKENS;
	FZ_CHECK(devmem_token_table_create(m.capacity, &t) == 0, "table create");
	for (steps = 0; in.left > 0 && steps < MAX_STEPS; steps++) {
		switch (take8(&in) % 4) {
		case 0: step_grant_chunk(&in, &m, t); break;
		case 1: step_grant_mbuf(&in, &m, t); break;
		default: step_dontneed(&in, &m, t); break;
		}
		model_check(&m, t);
	}
	devmem_token_table_destroy(t);    /* closing the socket: the rest comes back */
	check_all_home();
	return 0;
}
