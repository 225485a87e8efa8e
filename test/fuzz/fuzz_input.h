/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzzer's bytes read as a stream of numbers, for the targets that
 * program a device or a table from their input: reading past the end
 * yields zeros, so every input is a complete program.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t take8(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t take16(struct input *in)
{
	uint16_t hi = take8(in);

	return (uint16_t)(hi << 8 | take8(in));
}

static inline uint32_t take32(struct input *in)
{
	uint32_t hi = take16(in);

	return hi << 16 | take16(in);
}

#endif /* FUZZ_INPUT_H */
