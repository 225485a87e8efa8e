/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HSPLIT_LOG_H
#define HSPLIT_LOG_H

#include <rte_log.h>

extern int hsplit_logtype;

#define HSPLIT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, hsplit_logtype, "net_hsplit: " fmt "\n", ##__VA_ARGS__)

#endif /* HSPLIT_LOG_H */
