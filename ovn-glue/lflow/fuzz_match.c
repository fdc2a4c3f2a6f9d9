/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as an OVN match (with template expansion), parsed and
 * normalised with a small address set / port group context. Any outcome but a crash, a
 * leak or a hang is fine; errors must point inside the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lflow/expr.h"

static const char *as_a[] = {"10.0.0.1", "10.0.0.0/24", "fd00::1", "00:00:00:00:00:01"};
static const char *as_b[] = {"10.0.0.2", "192.168.0.0/16"};
static const char *pg[] = {"p1", "p2", "p3"};

static int addr_set(void *arg, const char *name, const char *const **m, size_t *n)
{
	(void)arg;
	if (!strcmp(name, "a")) {
		*m = as_a;
		*n = 4;
	} else if (!strcmp(name, "b")) {
		*m = as_b;
		*n = 2;
	} else if (!strcmp(name, "e")) {
		*m = NULL;
		*n = 0;
	} else {
		return -1;
	}
	return 0;
}

static int port_group(void *arg, const char *name, const char *const **m, size_t *n)
{
	(void)arg;
	if (strcmp(name, "g"))
		return -1;
	*m = pg;
	*n = 3;
	return 0;
}

static int template_var(void *arg, const char *name, const char **value)
{
	(void)arg;
	if (!strcmp(name, "vip"))
		*value = "10.96.0.1";
	else if (!strcmp(name, "set"))
		*value = "{1, 2, 3}";
	else
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *err = NULL;
	size_t pos = 0;
	char *exp = lf_template_expand(text, template_var, NULL, &err, &pos);
	if (!exp) {
		if (!err || pos > strlen(text))
			abort();
		free(err);
		free(text);
		return 0;
	}
	struct lf_expr_ctx ctx = {addr_set, port_group, NULL};
	struct lf_match m;
	struct lf_norm_opts o = {.max_expand = 16};
	if (lf_match_compile(exp, &ctx, &o, &m, &err, &pos) == 0) {
		char *s = lf_match_to_string(&m);
		free(s);
		lf_match_free(&m);
	} else {
		if (!err || pos > strlen(exp))
			abort();
		free(err);
	}
	free(exp);
	free(text);
	return 0;
}
