/* SPDX-License-Identifier: BSD-3-Clause */
/* bind-rx: every refusal with the kernel's errno, all-or-nothing, unbind on close. */
#include "test_common.h"

#define PORT 3

/* A mock driver whose queues can be put in every state a refusal needs. */
struct mock_drv {
	struct devmem_rxq_info info[4];
	bool honour_provider; /* false: a driver that ignores the binding */
	unsigned int restarts;
	struct test_rig *rig;
	struct devmem_pool *pools[4];
};

static int mock_rxq_info(void *drv, uint16_t q, struct devmem_rxq_info *info)
{
	struct mock_drv *m = drv;

	if (q >= 4)
		return -ERANGE;
	*info = m->info[q];
	return 0;
}

/* What a PMD does at queue (re)start: build the payload pool from the binding. */
static int mock_rxq_restart(void *drv, uint16_t q)
{
	struct mock_drv *m = drv;
	struct devmem_binding *b = devmem_rxq_binding(PORT, q);
	struct devmem_pool_params p = { .ops = &devmem_dmabuf_provider_ops, .port_id = PORT, .queue_id = q };

	m->restarts++;
	devmem_pool_destroy(m->pools[q]);
	m->pools[q] = NULL;
	if (!b || !m->honour_provider)
		return 0;
	p.provider_priv = b;
	if (devmem_pool_create(&p, &m->pools[q]))
		return -ENOMEM;
	devmem_rxq_provider_installed(PORT, q, m->pools[q]);
	return 0;
}

static const struct devmem_rxq_ops mock_ops = {
	.rxq_info = mock_rxq_info,
	.rxq_restart = mock_rxq_restart,
};

static struct mock_drv drv;
static struct devmem_dmabuf *dmabuf;
static struct devmem_binding *binding;

static int setup(void **state)
{
	unsigned int q;

	(void)state;
	memset(&drv, 0, sizeof(drv));
	for (q = 0; q < 4; q++)
		drv.info[q] = (struct devmem_rxq_info){ .nb_rx_queues = 4, .split_enabled = true,
							.unreadable_ok = true };
	drv.honour_provider = true;
	if (devmem_dmabuf_open("memfd:size=1M", &dmabuf) || devmem_binding_create(dmabuf, NULL, &binding))
		return -1;
	return devmem_port_register(PORT, &mock_ops, &drv);
}

static int teardown(void **state)
{
	unsigned int q;

	(void)state;
	devmem_port_unregister(PORT);
	for (q = 0; q < 4; q++)
		devmem_pool_destroy(drv.pools[q]);
	devmem_binding_unbind(binding);
	devmem_dmabuf_put(dmabuf);
	return devmem_binding_count_live() == 0 ? 0 : -1;
}

static int bind1(uint16_t q)
{
	return devmem_bind_rx(PORT, &q, 1, binding);
}

static void test_port_without_queue_ops(void **state)
{
	uint16_t q = 0;

	(void)state;
	assert_int_equal(devmem_bind_rx(PORT + 1, &q, 1, binding), -EOPNOTSUPP);
}

static void test_queue_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(bind1(4), -ERANGE);
	assert_int_equal(bind1(1000), -ERANGE);
}

static void test_queue_owned_by_other_consumer(void **state)
{
	(void)state;
	drv.info[1].consumer = "afxdp";
	assert_int_equal(bind1(1), -EBUSY);
}

static void test_split_off_or_threshold(void **state)
{
	(void)state;
	drv.info[0].split_enabled = false;
	assert_int_equal(bind1(0), -EINVAL);
	drv.info[0].split_enabled = true;
	drv.info[0].split_threshold = 256;
	assert_int_equal(bind1(0), -EINVAL);
}

static void test_program_attached(void **state)
{
	(void)state;
	drv.info[2].prog_attached = true;
	assert_int_equal(bind1(2), -EEXIST);
}

static void test_cannot_take_unreadable(void **state)
{
	(void)state;
	drv.info[3].unreadable_ok = false;
	assert_int_equal(bind1(3), -EOPNOTSUPP);
}

static void test_already_bound(void **state)
{
	(void)state;
	assert_int_equal(bind1(0), 0);
	assert_ptr_equal(devmem_rxq_binding(PORT, 0), binding);
	assert_int_equal(bind1(0), -EEXIST);
}

