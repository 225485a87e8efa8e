/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application side: receive fragment descriptors, check the payload
 * through the device view (the application itself cannot read it: the host
 * view is PROT_NONE in strict mode), keep each fragment a little while, then
 * give fragments back in batches of token ranges. These returns run on a
 * thread that does not own the pool, so chunks travel back through the
 * pool's MPSC ring.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_ring_elem.h>

#include "app_common.h"
#include "demo.h"

#define APP_ERRORS_LOGGED 10u

struct held_frag {
	uint64_t offset;
	uint64_t seq;
	uint64_t rx_tsc;
	uint32_t token;
	uint32_t size;
};

struct app_state {
	struct held_frag held[DEMO_HOLD_MAX]; /* FIFO, oldest at head */
	uint32_t head;
	uint32_t count;
	uint64_t expected_seq;
	uint64_t hold_cycles;
	unsigned int errors_logged;
};

static void app_log_error(struct app_state *st, const struct devmem_frag *f, uint64_t seq,
			  const char *what)
{
	if (st->errors_logged++ >= APP_ERRORS_LOGGED)
		return;
	fprintf(stderr, "demo: verification error (%s): seq %" PRIu64 " token %u dmabuf %u "
		"offset %" PRIu64 " size %u flags 0x%x\n", what, seq, f->frag_token, f->dmabuf_id,
		f->frag_offset, f->frag_size, f->flags);
}

/* Is this the fragment the NIC wrote next, intact, where it says it is? */
static bool app_check_frag(struct demo *d, struct app_state *st, const struct devmem_frag *f)
{
	uint64_t seq = st->expected_seq;

	if (f->flags != 0 || f->dmabuf_id != d->binding_id) {
		app_log_error(st, f, seq, "not a device fragment of our binding");
		return false;
	}
	if (f->frag_size != demo_frag_size(seq) || f->frag_offset >= d->dmabuf_size ||
	    f->frag_size > d->dmabuf_size - f->frag_offset) {
		app_log_error(st, f, seq, "wrong size or out of the dmabuf");
		return false;
	}
	if (!demo_pattern_check(d->device_view + f->frag_offset, f->frag_size, seq)) {
		app_log_error(st, f, seq, "payload differs from what the NIC wrote");
		return false;
	}
	return true;
}

static void app_hold(struct app_state *st, const struct devmem_frag *f, uint64_t now)
{
	struct held_frag *h = &st->held[(st->head + st->count) % DEMO_HOLD_MAX];

	h->offset = f->frag_offset;
	h->seq = st->expected_seq;
	h->rx_tsc = now;
	h->token = f->frag_token;
	h->size = f->frag_size;
	st->count++;
}

/* Take what the NIC posted, as much as the hold buffer has room for. */
static unsigned int app_receive(struct demo *d, struct app_state *st, uint64_t now)
{
	struct devmem_frag frags[DEMO_BURST];
	unsigned int i, n, room = DEMO_HOLD_MAX - st->count;

	n = rte_ring_dequeue_burst_elem(d->ring, frags, sizeof(frags[0]),
					RTE_MIN(room, DEMO_BURST), NULL);
	if (n == 0)
		return 0;
	if (d->cfg.verify && devmem_dmabuf_sync_begin(d->dmabuf, DEVMEM_SYNC_READ) < 0)
		d->app.sync_errors++;
	for (i = 0; i < n; i++) {
		if (d->cfg.verify && !app_check_frag(d, st, &frags[i]))
			d->app.verify_errors++;
		app_hold(st, &frags[i], now);
		st->expected_seq++;
		d->app.frags++;
		d->app.bytes += frags[i].frag_size;
	}
	if (d->cfg.verify && devmem_dmabuf_sync_end(d->dmabuf, DEVMEM_SYNC_READ) < 0)
		d->app.sync_errors++;
	return n;
}

/* Held fragments must still carry their own bytes: nobody may reuse a chunk early. */
static void app_recheck_held(struct demo *d, struct app_state *st, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct held_frag *h = &st->held[(st->head + i) % DEMO_HOLD_MAX];

		if (!demo_pattern_check_seq(d->device_view + h->offset, h->seq)) {
			struct devmem_frag f = { .frag_offset = h->offset, .frag_size = h->size,
						 .frag_token = h->token, .dmabuf_id = d->binding_id };

			app_log_error(st, &f, h->seq, "overwritten while held");
			d->app.verify_errors++;
		}
	}
}

