/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK API differences between the releases hsplit builds against
 * (22.11, 24.11, 25.11), in one place. Internal: not installed, not included
 * by any public header. Each check names the DPDK release that needs it;
 * when the oldest supported release passes it, the check goes away.
 *
 * Differences that plain C can absorb without a check live at their sites:
 *   24.11  IPv6 addresses in rte_ipv6_hdr became struct rte_ipv6_addr (16
 *          bytes, no padding): sites take &ip->src_addr, which is the same
 *          16 bytes under both definitions.
 *   25.11  a trailing `} __rte_packed;` no longer compiles: hsplit's two
 *          wire structures are laid out so they need no packing (and assert
 *          their size).
 *   25.11  rte_flow_driver.h is no longer installed: it comes with the other
 *          driver-SDK headers (config/setup-host.sh).
 */
#ifndef HSPLIT_DPDK_COMPAT_H
#define HSPLIT_DPDK_COMPAT_H

#include <rte_version.h>

/*
 * DPDK 23.03 added rte_tel_data_add_dict_uint() and deprecated
 * rte_tel_data_add_dict_u64() (a -Werror failure from 23.03 on; removed in 25.11).
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define hsplit_tel_add_dict_uint rte_tel_data_add_dict_uint
#else
#define hsplit_tel_add_dict_uint rte_tel_data_add_dict_u64
#endif

/*
 * DPDK 24.03: dev_supported_ptypes_get and buffer_split_supported_hdr_ptypes_get
 * take a size_t *no_of_elements that the PMD must set to the number of types
 * (the RTE_PTYPE_UNKNOWN terminator not counted); ethdev reports nothing otherwise.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(24, 3, 0, 0)
#define HSPLIT_PTYPES_GET_ARGS(dev, n) struct rte_eth_dev *dev, size_t *n
#define HSPLIT_PTYPES_SET_COUNT(n, count) (*(n) = (count))
#else
#define HSPLIT_PTYPES_GET_ARGS(dev, n) struct rte_eth_dev *dev
#define HSPLIT_PTYPES_SET_COUNT(n, count) ((void)0)
#endif

/*
 * DPDK 25.11 moved the per-queue counters (q_ipackets...) out of struct
 * rte_eth_stats into a struct eth_queue_stats argument of stats_get, which
 * is NULL when the caller does not want them. Before 25.11 they sit in the
 * rte_eth_stats itself. hsplit_qstats_t is whichever structure holds them;
 * HSPLIT_QSTATS_OF(st, qs) points at it (or is NULL).
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
typedef struct eth_queue_stats hsplit_qstats_t;
#define HSPLIT_STATS_GET_ARGS(st, qs) struct rte_eth_stats *st, struct eth_queue_stats *qs
#define HSPLIT_QSTATS_OF(st, qs) (qs)
#else
typedef struct rte_eth_stats hsplit_qstats_t;
#define HSPLIT_STATS_GET_ARGS(st, qs) struct rte_eth_stats *st
#define HSPLIT_QSTATS_OF(st, qs) (st)
#endif

#endif /* HSPLIT_DPDK_COMPAT_H */
