/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl's command line -> control request ({"cmd": ..., "args": {...}}), from a table.
 *
 * Known commands: the command words, then positionals, then options (options may also be mixed
 * with the positionals; "--" ends options). Anything else goes through a generic fallback:
 * cmd is every word up to the first "--option", "--key value" / "--key=value" become string args
 * (dashes in the key become underscores), a bare "--flag" becomes true, and the remaining
 * positionals (those after the first option, or after "--") go in args.argv. The daemon decides
 * whether such a command exists. */
#pragma once

#include <jansson.h>
#include <stdio.h>

struct cli_error {
	char msg[256];	 /* "port add: missing --type" */
	const char *cmd; /* the known command concerned, NULL for none */
	char usage[512]; /* its usage after the words ("NAME --type ..."); "" without cmd */
};

/* argv holds the command words onwards (no program name, no global options). Returns a new
 * request object, or NULL with *err filled. */
json_t *cli_parse(int argc, char *const argv[], struct cli_error *err);

/* The help block listing every known command with its usage and one line of help. */
void cli_print_commands(FILE *f);
