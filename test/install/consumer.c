/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A program outside the tree, built by test/install/install_test.sh against
 * the installed headers and pkg-config files only: it opens a dmabuf
 * (lib/devmem), runs a lib/tcprx stack over a null port for a few polls and
 * checks the PMD's public header. Exit 0 and "consumer: ok" when all worked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <devmem.h>
#include <rte_pmd_hsplit.h>
#include <tcprx.h>

static uint16_t no_frames(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	(void)pkts;
	(void)n;
	return 0;
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "consumer: %s failed: %d\n", what, rc);
	return 1;
}

int main(int argc, char **argv)
{
	struct devmem_dmabuf *dmabuf;
	struct tcprx_config cfg;
	struct tcprx_stats st;
	struct tcprx_addr addr;
	struct tcprx *rx;
	int rc, i;

	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		return fail("rte_eal_init", rc);
	rc = devmem_dmabuf_open("memfd:size=1M", &dmabuf);
	if (rc < 0)
		return fail("devmem_dmabuf_open", rc);
	if (devmem_dmabuf_size(dmabuf) != 1u << 20)
		return fail("devmem_dmabuf_size", (int)devmem_dmabuf_size(dmabuf));

	tcprx_config_init(&cfg);
	cfg.tx_pool = rte_pktmbuf_pool_create("consumer_tx", 255, 0, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (cfg.tx_pool == NULL)
		return fail("rte_pktmbuf_pool_create", -rte_errno);
	cfg.rx_burst = no_frames;
	cfg.tx_burst = no_frames;
	rc = tcprx_create(&cfg, &rx);
	if (rc < 0)
		return fail("tcprx_create", rc);
	if (tcprx_addr_parse("10.9.0.2", &addr) < 0 || tcprx_add_address(rx, &addr) < 0 ||
	    tcprx_listen(rx, &addr, 5201) < 0)
		return fail("tcprx address/listen", -1);
	for (i = 0; i < 4; i++)
		tcprx_poll(rx, 32);
	rc = tcprx_stats(rx, &st);
	if (rc < 0)
		return fail("tcprx_stats", rc);
	tcprx_destroy(rx);
	devmem_dmabuf_put(dmabuf);
	rte_mempool_free(cfg.tx_pool);
	rte_eal_cleanup();
	printf("consumer: ok (dmabuf %s, tcprx stack polled, gen byte 300 = %u)\n",
	       devmem_dmabuf_kind_name(DEVMEM_DMABUF_MEMFD), rte_pmd_hsplit_gen_byte(300));
	return 0;
}
