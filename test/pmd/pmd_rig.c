/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL and the mbuf pools for the PMD tests (pmd_rig.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "pmd_rig.h"

struct rte_mempool *hdr_mp, *pay_mp;

static int eal_up(const struct pmd_rig_eal *e)
{
	char prefix[64];
	char *argv[] = { (char *)e->name, "--no-huge", "-m", (char *)e->memory_mb, "--no-pci",
			 "--no-shconf", "-l", (char *)e->lcores, "--log-level=pmd.net.hsplit:info",
			 "--file-prefix", prefix };

	snprintf(prefix, sizeof(prefix), "%s_%d", e->name, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return -1;
	}
	hdr_mp = rte_pktmbuf_pool_create("hdr", e->nb_mbuf, 0, 0, e->hdr_room, 0);
	pay_mp = rte_pktmbuf_pool_create("pay", e->nb_mbuf, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	if (hdr_mp == NULL || pay_mp == NULL) {
		fprintf(stderr, "mbuf pools: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static void eal_down(void)
{
	rte_mempool_free(hdr_mp);
	rte_mempool_free(pay_mp);
	rte_eal_cleanup();
}

int pmd_rig_run(const struct pmd_rig_eal *e, const struct CMUnitTest *tests, size_t nb_tests)
{
	int ret;

	if (eal_up(e) != 0)
		return 1;
	/* What cmocka_run_group_tests(tests, ...) does, group name and all, for a counted array. */
	ret = _cmocka_run_group_tests("tests", tests, nb_tests, NULL, NULL);
	eal_down();
	return ret;
}
