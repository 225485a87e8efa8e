/* SPDX-License-Identifier: BSD-3-Clause */
/* The fuzz target's input reader, frame builder, output checker and application. */
#ifndef HSPLIT_FUZZ_FRAMES_H
#define HSPLIT_FUZZ_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "devmem_driver.h"
#include "tcprx.h"

#define FUZZ_PORT      80u
#define FUZZ_PEERS     4u     /* remote ports 40000..40003: a few connections */
#define FUZZ_EDGES     16u    /* connections whose window edge the oracle follows */
#define FUZZ_BURST     8u
#define FUZZ_MAX_STEPS 256u
#define FUZZ_CONNS     16u
#define FUZZ_TOKENS    64u

struct fuzz_env {
	struct rte_mempool *hdr_mp, *pay_mp, *tx_mp;
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct devmem_pool *pool;
};

struct fuzz_run {
	const uint8_t *data;
	size_t size, pos;
	struct tcprx *rx;
	uint64_t now_ns;
	uint32_t peer_isn[FUZZ_PEERS][2];  /* our SYN's seq, per peer and family */
	uint32_t stack_iss[FUZZ_PEERS][2]; /* the SYN-ACK's seq we saw */
	/*
	 * The right edge of the window the stack advertised, per connection:
	 * keyed by the peer's address and port (raw and mutated frames reach
	 * the stack from addresses other than the FUZZ_PEERS ones). Connections
	 * beyond FUZZ_EDGES are not tracked.
	 */
	struct fuzz_edge {
		uint8_t addr[16];
		uint16_t port;
		bool v6, used;
		uint8_t shift;
		uint32_t edge;
	} edges[FUZZ_EDGES];
	struct tcprx_conn *conns[FUZZ_CONNS];
	unsigned int nb_conns;
	struct {
		unsigned int conn;             /* index into conns */
		uint32_t token;
	} held[FUZZ_TOKENS];               /* tokens received, for returns */
	unsigned int nb_held;
	unsigned int frags_received;
};

extern const struct rte_ether_addr fuzz_our_mac;

void fuzz_run_init(struct fuzz_run *run, const uint8_t *data, size_t size);
bool fuzz_done(const struct fuzz_run *run);
uint8_t fuzz_take8(struct fuzz_run *run);
uint16_t fuzz_take16(struct fuzz_run *run);
uint32_t fuzz_take32(struct fuzz_run *run);

/* A frame from the input, or NULL (input ended, or no mbuf/chunk left). */
struct rte_mbuf *fuzz_build_frame(struct fuzz_run *run, const struct fuzz_env *env);
/* NULL when a frame the stack sent is well formed; else what is wrong. */
const char *fuzz_check_out_frame(struct fuzz_run *run, const struct rte_mbuf *m);

void fuzz_app_recv(struct fuzz_run *run);
void fuzz_app_return(struct fuzz_run *run);
void fuzz_app_close_some(struct fuzz_run *run);

#endif