/* How many of the oldest fragments are due (all up to a batch when forced). */
static uint32_t app_count_due(const struct app_state *st, uint64_t now, bool force)
{
	uint32_t n = 0;

	while (n < st->count && n < DEMO_RETURN_BATCH) {
		const struct held_frag *h = &st->held[(st->head + n) % DEMO_HOLD_MAX];

		if (!force && now - h->rx_tsc < st->hold_cycles)
			break;
		n++;
	}
	return n;
}

/* Give back one batch of the oldest fragments; returns how many left the hold buffer. */
static uint32_t app_return_batch(struct demo *d, struct app_state *st, uint64_t now, bool force)
{
	uint32_t tokens[DEMO_RETURN_BATCH];
	struct demo_return_result res;
	uint32_t i, n = app_count_due(st, now, force);

	if (n == 0)
		return 0;
	if (d->cfg.verify)
		app_recheck_held(d, st, n);
	for (i = 0; i < n; i++)
		tokens[i] = st->held[(st->head + i) % DEMO_HOLD_MAX].token;
	demo_return_tokens(d->tokens, tokens, n, &res);
	st->head = (st->head + n) % DEMO_HOLD_MAX;
	st->count -= n;
	d->app.returned += res.freed;
	d->app.return_missing += n - RTE_MIN(res.freed, n);
	d->app.return_errors += res.errors;
	d->app.dontneed_calls += res.calls;
	d->app.ranges += res.ranges;
	return n;
}

static void app_return_all(struct demo *d, struct app_state *st)
{
	while (st->count > 0)
		app_return_batch(d, st, rte_rdtsc(), true);
}

/* Once a second: one live line. */
static void app_maybe_report(struct demo *d, uint64_t start, uint64_t now, uint64_t *next,
			     uint64_t *last, struct app_counters *prev)
{
	const double hz = (double)rte_get_tsc_hz();

	if (now < *next)
		return;
	demo_report_live(d, (double)(now - start) / hz, prev, (double)(now - *last) / hz);
	*prev = d->app;
	*last = now;
	*next = now + rte_get_tsc_hz();
}

/* After stop: take everything the NIC still posts until it says it is done. */
static void app_drain(struct demo *d, struct app_state *st)
{
	for (;;) {
		bool done = atomic_load_explicit(&d->nic_done, memory_order_acquire);
		unsigned int n = app_receive(d, st, rte_rdtsc());

		if (st->count == DEMO_HOLD_MAX || (n == 0 && st->count > 0))
			app_return_batch(d, st, rte_rdtsc(), true);
		if (done && n == 0 && rte_ring_empty(d->ring))
			break;
		if (n == 0)
			rte_pause();
	}
	app_return_all(d, st);
}

static bool app_should_stop(const struct demo *d, uint64_t now, uint64_t deadline)
{
	return app_stop_requested() || (d->cfg.seconds > 0 && now >= deadline);
}

void demo_app_run(struct demo *d, double *elapsed_s)
{
	struct app_state *st = calloc(1, sizeof(*st));
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t start = rte_rdtsc(), now = start, last = start, next = start + hz;
	uint64_t deadline = start + (uint64_t)d->cfg.seconds * hz;
	struct app_counters prev = { 0 };

	if (st == NULL) {
		fprintf(stderr, "demo: out of memory for the application state\n");
		atomic_store_explicit(&d->stop, true, memory_order_release);
		return;
	}
	st->hold_cycles = hz * DEMO_HOLD_US / 1000000u;
	while (!app_should_stop(d, now, deadline)) {
		unsigned int n = app_receive(d, st, now);

		now = rte_rdtsc();
		if (st->count == DEMO_HOLD_MAX)
			app_return_batch(d, st, now, true);
		else
			app_return_batch(d, st, now, false);
		app_maybe_report(d, start, now, &next, &last, &prev);
		if (n == 0)
			rte_pause();
	}
	atomic_store_explicit(&d->stop, true, memory_order_release);
	*elapsed_s = (double)(rte_rdtsc() - start) / (double)hz;
	app_drain(d, st);
	free(st);
}
