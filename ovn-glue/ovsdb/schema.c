/* SPDX-License-Identifier: Apache-2.0 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void table_fini(struct ovs_table_schema *t)
{
	for (unsigned i = 0; i < t->n_columns; i++)
		free(t->columns[i].name);
	free(t->columns);
	free(t->name);
}

void ovs_schema_free(struct ovs_schema *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n_tables; i++)
		table_fini(&s->tables[i]);
	free(s->tables);
	free(s->name);
	free(s->version);
	free(s);
}

static int table_from_json(struct ovs_table_schema *t, const char *name, const json_t *j, char *err,
			   size_t errlen)
{
	const json_t *cols = json_object_get(j, "columns"), *root, *cj;
	const char *cname;
	char e[160];

	t->name = strdup(name);
	if (!json_is_object(cols)) {
		snprintf(err, errlen, "table %s: \"columns\" missing", name);
		return -1;
	}
	root = json_object_get(j, "isRoot");
	t->is_root = root == NULL || json_is_true(root);
	t->columns =
	    calloc(json_object_size(cols) ? json_object_size(cols) : 1, sizeof(*t->columns));
	if (t->name == NULL || t->columns == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_foreach ((json_t *)cols, cname, cj) {
		struct ovs_column *c = &t->columns[t->n_columns];
		if (cname[0] == '_') /* _uuid and _version are implicit */
			continue;
		if (ovs_type_from_json(json_object_get(cj, "type"), &c->type, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "table %s column %s: %s", name, cname, e);
			return -1;
		}
		c->name = strdup(cname);
		if (c->name == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		t->n_columns++;
	}
	return 0;
}

struct ovs_schema *ovs_schema_from_json(const json_t *j, char *err, size_t errlen)
{
	const json_t *name = json_object_get(j, "name"), *version = json_object_get(j, "version");
	const json_t *tables = json_object_get(j, "tables"), *tj;
	const char *tname;
	struct ovs_schema *s;

	if (!json_is_object(j) || !json_is_string(name) || !json_is_object(tables)) {
		snprintf(err, errlen, "schema must be an object with \"name\" and \"tables\"");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->name = strdup(json_string_value(name));
	s->version = strdup(json_is_string(version) ? json_string_value(version) : "");
	s->tables =
	    calloc(json_object_size(tables) ? json_object_size(tables) : 1, sizeof(*s->tables));
	if (s->name == NULL || s->version == NULL || s->tables == NULL) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	json_object_foreach ((json_t *)tables, tname, tj) {
		int rc = table_from_json(&s->tables[s->n_tables], tname, tj, err, errlen);
		s->n_tables++; /* counted even on failure so that it is freed */
		if (rc < 0)
			goto error;
	}
	return s;
error:
	ovs_schema_free(s);
	return NULL;
}

const struct ovs_table_schema *ovs_schema_table(const struct ovs_schema *s, const char *name)
{
	for (unsigned i = 0; s && i < s->n_tables; i++)
		if (strcmp(s->tables[i].name, name) == 0)
			return &s->tables[i];
	return NULL;
}

int ovs_table_column(const struct ovs_table_schema *t, const char *name)
{
	for (unsigned i = 0; t && i < t->n_columns; i++)
		if (strcmp(t->columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool ovs_table_schema_equal(const struct ovs_table_schema *a, const struct ovs_table_schema *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(a->name, b->name) || a->n_columns != b->n_columns)
		return false;
	for (unsigned i = 0; i < a->n_columns; i++)
		if (strcmp(a->columns[i].name, b->columns[i].name) ||
		    !ovs_type_equal(&a->columns[i].type, &b->columns[i].type))
			return false;
	return true;
}

struct ovs_table_schema *ovs_table_schema_clone(const struct ovs_table_schema *t)
{
	struct ovs_table_schema *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->name = strdup(t->name);
	c->is_root = t->is_root;
	c->columns = calloc(t->n_columns ? t->n_columns : 1, sizeof(*c->columns));
	if (c->name == NULL || c->columns == NULL)
		goto oom;
	for (unsigned i = 0; i < t->n_columns; i++) {
		c->columns[i].name = strdup(t->columns[i].name);
		c->columns[i].type = t->columns[i].type;
		if (c->columns[i].name == NULL)
			goto oom;
		c->n_columns++;
	}
	return c;
oom:
	ovs_table_schema_free(c);
	return NULL;
}

void ovs_table_schema_free(struct ovs_table_schema *t)
{
	if (t == NULL)
		return;
	table_fini(t);
	free(t);
}

int ovs_version_parse(const char *s, unsigned v[3])
{
	int n = 0;
	if (s == NULL || sscanf(s, "%u.%u.%u%n", &v[0], &v[1], &v[2], &n) != 3 || s[n] != '\0')
		return -1;
	return 0;
}
