/* SPDX-License-Identifier: Apache-2.0 */
#include "ovsdb/jalloc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define JALLOC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JALLOC_ASAN 1
#endif
#endif
#ifdef JALLOC_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN		16
#define GIVE_BACK_ABOVE (8u << 20) /* madvise the used part after messages above this */

static char *base;
static size_t cap, used, live, peak;
static __thread bool active;

static void *jmalloc(size_t n)
{
	if (active && base) {
		size_t sz = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
		if (sz >= n && cap - used >= sz) {
			void *p = base + used;
			used += sz;
			live++;
			UNPOISON(p, n);
			return p;
		}
	}
	return malloc(n);
}

static void jfree(void *p)
{
	if (p && base && (char *)p >= base && (char *)p < base + cap) {
		live--;
		return;
	}
	free(p);
}

bool jalloc_init(size_t reserve_bytes)
{
	void *m;
	if (base)
		return true;
	m = mmap(NULL, reserve_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return false;
	base = m;
	cap = reserve_bytes;
	json_set_alloc_funcs(jmalloc, jfree);
	return true;
}

void jalloc_begin(void)
{
	active = true;
}

void jalloc_end(void)
{
	active = false;
}

void jalloc_release(void)
{
	if (base == NULL || live != 0 || used == 0)
		return;
	if (used > peak)
		peak = used;
	POISON(base, used);
	if (used > GIVE_BACK_ABOVE)
		madvise(base, used, MADV_DONTNEED);
	used = 0;
}

size_t jalloc_peak_bytes(void)
{
	return peak > used ? peak : used;
}
