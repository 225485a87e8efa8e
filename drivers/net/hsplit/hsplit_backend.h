/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit backends: where the emulated NIC's frames come from and go to.
 *
 * The device model (device/hsplit_device.c) pulls linear frames with
 * rx_burst(), parses and splits them, then calls rx_done() to hand the
 * frames back; on transmit the driver (hsplit_tx.c) has the device gather
 * each mbuf chain into one frame and passes the frames to tx_burst(), which
 * copies them out before returning. The driver calls everything else.
 *
 * Threading: rx_burst/rx_done are called with the port's device lock held,
 * tx_burst with the port's transmit lock held, everything else from the
 * control thread while the data path is stopped. A backend needs no locks of
 * its own unless it shares state with another port (peer).
 *
 * Settings: each backend owns its devargs keys (ops->keys) and parses their
 * values itself (hsplit_backend_args_parse(), rte_kvargs underneath); the
 * common keys (backend=, max_queues=, mac=, dmabuf=, ...) are parsed once in
 * hsplit_devargs.c, which hands every other key=value to the backend.
 *
 * Pre-split devices (kq): a backend whose device already split each frame
 * (headers in host memory, payload in the port's bound dma-buf) offers the
 * presplit ops below instead of rx_burst/rx_done. The driver half
 * (hsplit_rx_presplit.c) then builds the mbufs itself, bypassing the device
 * model: nothing copies payload, and the payload chunks are the binding's own
 * (lib/devmem), so the strict PROT_NONE host view and the mbuf free path are
 * the same as for the emulated device's payload.
 *
 * Errors: negative errno. A backend whose interface vanished returns
 * -ENODEV (or -ENXIO/-ENETDOWN) from rx_burst/tx_burst and link_up() turns
 * false; the device model counts it and the port survives.
 */
#ifndef HSPLIT_BACKEND_H
#define HSPLIT_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct rte_ether_addr;

/* Largest frame any backend hands over (jumbo MTU 9000 + L2 + VLAN). */
#define HSPLIT_MAX_FRAME 9216u

/*
 * What the backend knows of a received frame's TCP/UDP checksum, from the
 * kernel that handed it over (only a backend whose ops set rx_csum fills it).
 */
enum hsplit_frame_csum {
	HSPLIT_FRAME_CSUM_UNKNOWN = 0, /* nothing: the device checks it in software */
	HSPLIT_FRAME_CSUM_VERIFIED,    /* the receiving NIC or kernel verified it */
	HSPLIT_FRAME_CSUM_LOCAL,       /* built on this host, checksum left to offload: the
					* field is not final, the data never crossed a wire */
};

struct hsplit_frame {
	uint8_t *data;
	uint32_t len;
	uint8_t csum;            /* enum hsplit_frame_csum; rx, backends with ops->rx_csum */
};

/* ---- pre-split receive ---- */

/* At most this many payload buffers per frame (a 64 KiB GRO frame in 4 KiB buffers). */
#define HSPLIT_PRESPLIT_MAX_SEGS 18u

/* Frame flags. */
#define HSPLIT_PRESPLIT_SPLIT       (1u << 0) /* headers in hdr, payload in seg[] */
#define HSPLIT_PRESPLIT_LINEAR      (1u << 1) /* the whole frame in hdr, no seg */
#define HSPLIT_PRESPLIT_L4_CSUM_OK  (1u << 2) /* the device verified the TCP/UDP checksum */
#define HSPLIT_PRESPLIT_L4_CSUM_BAD (1u << 3) /* ... and found it wrong */

/* One payload buffer: bytes [dmabuf_off, dmabuf_off + len) of the bound dma-buf. */
struct hsplit_presplit_seg {
	uint64_t dmabuf_off;
	uint32_t len;
	uint32_t token;          /* goes back through payload_return() once freed */
};

/* One frame as the device completed it; valid until rx_presplit_done(). */
struct hsplit_presplit_frame {
	const uint8_t *hdr;      /* host memory: header bytes (LINEAR: the frame) */
	uint16_t hdr_len;
	uint16_t nb_segs;
	uint32_t flags;          /* HSPLIT_PRESPLIT_* */
	uint32_t hash;           /* the device's RSS hash, 0 if none */
	struct hsplit_presplit_seg seg[HSPLIT_PRESPLIT_MAX_SEGS];
};

/* The payload memory a pre-split device fills: the queue's binding, at port start. */
struct hsplit_presplit_mem {
	int dmabuf_fd;
	uint64_t dmabuf_size;
	uint32_t chunk_size;     /* the binding's; the device's buffer size must equal it */
};

struct hsplit_backend_ops;

/* Embedded first in every backend's private struct. */
struct hsplit_backend {
	const struct hsplit_backend_ops *ops;
	char port_name[64];      /* the vdev name, for log messages */
	/*
	 * Frames come padded to the 60-byte Ethernet minimum, as off a wire, so
	 * a shorter one is a runt (gen, pcap). False for kernel links: veth and
	 * lo hand over a 42-byte ARP as it was built, and the device takes it.
	 */
	bool wire_padded;
};

/* What a backend is opened with; valid until close(). */
struct hsplit_backend_params {
	const char *port_name;                 /* the vdev name, for log messages */
	const char *args;                      /* its own devargs, "k=v,k=v" ("" for none) */
	const struct rte_ether_addr *port_mac; /* the port's MAC: final by start() */
};

#define HSPLIT_BACKEND_XSTATS_MAX 32u

/* One backend counter, shown in rte_eth_xstats as backend_<name>. */
struct hsplit_backend_xstat {
	char name[48];
	uint64_t value;
};

/* Statistics blocks a backend may fill for the rte_pmd_hsplit API. */
enum hsplit_backend_stats_kind {
	HSPLIT_BACKEND_STATS_GEN_TCP,  /* struct rte_pmd_hsplit_gen_tcp_stats */
};

struct hsplit_backend_ops {
	const char *name;        /* the backend= value */
	const char *const *keys; /* its own devargs keys, NULL-terminated (NULL: none) */
	bool rx_csum;            /* rx_burst fills frames[].csum (else it is never read) */
	/*
	 * The largest frame it carries, L2 header and one VLAN tag included
	 * (0: HSPLIT_MAX_FRAME). The port's max_mtu follows, so an MTU whose
	 * frames the backend would drop is refused when it is set.
	 */
	uint32_t max_frame;
	/*
	 * Optional: parse and check params->args against its own devargs table
	 * without opening anything (no interface, file, port or memory): the
	 * devargs fuzz target's entry point. 0 or -EINVAL, as open() would.
	 */
	int (*args_check)(const struct hsplit_backend_params *params);
	/* Allocate and open; *out is the embedded struct hsplit_backend. */
	int (*open)(const struct hsplit_backend_params *params, struct hsplit_backend **out);
	void (*close)(struct hsplit_backend *be);
	/* Optional: the port starts / stops (e.g. reset a generator). */
	int (*start)(struct hsplit_backend *be);
	void (*stop)(struct hsplit_backend *be);
	/* Up to n frames, oldest first; valid until rx_done(be, count). */
	int (*rx_burst)(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n);
	void (*rx_done)(struct hsplit_backend *be, unsigned int count);
	/* Copy out up to n frames; returns how many were taken. */
	int (*tx_burst)(struct hsplit_backend *be, const struct hsplit_frame *frames,
			unsigned int n);
	bool (*link_up)(struct hsplit_backend *be);
	/* Optional: the interface's MAC address, if the backend has one. */
	int (*mac_addr)(struct hsplit_backend *be, uint8_t mac[6]);
	/*
	 * Optional: the backend's own counters. Returns how many it has; fills
	 * xs[0..n) when n is at least that. Names and order never change while
	 * the backend is open, and at most HSPLIT_BACKEND_XSTATS_MAX. Reset is the
	 * driver's (it keeps a baseline).
	 */
	int (*xstats_get)(struct hsplit_backend *be, struct hsplit_backend_xstat *xs,
			  unsigned int n);
	/* Optional: fill a statistics block; -ENOTSUP for a kind it does not have. */
	int (*stats_get)(struct hsplit_backend *be, enum hsplit_backend_stats_kind kind, void *out);

	/*
	 * Pre-split devices only (rx_burst and rx_done are then NULL). The driver
	 * calls presplit_attach at port start, once the port's single receive
	 * queue has its binding, and presplit_detach at stop; everything the
	 * device handed out is void after detach (tokens included). The other
	 * three run on the polling lcore: rx_presplit hands out up to n frames,
	 * rx_presplit_done gives their header memory back (count frames, oldest
	 * first), payload_return gives payload buffers back by token once the last
	 * mbuf holding them was freed. -ENODEV etc. as rx_burst.
	 */
	int (*presplit_attach)(struct hsplit_backend *be, const struct hsplit_presplit_mem *mem);
	void (*presplit_detach)(struct hsplit_backend *be);
	int (*rx_presplit)(struct hsplit_backend *be, struct hsplit_presplit_frame *frames,
			   unsigned int n);
	void (*rx_presplit_done)(struct hsplit_backend *be, unsigned int count);
	void (*payload_return)(struct hsplit_backend *be, const uint32_t *tokens, unsigned int n);
};

/* backends/hsplit_backends.c: the registry, by backend= name. */
const struct hsplit_backend_ops *hsplit_backend_find(const char *name);
/* "gen, peer, ...": every backend= value, for messages. */
const char *hsplit_backend_names(void);
/* Is key one of ops' own devargs keys? */
bool hsplit_backend_has_key(const struct hsplit_backend_ops *ops, const char *key);

/*
 * A backend's devargs table: each key with its value parser (returns
 * -EINVAL for a bad value) and what it accepts, for the error message.
 */
struct hsplit_backend_arg {
	const char *key;
	int (*parse)(const char *value, void *conf);
	const char *accepted;
};

/*
 * Parse params->args with rte_kvargs against the table, into conf. A key not
 * in the table or a bad value fails with -EINVAL and a message naming the
 * key and what it accepts.
 */
int hsplit_backend_args_parse(const struct hsplit_backend_params *params,
			      const struct hsplit_backend_ops *ops,
			      const struct hsplit_backend_arg *table, unsigned int n, void *conf);

/* Value parsers for tables: 0 or -EINVAL. */
int hsplit_arg_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hsplit_arg_bool(const char *s, bool *out);
int hsplit_arg_string(const char *s, char *dst, unsigned long size);

#endif /* HSPLIT_BACKEND_H */
