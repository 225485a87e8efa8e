/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit backends: where the emulated NIC's frames come from and go to.
 *
 * The device model (hsplit_device.c) is the only caller. It pulls linear
 * frames with rx_burst(), parses and splits them, then calls rx_done() to
 * hand the frames back; on transmit it linearises each mbuf chain (reading
 * device-memory payload through the dmabuf's device view) and passes the
 * frames to tx_burst(), which copies them out before returning.
 *
 * Threading: rx_burst/rx_done are called with the port's device lock held,
 * tx_burst with the port's transmit lock held, everything else from the
 * control thread while the data path is stopped. A backend needs no locks of
 * its own unless it shares state with another port (peer).
 *
 * Errors: negative errno. A backend whose interface vanished returns
 * -ENODEV (or -ENXIO/-ENETDOWN) from rx_burst/tx_burst and link_up() turns
 * false; the device model counts it and the port survives.
 */
#ifndef HSPLIT_BACKEND_H
#define HSPLIT_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct hsplit_devargs;

/* Largest frame any backend hands over (jumbo MTU 9000 + L2 + VLAN). */
#define HSPLIT_MAX_FRAME 9216u

struct hsplit_frame {
	uint8_t *data;
	uint32_t len;
};

struct hsplit_backend_ops;

/* Embedded first in every backend's private struct. */
struct hsplit_backend {
	const struct hsplit_backend_ops *ops;
	char port_name[64];      /* the vdev name, for log messages */
};

struct hsplit_backend_ops {
	const char *name;        /* the backend= value */
	/*
	 * Allocate and open; *out is the embedded struct hsplit_backend. `args`
	 * stays valid until close(); by start() args->mac holds the port's MAC.
	 */
	int (*open)(const struct hsplit_devargs *args, const char *port_name,
		    struct hsplit_backend **out);
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
};

extern const struct hsplit_backend_ops hsplit_backend_gen_ops;
extern const struct hsplit_backend_ops hsplit_backend_peer_ops;
/* gen with handshake=1 (hsplit_backend_gen_tcp.c); gen's open hands over to it. */
extern const struct hsplit_backend_ops hsplit_backend_gen_tcp_ops;
int hsplit_gen_tcp_open(const struct hsplit_devargs *args, const char *port_name,
			struct hsplit_backend **out);
struct rte_pmd_hsplit_gen_tcp_stats;
int hsplit_gen_tcp_stats(struct hsplit_backend *be, struct rte_pmd_hsplit_gen_tcp_stats *st);
extern const struct hsplit_backend_ops hsplit_backend_pcap_ops;
extern const struct hsplit_backend_ops hsplit_backend_afpacket_ops;
extern const struct hsplit_backend_ops hsplit_backend_afxdp_ops;

#endif /* HSPLIT_BACKEND_H */
