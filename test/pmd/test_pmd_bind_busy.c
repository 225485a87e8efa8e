/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bind-rx on net_hsplit while an lcore polls: a started queue is refused
 * with -EBUSY every time and keeps delivering ordinary buffers, while a
 * second port is probed, bound (stopped), unbound, rebound and closed over
 * and over (lib/devmem's port registration coming and going). Then the
 * documented protocol: stop the port, bind, start, and the payload comes
 * from the binding. Outcomes, not timings, are asserted.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>

#include "devmem.h"
#include "pmd_rig.h"
#include "rte_pmd_hsplit.h"

#define TEST_NOTE(fmt, ...) print_message("# " fmt "\n", ##__VA_ARGS__)
#define NB_MBUF 2048u
#define BIND_ATTEMPTS 2000u
#define CHURN_EVERY 10u
#define SPLIT_IPV4_TCP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)

struct poller {
	uint16_t port;
	atomic_bool stop;
	uint64_t packets;
	uint64_t devmem_payloads; /* payload segments carrying a chunk */
};

static int poll_queue(void *arg)
{
	struct poller *p = arg;
	struct rte_mbuf *pkts[32];
	uint16_t i, n;

	while (!atomic_load(&p->stop)) {
		n = rte_eth_rx_burst(p->port, 0, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++)
			p->devmem_payloads += pkts[i]->next && devmem_mbuf_ref(pkts[i]->next);
		p->packets += n;
		rte_pktmbuf_free_bulk(pkts, n);
	}
	return 0;
}

/* Probe and configure one split queue; started only when asked. */
static uint16_t port_setup(const char *name, bool start)
{
	static const struct pmd_port_cfg c = { .devargs = "backend=gen", .nb_rxq = 1, .split = true,
					       .proto_hdr = SPLIT_IPV4_TCP, .configure_only = true };
	uint16_t port = pmd_port_up(&c, name);

	if (start)
		assert_int_equal(rte_eth_dev_start(port), 0);
	return port;
}

/* A second port's life while the first is polled: bind while stopped, close while bound. */
static void churn_second_port(struct devmem_binding *b)
{
	uint16_t port, q = 0;

	port = port_setup("net_hsplit_churn", false);
	assert_int_equal(devmem_bind_rx(port, &q, 1, b), 0);
	assert_int_equal(devmem_rxq_check(port, 0), 0);
	assert_int_equal(devmem_unbind_rx(port, 0), 0);
	assert_int_equal(devmem_bind_rx(port, &q, 1, b), 0);
	pmd_port_close(port, "net_hsplit_churn"); /* unregisters the port, still bound */
}

static void test_bind_busy_while_polled(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 4096 };
	struct poller p = { 0 };
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *b;
	struct rte_mbuf *pkts[32];
	unsigned int i, lcore, got = 0, devmem = 0, tries;
	uint64_t linear = rte_pmd_hsplit_linear_flag();
	uint16_t q = 0;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("memfd:size=4M", &dmabuf), 0);
	assert_int_equal(devmem_binding_create(dmabuf, &bp, &b), 0);
	p.port = port_setup("net_hsplit_polled", true);
	lcore = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	assert_true(lcore < RTE_MAX_LCORE);
	/* Thousands of refusals and binds: only unexpected messages stay in the log. */
	rte_log_set_level_pattern("lib.devmem", RTE_LOG_CRIT);
	rte_log_set_level_pattern("pmd.net.hsplit", RTE_LOG_CRIT);
	assert_int_equal(rte_eal_remote_launch(poll_queue, &p, lcore), 0);

	for (i = 0; i < BIND_ATTEMPTS; i++) {
		assert_int_equal(devmem_bind_rx(p.port, &q, 1, b), -EBUSY);
		assert_int_equal(devmem_rxq_check(p.port, 0), -ENOENT);
		assert_int_equal(devmem_unbind_rx(p.port, 0), -ENOENT);
		if (i % CHURN_EVERY == 0)
			churn_second_port(b);
	}

	atomic_store(&p.stop, true);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	rte_log_set_level_pattern("lib.devmem", RTE_LOG_INFO);
	rte_log_set_level_pattern("pmd.net.hsplit", RTE_LOG_INFO);
	TEST_NOTE("%u refused binds, %u port lives, %" PRIu64 " packets polled meanwhile",
		  BIND_ATTEMPTS, BIND_ATTEMPTS / CHURN_EVERY, p.packets);
	/* The polled queue kept delivering, and never saw the binding. */
	assert_true(p.packets > 0);
	assert_int_equal(p.devmem_payloads, 0);

	/* The protocol: stop, bind, start; the payload now comes from the binding. */
	assert_int_equal(rte_eth_dev_stop(p.port), 0);
	assert_int_equal(devmem_bind_rx(p.port, &q, 1, b), 0);
	assert_int_equal(devmem_rxq_check(p.port, 0), 0);
	assert_int_equal(rte_eth_dev_start(p.port), 0);
	for (tries = 0; got == 0 && tries < 1000000; tries++) {
		unsigned int n = rte_eth_rx_burst(p.port, 0, pkts, RTE_DIM(pkts)), k;

		/* Split TCP frames: none may be LINEAR (all bytes in host memory). */
		for (k = 0; k < n; k++) {
			assert_false(pkts[k]->ol_flags & linear);
			devmem += pkts[k]->next &&
				  devmem_ref_binding_id(devmem_mbuf_ref(pkts[k]->next)) ==
				  devmem_binding_id(b);
		}
		got += n;
		rte_pktmbuf_free_bulk(pkts, n);
	}
	assert_true(got > 0);
	assert_int_equal(devmem, got);
	pmd_port_close(p.port, "net_hsplit_polled");
	devmem_binding_unbind(b);
	devmem_dmabuf_put(dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
	assert_int_equal(devmem_pool_count_zombies(), 0);
}

int main(void)
{
	static const struct pmd_rig_eal eal = { .name = "test_pmd_bind_busy", .memory_mb = "512",
						.lcores = "0-1", .nb_mbuf = NB_MBUF, .hdr_room = 256 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_busy_while_polled),
	};

	return pmd_rig_run(&eal, tests, RTE_DIM(tests));
}
