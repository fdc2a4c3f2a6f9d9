/* SPDX-License-Identifier: Apache-2.0 */
/* A bump arena for the JSON tree of each received OVSDB message. jansson builds a message's
 * tree out of millions of small allocations (7 bytes of heap per byte of a large monitor
 * reply); taking them from one arena instead of the heap keeps them from fragmenting the
 * heap around the replica's rows, and frees them at once: the pages are handed back
 * (madvise) after a large message, so no malloc_trim() stall is needed.
 *
 * jansson's allocator is process-wide: the arena is used only between jalloc_begin() and
 * jalloc_end() on the calling thread (around json_loadb); anything else, on any thread,
 * gets malloc/free. The arena is reset only when every block taken from it has been freed,
 * so a reference kept past the message is safe (its block simply stays). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Reserve (address space only) and install the allocator; idempotent. false if the
 * reservation failed (then everything stays on malloc). */
bool jalloc_init(size_t reserve_bytes);
void jalloc_begin(void);
void jalloc_end(void);
/* After the message's tree was released: reset the arena if nothing is left in it. */
void jalloc_release(void);
size_t jalloc_peak_bytes(void); /* largest arena use so far */
