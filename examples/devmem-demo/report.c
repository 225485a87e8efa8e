/* SPDX-License-Identifier: BSD-3-Clause */
/* What the demo prints: a live line per second, a final table or one JSON object. */
#include <inttypes.h>
#include <stdio.h>

#include "demo.h"

static void snapshot_read(struct demo *d, struct nic_counters *nic, struct devmem_pool_stats *pool)
{
	rte_spinlock_lock(&d->snap.lock);
	*nic = d->snap.nic;
	*pool = d->snap.pool;
	rte_spinlock_unlock(&d->snap.lock);
}

void demo_report_live(struct demo *d, double t, const struct app_counters *prev, double dt)
{
	struct devmem_token_stats tok;
	struct devmem_pool_stats pool;
	struct nic_counters nic;
	double frags_s, mb_s;

	snapshot_read(d, &nic, &pool);
	devmem_token_get_stats(d->tokens, &tok);
	frags_s = dt > 0 ? (double)(d->app.frags - prev->frags) / dt : 0;
	mb_s = dt > 0 ? (double)(d->app.bytes - prev->bytes) / dt / 1e6 : 0;
	fprintf(d->live,
		"[%5.1fs] %9.0f frag/s %8.1f MB/s | alloc fast %" PRIu64 " slow %" PRIu64
		" | recycle cached %" PRIu64 " ring %" PRIu64 " | empty %" PRIu64
		" | in flight %u | tokens held %u\n",
		t, frags_s, mb_s, pool.alloc_fast, pool.alloc_slow, pool.recycle_cached,
		pool.recycle_ring, pool.alloc_empty, pool.in_flight, tok.held);
	fflush(d->live);
}

static bool summary_failed(const struct demo_summary *s)
{
	return s->leaks != 0 || s->app.verify_errors != 0;
}

static void row(const char *label, uint64_t value)
{
	printf("  %-34s %" PRIu64 "\n", label, value);
}

void demo_report_final(const struct demo *d, const struct demo_summary *s)
{
	const struct devmem_pool_stats *p = &s->pool;

	printf("\nhsplit-devmem-demo summary\n");
	printf("  %-34s %s\n", "dmabuf", devmem_dmabuf_describe(d->dmabuf));
	printf("  %-34s %u x %u bytes\n", "chunks", s->nr_chunks, d->cfg.chunk_size);
	printf("  %-34s %.2f s%s\n", "run time", s->elapsed_s, s->interrupted ? " (interrupted)" : "");
	printf("  %-34s NIC lcore %u -> application lcore %u\n", "lcores", d->nic_lcore, d->app_lcore);
	row("fragments produced", s->nic.frags);
	row("fragments consumed", s->app.frags);
	printf("  %-34s %.1f MB/s, %.0f frag/s\n", "throughput",
	       s->elapsed_s > 0 ? (double)s->app.bytes / s->elapsed_s / 1e6 : 0,
	       s->elapsed_s > 0 ? (double)s->app.frags / s->elapsed_s : 0);
	row("fragment allocs (carved)", p->frag_allocs);
	row("chunk allocs from cache (fast)", p->alloc_fast);
	row("chunk allocs by refill (slow)", p->alloc_slow);
	row("recycles into cache", p->recycle_cached);
	row("recycles through ring", p->recycle_ring);
	row("recycles ring full -> provider", p->recycle_ring_full);
	row("chunks released to provider", p->recycle_released);
	row("pool empty events", p->alloc_empty);
	row("NIC retries: pool empty", s->nic.empty_retries);
	row("NIC retries: ring full", s->nic.ring_full_retries);
	row("NIC took back unsent at stop", s->nic.returned_unsent);
	row("tokens granted", s->tokens.granted);
	row("tokens returned", s->tokens.returned);
	row("bad token returns", s->tokens.bad_returns);
	row("dontneed calls", s->app.dontneed_calls);
	row("dontneed ranges", s->app.ranges);
	row("chunks in flight", p->in_flight);
	row("pool zombies", s->zombies);
	row("leaks (chunks not on free list)", s->leaks);
	row("verification errors", s->app.verify_errors);
	printf("  %-34s %s\n", "result", summary_failed(s) ? "FAIL" : "PASS");
}

static void json_string(const char *key, const char *value)
{
	const char *c;

	printf("\"%s\":\"", key);
	for (c = value; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if ((unsigned char)*c < 0x20)
			printf("\\u%04x", (unsigned char)*c);
		else
			putchar(*c);
	}
	printf("\",");
}

static void json_u64(const char *key, uint64_t value, bool last)
{
	printf("\"%s\":%" PRIu64 "%s", key, value, last ? "" : ",");
}

void demo_report_json(const struct demo *d, const struct demo_summary *s)
{
	const struct devmem_pool_stats *p = &s->pool;

	printf("{");
	json_string("spec", d->cfg.spec);
	json_string("dmabuf", devmem_dmabuf_describe(d->dmabuf));
	printf("\"strict\":%s,", devmem_dmabuf_is_strict(d->dmabuf) ? "true" : "false");
	json_u64("chunk_size", d->cfg.chunk_size, false);
	json_u64("chunks", s->nr_chunks, false);
	printf("\"seconds\":%.3f,\"interrupted\":%s,\"verify\":%s,", s->elapsed_s,
	       s->interrupted ? "true" : "false", d->cfg.verify ? "true" : "false");
	json_u64("fragments_produced", s->nic.frags, false);
	json_u64("fragments_consumed", s->app.frags, false);
	json_u64("payload_bytes", s->app.bytes, false);
	printf("\"mb_per_s\":%.1f,", s->elapsed_s > 0 ? (double)s->app.bytes / s->elapsed_s / 1e6 : 0);
	json_u64("frag_allocs", p->frag_allocs, false);
	json_u64("alloc_fast", p->alloc_fast, false);
	json_u64("alloc_slow", p->alloc_slow, false);
	json_u64("alloc_empty", p->alloc_empty, false);
	json_u64("recycle_cached", p->recycle_cached, false);
	json_u64("recycle_ring", p->recycle_ring, false);
	json_u64("recycle_ring_full", p->recycle_ring_full, false);
	json_u64("recycle_released", p->recycle_released, false);
	json_u64("nic_empty_retries", s->nic.empty_retries, false);
	json_u64("nic_ring_full_retries", s->nic.ring_full_retries, false);
	json_u64("tokens_granted", s->tokens.granted, false);
	json_u64("tokens_returned", s->tokens.returned, false);
	json_u64("bad_token_returns", s->tokens.bad_returns, false);
	json_u64("dontneed_calls", s->app.dontneed_calls, false);
	json_u64("dontneed_ranges", s->app.ranges, false);
	json_u64("chunks_in_flight", p->in_flight, false);
	json_u64("pool_zombies", s->zombies, false);
	json_u64("leaks", s->leaks, false);
	json_u64("verification_errors", s->app.verify_errors, false);
	printf("\"result\":\"%s\"}\n", summary_failed(s) ? "fail" : "pass");
}
