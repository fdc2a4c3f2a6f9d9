/* SPDX-License-Identifier: Apache-2.0 */
/* A compiled action program as structured JSON, for `brintctl lflow show ... --json` and
 * for tools that read programs without parsing action text. An array of instructions, each
 *   {"op": "ct_lb_mark",                        action keyword (lflow_op_name)
 *    "text": "ct_lb_mark(backends=...);",       the instruction as canonical action text
 *    "dst": "reg0[3]", "src": "reg1",           destination / source fields, when used
 *    "args": [...],                             operands, each {"kind": ...}:
 *        {"kind": "const", "value": "10.0.0.0", "mask": "255.0.0.0", "format": "IPv4"}
 *        {"kind": "string", "value": "lsp1"}
 *        {"kind": "field", "field": "reg0[0..15]"}
 *        {"kind": "option", "name": "router", "values": [operands]}
 *        {"kind": "backend", "address": "10.0.0.2", "port": 80}
 *        {"kind": "member", "id": 1, "weight": 100}
 *    "params": {...},                           op-specific parameters (next: pipeline,
 *                                               table, stage; nat: family, ports; ...)
 *    "block": [instructions]}                   nested block (clone, arp, ct_commit, ...);
 *                                               [] is an empty block (drop)
 * Keys that do not apply are left out. */
#pragma once

#include "lflow/act.h"

#include <jansson.h>

/* NULL prog: the empty program (`drop;`): []. NULL only when out of memory. */
json_t *lflow_prog_to_json(const struct lflow_prog *prog);
