/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/tcprx's input path, frames made from bytes.
 *
 * Each input builds a fresh stack (its limits and options from the first
 * bytes) listening on port 80 of 10.0.0.1 and fd00::1, then runs a script:
 * frames (header mbuf from a template or raw bytes, plus zero to two
 * payload segments on chunks of a strict memfd dmabuf, or LINEAR payload in
 * the header mbuf; checksum flags, IP fragments and byte flips from the
 * input) fed through tcprx_input_burst in bursts, virtual clock steps with
 * tcprx_timers, and application calls (accept, recv, dontneed with real and
 * forged tokens, close). Sequence and acknowledgment numbers can be taken
 * relative to the handshake so the fuzzer reaches ESTABLISHED quickly.
 *
 * Oracles: ASan/UBSan; a strict dmabuf's host view is PROT_NONE, so any CPU
 * read of payload faults; every frame the stack sends must be well formed
 * with valid checksums; after tcprx_destroy every mbuf and every chunk must
 * be home. A violation aborts with a message.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "devmem_driver.h"
#include "tcprx.h"
#include "fuzz_frames.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_env env;

#define FZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_tcprx: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal[] = { "fuzz_tcprx", "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=*:crit", "--file-prefix", prefix };
	struct devmem_binding_params bp = { .chunk_size = 4096 };
	struct devmem_pool_params pp = { .ops = &devmem_dmabuf_provider_ops, .cache_size = 32,
					 .refill = 16, .port_id = UINT16_MAX, .name = "fuzz" };

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "fuzz_tcprx_%d", (int)getpid());
	FZ_CHECK(rte_eal_init((int)RTE_DIM(eal), eal) >= 0, "EAL init failed");
	env.hdr_mp = rte_pktmbuf_pool_create("fz_hdr", 2047, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, 0);
	env.pay_mp = rte_pktmbuf_pool_create("fz_pay", 2047, 0, 0, RTE_PKTMBUF_HEADROOM + 64, 0);
	env.tx_mp = rte_pktmbuf_pool_create("fz_tx", 1023, 0, 0, RTE_PKTMBUF_HEADROOM + 256, 0);
	FZ_CHECK(env.hdr_mp && env.pay_mp && env.tx_mp, "mbuf pools");
	FZ_CHECK(devmem_dmabuf_open("memfd:size=8M,strict=1", &env.dmabuf) == 0, "dmabuf");
	FZ_CHECK(devmem_binding_create(env.dmabuf, &bp, &env.binding) == 0, "binding");
	pp.provider_priv = env.binding;
	FZ_CHECK(devmem_pool_create(&pp, &env.pool) == 0, "devmem pool");
	return 0;
}

/* Everything the stack sends must parse and carry valid checksums; SYN-ACKs teach us ISSs. */
static uint16_t fuzz_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct fuzz_run *run = arg;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const char *why = fuzz_check_out_frame(run, pkts[i]);

		FZ_CHECK(why == NULL, "the stack sent a bad frame: %s", why);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static uint16_t fuzz_rx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	(void)pkts;
	(void)n;
	return 0;
}

static uint64_t fuzz_clock(void *arg)
{
	return ((struct fuzz_run *)arg)->now_ns;
}

static int stack_up(struct fuzz_run *run)
{
	struct tcprx_config cfg;
	struct tcprx_addr a4, a6;
	uint8_t b = fuzz_take8(run), c = fuzz_take8(run);

	tcprx_config_init(&cfg);
	cfg.port_id = UINT16_MAX;
	cfg.tx_pool = env.tx_mp;
	cfg.mac = fuzz_our_mac;
	cfg.max_conns = 1u + (b & 7);
	cfg.max_half_open = 1u + ((b >> 3) & 3);
	cfg.accept_backlog = 1u + ((b >> 5) & 3);
	cfg.max_ooo = 1u + (c & 7);
	cfg.rcv_chunks = 2u + ((c >> 3) & 15);
	cfg.no_sack = b & 0x80;
	cfg.no_timestamps = c & 0x80;
	cfg.sw_checksum = fuzz_take8(run) & 1;
	cfg.mss = (uint16_t)(536 + fuzz_take8(run) * 4);
	cfg.wscale = (uint8_t)(fuzz_take8(run) % 16); /* 15 must be refused */
	cfg.delack_us = 1000;
	cfg.rx_burst = fuzz_rx;  /* frames come through tcprx_input_burst */
	cfg.tx_burst = fuzz_tx;
	cfg.tx_arg = run;
	cfg.clock = fuzz_clock;
	cfg.clock_arg = run;
	cfg.isn_secret = 0x5eed;
	if (tcprx_create(&cfg, &run->rx) != 0) {
		FZ_CHECK(cfg.wscale > 14, "tcprx_create refused a valid configuration");
		return -1;
	}
	FZ_CHECK(tcprx_addr_parse("10.0.0.1", &a4) == 0 && tcprx_addr_parse("fd00::1", &a6) == 0,
		 "addresses");
	FZ_CHECK(tcprx_add_address(run->rx, &a4) == 0 && tcprx_add_address(run->rx, &a6) == 0,
		 "add_address");
	FZ_CHECK(tcprx_listen(run->rx, NULL, FUZZ_PORT) == 0, "listen");
	return 0;
}

