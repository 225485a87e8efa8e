/* SPDX-License-Identifier: BSD-3-Clause */
/* The backends the registry (hsplit_backends.c) knows, each in its own file. */
#ifndef HSPLIT_BACKENDS_H
#define HSPLIT_BACKENDS_H

#include "hsplit_backend.h"

extern const struct hsplit_backend_ops hsplit_backend_gen_ops;
extern const struct hsplit_backend_ops hsplit_backend_peer_ops;
extern const struct hsplit_backend_ops hsplit_backend_pcap_ops;
extern const struct hsplit_backend_ops hsplit_backend_afpacket_ops;
extern const struct hsplit_backend_ops hsplit_backend_afxdp_ops;
extern const struct hsplit_backend_ops hsplit_backend_ethdev_ops;
extern const struct hsplit_backend_ops hsplit_backend_kq_ops;

/* backend=afpacket's socket, transmit only: what backend=kq sends its frames with. */
int hsplit_afpacket_tx_open(const char *port_name, const char *iface,
			    struct hsplit_backend **out);

#endif /* HSPLIT_BACKENDS_H */
