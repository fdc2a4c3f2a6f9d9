/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl's human output: a generic rendering of any command's JSON result.
 *
 *   null                 nothing
 *   "text"               the text as is (a newline added if it lacks one)
 *   [{...}, {...}]       an aligned table: the columns are the first object's keys, in order
 *   [1, "a"]             one element per line
 *   {"k": v, ...}        "k: v" lines; a nested object is a "k:" heading over its own lines,
 *                        indented by two spaces, an array of objects a heading over a table
 *
 * Inside a line or a cell, null (or a missing key) shows as "-" and nested values as compact
 * JSON. Strings holding control characters are shown JSON-escaped so that they cannot break the
 * layout, except multi-line strings under an object key, shown as indented lines. */
#pragma once

#include <jansson.h>
#include <stdio.h>

void render_result(FILE *f, const json_t *result);
