/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl's command table and the argv -> request translation. */
#include "cli_parse.h"

#include <brint/util.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum cli_type {
	CLI_STR,
	CLI_INT,
	CLI_FLAG, /* options only: present -> true */
};

struct cli_pos {
	const char *meta; /* "NAME", shown in usage and errors */
	const char *key;  /* args key */
	enum cli_type type;
	bool optional; /* only trailing positionals may be optional */
};

struct cli_opt {
	const char *name; /* without the dashes: "iface-id" */
	const char *key;  /* args key: "iface_id" */
	enum cli_type type;
	const char *meta;    /* value placeholder in usage, when there are no choices */
	const char *choices; /* "a|b|c": the only values accepted, NULL for any */
	bool required;
};

#define CLI_MAX_POS 3
#define CLI_MAX_OPT 8

struct cli_cmd {
	const char *name; /* words separated by single spaces; also the request's cmd */
	const char *help;
	struct cli_pos pos[CLI_MAX_POS];
	struct cli_opt opts[CLI_MAX_OPT];
};

/* clang-format off */
static const struct cli_cmd cli_table[] = {
	{.name = "help", .help = "list the commands the daemon knows"},
	{.name = "port add",
	 .help = "add a port: a vhost-user socket, a DPDK device or a TAP interface",
	 .pos = {{"NAME", "name", CLI_STR, false}},
	 .opts = {
		 {"type", "type", CLI_STR, NULL, "vhost-user|dpdk|tap", true},
		 {"path", "path", CLI_STR, "SOCK", NULL, false},
		 {"mode", "mode", CLI_STR, NULL, "server|client", false},
		 {"queues", "queues", CLI_INT, "N", NULL, false},
		 {"iface-id", "iface_id", CLI_STR, "ID", NULL, false},
		 {"devargs", "devargs", CLI_STR, "ARGS", NULL, false},
		 {"iface", "iface", CLI_STR, "IFNAME", NULL, false},
	 }},
	{.name = "port del", .help = "remove a port", .pos = {{"NAME", "name", CLI_STR, false}}},
	{.name = "port list", .help = "list the ports with their state and counters"},
	{.name = "xconnect add",
	 .help = "forward everything PORT_A receives out of PORT_B, bypassing the pipeline",
	 .pos = {{"PORT_A", "from", CLI_STR, false}, {"PORT_B", "to", CLI_STR, false}}},
	{.name = "xconnect del",
	 .help = "remove the cross-connect from PORT_A",
	 .pos = {{"PORT_A", "from", CLI_STR, false}}},
	{.name = "xconnect list", .help = "list the cross-connects"},
	{.name = "pmd stats",
	 .help = "show the per-PMD packet and cycle counters (--clear: reset them)",
	 .opts = {{"clear", "clear", CLI_FLAG, NULL, NULL, false}}},
	{.name = "pmd rxq", .help = "show which PMD core polls each receive queue"},
	{.name = "pmd rxq-pin",
	 .help = "poll receive queue QUEUE of PORT on lcore CORE",
	 .pos = {{"PORT", "port", CLI_STR, false},
		 {"QUEUE", "queue", CLI_INT, false},
		 {"CORE", "core", CLI_INT, false}}},
	{.name = "log level",
	 .help = "show the log level, or set it to err, warn, info or debug",
	 .pos = {{"LEVEL", "level", CLI_STR, true}}},
	{.name = "sb status", .help = "show the state of the OVN southbound connection"},
	{.name = "sb dump",
	 .help = "dump one table of the local southbound replica",
	 .pos = {{"TABLE", "table", CLI_STR, false}}},
	{.name = "binding list", .help = "list the port bindings of this chassis"},
	{.name = "lflow stats", .help = "show the logical flow compiler counters"},
	{.name = "lflow show",
	 .help = "show the compiled logical flows of DATAPATH, or of one STAGE of it (--json: as "
		 "JSON, with each program as structured instructions)",
	 .pos = {{"DATAPATH", "datapath", CLI_STR, false}, {"STAGE", "stage", CLI_STR, true}},
	 .opts = {{"json", "json", CLI_FLAG, NULL, NULL, false}}},
	{.name = "trace",
	 .help = "trace a packet described by MICROFLOW arriving on PORT through the pipeline",
	 .pos = {{"PORT", "port", CLI_STR, false}, {"MICROFLOW", "flow", CLI_STR, false}}},
	{.name = "flows dump", .help = "dump the flows installed in the datapath"},
};
/* clang-format on */

/* ---- usage -------------------------------------------------------------------------------- */

static size_t n_pos(const struct cli_cmd *c)
{
	size_t n = 0;
	while (n < CLI_MAX_POS && c->pos[n].meta)
		n++;
	return n;
}

