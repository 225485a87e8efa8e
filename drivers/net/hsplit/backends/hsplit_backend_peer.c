/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=peer: two net_hsplit ports in one process joined by a wire.
 *
 * The first of the two ports to probe creates the wire; the second attaches
 * to it. Each direction is a ring of frame slots: transmit copies a frame
 * into a slot of the far side's direction, receive hands the slots out and
 * returns them on rx_done. The wire is freed when both ends have closed; a
 * port whose peer has gone sees its link down and -ENOTCONN on transmit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <rte_errno.h>
#include <rte_string_fns.h>

#include "hsplit_backends.h"
#include "hsplit_log.h"

#define WIRE_SLOTS 1024u
#define PEER_BURST 32u

struct wire_slot {
	uint32_t len;
	uint8_t data[HSPLIT_MAX_FRAME];
};

/* One direction: frames travelling towards end `i` of the wire. */
struct wire_dir {
	struct rte_ring *ring;
	struct rte_mempool *slots;
};

struct wire {
	char names[2][64];
	bool attached[2];
	struct wire_dir to[2];
	struct wire *next;
};

struct peer_backend {
	struct hsplit_backend base;
	struct wire *wire;
	unsigned int end;                   /* 0 or 1 */
	struct wire_slot *held[PEER_BURST]; /* handed to the device until rx_done */
	unsigned int nb_held;
};

static pthread_mutex_t wires_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wire *wires;

static struct peer_backend *peer_of(struct hsplit_backend *be)
{
	return container_of(be, struct peer_backend, base);
}

static void wire_free(struct wire *w)
{
	unsigned int i;
	struct wire **pp;

	for (pp = &wires; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	for (i = 0; i < 2; i++) {
		rte_ring_free(w->to[i].ring);
		rte_mempool_free(w->to[i].slots);
	}
	rte_free(w);
}

static struct wire *wire_create(const char *self, const char *peer)
{
	static unsigned int seq;
	struct wire *w = rte_zmalloc("hsplit_wire", sizeof(*w), 0);
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	if (w == NULL)
		return NULL;
	strlcpy(w->names[0], self, sizeof(w->names[0]));
	strlcpy(w->names[1], peer, sizeof(w->names[1]));
	seq++;
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "hsplit_wr%u_%u", seq, i);
		w->to[i].ring = rte_ring_create(name, WIRE_SLOTS, SOCKET_ID_ANY, RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "hsplit_ws%u_%u", seq, i);
		w->to[i].slots = rte_mempool_create(name, WIRE_SLOTS - 1, sizeof(struct wire_slot),
						    0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
		if (w->to[i].ring == NULL || w->to[i].slots == NULL) {
			wire_free(w);
			return NULL;
		}
	}
	w->next = wires;
	wires = w;
	return w;
}

/* The wire this pair already has, with our end free; else NULL. */
static struct wire *wire_find(const char *self, const char *peer, unsigned int *end)
{
	struct wire *w;

	for (w = wires; w != NULL; w = w->next) {
		unsigned int i;

		for (i = 0; i < 2; i++)
			if (strcmp(w->names[i], self) == 0 && strcmp(w->names[!i], peer) == 0 &&
			    !w->attached[i]) {
				*end = i;
				return w;
			}
	}
	return NULL;
}

struct peer_conf {
	char peer[64];
};

static int on_peer(const char *v, void *c)
{
	struct peer_conf *conf = c;

	return hsplit_arg_string(v, conf->peer, sizeof(conf->peer));
}

static const struct hsplit_backend_arg peer_args[] = {
	{ "peer", on_peer, "the vdev name of another net_hsplit port" },
};

static const char *const peer_keys[] = { "peer", NULL };

static int peer_args_check(const struct hsplit_backend_params *params)
{
	struct peer_conf conf = { "" };

	return hsplit_backend_args_parse(params, &hsplit_backend_peer_ops, peer_args,
					 RTE_DIM(peer_args), &conf);
}

