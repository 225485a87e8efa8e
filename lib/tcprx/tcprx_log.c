/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcprx_private.h"

/* `--log-level=lib.tcprx:debug` turns on lib/tcprx's debug messages. */
RTE_LOG_REGISTER(tcprx_logtype, lib.tcprx, NOTICE);
