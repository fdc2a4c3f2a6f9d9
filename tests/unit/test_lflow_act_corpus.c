/* SPDX-License-Identifier: Apache-2.0 */
/* Every action of the northd 23.03 corpus (tests/golden/lflows.json: all Logical_Flows of a
 * topology with switches, a router, port security, ACLs, a load balancer, NAT and DHCP)
 * compiles, with 0 failures; each failure prints its flow. Each compiled program prints to
 * a canonical text that compiles to the same text again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "lflow/act.h"

#ifndef BRINT_SOURCE_DIR
#define BRINT_SOURCE_DIR "."
#endif

static json_t *load_corpus(void)
{
	json_error_t err;
	json_t *root = json_load_file(BRINT_SOURCE_DIR "/tests/golden/lflows.json", 0, &err);
	if (!root) {
		print_message("no corpus (%s): skipped\n", err.text);
		return NULL;
	}
	return root;
}

/* Tables of a switch or router pipeline (one bound for both pipelines, as OVN): one more
 * than the highest table seen. */
static int n_tables_of(json_t *flows, const char *stage)
{
	int max = -1;
	size_t i;
	json_t *f;
	json_array_foreach (flows, i, f) {
		const char *st = json_string_value(json_object_get(f, "stage"));
		const char *pl = json_string_value(json_object_get(f, "pipeline"));
		int t = (int)json_integer_value(json_object_get(f, "table"));
		if (st && pl && !strncmp(st, stage, 3) && t > max)
			max = t;
	}
	return max + 1;
}

/* Stage names by (switch/router, pipeline, table), from the corpus itself. */
#define MAX_TABLES 64
struct stages {
	const char *name[2][2][MAX_TABLES]; /* [router][egress][table] */
};

struct stage_aux {
	const struct stages *st;
	int router;
};

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	const struct stage_aux *a = aux;
	if (table < 0 || table >= MAX_TABLES)
		return NULL;
	return a->st->name[a->router][p == LFLOW_P_EGRESS][table];
}

static void collect_stages(json_t *flows, struct stages *st)
{
	size_t i;
	json_t *f;
	memset(st, 0, sizeof *st);
	json_array_foreach (flows, i, f) {
		const char *stage = json_string_value(json_object_get(f, "stage"));
		const char *pl = json_string_value(json_object_get(f, "pipeline"));
		int t = (int)json_integer_value(json_object_get(f, "table"));
		assert_non_null(stage);
		assert_true(t >= 0 && t < MAX_TABLES);
		const char **slot = &st->name[!strncmp(stage, "lr_", 3)][!strcmp(pl, "egress")][t];
		if (*slot)
			assert_string_equal(*slot, stage); /* one stage per table */
		*slot = stage;
	}
}

