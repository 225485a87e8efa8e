/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit's common devargs, parsed in one place (hsplit_devargs.c); each
 * backend parses its own keys (hsplit_backend.h). A bad value fails probe
 * with a message naming the devarg and what it accepts.
 */
#ifndef HSPLIT_DEVARGS_H
#define HSPLIT_DEVARGS_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define HSPLIT_MAX_QUEUES 16u

struct hsplit_backend_ops;

/* The common devargs; everything else belongs to the backend (backend_args). */
struct hsplit_devargs {
	const struct hsplit_backend_ops *backend; /* backend=<name>, default gen */
	char backend_args[1024];            /* the backend's own "k=v,k=v", unparsed */

	/* device */
	uint16_t max_queues;                /* max_queues=<1..16> */
	struct rte_ether_addr mac;          /* mac=<xx:xx:xx:xx:xx:xx> */
	bool mac_set;

	/* devmem payload */
	char dmabuf[256];                   /* dmabuf=<spec> (lib/devmem grammar) */
	bool dmabuf_queues[HSPLIT_MAX_QUEUES]; /* dmabuf_queues=[0,2-3]; default all */
	uint32_t chunk_size;                /* chunk=<bytes>, power of two */
	bool pack;                          /* placement=pack|single */
	bool copy_on_empty;                 /* on_empty=drop|copy */

	/* checksums */
	bool sw_csum;                       /* sw_csum=0|1: 1 ignores the backend's checksum status */

	/* measurement */
	bool cycle_stats;                   /* cycle_stats=0|1: TSC cycles per half in xstats */
};

int hsplit_devargs_parse(const char *name, const char *args, struct hsplit_devargs *out);

#endif /* HSPLIT_DEVARGS_H */
