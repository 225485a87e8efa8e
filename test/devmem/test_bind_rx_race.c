/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bind-rx against a port that goes away: one thread binds and unbinds a
 * queue in a loop (each bind restarts the queue through the driver), a
 * second unregisters and re-registers the port, and an lcore polls the
 * registry for another queue the whole time. The driver's restart callback
 * yields to widen the window in which an unregister used to free the port
 * entry bind-rx was still using; AddressSanitizer reports that as a
 * use-after-free. Outcomes, not timings, are asserted.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <rte_launch.h>

#include "test_common.h"

#define PORT 5
#define ITERATIONS 5000

struct race_drv {
	struct devmem_pool *pools[2];
	atomic_uint restarts;
};

static struct race_drv drv;
static atomic_bool stop;

static int race_rxq_info(void *d, uint16_t q, struct devmem_rxq_info *info)
{
	(void)d;
	if (q >= 2)
		return -ERANGE;
	*info = (struct devmem_rxq_info){ .nb_rx_queues = 2, .split_enabled = true,
					  .unreadable_ok = true, .setup = true };
	return 0;
}

/* A PMD's restart of a stopped queue: rebuild the pool from the binding. */
static int race_rxq_restart(void *d, uint16_t q)
{
	struct race_drv *r = d;
	struct devmem_pool_params p = { .ops = &devmem_dmabuf_provider_ops, .port_id = PORT,
					.queue_id = q };
	struct devmem_binding *b;

	atomic_fetch_add(&r->restarts, 1);
	devmem_pool_destroy(r->pools[q]);
	r->pools[q] = NULL;
	sched_yield(); /* let the unregistering thread run here */
	b = devmem_rxq_binding(PORT, q);
	if (!b)
		return 0;
	p.provider_priv = b;
	if (devmem_pool_create(&p, &r->pools[q]))
		return -ENOMEM;
	devmem_rxq_provider_installed(PORT, q, r->pools[q]);
	return 0;
}

static const struct devmem_rxq_ops race_ops = {
	.rxq_info = race_rxq_info,
	.rxq_restart = race_rxq_restart,
};

/* The polling lcore: reads the registry for queue 1 until told to stop. */
static int poll_registry(void *arg)
{
	unsigned long *reads = arg;

	while (!atomic_load(&stop)) {
		int ret = devmem_rxq_check(PORT, 1);

		if (ret != -ENOENT && ret != 0 && ret != -ENODATA)
			return ret;
		(void)devmem_rxq_binding(PORT, 1);
		(*reads)++;
	}
	return 0;
}

/* The port goes away and comes back (a PMD's close and probe), as fast as it can. */
static void *churn_port(void *arg)
{
	atomic_ulong *cycles = arg;

	while (!atomic_load(&stop)) {
		devmem_port_unregister(PORT);
		if (devmem_port_register(PORT, &race_ops, &drv) == 0)
			atomic_fetch_add(cycles, 1);
		sched_yield();
	}
	return NULL;
}

static void test_bind_unbind_while_port_churns(void **state)
{
	unsigned long reads = 0, bound = 0, refused = 0;
	atomic_ulong cycles = 0;
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *b;
	unsigned int lcore, i;
	uint16_t q0 = 0;
	pthread_t churner;

	(void)state;
	lcore = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	assert_true(lcore < RTE_MAX_LCORE);
	assert_int_equal(devmem_dmabuf_open("memfd:size=1M", &dmabuf), 0);
	assert_int_equal(devmem_binding_create(dmabuf, NULL, &b), 0);
	assert_int_equal(devmem_port_register(PORT, &race_ops, &drv), 0);
	/* Refusals are expected by the thousand: keep the log to what is not. */
	rte_log_set_level_pattern("lib.devmem", RTE_LOG_CRIT);
	atomic_store(&stop, false);
	assert_int_equal(rte_eal_remote_launch(poll_registry, &reads, lcore), 0);
	assert_int_equal(pthread_create(&churner, NULL, churn_port, &cycles), 0);

	/* At least ITERATIONS binds, and at least as many re-registrations. */
	for (i = 0; i < ITERATIONS || atomic_load(&cycles) < ITERATIONS; i++) {
		int ret = devmem_bind_rx(PORT, &q0, 1, b);

		/* Bound and installed, or the port was not registered at that moment. */
		if (ret == 0)
			bound++;
		else if (ret == -EOPNOTSUPP)
			refused++;
		else
			fail_msg("bind_rx: unexpected %d at iteration %u", ret, i);
		ret = devmem_unbind_rx(PORT, q0);
		if (ret != 0 && ret != -ENOENT)
			fail_msg("unbind_rx: unexpected %d at iteration %u", ret, i);
	}

	atomic_store(&stop, true);
	assert_int_equal(pthread_join(churner, NULL), 0);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	rte_log_set_level_pattern("lib.devmem", RTE_LOG_INFO);
	TEST_NOTE("%lu binds, %lu refused (port away), %lu re-registrations, %lu registry reads, "
		  "%u restarts", bound, refused, atomic_load(&cycles), reads,
		  atomic_load(&drv.restarts));
	/*
	 * Binds were installed (and restarted the queue) while the churner ran.
	 * Whether one also found the port away is up to the scheduler (a
	 * trixie tree saw 0 of 11,085), so that is noted, not asserted.
	 */
	assert_true(bound > 0 && atomic_load(&drv.restarts) > 0);

	/* Whatever the interleaving, the registry still works afterwards. */
	devmem_port_unregister(PORT);
	assert_int_equal(devmem_port_register(PORT, &race_ops, &drv), 0);
	assert_int_equal(devmem_bind_rx(PORT, &q0, 1, b), 0);
	assert_int_equal(devmem_rxq_check(PORT, 0), 0);
	devmem_port_unregister(PORT);
	assert_int_equal(devmem_rxq_check(PORT, 0), -ENOENT);
	devmem_pool_destroy(drv.pools[0]);
	devmem_pool_destroy(drv.pools[1]);
	devmem_binding_unbind(b);
	devmem_dmabuf_put(dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
	assert_int_equal(devmem_pool_count_zombies(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_unbind_while_port_churns),
	};
	int ret;

	if (test_eal_init("test_bind_rx_race") < 0) {
		fprintf(stderr, "test_bind_rx_race: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
