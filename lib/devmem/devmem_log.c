/* SPDX-License-Identifier: BSD-3-Clause */
#include "devmem_private.h"

/* `--log-level=lib.devmem:debug` turns on lib/devmem's debug messages. */
RTE_LOG_REGISTER(devmem_logtype, lib.devmem, NOTICE);
