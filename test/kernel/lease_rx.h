/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_rx: the netdevsim queue lease test (kernel-patches/netdevsim/,
 * /dev/netdevsim_lease), in four files by job:
 *   lease_ring.c   a lease from the process's side: attach, the mmapped
 *                  rings, receiving and checking completions;
 *   lease_net.c    the world around it: the AF_PACKET sender and its frames,
 *                  kernel TCP between the two namespaces, per-queue and
 *                  page-pool counters, shell commands;
 *   lease_owner.c  each way the owner lets go, and what must hold after;
 *   lease_rx.c     the refusals, the main receive case, revocations, main().
 */
#ifndef HSPLIT_TEST_LEASE_RX_H
#define HSPLIT_TEST_LEASE_RX_H

#include <stdbool.h>
#include <stdint.h>

#include "devmem.h"
#include "hnl.h"
#include "netdevsim_lease.h"

#define LEASE_DEV "/dev/" NSIM_LEASE_DEVICE
#define POOL_SIZE (1u << 20)            /* the bound udmabuf: 256 buffers */
#define POOL_BUFS (POOL_SIZE / 4096)
#define FQ_ENTRIES 64
#define CQ_ENTRIES 256
#define RQ_ENTRIES 256
#define SLOT_SIZE 256
#define SLOTS FQ_ENTRIES
#define BATCH 32
#define HDR_LEN (14 + 20 + 20)
#define MAX_PAYLOAD 1448
#define WAIT_MS 10000
#define RX_ADDR "192.168.79.2"          /* the receiving port (guest script) */

/* The setup, from the command line (lease_rx.c). */
struct lease_env {
	const char *rx_if, *tx_if, *tx_netns;
	const char *oneq_named;         /* ONEQ_IF as given, NULL: not given */
	int rx_ifindex, oneq_ifindex;
	int queue;                      /* the leased queue */
	int port;                       /* the TCP port the ntuple rule steers to it */
	int tx_sock;                    /* AF_PACKET in the sender's namespace */
	uint8_t rx_mac[6], tx_mac[6];
	struct hnl_net nl;              /* holds the bind-rx binding */
	uint32_t next_frame;            /* number of the next AF_PACKET frame */
	char dev_id[32];                /* the receiving port's device, "netdevsim16" */
};
extern struct lease_env env;

/* ---- lease_ring.c ---- */

struct ring {
	uint32_t *prod, *cons, *flags;
	void *desc;
	uint32_t mask;
};

struct lease {
	int fd;
	struct nsim_lease_attach a;
	uint8_t *m;
	struct ring fq, cq, rq;
	uint8_t *hdr;
	struct nsim_lease_state *st;
};

struct rx_check {
	const uint8_t *view;            /* the dma-buf's device view */
	struct devmem_dmabuf *d;
	uint32_t frames, payload_frames, linear, other, bad_hdr, bad_payload, bad_flags;
	uint32_t csum_bad, tokens_returned, next_k;
	bool keep_tokens;               /* hold every buffer (close/kill cases) */
};

void attach_args(struct nsim_lease_attach *a, int ifindex, int q, int dmabuf_fd);
int lease_open(void);
int try_attach(int fd, struct nsim_lease_attach *a);      /* 0 or -errno */
int lease_take(struct lease *l, int dmabuf_fd);           /* open, attach, map, offer slots */
void lease_close(struct lease *l);
void ring_push(struct ring *r, uint32_t v);
int get_info(struct lease *l, struct nsim_lease_state *st);
void check_init(struct rx_check *c, struct devmem_dmabuf *d, uint32_t k0);
/* Consume completions until `frames` more frames arrived; -1 after WAIT_MS idle. */
int receive(struct lease *l, struct rx_check *c, uint32_t frames);
/* Send n good frames to the leased queue and receive them on l (tokens kept
 * when keep); 0 when all n arrived intact.
 */
int send_and_receive(struct lease *l, struct devmem_dmabuf *a, uint32_t n, bool keep);

/* ---- lease_net.c ---- */

uint8_t pattern(uint64_t i);
const char *errname(int e);
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double now_ms(void);
/* A socket in the namespace at path (NULL: ours); netlink ones through hnl. */
int socket_in(const char *path, int domain, int type, int proto);
int open_tx_socket(void);
unsigned int frame_plen(uint32_t k);
uint32_t frame_seq(uint32_t k);
size_t build_frame(uint8_t *f, uint32_t k, bool good);
int send_frames(uint32_t k0, uint32_t n, bool good);
/* dma-buf page pools of this namespace and the sender's; 0 or -errno. */
int pools_out(struct hnl_page_pools *o);
/* Wait (up to WAIT_MS) until no dma-buf page pool has buffers out. */
int pools_drain(struct hnl_page_pools *o, double *ms);
long tcp_csum_errors(void);
long wait_csum_errors(long from);
/* rx-<q>.packets and rx-<q>.bytes of the receiving port (ethtool -S). */
int rxq_stats(int q, uint64_t *packets, uint64_t *bytes);
/* Kernel TCP from the sender's namespace to RX_ADDR:port: `flows`
 * connections of `bytes` each, received here and compared with the
 * pattern. 0 when every byte arrived intact.
 */
int kernel_tcp(int port, unsigned int flows, uint64_t bytes, uint64_t *got);

/* ---- lease_owner.c ---- */

int lease_bind(struct devmem_dmabuf *a);        /* bind-rx on a fresh env.nl */
int lease_hds_on(void);                         /* ethtool rings-set tcp-data-split on */
void expect_revoked(struct lease *l, int want, const char *why);
void lease_close_held(struct devmem_dmabuf *a);
void lease_nl_first(struct devmem_dmabuf *a);
void lease_kill9(struct devmem_dmabuf *a);

#endif