static void feed_burst(struct fuzz_run *run)
{
	struct rte_mbuf *pkts[FUZZ_BURST];
	unsigned int i, n = 1 + fuzz_take8(run) % FUZZ_BURST;
	uint16_t got = 0;

	for (i = 0; i < n && !fuzz_done(run); i++) {
		struct rte_mbuf *m = fuzz_build_frame(run, &env);

		if (m != NULL)
			pkts[got++] = m;
	}
	if (got)
		FZ_CHECK(tcprx_input_burst(run->rx, pkts, got) == got, "input_burst refused frames");
}

static void step(struct fuzz_run *run)
{
	uint8_t op = fuzz_take8(run);

	switch (op % 8) {
	case 0: case 1: case 2: case 3: case 4:
		feed_burst(run);
		break;
	case 5:
		run->now_ns += (uint64_t)(fuzz_take16(run) % 4000) * 1000000ull;
		tcprx_timers(run->rx);
		break;
	case 6:
		fuzz_app_recv(run);
		break;
	default:
		fuzz_app_return(run);
		break;
	}
}

/* After destroy every mbuf and chunk is home, and the stack's counters add up. */
static void check_all_home(void)
{
	struct devmem_pool_stats ps;

	FZ_CHECK(rte_mempool_in_use_count(env.hdr_mp) == 0, "%u header mbufs leaked",
		 rte_mempool_in_use_count(env.hdr_mp));
	FZ_CHECK(rte_mempool_in_use_count(env.pay_mp) == 0, "%u payload mbufs leaked",
		 rte_mempool_in_use_count(env.pay_mp));
	FZ_CHECK(rte_mempool_in_use_count(env.tx_mp) == 0, "%u tx mbufs leaked",
		 rte_mempool_in_use_count(env.tx_mp));
	devmem_pool_frag_flush(env.pool);
	devmem_pool_get_stats(env.pool, &ps);
	FZ_CHECK(ps.in_flight == 0, "%u payload chunks not returned", (unsigned int)ps.in_flight);
}

/* FUZZ_TCPRX_VERBOSE=1: what an input reached, to check that the seeds do what they say. */
static void print_summary(const struct fuzz_run *run)
{
	struct tcprx_stats st;

	tcprx_stats(run->rx, &st);
	fprintf(stderr, "fuzz_tcprx: frames in %" PRIu64 " out %" PRIu64 ", syn %" PRIu64
		", established %" PRIu64 ", malformed %" PRIu64 ", bad options %" PRIu64
		", csum bad/unknown/sw %" PRIu64 "/%" PRIu64 "/%" PRIu64 ", rst in/out %" PRIu64
		"/%" PRIu64 ", arp %" PRIu64 ", half-open drops %" PRIu64 "; app conns %u, "
		"tokens held %u, frags received %u\n", st.frames_in, st.frames_out, st.syn_in,
		st.established, st.malformed, st.bad_options, st.csum_bad, st.csum_unknown,
		st.csum_sw_bad, st.rst_in, st.rst_out, st.arp_replies, st.half_open_drops,
		run->nb_conns, run->nb_held, run->frags_received);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run run;
	unsigned int steps = 0;

	fuzz_run_init(&run, data, size);
	if (stack_up(&run) != 0)
		return 0;
	while (!fuzz_done(&run) && steps++ < FUZZ_MAX_STEPS)
		step(&run);
	if (getenv("FUZZ_TCPRX_VERBOSE") != NULL)
		print_summary(&run);
	fuzz_app_close_some(&run);
	tcprx_destroy(run.rx);
	check_all_home();
	return 0;
}
