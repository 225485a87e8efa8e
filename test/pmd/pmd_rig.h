/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every PMD test starts from, shared so each test file holds only its
 * cases: EAL without hugepages and the two mbuf pools receive segments come
 * from (pmd_rig.c), and net_hsplit ports probed, configured and closed
 * through the ethdev API (pmd_port.c; tests that link the PMD).
 */
#ifndef PMD_RIG_H
#define PMD_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

extern struct rte_mempool *hdr_mp, *pay_mp;  /* header and payload segments */

struct pmd_rig_eal {
	const char *name;         /* argv[0]; the file prefix is <name>_<pid> */
	const char *memory_mb;    /* EAL -m */
	const char *lcores;       /* EAL -l */
	unsigned int nb_mbuf;     /* in each pool */
	uint16_t hdr_room;        /* hdr_mp's data room, headroom included */
};

struct CMUnitTest;

/*
 * A test's whole main(): EAL up and both pools created (pay_mp: 2048 bytes
 * after the headroom), the cases run as one cmocka group, pools freed and EAL
 * cleaned up. Returns cmocka's count of failed cases, or 1 (said why) when
 * EAL or a pool could not be had.
 */
int pmd_rig_run(const struct pmd_rig_eal *e, const struct CMUnitTest *tests, size_t nb_tests);

struct pmd_port_cfg {
	const char *devargs;
	uint16_t nb_rxq;
	bool split;
	uint32_t proto_hdr;       /* protocol split when non-zero */
	uint16_t seg0_len;        /* length split otherwise */
	bool rss;
	bool configure_only;      /* queues set up; no promiscuous mode, not started */
};

/* Probe the vdev `name`, configure its queues, start it (see configure_only); the port id. */
uint16_t pmd_port_up(const struct pmd_port_cfg *c, const char *name);
/* Stop, close and remove the port. */
void pmd_port_close(uint16_t port, const char *name);

#endif /* PMD_RIG_H */
