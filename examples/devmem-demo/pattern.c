/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payload the emulated NIC "DMAs": an 8-byte sequence number followed by
 * bytes derived from it. The application knows the sequence it expects, so a
 * fragment that is lost, duplicated, reordered, cut short or overwritten
 * while held (a chunk recycled too early) fails the check.
 */
#include <string.h>

#include <rte_common.h>

#include "demo.h"

/* Payload sizes the NIC cycles through: MSS-sized, medium, tiny, near a whole chunk. */
static const uint32_t frag_sizes[] = { 1448, 512, 64, 4000 };

uint32_t demo_frag_size(uint64_t seq)
{
	return frag_sizes[seq % RTE_DIM(frag_sizes)];
}

static inline uint8_t pattern_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131u + i);
}

void demo_pattern_write(uint8_t *dst, uint32_t size, uint64_t seq)
{
	uint32_t i;

	memcpy(dst, &seq, sizeof(seq));
	for (i = sizeof(seq); i < size; i++)
		dst[i] = pattern_byte(seq, i);
}

bool demo_pattern_check_seq(const uint8_t *src, uint64_t seq)
{
	uint64_t got;

	memcpy(&got, src, sizeof(got));
	return got == seq;
}

bool demo_pattern_check(const uint8_t *src, uint32_t size, uint64_t seq)
{
	uint32_t i;

	if (size < sizeof(seq) || !demo_pattern_check_seq(src, seq))
		return false;
	for (i = sizeof(seq); i < size; i++)
		if (src[i] != pattern_byte(seq, i))
			return false;
	return true;
}
