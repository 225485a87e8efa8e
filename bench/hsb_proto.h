/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What hsb-send puts on the wire, shared by every hsplit-bench receiver.
 *
 * Bulk: byte k of each connection's stream is k % 251 (a prime, so the
 * pattern never lines up with page or segment sizes and a receiver that
 * drops, repeats or reorders a run of bytes sees mismatches).
 *
 * Latency: messages of a fixed size S back to back; each starts with a
 * struct hsb_stamp (little-endian) and the rest of it carries the pattern
 * at its stream offsets.
 */
#ifndef HSPLIT_HSB_PROTO_H
#define HSPLIT_HSB_PROTO_H

#include <stdint.h>

#define HSB_DEFAULT_PORT 5201
#define HSB_PATTERN_MOD 251u
#define HSB_STAMP_MAGIC 0x31425348u /* "HSB1" as little-endian bytes */

struct hsb_stamp {
	uint32_t magic;
	uint32_t seq;     /* 0, 1, 2, ... per connection */
	uint64_t send_ns; /* CLOCK_MONOTONIC, taken just before send() */
};

_Static_assert(sizeof(struct hsb_stamp) == 16, "hsb_stamp is 16 bytes on the wire");

static inline uint8_t hsb_pattern_byte(uint64_t stream_off)
{
	return (uint8_t)(stream_off % HSB_PATTERN_MOD);
}

#endif
