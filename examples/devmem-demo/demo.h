/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-devmem-demo: a "NIC" lcore fills device-memory fragments and hands
 * them to an "application" lcore as tokens; the application verifies them
 * through the device view and gives them back with devmem_dontneed().
 */
#ifndef HSPLIT_DEVMEM_DEMO_H
#define HSPLIT_DEVMEM_DEMO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ring.h>
#include <rte_spinlock.h>

#include "devmem_driver.h"

#define DEMO_DEFAULT_SPEC    "memfd:size=64M"
#define DEMO_DEFAULT_SECONDS 5u
#define DEMO_BURST           32u   /* fragments per NIC burst */
#define DEMO_RING_SIZE       4096u /* fragments between the NIC and the application */
#define DEMO_HOLD_MAX        2048u /* fragments the application holds at most */
#define DEMO_RETURN_BATCH    512u  /* fragments returned per batch at most */
#define DEMO_HOLD_US         100u  /* how long the application keeps a fragment */
/* Every fragment alive is in the ring, held, or in the NIC's burst. */
#define DEMO_TOKEN_CAPACITY  (DEMO_RING_SIZE + DEMO_HOLD_MAX + DEMO_BURST)

struct demo_config {
	const char *spec;
	unsigned int seconds; /* 0 = until interrupted */
	uint32_t chunk_size;
	bool json;
	bool verify;
};

/* Written by the NIC lcore only. */
struct nic_counters {
	uint64_t frags;
	uint64_t bytes;
	uint64_t empty_retries;     /* pool empty: back-pressure, retried */
	uint64_t ring_full_retries; /* application ring full, retried */
	uint64_t grant_refused;     /* token table full, retried */
	uint64_t sync_errors;
	uint64_t returned_unsent;   /* fragments the NIC took back at stop */
};

/* What the NIC lcore publishes for the reporter (the pool is its to read). */
struct nic_snapshot {
	rte_spinlock_t lock;
	struct nic_counters nic;
	struct devmem_pool_stats pool;
};

/* Written by the application lcore only. */
struct app_counters {
	uint64_t frags;
	uint64_t bytes;
	uint64_t verify_errors;
	uint64_t returned;        /* fragments freed by devmem_dontneed() */
	uint64_t return_missing;  /* asked to free but not freed */
	uint64_t return_errors;   /* devmem_dontneed() failed */
	uint64_t dontneed_calls;
	uint64_t ranges;
	uint64_t sync_errors;
};

struct demo {
	struct demo_config cfg;
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct devmem_pool *pool;
	struct devmem_token_table *tokens;
	struct rte_ring *ring;     /* struct devmem_frag elements, SP/SC */
	uint8_t *device_view;
	uint32_t binding_id;
	uint64_t dmabuf_size;
	unsigned int nic_lcore;
	unsigned int app_lcore;
	_Atomic bool stop;
	_Atomic bool nic_done;
	struct nic_snapshot snap;
	struct app_counters app;
	FILE *live;                /* where the per-second lines go */
};

/* Final numbers, gathered during teardown. */
struct demo_summary {
	double elapsed_s;
	bool interrupted;
	struct nic_counters nic;
	struct app_counters app;
	struct devmem_pool_stats pool;  /* after every fragment came back */
	struct devmem_token_stats tokens;
	uint32_t nr_chunks;
	uint32_t zombies;
	uint32_t leaks;                 /* chunks not back on the binding's free list */
};


/* pattern.c: what the "NIC" writes and the application checks. */
uint32_t demo_frag_size(uint64_t seq);
void demo_pattern_write(uint8_t *dst, uint32_t size, uint64_t seq);
bool demo_pattern_check(const uint8_t *src, uint32_t size, uint64_t seq);
bool demo_pattern_check_seq(const uint8_t *src, uint64_t seq);

/* tokens.c */
struct demo_return_result {
	unsigned int freed;
	unsigned int calls;
	unsigned int ranges;
	unsigned int errors;
};
/* Return tokens (sorted in place) merged into ranges, within the per-call limits. */
void demo_return_tokens(struct devmem_token_table *table, uint32_t *tokens, unsigned int n,
			struct demo_return_result *res);

/* nic.c */
int demo_nic_main(void *arg);
void demo_nic_publish(struct demo *d, const struct nic_counters *c);

/* app.c: runs on the main lcore until the deadline or a signal, then drains. */
void demo_app_run(struct demo *d, double *elapsed_s);

/* report.c */
/* One line: totals so far and rates since `prev`, `dt` seconds ago. */
void demo_report_live(struct demo *d, double t, const struct app_counters *prev, double dt);
void demo_report_final(const struct demo *d, const struct demo_summary *s);
void demo_report_json(const struct demo *d, const struct demo_summary *s);

#endif /* HSPLIT_DEVMEM_DEMO_H */