static void test_corpus_all_actions(void **state)
{
	(void)state;
	json_t *root = load_corpus();
	if (!root)
		skip();
	const char *ver = json_string_value(json_object_get(root, "ovn_version"));
	assert_non_null(ver);
	assert_non_null(strstr(ver, "23.03"));
	json_t *flows = json_object_get(root, "flows");
	assert_true(json_is_array(flows));
	assert_true(json_array_size(flows) > 100);

	struct stages st;
	collect_stages(flows, &st);
	size_t i, n_ok = 0, n_fail = 0, n_insns = 0, n_next = 0;
	unsigned ops_seen[LFLOW_OP_N] = {0};
	json_t *f;
	json_array_foreach (flows, i, f) {
		const char *actions = json_string_value(json_object_get(f, "actions"));
		const char *stage = json_string_value(json_object_get(f, "stage"));
		const char *pipeline = json_string_value(json_object_get(f, "pipeline"));
		const char *match = json_string_value(json_object_get(f, "match"));
		assert_non_null(actions);
		assert_non_null(stage);
		assert_non_null(pipeline);
		bool egress = !strcmp(pipeline, "egress");
		struct stage_aux aux = {&st, !strncmp(stage, "lr_", 3)};
		struct lflow_act_params pp = {
		    .pipeline = egress ? LFLOW_P_EGRESS : LFLOW_P_INGRESS,
		    .cur_table = (int)json_integer_value(json_object_get(f, "table")),
		    .n_tables = n_tables_of(flows, stage),
		    .stage_name = stage_of,
		    .aux = &aux,
		};
		char *err = NULL;
		size_t pos = 0;
		struct lflow_prog *p = lflow_act_parse(actions, &pp, &err, &pos);
		if (!p) {
			print_error("FAILED flow %zu: stage %s priority %lld\n  match:   %s\n"
				    "  actions: %s\n  error at %zu: %s\n",
				    i, stage,
				    (long long)json_integer_value(json_object_get(f, "priority")),
				    match ? match : "", actions, pos, err);
			free(err);
			n_fail++;
			continue;
		}
		n_ok++;
		n_insns += p->n_insns;
		for (uint32_t k = 0; k < p->n_insns; k++) {
			const struct lflow_insn *in = &p->insns[k];
			ops_seen[in->op]++;
			if (in->op != LFLOW_OP_NEXT)
				continue;
			/* every next names its stage; `next;` the stage after this one */
			const char *to = lflow_prog_str(p, in->u.next.stage);
			assert_non_null(to);
			assert_string_equal(to,
					    stage_of(&aux, (enum lflow_pipeline)in->u.next.pipeline,
						     in->u.next.table));
			if (in->flags & LFLOW_NEXT_F_FOLLOWING)
				assert_string_equal(to,
						    stage_of(&aux, pp.pipeline, pp.cur_table + 1));
			n_next++;
		}
		/* canonical text round trip */
		char *s = lflow_prog_format(p);
		struct lflow_prog *q = lflow_act_parse(s, &pp, &err, &pos);
		if (!q) {
			print_error("canonical text of flow %zu does not parse: %s\n  %s\n", i, err,
				    s);
			free(err);
			n_fail++;
		} else {
			char *s2 = lflow_prog_format(q);
			if (strcmp(s, s2)) {
				print_error("flow %zu: round trip differs:\n  %s\n  %s\n", i, s,
					    s2);
				n_fail++;
			}
			assert_int_equal(q->n_insns, p->n_insns);
			free(s2);
			lflow_prog_free(q);
		}
		free(s);
		lflow_prog_free(p);
	}
	unsigned distinct = 0;
	for (int op = 0; op < LFLOW_OP_N; op++)
		distinct += ops_seen[op] != 0;
	print_message("corpus: %zu flows compiled, %zu failed, %zu instructions, %u distinct "
		      "actions, %zu next with their stage named\n",
		      n_ok, n_fail, n_insns, distinct, n_next);
	assert_true(n_next > 100);
	assert_int_equal(n_fail, 0);
	/* the topology exercises conntrack, LB, NAT, DHCP, ND, ARP and port security */
	static const enum lflow_op must[] = {
	    LFLOW_OP_CT_LB_MARK, LFLOW_OP_CT_COMMIT,	   LFLOW_OP_CT_DNAT,
	    LFLOW_OP_CT_SNAT,	 LFLOW_OP_PUT_DHCPV4_OPTS, LFLOW_OP_PUT_DHCPV6_OPTS,
	    LFLOW_OP_ARP,	 LFLOW_OP_ND_NA,	   LFLOW_OP_CHECK_IN_PORT_SEC,
	    LFLOW_OP_NEXT,	 LFLOW_OP_OUTPUT,	   LFLOW_OP_LOAD,
	};
	for (size_t k = 0; k < sizeof must / sizeof must[0]; k++) {
		if (!ops_seen[must[k]])
			print_error("corpus has no %s\n", lflow_op_name(must[k]));
		assert_true(ops_seen[must[k]] > 0);
	}
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_all_actions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
