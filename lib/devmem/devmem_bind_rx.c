/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bind-rx: which receive queue takes its payload buffers from which binding.
 * Mirrors netif_mp_open_rxq(): the same refusals, the same errno values, in
 * the same order, all-or-nothing over the queue list. A driver announces its
 * ports with devmem_port_register() (the kernel's queue management ops); a
 * port without them cannot take a binding at all.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_ethdev.h>

#include "devmem_private.h"

#define DEVMEM_MAX_QUEUES 1024

enum rxq_state {
	RXQ_UNBOUND,
	RXQ_PENDING,   /* bound; the driver has not installed the provider yet */
	RXQ_INSTALLED, /* the driver's payload pool draws from the binding */
};

struct port_entry {
	const struct devmem_rxq_ops *ops;
	void *drv;
	bool in_callback;          /* rxq_restart runs: the port must stay registered */
	struct devmem_binding *binding[DEVMEM_MAX_QUEUES];
	struct devmem_pool *pool[DEVMEM_MAX_QUEUES];
	uint8_t state[DEVMEM_MAX_QUEUES];
};

/*
 * The registry lock is also every port's instance lock (the model of the
 * kernel's netdev instance lock): it is held across the driver's callbacks,
 * so a port cannot be unregistered, nor a queue rebound, while bind-rx
 * restarts one of its queues. It is a recursive mutex because the driver's
 * rxq_restart calls back into devmem_rxq_binding() and
 * devmem_rxq_provider_installed() on the same thread, and a sleeping lock
 * because that restart allocates a pool. Datapath code never takes it.
 */
static pthread_mutex_t ports_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static struct port_entry *ports[RTE_MAX_ETHPORTS];

static void ports_lock_take(void)
{
	pthread_mutex_lock(&ports_lock);
}

static void ports_lock_release(void)
{
	pthread_mutex_unlock(&ports_lock);
}

int devmem_port_register(uint16_t port_id, const struct devmem_rxq_ops *ops, void *drv)
{
	struct port_entry *pe;

	if (port_id >= RTE_MAX_ETHPORTS || !ops || !ops->rxq_info)
		return DEVMEM_FAIL(EINVAL,
				   "port_register: port %u: need a port below %u and rxq_info",
				   port_id, RTE_MAX_ETHPORTS);
	pe = calloc(1, sizeof(*pe));
	if (!pe)
		return DEVMEM_FAIL(ENOMEM, "port_register: out of memory");
	pe->ops = ops;
	pe->drv = drv;
	ports_lock_take();
	if (ports[port_id]) {
		ports_lock_release();
		free(pe);
		return DEVMEM_FAIL(EEXIST, "port %u is already registered", port_id);
	}
	ports[port_id] = pe;
	ports_lock_release();
	return 0;
}

/* Caller holds ports_lock. */
static void rxq_unbind_locked(struct port_entry *pe, uint16_t port_id, uint16_t q)
{
	struct devmem_binding *b = pe->binding[q];

	if (!b)
		return;
	devmem_dmabuf_provider_ops.uninstall(b, port_id, q);
	pe->binding[q] = NULL;
	pe->pool[q] = NULL;
	pe->state[q] = RXQ_UNBOUND;
	devmem_binding_deref(b);
}

void devmem_port_unregister(uint16_t port_id)
{
	struct port_entry *pe;
	uint16_t q;

	if (port_id >= RTE_MAX_ETHPORTS)
		return;
	ports_lock_take();
	pe = ports[port_id];
	if (pe && pe->in_callback) {
		/* Only the restarting thread itself gets here (the lock is held). */
		ports_lock_release();
		DEVMEM_LOG(ERR, "port %u: unregister from inside its own rxq_restart is refused",
			   port_id);
		return;
	}
	ports[port_id] = NULL;
	if (pe)
		for (q = 0; q < DEVMEM_MAX_QUEUES; q++)
			rxq_unbind_locked(pe, port_id, q);
	ports_lock_release();
	free(pe);
}

/* The kernel's checks, in netif_mp_open_rxq()'s order, for one queue. */
static int rxq_check_bindable(struct port_entry *pe, uint16_t port_id, uint16_t q,
			      const struct devmem_binding *binding)
{
	struct devmem_rxq_info info = { 0 };
	int ret;

	ret = pe->ops->rxq_info(pe->drv, q, &info);
	if (ret == -ERANGE || (ret == 0 && (q >= info.nb_rx_queues || q >= DEVMEM_MAX_QUEUES)))
		return DEVMEM_FAIL(ERANGE, "port %u: rx queue index %u out of range (%u queues)",
				   port_id, q, info.nb_rx_queues);
	if (ret)
		return DEVMEM_FAIL(-ret, "port %u queue %u: driver cannot describe the queue: %s",
				   port_id, q, strerror(-ret));
	if (info.consumer)
		return DEVMEM_FAIL(EBUSY, "port %u queue %u is owned by %s", port_id, q,
				   info.consumer);
	if (!info.split_enabled)
		return DEVMEM_FAIL(EINVAL, "port %u queue %u: header split is disabled", port_id,
				   q);
	if (info.split_threshold)
		return DEVMEM_FAIL(EINVAL, "port %u queue %u: split threshold is %u, not zero",
				   port_id, q, info.split_threshold);
	if (info.prog_attached)
		return DEVMEM_FAIL(EEXIST, "port %u: a program is attached to the device", port_id);
	if (pe->binding[q])
		return DEVMEM_FAIL(EEXIST, "port %u queue %u is already bound to binding %u",
				   port_id, q, pe->binding[q]->id);
	if (!info.unreadable_ok)
		return DEVMEM_FAIL(EOPNOTSUPP,
				   "port %u queue %u: driver cannot take unreadable memory",
				   port_id, q);
	if (info.started)
		return DEVMEM_FAIL(EBUSY, "port %u queue %u is started and may be polled: stop the "
				   "port, bind, then start it again", port_id, q);
	if (binding->unbound || binding->exported)
		return DEVMEM_FAIL(EINVAL, "binding %u is %s", binding->id,
				   binding->unbound ? "unbound" : "owned by an extbuf mempool");
	return 0;
}

/* A queue that is live restarts now, and must come back with the provider. */
static int rxq_apply_now(struct port_entry *pe, uint16_t port_id, uint16_t q)
{
	struct devmem_rxq_info info = { 0 };
	int ret;

	if (pe->ops->rxq_info(pe->drv, q, &info) || !info.setup)
		return 0;
	if (!pe->ops->rxq_restart)
		return DEVMEM_FAIL(EOPNOTSUPP,
				   "port %u queue %u is set up and the driver cannot restart it",
				   port_id, q);
	/* Under the instance lock: pe stays registered; the driver may call back in. */
	pe->in_callback = true;
	ret = pe->ops->rxq_restart(pe->drv, q);
	pe->in_callback = false;
	if (ret)
		return DEVMEM_FAIL(-ret, "port %u queue %u: restart failed: %s", port_id, q,
				   strerror(-ret));
	if (pe->state[q] != RXQ_INSTALLED)
		return DEVMEM_FAIL(ENODATA, "port %u queue %u: driver ignored the memory provider",
				   port_id, q);
	return 0;
}

int devmem_bind_rx(uint16_t port_id, const uint16_t *queues, unsigned int nb_queues,
		   struct devmem_binding *binding)
{
	struct port_entry *pe;
	unsigned int i, j;
	int ret = 0;

	if (!binding || !queues || nb_queues == 0)
		return DEVMEM_FAIL(EINVAL,
				   "bind_rx: a binding and at least one queue are required");
	if (port_id >= RTE_MAX_ETHPORTS)
		return DEVMEM_FAIL(ERANGE, "bind_rx: port %u out of range", port_id);
	ports_lock_take();
	pe = ports[port_id];
	if (!pe) {
		ports_lock_release();
		return DEVMEM_FAIL(EOPNOTSUPP, "port %u: driver has no devmem queue ops", port_id);
	}
	for (i = 0; i < nb_queues && !ret; i++) {
		for (j = 0; j < i && !ret; j++)
			if (queues[j] == queues[i])
				ret = DEVMEM_FAIL(EEXIST, "bind_rx: queue %u listed twice",
						  queues[i]);
		if (!ret)
			ret = rxq_check_bindable(pe, port_id, queues[i], binding);
	}
	for (i = 0; i < nb_queues && !ret; i++) {
		devmem_binding_ref(binding);
		pe->binding[queues[i]] = binding;
		pe->state[queues[i]] = RXQ_PENDING;
		ret = rxq_apply_now(pe, port_id, queues[i]);
	}
	if (ret) /* all or nothing */
		for (j = 0; j < i && j < nb_queues; j++)
			if (pe->binding[queues[j]] == binding)
				rxq_unbind_locked(pe, port_id, queues[j]);
	ports_lock_release();
	if (!ret)
		DEVMEM_LOG(INFO, "binding %u bound to %u queue(s) of port %u", binding->id,
			   nb_queues, port_id);
	return ret;
}

int devmem_unbind_rx(uint16_t port_id, uint16_t queue_id)
{
	struct port_entry *pe;
	int ret = 0;

	if (port_id >= RTE_MAX_ETHPORTS || queue_id >= DEVMEM_MAX_QUEUES)
		return DEVMEM_FAIL(ERANGE, "unbind_rx: port %u queue %u out of range", port_id,
				   queue_id);
	ports_lock_take();
	pe = ports[port_id];
	if (!pe || !pe->binding[queue_id])
		ret = DEVMEM_FAIL(ENOENT, "unbind_rx: port %u queue %u is not bound", port_id,
				  queue_id);
	else
		rxq_unbind_locked(pe, port_id, queue_id);
	ports_lock_release();
	return ret;
}

void devmem_bind_rx_forget_binding(struct devmem_binding *b)
{
	uint16_t port_id, q;

	ports_lock_take();
	for (port_id = 0; port_id < RTE_MAX_ETHPORTS; port_id++)
		for (q = 0; ports[port_id] && q < DEVMEM_MAX_QUEUES; q++)
			if (ports[port_id]->binding[q] == b)
				rxq_unbind_locked(ports[port_id], port_id, q);
	ports_lock_release();
}

struct devmem_binding *devmem_rxq_binding(uint16_t port_id, uint16_t queue_id)
{
	struct devmem_binding *b = NULL;

	if (port_id >= RTE_MAX_ETHPORTS || queue_id >= DEVMEM_MAX_QUEUES)
		return NULL;
	ports_lock_take();
	if (ports[port_id])
		b = ports[port_id]->binding[queue_id];
	ports_lock_release();
	return b;
}

void devmem_rxq_provider_installed(uint16_t port_id, uint16_t queue_id, struct devmem_pool *pool)
{
	struct devmem_provider_info info;
	struct port_entry *pe;

	if (port_id >= RTE_MAX_ETHPORTS || queue_id >= DEVMEM_MAX_QUEUES || !pool ||
	    devmem_pool_provider_info(pool, &info))
		return;
	ports_lock_take();
	pe = ports[port_id];
	/* Like page_pool_check_memory_provider(): the pool must use this queue's binding. */
	if (pe && pe->binding[queue_id] && info.binding_id == pe->binding[queue_id]->id) {
		pe->state[queue_id] = RXQ_INSTALLED;
		pe->pool[queue_id] = pool;
	}
	ports_lock_release();
}

int devmem_rxq_check(uint16_t port_id, uint16_t queue_id)
{
	struct devmem_rxq_info info = { 0 };
	struct port_entry *pe;
	int ret;

	if (port_id >= RTE_MAX_ETHPORTS || queue_id >= DEVMEM_MAX_QUEUES)
		return DEVMEM_FAIL(ERANGE, "rxq_check: port %u queue %u out of range", port_id,
				   queue_id);
	ports_lock_take();
	pe = ports[port_id];
	if (!pe || !pe->binding[queue_id])
		ret = -ENOENT;
	else if (pe->state[queue_id] == RXQ_INSTALLED)
		ret = 0;
	else if (pe->ops->rxq_info(pe->drv, queue_id, &info) == 0 && info.setup)
		ret = DEVMEM_FAIL(ENODATA, "port %u queue %u: driver ignored the memory provider",
				  port_id, queue_id);
	else
		ret = -EAGAIN;
	ports_lock_release();
	return ret;
}
