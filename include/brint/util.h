/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by every module. */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Set errno to e and return -e (grout's habit): `return errno_set(EINVAL);` */
static inline int errno_set(int e)
{
	errno = e;
	return -e;
}

/* Copy a string into a fixed buffer, always terminated; returns -ENAMETOOLONG if cut. */
static inline int strlcpy_chk(char *dst, const char *src, size_t n)
{
	size_t l = strlen(src);
	if (n == 0)
		return -ENAMETOOLONG;
	if (l >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, l + 1);
	return 0;
}

uint64_t brint_now_ms(void); /* CLOCK_MONOTONIC in milliseconds */
