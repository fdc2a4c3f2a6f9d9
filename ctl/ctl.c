/* SPDX-License-Identifier: Apache-2.0 */
/* The command registry, request dispatch, replies and argument helpers. */
#include "ctl.h"

#include <brint/log.h>
#include <brint/util.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MOD "ctl"

struct ctl_reply {
	const char *cmd; /* for log lines */
	json_t *resp;	 /* the response object being built */
	bool answered;
};

/* ---- registry ----------------------------------------------------------------------------- */

static struct ctl_command *commands; /* kept sorted by name */

void ctl_register(struct ctl_command *c)
{
	struct ctl_command **pp = &commands;

	if (c == NULL || c->name == NULL || c->fn == NULL)
		return;
	while (*pp && strcmp((*pp)->name, c->name) < 0)
		pp = &(*pp)->next;
	if (*pp && strcmp((*pp)->name, c->name) == 0) {
		if (*pp != c)
			LOG_ERR(MOD, "command '%s' registered twice; keeping the first", c->name);
		return;
	}
	c->next = *pp;
	*pp = c;
}

const struct ctl_command *ctl_lookup(const char *name)
{
	if (name == NULL)
		return NULL;
	for (const struct ctl_command *c = commands; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct ctl_command *ctl_commands(void)
{
	return commands;
}

static void cmd_help(const json_t *args, struct ctl_reply *r)
{
	json_t *list = json_array();

	for (const struct ctl_command *c = commands; c; c = c->next)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", c->name, "usage",
						      c->usage ? c->usage : "", "help",
						      c->help ? c->help : ""));
	ctl_reply_ok(r, list);
}

CTL_COMMAND(help, "help", "", "list the commands this daemon knows", cmd_help)

/* ---- replies ------------------------------------------------------------------------------ */

static bool reply_claim(struct ctl_reply *r)
{
	if (r->answered) {
		LOG_WARN(MOD, "command '%s' answered more than once; extra reply dropped",
			 r->cmd ? r->cmd : "?");
		return false;
	}
	r->answered = true;
	return true;
}

void ctl_reply_ok(struct ctl_reply *r, json_t *result)
{
	if (!reply_claim(r)) {
		json_decref(result);
		return;
	}
	json_object_set_new(r->resp, "ok", json_true());
	json_object_set_new(r->resp, "result", result ? result : json_null());
}

static void reply_verr(struct ctl_reply *r, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (!reply_claim(r))
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	json_object_set_new(r->resp, "ok", json_false());
	json_t *e = json_string(msg ? msg : "out of memory");
	if (e == NULL && msg) {
		/* a message quoting the request's bytes (an unknown command, ...) that are not
		 * UTF-8: those bytes as '?', so that the error still says why */
		for (unsigned char *c = (unsigned char *)msg; *c; c++)
			if (*c >= 0x80 || *c < 0x20)
				*c = '?';
		e = json_string(msg);
	}
	json_object_set_new(r->resp, "error", e ? e : json_string("error"));
	free(msg);
}

void ctl_reply_err(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verr(r, fmt, ap);
	va_end(ap);
}

/* ---- argument helpers ----------------------------------------------------------------------- */

/* The value for key, or NULL when absent or JSON null (both mean "not given"). */
static const json_t *arg_get(const json_t *args, const char *key)
{
	const json_t *v = json_is_object(args) ? json_object_get(args, key) : NULL;
	return json_is_null(v) ? NULL : v;
}

/* 1: found, 0: optional and absent (nothing answered), -1: required and absent (answered). */
static int arg_present(const json_t *v, const char *key, bool required, struct ctl_reply *r)
{
	if (v != NULL)
		return 1;
	if (required) {
		ctl_reply_err(r, "args.%s: missing", key);
		return -1;
	}
	return 0;
}

int ctl_arg_str(const json_t *args, const char *key, bool required, const char **out,
		struct ctl_reply *r)
{
	const json_t *v = arg_get(args, key);
	int p = arg_present(v, key, required, r);

	if (p <= 0)
		return p;
	if (!json_is_string(v)) {
		ctl_reply_err(r, "args.%s: must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* Parse s as a whole base-10 integer (optional sign, no spaces, nothing after). */
static bool parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = v;
	return true;
}

static void int_err(struct ctl_reply *r, const char *key, long long min, long long max)
{
	if (min == LLONG_MIN && max == LLONG_MAX)
		ctl_reply_err(r, "args.%s: must be an integer", key);
	else if (max == LLONG_MAX)
		ctl_reply_err(r, "args.%s: must be an integer >= %lld", key, min);
	else if (min == LLONG_MIN)
		ctl_reply_err(r, "args.%s: must be an integer <= %lld", key, max);
	else
		ctl_reply_err(r, "args.%s: must be an integer in [%lld, %lld]", key, min, max);
}

int ctl_arg_int(const json_t *args, const char *key, bool required, long long min, long long max,
		long long *out, struct ctl_reply *r)
{
	const json_t *v = arg_get(args, key);
	int p = arg_present(v, key, required, r);
	long long n;

	if (p <= 0)
		return p;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (!json_is_string(v) || !parse_ll(json_string_value(v), &n))
		goto bad;
	if (n < min || n > max)
		goto bad;
	*out = n;
	return 0;
bad:
	int_err(r, key, min, max);
	return -1;
}

int ctl_arg_bool(const json_t *args, const char *key, bool required, bool *out, struct ctl_reply *r)
{
	const json_t *v = arg_get(args, key);
	int p = arg_present(v, key, required, r);

	if (p <= 0)
		return p;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0) {
		*out = true;
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "false") == 0) {
		*out = false;
		return 0;
	}
	ctl_reply_err(r, "args.%s: must be a boolean (true or false)", key);
	return -1;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static void dispatch(const json_t *req, struct ctl_reply *r)
{
	const json_t *cmd = json_object_get(req, "cmd");
	const json_t *args = json_object_get(req, "args");
	const struct ctl_command *c;
	json_t *empty = NULL;

	if (cmd == NULL) {
		ctl_reply_err(r, "cmd: missing");
		return;
	}
	if (!json_is_string(cmd)) {
		ctl_reply_err(r, "cmd: must be a string");
		return;
	}
	if (args != NULL && !json_is_null(args) && !json_is_object(args)) {
		ctl_reply_err(r, "args: must be an object");
		return;
	}
	c = ctl_lookup(json_string_value(cmd));
	if (c == NULL) {
		ctl_reply_err(r, "unknown command '%s' (try: brintctl help)",
			      json_string_value(cmd));
		return;
	}
	if (!json_is_object(args))
		args = empty = json_object();
	r->cmd = c->name;
	c->fn(args, r);
	json_decref(empty);
	if (!r->answered) {
		LOG_ERR(MOD, "command '%s' returned without answering", c->name);
		ctl_reply_err(r, "internal error: command '%s' did not answer", c->name);
	}
}

json_t *ctl_dispatch_line(const char *line, size_t len)
{
	struct ctl_reply r = {.resp = json_object()};
	json_error_t jerr;
	json_t *req;

	req = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		ctl_reply_err(&r, "invalid JSON: %s (at byte %d)", jerr.text, jerr.position);
		return r.resp;
	}
	if (!json_is_object(req)) {
		ctl_reply_err(&r, "request must be a JSON object");
	} else {
		json_t *id = json_object_get(req, "id");
		if (id != NULL)
			json_object_set(r.resp, "id", id);
		dispatch(req, &r);
	}
	json_decref(req);
	return r.resp;
}
