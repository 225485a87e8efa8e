/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated NIC: carve payload fragments out of the pool, "DMA" a pattern
 * into them through the device view, grant a token for each and post the
 * fragment descriptors to the application ring. This lcore is the pool's
 * polling thread: it alone allocates.
 */
#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_ring_elem.h>

#include "demo.h"

/* Publish the counters and pool statistics about this often. */
#define NIC_PUBLISH_HZ 100u

void demo_nic_publish(struct demo *d, const struct nic_counters *c)
{
	rte_spinlock_lock(&d->snap.lock);
	d->snap.nic = *c;
	devmem_pool_get_stats(d->pool, &d->snap.pool);
	rte_spinlock_unlock(&d->snap.lock);
}

/* One fragment: allocate, fill, grant. False when the pool or the table is exhausted. */
static bool nic_fill_one(struct demo *d, struct devmem_frag *frag, uint64_t seq,
			 struct nic_counters *c)
{
	uint32_t size = demo_frag_size(seq), offset;
	devmem_ref ref = devmem_pool_alloc_frag(d->pool, size, &offset);

	if (ref == 0) {
		c->empty_retries++;
		return false;
	}
	demo_pattern_write(d->device_view + devmem_ref_offset(ref) + offset, size, seq);
	if (devmem_token_grant(d->tokens, ref, offset, size, frag) != 0) {
		devmem_ref_put(ref); /* the reference is still ours */
		c->grant_refused++;
		return false;
	}
	c->frags++;
	c->bytes += size;
	return true;
}

/* Fill up to DEMO_BURST fragments inside one device-access bracket. */
static unsigned int nic_fill_burst(struct demo *d, struct devmem_frag *burst, uint64_t *seq,
				   struct nic_counters *c)
{
	unsigned int n = 0;

	if (devmem_dmabuf_sync_begin(d->dmabuf, DEVMEM_SYNC_WRITE) < 0)
		c->sync_errors++;
	while (n < DEMO_BURST && nic_fill_one(d, &burst[n], *seq, c)) {
		(*seq)++;
		n++;
	}
	if (devmem_dmabuf_sync_end(d->dmabuf, DEVMEM_SYNC_WRITE) < 0)
		c->sync_errors++;
	return n;
}

/* At stop: fragments the application never saw go back like any others. */
static void nic_return_unsent(struct demo *d, const struct devmem_frag *frags, unsigned int n,
			      struct nic_counters *c)
{
	uint32_t tokens[DEMO_BURST];
	struct demo_return_result res;
	unsigned int i;

	for (i = 0; i < n; i++)
		tokens[i] = frags[i].frag_token;
	demo_return_tokens(d->tokens, tokens, n, &res);
	c->returned_unsent += res.freed;
}

int demo_nic_main(void *arg)
{
	struct demo *d = arg;
	struct devmem_frag burst[DEMO_BURST];
	struct nic_counters c = { 0 };
	const uint64_t publish_cycles = rte_get_tsc_hz() / NIC_PUBLISH_HZ;
	uint64_t seq = 0, next_publish = 0, now;
	unsigned int head = 0, n = 0;

	while (!atomic_load_explicit(&d->stop, memory_order_acquire)) {
		if (head == n) {
			head = 0;
			n = nic_fill_burst(d, burst, &seq, &c);
		}
		if (head < n) {
			head += rte_ring_enqueue_burst_elem(d->ring, &burst[head], sizeof(burst[0]),
							    n - head, NULL);
			if (head < n)
				c.ring_full_retries++;
		}
		if (n == 0 || head < n)
			rte_pause(); /* back-pressure: let the application catch up */
		now = rte_rdtsc();
		if (now >= next_publish) {
			demo_nic_publish(d, &c);
			next_publish = now + publish_cycles;
		}
	}
	nic_return_unsent(d, &burst[head], n - head, &c);
	/* Give back the partly carved chunk so nothing stays in flight. */
	devmem_pool_frag_flush(d->pool);
	demo_nic_publish(d, &c);
	atomic_store_explicit(&d->nic_done, true, memory_order_release);
	return 0;
}
