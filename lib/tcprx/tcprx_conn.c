/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections: the 4-tuple table, initial sequence numbers, and the life of
 * one connection from SYN to free. Everything here runs on the polling lcore.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_jhash.h>

#include "tcprx_private.h"

/* --- SipHash-2-4: a keyed PRF for ISNs (RFC 6528) and the table hash --- */

static inline uint64_t rotl64(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIP_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
} while (0)

uint64_t tcprx_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0], v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0], v3 = 0x7465646279746573ull ^ key[1];
	uint64_t m, last = (uint64_t)len << 56;
	size_t i;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < len; i++)
		last |= (uint64_t)p[i] << (8 * i);
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

struct tuple_key {
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
	uint8_t family;
	uint8_t pad[3];
};

static void tuple_key_fill(struct tuple_key *k, const struct tcprx_addr *local, uint16_t lport,
			   const struct tcprx_addr *remote, uint16_t rport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->local, local->bytes, 16);
	memcpy(k->remote, remote->bytes, 16);
	k->lport = lport;
	k->rport = rport;
	k->family = local->family;
}

/*
 * The table hash runs for every segment: jhash under a random seed (what
 * Linux's inet_ehashfn does), so a peer cannot aim many tuples at one
 * bucket without knowing the seed. ISNs and TS offsets use SipHash.
 */
uint32_t tcprx_hash4(const struct tcprx *rx, uint32_t laddr, uint32_t raddr, uint32_t key_ports)
{
	return rte_jhash_3words(laddr, raddr, key_ports, (uint32_t)rx->hash_seed);
}

/* Ports as the fast path reads them from the TCP header: remote << 16 | local, wire order. */
static uint32_t key_ports(uint16_t lport, uint16_t rport)
{
	return (uint32_t)rte_cpu_to_be_16(rport) << 16 | rte_cpu_to_be_16(lport);
}

uint32_t tcprx_tuple_hash(const struct tcprx *rx, const struct tcprx_addr *local, uint16_t lport,
			  const struct tcprx_addr *remote, uint16_t rport)
{
	uint32_t seed = (uint32_t)rx->hash_seed, ports = (uint32_t)lport << 16 | rport, a, b;

	if (local->family == AF_INET) {
		memcpy(&a, local->bytes, 4);
		memcpy(&b, remote->bytes, 4);
		return tcprx_hash4(rx, a, b, key_ports(lport, rport));
	}
	{
		uint32_t l[4], r[4]; /* tcprx_addr.bytes is not word-aligned */

		memcpy(l, local->bytes, 16);
		memcpy(r, remote->bytes, 16);
		return rte_jhash_3words(rte_jhash_32b(l, 4, seed), rte_jhash_32b(r, 4, seed), ports,
					seed);
	}
}

