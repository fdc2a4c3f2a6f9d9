/* SPDX-License-Identifier: Apache-2.0 */
/* Generic human rendering of a JSON result (see render.h). */
#include "render.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Width on a terminal, counting each UTF-8 sequence as one column. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* One-line text for a value (caller frees). */
static char *inline_text(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return strdup("-");
	if (json_is_string(v) && !has_ctrl(json_string_value(v)))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static bool is_table(const json_t *v)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach (v, i, e)
		if (!json_is_object(e))
			return false;
	return json_object_size(json_array_get(v, 0)) > 0;
}

/* Rows that hold objects or tables read better as blocks than as one wide table line. */
static bool has_deep_rows(const json_t *rows)
{
	size_t i;
	const json_t *row, *v;
	const char *key;

	json_array_foreach ((json_t *)rows, i, row)
		json_object_foreach ((json_t *)row, key, v)
			if ((json_is_object(v) && json_object_size(v) > 0) || is_table(v))
				return true;
	return false;
}

static void put_cell(FILE *f, const char *s, size_t width, bool last)
{
	fputs(s, f);
	if (!last)
		fprintf(f, "%*s", (int)(width - text_width(s) + 2), "");
}

static void render_table(FILE *f, const json_t *rows, int indent)
{
	const json_t *first = json_array_get(rows, 0);
	size_t ncol = json_object_size(first), nrow = json_array_size(rows);
	const char **keys = calloc(ncol, sizeof(*keys));
	size_t *width = calloc(ncol, sizeof(*width));
	char **cells = calloc(ncol * nrow, sizeof(*cells));
	const char *key;
	const json_t *v;
	size_t c = 0;

	if (keys == NULL || width == NULL || cells == NULL)
		goto out;
	json_object_foreach ((json_t *)first, key, v) {
		keys[c] = key;
		width[c] = text_width(key);
		c++;
	}
	for (size_t r = 0; r < nrow; r++) {
		for (c = 0; c < ncol; c++) {
			char *s = inline_text(json_object_get(json_array_get(rows, r), keys[c]));
			if (s == NULL)
				goto out;
			cells[r * ncol + c] = s;
			if (text_width(s) > width[c])
				width[c] = text_width(s);
		}
	}
	fprintf(f, "%*s", indent, "");
	for (c = 0; c < ncol; c++)
		put_cell(f, keys[c], width[c], c + 1 == ncol);
	fputc('\n', f);
	for (size_t r = 0; r < nrow; r++) {
		fprintf(f, "%*s", indent, "");
		for (c = 0; c < ncol; c++)
			put_cell(f, cells[r * ncol + c], width[c], c + 1 == ncol);
		fputc('\n', f);
	}
out:
	for (size_t i = 0; cells && i < ncol * nrow; i++)
		free(cells[i]);
	free(cells);
	free(width);
	free(keys);
}

/* Each line of a multi-line string, indented. */
static void render_lines(FILE *f, const char *s, int indent)
{
	while (*s) {
		size_t len = strcspn(s, "\n");
		fprintf(f, "%*s%.*s\n", indent, "", (int)len, s);
		s += len;
		if (*s == '\n')
			s++;
	}
}

static void render_object(FILE *f, const json_t *obj, int indent)
{
	const char *key;
	const json_t *v;

	json_object_foreach ((json_t *)obj, key, v) {
		if (json_is_object(v) && json_object_size(v) > 0) {
			fprintf(f, "%*s%s:\n", indent, "", key);
			render_object(f, v, indent + 2);
		} else if (is_table(v)) {
			fprintf(f, "%*s%s:\n", indent, "", key);
			render_table(f, v, indent + 2);
		} else if (json_is_string(v) && strchr(json_string_value(v), '\n')) {
			fprintf(f, "%*s%s:\n", indent, "", key);
			render_lines(f, json_string_value(v), indent + 2);
		} else {
			char *s = inline_text(v);
			fprintf(f, "%*s%s: %s\n", indent, "", key, s ? s : "?");
			free(s);
		}
	}
}

void render_result(FILE *f, const json_t *result)
{
	size_t i;
	const json_t *e;

	if (result == NULL || json_is_null(result))
		return;
	if (json_is_string(result)) {
		const char *s = json_string_value(result);
		size_t len = strlen(s);
		fputs(s, f);
		if (len && s[len - 1] != '\n')
			fputc('\n', f);
	} else if (json_is_object(result)) {
		render_object(f, result, 0);
	} else if (is_table(result) && has_deep_rows(result)) {
		json_array_foreach (result, i, e) {
			if (i)
				fputc('\n', f);
			render_object(f, e, 0);
		}
	} else if (is_table(result)) {
		render_table(f, result, 0);
	} else if (json_is_array(result)) {
		json_array_foreach (result, i, e) {
			char *s = inline_text(e);
			fprintf(f, "%s\n", s ? s : "?");
			free(s);
		}
	} else {
		char *s = inline_text(result);
		fprintf(f, "%s\n", s ? s : "?");
		free(s);
	}
}
