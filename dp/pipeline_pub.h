/* SPDX-License-Identifier: Apache-2.0 */
/* The current pipeline generation, published through RCU: the control thread swaps in a new
 * one, tells the PMDs which datapaths changed (dp/pl_diff.h; each PMD removes the cached
 * megaflows that went through one of them), waits for a grace period and frees the old one. PMDs
 * read it between two quiescent states (one slow-path run). `brintctl engine stats` shows it and
 * the interpreter's counters. */
#pragma once

#include "pipeline.h"

/* PMD: the generation to interpret, NULL before the first one. */
const struct pl_gen *pl_current(void);
/* Control thread: publish g (NULL: no pipeline) and free the previous one. */
void pl_publish(struct pl_gen *g);
