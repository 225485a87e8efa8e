/* SPDX-License-Identifier: BSD-3-Clause */
/* TAP output for the guest's test programs (devmem_rx, rxe_probe). */
#ifndef HSPLIT_KERNEL_TAP_H
#define HSPLIT_KERNEL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_n, tap_failed;

/* "ok N - ..." or "not ok N - ...", flushed at once: the guest may die next. */
static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

#endif /* HSPLIT_KERNEL_TAP_H */