static int peer_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	const char *port_name = params->port_name;
	struct peer_conf conf = { "" }, *args = &conf;
	struct peer_backend *p;
	struct wire *w;
	unsigned int end = 0;
	int ret;

	ret = hsplit_backend_args_parse(params, &hsplit_backend_peer_ops, peer_args,
					RTE_DIM(peer_args), &conf);
	if (ret < 0)
		return ret;
	if (conf.peer[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=peer needs peer=<other net_hsplit vdev>", port_name);
		return -EINVAL;
	}
	if (strcmp(args->peer, port_name) == 0) {
		HSPLIT_LOG(ERR, "%s: peer=%s names the port itself", port_name, args->peer);
		return -EINVAL;
	}
	p = rte_zmalloc("hsplit_peer", sizeof(*p), 0);
	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&wires_lock);
	w = wire_find(port_name, args->peer, &end);
	if (w == NULL)
		w = wire_create(port_name, args->peer);
	if (w != NULL)
		w->attached[end] = true;
	pthread_mutex_unlock(&wires_lock);
	if (w == NULL) {
		HSPLIT_LOG(ERR, "%s: cannot create the wire to %s: %s", port_name, args->peer,
			   rte_strerror(rte_errno));
		rte_free(p);
		return -ENOMEM;
	}
	p->base.ops = &hsplit_backend_peer_ops;
	strlcpy(p->base.port_name, port_name, sizeof(p->base.port_name));
	p->wire = w;
	p->end = end;
	*out = &p->base;
	return 0;
}

static void peer_release_held(struct peer_backend *p)
{
	if (p->nb_held)
		rte_mempool_put_bulk(p->wire->to[p->end].slots, (void **)p->held, p->nb_held);
	p->nb_held = 0;
}

static void peer_close(struct hsplit_backend *be)
{
	struct peer_backend *p = peer_of(be);
	struct wire *w = p->wire;

	peer_release_held(p);
	pthread_mutex_lock(&wires_lock);
	w->attached[p->end] = false;
	if (!w->attached[!p->end])
		wire_free(w);
	pthread_mutex_unlock(&wires_lock);
	rte_free(p);
}

static int peer_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n)
{
	struct peer_backend *p = peer_of(be);
	struct wire_dir *in = &p->wire->to[p->end];
	unsigned int i;

	n = rte_ring_dequeue_burst(in->ring, (void **)p->held, RTE_MIN(n, PEER_BURST), NULL);
	for (i = 0; i < n; i++) {
		frames[i].data = p->held[i]->data;
		frames[i].len = p->held[i]->len;
	}
	p->nb_held = n;
	return (int)n;
}

static void peer_rx_done(struct hsplit_backend *be, unsigned int count)
{
	RTE_SET_USED(count);
	peer_release_held(peer_of(be));
}

static int peer_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
			 unsigned int n)
{
	struct peer_backend *p = peer_of(be);
	struct wire_dir *out = &p->wire->to[!p->end];
	struct wire_slot *slots[PEER_BURST];
	unsigned int i, queued;

	if (!p->wire->attached[!p->end])
		return -ENOTCONN;
	n = RTE_MIN(n, PEER_BURST);
	/* Take as many slots as are free; the rest waits (back-pressure). */
	while (n > 0 && rte_mempool_get_bulk(out->slots, (void **)slots, n) != 0)
		n /= 2;
	for (i = 0; i < n; i++) {
		slots[i]->len = frames[i].len;
		rte_memcpy(slots[i]->data, frames[i].data, frames[i].len);
	}
	queued = rte_ring_enqueue_burst(out->ring, (void **)slots, n, NULL);
	if (queued < n)
		rte_mempool_put_bulk(out->slots, (void **)&slots[queued], n - queued);
	return (int)queued;
}

static bool peer_link_up(struct hsplit_backend *be)
{
	struct peer_backend *p = peer_of(be);

	return p->wire->attached[0] && p->wire->attached[1];
}

const struct hsplit_backend_ops hsplit_backend_peer_ops = {
	.name = "peer",
	.keys = peer_keys,
	.args_check = peer_args_check,
	.open = peer_open,
	.close = peer_close,
	.rx_burst = peer_rx_burst,
	.rx_done = peer_rx_done,
	.tx_burst = peer_tx_burst,
	.link_up = peer_link_up,
};