static size_t n_opts(const struct cli_cmd *c)
{
	size_t n = 0;
	while (n < CLI_MAX_OPT && c->opts[n].name)
		n++;
	return n;
}

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size;
}

/* "NAME --type vhost-user|dpdk|tap [--path SOCK] ..." */
static void format_usage(const struct cli_cmd *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n_pos(c); i++)
		append(buf, size, &len, c->pos[i].optional ? "%s[%s]" : "%s%s", len ? " " : "",
		       c->pos[i].meta);
	for (size_t i = 0; i < n_opts(c); i++) {
		const struct cli_opt *o = &c->opts[i];
		const char *val = o->choices ? o->choices : o->meta;

		append(buf, size, &len, "%s%s--%s%s%s%s", len ? " " : "", o->required ? "" : "[",
		       o->name, val ? " " : "", val ? val : "", o->required ? "" : "]");
	}
}

void cli_print_commands(FILE *f)
{
	char usage[512];

	fputs("Commands:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(cli_table); i++) {
		const struct cli_cmd *c = &cli_table[i];

		format_usage(c, usage, sizeof(usage));
		fprintf(f, "  %s%s%s\n      %s\n", c->name, *usage ? " " : "", usage, c->help);
	}
	fputs("  WORD... [--KEY VALUE | --FLAG]... [-- ARG...]\n"
	      "      any other command the daemon knows (see: brintctl help); --KEY VALUE is\n"
	      "      sent as args.KEY, a bare --FLAG as true, the ARGs in args.argv\n",
	      f);
}

/* ---- errors ------------------------------------------------------------------------------- */

