/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devmem_rx: devmem TCP (devmem_rx.c) and io_uring zcrx (devmem_zcrx.c)
 * from the receiving side; what the two files share.
 */
#ifndef HSPLIT_TEST_DEVMEM_RX_H
#define HSPLIT_TEST_DEVMEM_RX_H

#include <stddef.h>
#include <stdint.h>

#include "hnl.h"

#define HDS_OFF HNL_TCP_DATA_SPLIT_DISABLED
#define HDS_ON HNL_TCP_DATA_SPLIT_ENABLED

uint64_t ts_ms(void);
/* Check `len` stream bytes at `pos` against the pattern; count mismatches. */
uint64_t mismatches(const uint8_t *p, size_t len, uint64_t pos);
const char *errname(int e);
/* A TAP case: rc (0 or -errno) must be -want. */
void expect_errno(int rc, int want, const char *what, const char *why);

/* devmem_zcrx.c: the zcrx selftest (devmem_rx zcrx ...). */
int do_zcrx(const char *ifname, const char *addr, int port, uint64_t total);

#endif
