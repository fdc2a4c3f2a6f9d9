/* SPDX-License-Identifier: Apache-2.0 */
/* Frames built byte by byte and the tests' own RFC 1071 sum, shared by the packet tests
 * (test_parse.c, test_pktgen.c, test_dp_actions.c, test_pl_pktmode.c): each test builds the
 * headers it needs with put*() and checks checksums with sum16() rather than with the code
 * under test. Header only (static inline), no dependencies. */
#pragma once

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct frame {
	uint8_t b[2048];
	size_t n;
	size_t l3, l4; /* where the test put them */
};

static inline void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static inline void put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static inline void put16(struct frame *f, uint16_t v)
{
	v = htons(v);
	put(f, &v, 2);
}

static inline void put32(struct frame *f, uint32_t v)
{
	v = htonl(v);
	put(f, &v, 4);
}

/* the RFC 1071 sum of n bytes on top of s: 16-bit big-endian words (an odd last byte is the
 * high half of a word), folded to 16 bits; 0xffff over a header with its checksum: correct */
static inline uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}