static void test_pending_then_installed(void **state)
{
	(void)state;
	/* Not set up yet: bound, applied when the driver sets the queue up. */
	assert_int_equal(bind1(1), 0);
	assert_int_equal(drv.restarts, 0);
	assert_int_equal(devmem_rxq_check(PORT, 1), -EAGAIN);
	drv.info[1].setup = true;
	assert_int_equal(mock_rxq_restart(&drv, 1), 0);
	assert_int_equal(devmem_rxq_check(PORT, 1), 0);
	{
		/* The queue's pool now draws chunks from the binding. */
		devmem_ref r = devmem_pool_alloc(drv.pools[1]);

		assert_int_equal(devmem_ref_binding_id(r), devmem_binding_id(binding));
		devmem_ref_put(r);
	}
}

static void test_live_queue_restarts_with_provider(void **state)
{
	(void)state;
	drv.info[2].setup = true;
	assert_int_equal(bind1(2), 0);
	assert_int_equal(drv.restarts, 1);
	assert_int_equal(devmem_rxq_check(PORT, 2), 0);
}

/* A started queue may be polled by another lcore: refused, nothing restarted. */
static void test_started_queue_is_busy(void **state)
{
	(void)state;
	drv.info[2].setup = true;
	drv.info[2].started = true;
	assert_int_equal(bind1(2), -EBUSY);
	assert_int_equal(drv.restarts, 0);
	assert_null(devmem_rxq_binding(PORT, 2));
	assert_int_equal(devmem_rxq_check(PORT, 2), -ENOENT);
	/* Stopped again (the application's stop / bind / start): it binds. */
	drv.info[2].started = false;
	assert_int_equal(bind1(2), 0);
	assert_int_equal(devmem_rxq_check(PORT, 2), 0);
}

static void test_driver_ignored_provider(void **state)
{
	(void)state;
	drv.honour_provider = false;
	drv.info[2].setup = true;
	assert_int_equal(bind1(2), -ENODATA);
	/* Refused binds leave nothing behind. */
	assert_null(devmem_rxq_binding(PORT, 2));
	/* A queue bound while down and then ignored is caught by the check too. */
	assert_int_equal(bind1(3), 0);
	drv.info[3].setup = true;
	assert_int_equal(mock_rxq_restart(&drv, 3), 0);
	assert_int_equal(devmem_rxq_check(PORT, 3), -ENODATA);
}

static void test_all_or_nothing(void **state)
{
	uint16_t qs[] = { 0, 1, 3 };

	(void)state;
	drv.info[3].split_enabled = false;
	assert_int_equal(devmem_bind_rx(PORT, qs, 3, binding), -EINVAL);
	assert_null(devmem_rxq_binding(PORT, 0));
	assert_null(devmem_rxq_binding(PORT, 1));
	qs[2] = 0;
	assert_int_equal(devmem_bind_rx(PORT, qs, 3, binding), -EEXIST); /* listed twice */
	assert_int_equal(devmem_bind_rx(PORT, qs, 2, binding), 0);
	assert_ptr_equal(devmem_rxq_binding(PORT, 1), binding);
}

static void test_unbind_and_close(void **state)
{
	uint16_t qs[] = { 0, 1 };

	(void)state;
	assert_int_equal(devmem_bind_rx(PORT, qs, 2, binding), 0);
	assert_int_equal(devmem_unbind_rx(PORT, 0), 0);
	assert_int_equal(devmem_unbind_rx(PORT, 0), -ENOENT);
	assert_null(devmem_rxq_binding(PORT, 0));
	/* Closing the port (driver unregisters) unbinds the rest. */
	devmem_port_unregister(PORT);
	assert_null(devmem_rxq_binding(PORT, 1));
	assert_int_equal(devmem_port_register(PORT, &mock_ops, &drv), 0);
}

static void test_owner_unbind_releases_queues(void **state)
{
	struct devmem_binding *b2;
	uint16_t q = 1;

	(void)state;
	assert_int_equal(devmem_binding_create(dmabuf, NULL, &b2), 0);
	assert_int_equal(devmem_bind_rx(PORT, &q, 1, b2), 0);
	devmem_binding_unbind(b2); /* the owner goes away: its queues are unbound */
	assert_null(devmem_rxq_binding(PORT, 1));
	assert_int_equal(devmem_binding_count_live(), 1); /* b2 is gone, `binding` stays */
	assert_int_equal(devmem_bind_rx(PORT, &q, 1, NULL), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_port_without_queue_ops),  T(test_queue_out_of_range),
		T(test_queue_owned_by_other_consumer), T(test_split_off_or_threshold),
		T(test_program_attached),        T(test_cannot_take_unreadable),
		T(test_already_bound),           T(test_pending_then_installed),
		T(test_live_queue_restarts_with_provider), T(test_driver_ignored_provider),
		T(test_started_queue_is_busy),
		T(test_all_or_nothing),          T(test_unbind_and_close),
		T(test_owner_unbind_releases_queues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