static void set_err(struct cli_error *err, const struct cli_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(struct cli_error *err, const struct cli_cmd *c, const char *fmt, ...)
{
	size_t len = 0;
	va_list ap;

	err->msg[0] = '\0';
	if (c)
		append(err->msg, sizeof(err->msg), &len, "%s: ", c->name);
	va_start(ap, fmt);
	if (len < sizeof(err->msg))
		vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
	err->cmd = c ? c->name : NULL;
	if (c)
		format_usage(c, err->usage, sizeof(err->usage));
	else
		err->usage[0] = '\0';
}

/* ---- values ------------------------------------------------------------------------------- */

static bool parse_int(const char *s, json_int_t *out)
{
	char *end;
	long long v;

	if (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0')
		return false;
	*out = (json_int_t)v;
	return true;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* ---- known commands ----------------------------------------------------------------------- */

/* How many argv words the command name takes, 0 if it does not match. */
static int match_words(const char *name, int argc, char *const argv[])
{
	int i = 0;

	for (const char *p = name; *p; i++) {
		size_t len = strcspn(p, " ");

		if (i >= argc || strlen(argv[i]) != len || strncmp(argv[i], p, len) != 0)
			return 0;
		p += len;
		if (*p == ' ')
			p++;
	}
	return i;
}

static const struct cli_opt *find_opt(const struct cli_cmd *c, const char *name, size_t len)
{
	for (size_t i = 0; i < n_opts(c); i++)
		if (strlen(c->opts[i].name) == len && strncmp(c->opts[i].name, name, len) == 0)
			return &c->opts[i];
	return NULL;
}

/* Build {"cmd": ..., "args": {positionals in order, options in table order}}. */
static json_t *parse_known(const struct cli_cmd *c, int argc, char *const argv[],
			   struct cli_error *err)
{
	const char *opt_val[CLI_MAX_OPT] = {0};
	const char *pos[CLI_MAX_POS];
	size_t np = 0, maxp = n_pos(c), minp = 0;
	bool only_pos = false;
	json_t *args;

	while (minp < maxp && !c->pos[minp].optional)
		minp++;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct cli_opt *o;
		size_t idx;

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (only_pos || strncmp(a, "--", 2) != 0) {
			if (np == maxp) {
				set_err(err, c, "unexpected argument '%s'", a);
				return NULL;
			}
			pos[np++] = a;
			continue;
		}
		eq = strchr(a + 2, '=');
		o = find_opt(c, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		if (o == NULL) {
			set_err(err, c, "unknown option '%.*s'",
				eq ? (int)(eq - a) : (int)strlen(a), a);
			return NULL;
		}
		idx = (size_t)(o - c->opts);
		if (opt_val[idx]) {
			set_err(err, c, "option --%s given twice", o->name);
			return NULL;
		}
		if (o->type == CLI_FLAG) {
			if (eq) {
				set_err(err, c, "option --%s takes no value", o->name);
				return NULL;
			}
			opt_val[idx] = "";
			continue;
		}
		if (eq) {
			opt_val[idx] = eq + 1;
		} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
			opt_val[idx] = argv[++i];
		} else {
			set_err(err, c, "option --%s needs a value", o->name);
			return NULL;
		}
	}
	if (np < minp) {
		set_err(err, c, "missing %s", c->pos[np].meta);
		return NULL;
	}
	for (size_t i = 0; i < n_opts(c); i++) {
		if (c->opts[i].required && opt_val[i] == NULL) {
			set_err(err, c, "missing --%s", c->opts[i].name);
			return NULL;
		}
	}

	args = json_object();
	for (size_t i = 0; i < np; i++) {
		json_int_t v;

		if (c->pos[i].type != CLI_INT) {
			json_object_set_new(args, c->pos[i].key, json_string(pos[i]));
		} else if (parse_int(pos[i], &v)) {
			json_object_set_new(args, c->pos[i].key, json_integer(v));
		} else {
			set_err(err, c, "%s must be an integer, not '%s'", c->pos[i].meta, pos[i]);
			goto fail;
		}
	}
	for (size_t i = 0; i < n_opts(c); i++) {
		const struct cli_opt *o = &c->opts[i];
		json_int_t v;

		if (opt_val[i] == NULL)
			continue;
		if (o->type == CLI_FLAG) {
			json_object_set_new(args, o->key, json_true());
		} else if (o->type == CLI_INT) {
			if (!parse_int(opt_val[i], &v)) {
				set_err(err, c, "--%s must be an integer, not '%s'", o->name,
					opt_val[i]);
				goto fail;
			}
			json_object_set_new(args, o->key, json_integer(v));
		} else if (o->choices && !choice_ok(o->choices, opt_val[i])) {
			set_err(err, c, "--%s must be one of %s, not '%s'", o->name, o->choices,
				opt_val[i]);
			goto fail;
		} else {
			json_object_set_new(args, o->key, json_string(opt_val[i]));
		}
	}
	return json_pack("{s:s, s:o}", "cmd", c->name, "args", args);
fail:
	json_decref(args);
	return NULL;
}

/* ---- anything else ------------------------------------------------------------------------ */

static json_t *parse_generic(int argc, char *const argv[], struct cli_error *err)
{
	json_t *args = json_object(), *rest = json_array(), *req = NULL;
	char *cmd = NULL, *key = NULL;
	size_t cmd_len = 0;
	bool only_pos = false, in_words = true;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		json_t *val;

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = true;
			in_words = false;
			continue;
		}
		if (only_pos || strncmp(a, "--", 2) != 0) {
			if (in_words) {
				size_t l = strlen(a);
				char *n = realloc(cmd, cmd_len + l + 2);
				if (n == NULL)
					goto nomem;
				cmd = n;
				if (cmd_len)
					cmd[cmd_len++] = ' ';
				memcpy(cmd + cmd_len, a, l + 1);
				cmd_len += l;
			} else {
				json_array_append_new(rest, json_string(a));
			}
			continue;
		}
		in_words = false;
		eq = strchr(a + 2, '=');
		free(key);
		key = eq ? strndup(a + 2, (size_t)(eq - a - 2)) : strdup(a + 2);
		if (key == NULL)
			goto nomem;
		if (*key == '\0') {
			set_err(err, NULL, "option '%s': empty name", a);
			goto out;
		}
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		if (strcmp(key, "argv") == 0 || json_object_get(args, key)) {
			set_err(err, NULL, "option '%.*s' %s", eq ? (int)(eq - a) : (int)strlen(a),
				a, strcmp(key, "argv") == 0 ? "is reserved" : "given twice");
			goto out;
		}
		if (eq)
			val = json_string(eq + 1);
		else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
			val = json_string(argv[++i]);
		else
			val = json_true();
		json_object_set_new(args, key, val);
	}
	if (cmd == NULL) {
		set_err(err, NULL, "missing command");
		goto out;
	}
	if (json_array_size(rest))
		json_object_set(args, "argv", rest);
	req = json_pack("{s:s, s:O}", "cmd", cmd, "args", args);
	if (req == NULL)
		goto nomem;
	goto out;
nomem:
	set_err(err, NULL, "out of memory");
out:
	free(key);
	free(cmd);
	json_decref(rest);
	json_decref(args);
	return req;
}

json_t *cli_parse(int argc, char *const argv[], struct cli_error *err)
{
	const struct cli_cmd *best = NULL;
	int best_words = 0;

	*err = (struct cli_error){0};
	if (argc <= 0 || strncmp(argv[0], "-", 1) == 0) {
		set_err(err, NULL, "missing command");
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cli_table); i++) {
		int n = match_words(cli_table[i].name, argc, argv);
		if (n > best_words) {
			best_words = n;
			best = &cli_table[i];
		}
	}
	if (best)
		return parse_known(best, argc - best_words, argv + best_words, err);
	return parse_generic(argc, argv, err);
}
