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

#endif /* HSPLIT_BACKENDS_H */
