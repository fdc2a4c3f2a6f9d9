/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the action parser (built with -Dfuzz=true): any bytes either fail
 * with an error inside the text, or give a program whose ranges are all in bounds and whose
 * canonical text parses back to the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lflow/act.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	static const char *const names[2][4] = {
	    {"in0", "in1", "in2", "in3"},
	    {"out0", "out1", "out2", "out3"},
	};
	return table >= 0 && table < 4 ? names[p == LFLOW_P_EGRESS][table] : NULL;
}

static void check_prog(const struct lflow_prog *p)
{
	if (p->top > p->n_insns || p->n_top > p->n_insns - p->top)
		abort();
	for (uint32_t i = 0; i < p->n_insns; i++) {
		const struct lflow_insn *in = &p->insns[i];
		if (in->op >= LFLOW_OP_N || in->sub > p->n_insns ||
		    in->n_sub > p->n_insns - in->sub || in->arg > p->n_args ||
		    in->n_args > p->n_args - in->arg)
			abort();
	}
	for (uint32_t i = 0; i < p->n_args; i++)
		if (p->args[i].str != LFLOW_STR_NONE && p->args[i].str >= p->strs_len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	/* the first byte picks the parse parameters */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	struct lflow_act_params pp = {
	    .pipeline = (data[0] & 1) ? LFLOW_P_EGRESS : LFLOW_P_INGRESS,
	    .cur_table = (data[0] >> 1) & 3,
	    .n_tables = (data[0] & 8) ? 4 : 0,
	    .stage_name = (data[0] & 16) ? stage_of : NULL,
	};
	if (pp.stage_name)
		pp.n_tables = 4;
	char *err = NULL;
	size_t pos = 0;
	struct lflow_prog *p = lflow_act_parse(text, &pp, &err, &pos);
	if (!p) {
		if (!err || pos > strlen(text))
			abort();
		free(err);
		free(text);
		return 0;
	}
	check_prog(p);
	char *s = lflow_prog_format(p);
	struct lflow_prog *q = lflow_act_parse(s, &pp, &err, &pos);
	if (!q) {
		fprintf(stderr, "canonical text does not parse: %s\n%s\n", err, s);
		abort();
	}
	char *s2 = lflow_prog_format(q);
	if (strcmp(s, s2)) {
		fprintf(stderr, "round trip differs:\n%s\n%s\n", s, s2);
		abort();
	}
	free(s2);
	free(s);
	lflow_prog_free(q);
	lflow_prog_free(p);
	free(text);
	return 0;
}
