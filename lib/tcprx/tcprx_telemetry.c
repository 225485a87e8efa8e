/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry: `/tcprx/list` gives the live stacks' ids, `/tcprx/stats,<id>`
 * one stack's counters (dpdk-telemetry.py can ask while a receiver runs).
 * The counters are read without stopping the polling lcore: each is one
 * aligned 64-bit word, so a reader sees an old or a new value, never a torn one.
 */
#include <stdlib.h>

#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "hsplit_dpdk_compat.h"

#include "tcprx_private.h"

#define MAX_STACKS 64

static rte_spinlock_t stacks_lock = RTE_SPINLOCK_INITIALIZER;
static struct tcprx *stacks[MAX_STACKS];

void tcprx_telemetry_add(struct tcprx *rx)
{
	unsigned int i;

	rte_spinlock_lock(&stacks_lock);
	for (i = 0; i < MAX_STACKS && stacks[i] != NULL; i++)
		;
	rx->telemetry_id = i < MAX_STACKS ? (int)i : -1;
	if (i < MAX_STACKS)
		stacks[i] = rx;
	rte_spinlock_unlock(&stacks_lock);
}

void tcprx_telemetry_remove(struct tcprx *rx)
{
	rte_spinlock_lock(&stacks_lock);
	if (rx->telemetry_id >= 0)
		stacks[rx->telemetry_id] = NULL;
	rte_spinlock_unlock(&stacks_lock);
}

static int telemetry_list(const char *cmd __rte_unused, const char *params __rte_unused,
			  struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	rte_spinlock_lock(&stacks_lock);
	for (i = 0; i < MAX_STACKS; i++)
		if (stacks[i] != NULL)
			rte_tel_data_add_array_int(d, (int)i);
	rte_spinlock_unlock(&stacks_lock);
	return 0;
}

#define STAT(name) hsplit_tel_add_dict_uint(d, #name, st.name)

static int telemetry_stats(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct tcprx_stats st;
	char *end;
	long id;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtol(params, &end, 10);
	if (*end != '\0' || id < 0 || id >= MAX_STACKS)
		return -EINVAL;
	rte_spinlock_lock(&stacks_lock);
	if (stacks[id] == NULL) {
		rte_spinlock_unlock(&stacks_lock);
		return -ENOENT;
	}
	tcprx_stats(stacks[id], &st);
	rte_spinlock_unlock(&stacks_lock);
	rte_tel_data_start_dict(d);
	STAT(frames_in); STAT(frames_out); STAT(tx_drops); STAT(arp_replies); STAT(nd_replies);
	STAT(not_ours); STAT(other_vlan); STAT(malformed); STAT(bad_options); STAT(ip_fragments);
	STAT(csum_bad);
	STAT(csum_unknown); STAT(csum_sw_bad); STAT(rst_out); STAT(rst_in); STAT(rst_ignored);
	STAT(syn_in); STAT(synack_out); STAT(synack_retrans); STAT(half_open_drops);
	STAT(backlog_drops); STAT(conn_table_full); STAT(half_open_timeouts); STAT(established);
	STAT(time_wait_segs); STAT(closed); STAT(conns); STAT(half_open);
	STAT(syncookies_sent); STAT(syncookies_validated); STAT(syncookies_rejected);
	return 0;
}

RTE_INIT(tcprx_telemetry_register)
{
	rte_telemetry_register_cmd("/tcprx/list", telemetry_list, "Ids of the live tcprx stacks");
	rte_telemetry_register_cmd("/tcprx/stats", telemetry_stats,
				   "One tcprx stack's counters. Parameter: stack id");
}