static bool addr_equal(const struct tcprx_addr *a, const struct tcprx_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

struct tcprx_conn *tcprx_conn_lookup(struct tcprx *rx, const struct tcprx_seg *seg)
{
	uint32_t h = tcprx_tuple_hash(rx, &seg->dst, seg->dport, &seg->src, seg->sport);
	struct tcprx_conn *c;

	for (c = rx->buckets[h & rx->bucket_mask]; c != NULL; c = c->hash_next)
		if (c->hash == h && c->local_port == seg->dport && c->remote_port == seg->sport &&
		    c->vlan == seg->vlan && addr_equal(&c->remote, &seg->src) &&
		    addr_equal(&c->local, &seg->dst))
			return c;
	return NULL;
}

/*
 * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a 4 µs timer. F is SipHash under the stack's secret.
 */
uint32_t tcprx_isn(struct tcprx *rx, const struct tcprx_seg *seg)
{
	struct tuple_key k;

	tuple_key_fill(&k, &seg->dst, seg->dport, &seg->src, seg->sport);
	return (uint32_t)(rx->now / 4000) + (uint32_t)tcprx_siphash(rx->sip_key, &k, sizeof(k));
}

/* RFC 7323 §5.4: a per-connection TSval offset, from the same PRF under another key. */
uint32_t tcprx_ts_offset(struct tcprx *rx, const struct tcprx_seg *seg)
{
	struct tuple_key k;

	tuple_key_fill(&k, &seg->dst, seg->dport, &seg->src, seg->sport);
	return (uint32_t)tcprx_siphash(rx->ts_key, &k, sizeof(k));
}

void tcprx_list_move(struct tcprx_conn *conn, struct tcprx_conn_list *from,
		     struct tcprx_conn_list *to)
{
	if (from)
		TAILQ_REMOVE(from, conn, list);
	if (to)
		TAILQ_INSERT_TAIL(to, conn, list);
}

static void hash_insert(struct tcprx *rx, struct tcprx_conn *c)
{
	struct tcprx_conn **b = &rx->buckets[c->hash & rx->bucket_mask];

	c->hash_next = *b;
	*b = c;
}

static void hash_remove(struct tcprx *rx, struct tcprx_conn *c)
{
	struct tcprx_conn **pp = &rx->buckets[c->hash & rx->bucket_mask];

	while (*pp && *pp != c)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = c->hash_next;
}

/* A connection for an acceptable SYN: TCB, queues and hash entry; NULL if out of memory. */
struct tcprx_conn *tcprx_conn_new(struct tcprx *rx, const struct tcprx_seg *seg)
{
	/* line-aligned: the fast path's state is the first two cache lines */
	struct tcprx_conn *c = aligned_alloc(RTE_CACHE_LINE_SIZE,
					     RTE_ALIGN_CEIL(sizeof(*c), RTE_CACHE_LINE_SIZE));

	if (c) {
		memset(c, 0, sizeof(*c));
		c->inq = calloc(rx->inq_size, sizeof(*c->inq));
		c->ooo = calloc(rx->cfg.max_ooo, sizeof(*c->ooo));
	}
	if (!c || !c->inq || !c->ooo) {
		if (c) {
			free(c->inq);
			free(c->ooo);
		}
		free(c);
		TCPRX_LOG(WARNING, "no memory for a connection");
		return NULL;
	}
	c->rx = rx;
	c->inq_mask = rx->inq_size - 1;
	c->local = seg->dst;
	c->remote = seg->src;
	c->local_port = seg->dport;
	c->remote_port = seg->sport;
	c->peer_mac = seg->src_mac;
	c->vlan = seg->vlan;
	if (seg->dst.family == AF_INET) {
		c->key_v4 = true;
		memcpy(&c->key_laddr4, c->local.bytes, 4);
		memcpy(&c->key_raddr4, c->remote.bytes, 4);
		c->key_ports = key_ports(c->local_port, c->remote_port);
	}
	c->hash = tcprx_tuple_hash(rx, &c->local, c->local_port, &c->remote, c->remote_port);
	c->state = TCPRX_SYN_RECEIVED;
	hash_insert(rx, c);
	TAILQ_INSERT_TAIL(&rx->all_conns, c, all);
	rx->nb_conns++;
	return c;
}

/* Tokens exist from ESTABLISHED on: a half-open connection costs no token table. */
int tcprx_conn_open_tokens(struct tcprx_conn *conn)
{
	if (conn->tokens)
		return 0;
	return devmem_token_table_create(conn->rx->inq_size + conn->rx->cfg.max_ooo, &conn->tokens);
}

static struct tcprx_conn_list *conn_home_list(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;

	if (c->accepted)
		return NULL;
	switch (c->state) {
	case TCPRX_CLOSED:
		return NULL; /* closed by the application: on no list */
	case TCPRX_SYN_RECEIVED:
		return &rx->half_open;
	case TCPRX_LAST_ACK:
	case TCPRX_TIME_WAIT:
		return &rx->linger;
	default:
		return &rx->accept_q;
	}
}

/* Free the TCB: every held segment and every token goes back to its pool. */
void tcprx_conn_free(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;
	struct tcprx_conn_list *home = conn_home_list(c);

	if (home)
		TAILQ_REMOVE(home, c, list);
	if (c->state == TCPRX_SYN_RECEIVED)
		rx->nb_half_open--;
	else if (home == &rx->accept_q)
		rx->nb_backlog--;
	tcprx_delack_cancel(c);
	tcprx_window_untrack(c);
	tcprx_ack_defer_forget(c);
	tcprx_ready_forget(c);
	tcprx_returned_forget(c);
	if (rx->last_hit == c)
		rx->last_hit = NULL; /* the one-entry cache never points at freed memory */
	hash_remove(rx, c);
	TAILQ_REMOVE(&rx->all_conns, c, all);
	tcprx_conn_drop_data(c);
	devmem_token_table_destroy(c->tokens);
	free(c->inq);
	free(c->ooo);
	free(c);
	rx->nb_conns--;
	rx->st.closed++;
}
