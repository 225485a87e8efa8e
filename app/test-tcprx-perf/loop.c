/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application loop: tcprx_poll, then tcprx_recv on the connections that
 * got frames in this poll, returning tokens with tcprx_dontneed once a
 * connection holds `batch` of them. The ethdev calls go through wrappers
 * that time them, so the loop's cycles split into device and stack.
 *
 * Readiness: the loop takes the connections with data from
 * tcprx_ready_next and drains each with tcprx_recv (counted as application
 * time, like the recv itself).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "app_common.h"
#include "tcprx_bench.h"

uint16_t tb_rx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);
uint16_t tb_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);

uint16_t tb_rx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct tb_port *p = arg;
	uint64_t t0;
	uint16_t got;

	if (!p->timed) {
		return rte_eth_rx_burst(p->eth.port_id, 0, pkts, n);
	}
	t0 = rte_rdtsc();
	got = rte_eth_rx_burst(p->eth.port_id, 0, pkts, n);
	p->win.rx_cycles += rte_rdtsc() - t0;
	return got;
}

uint16_t tb_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct tb_port *p = arg;
	uint64_t t0;
	uint16_t sent;

	p->win.tx_calls++;
	if (!p->timed) {
		sent = rte_eth_tx_burst(p->eth.port_id, 0, pkts, n);
		p->win.frames_out += sent;
		return sent;
	}
	t0 = rte_rdtsc();
	sent = rte_eth_tx_burst(p->eth.port_id, 0, pkts, n);
	p->win.tx_cycles += rte_rdtsc() - t0;
	p->win.frames_out += sent;
	return sent;
}

/* SO_DEVMEM_DONTNEED of everything the connection holds, consecutive tokens as one range. */
static void give_back(struct tb_port *p, struct tb_conn *c)
{
	struct devmem_token_range r[TB_HOLD_MAX];
	unsigned int i, nr = 0;
	int freed;

	for (i = 0; i < c->held; i++) {
		if (nr && r[nr - 1].token_start + r[nr - 1].token_count == c->tokens[i]) {
			r[nr - 1].token_count++;
			continue;
		}
		r[nr].token_start = c->tokens[i];
		r[nr++].token_count = 1;
	}
	freed = nr ? tcprx_dontneed(c->conn, r, nr) : 0;
	if (freed != (int)c->held)
		p->short_returns++;
	c->held = 0;
}

/* Every in-order fragment the connection has, returned in batches. */
static void consume(struct tb_port *p, struct tb_conn *c)
{
	struct devmem_frag frags[TB_HOLD_MAX];

	for (;;) {
		unsigned int room = p->batch - c->held, i;
		int n = tcprx_recv(c->conn, frags, room);

		if (n <= 0) {
			if (n != -EAGAIN)
				p->recv_errors++;
			return;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			p->win.bytes += frags[i].frag_size;
			p->linear_frags += (frags[i].flags & DEVMEM_FRAG_LINEAR) != 0;
			c->tokens[c->held++] = frags[i].frag_token;
		}
		p->win.segs += (unsigned int)n;
		if (c->held == p->batch)
			give_back(p, c);
		if ((unsigned int)n < room)
			return;
	}
}

/* New connections: their gen flow is the remote port - 10000. */
static void accept_new(struct tb_port *p)
{
	struct tcprx_conn *conn;

	while ((conn = tcprx_accept(p->rx)) != NULL) {
		struct tcprx_conn_info info;
		uint32_t f;

		if (tcprx_conn_info(conn, &info) < 0 ||
		    (f = (uint32_t)info.remote_port - 10000u) >= p->conns || p->bc[f].conn) {
			fprintf(stderr, "tcprx-bench: unexpected connection from port %u\n",
				info.remote_port);
			tcprx_close(conn);
			p->recv_errors++;
			continue;
		}
		p->bc[f].conn = conn;
		tcprx_conn_set_user(conn, &p->bc[f]);
		p->accepted++;
	}
}

static void consume_ready(struct tb_port *p)
{
	struct tcprx_conn *conn;

	while ((conn = tcprx_ready_next(p->rx)) != NULL) {
		struct tb_conn *c = tcprx_conn_user(conn);

		if (c != NULL)
			consume(p, c);
	}
}

static void loop_once(struct tb_port *p)
{
	uint64_t t0, t1, t2;

	p->win.polls++;
	if (!p->timed) {
		tcprx_poll(p->rx, TB_BURST);
		consume_ready(p);
		return;
	}
	t0 = rte_rdtsc();
	tcprx_poll(p->rx, TB_BURST);
	t1 = rte_rdtsc();
	consume_ready(p);
	t2 = rte_rdtsc();
	p->win.poll_cycles += t1 - t0;
	p->win.app_cycles += t2 - t1;
}

int tb_connect_all(struct tb_port *p, double seconds)
{
	uint64_t end = rte_rdtsc() + (uint64_t)(seconds * (double)rte_get_tsc_hz());

	while (p->accepted < p->conns && rte_rdtsc() < end && !app_stop_requested()) {
		loop_once(p);
		accept_new(p);
	}
	if (p->accepted < p->conns)
		fprintf(stderr, "tcprx-bench: only %u of %u connections after %.0f s\n", p->accepted,
			p->conns, seconds);
	return p->accepted == p->conns ? 0 : -ETIMEDOUT;
}

/*
 * Runs the loop for `seconds`, or for `polls` rounds when that is not 0 (a
 * fixed amount of work, for instruction counts); p->win accumulates (the
 * caller clears it).
 */
void tb_loop_for(struct tb_port *p, double seconds, uint32_t polls)
{
	uint64_t start = rte_rdtsc(), end = start + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	uint64_t now = start, segs0 = p->win.segs;
	uint32_t done = 0;

	while ((polls ? done < polls : now < end) && !app_stop_requested()) {
		unsigned int k;

		for (k = 0; k < 64; k++)
			loop_once(p);
		done += 64;
		now = rte_rdtsc();
	}
	p->win.cycles += now - start;
	p->loop_segs += p->win.segs - segs0;
}

/* Tokens still held go back before the stack is destroyed. */
void tb_release_all(struct tb_port *p)
{
	uint32_t f;

	for (f = 0; f < p->conns; f++)
		if (p->bc[f].conn != NULL && p->bc[f].held)
			give_back(p, &p->bc[f]);
}
