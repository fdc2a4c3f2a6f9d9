/* SPDX-License-Identifier: Apache-2.0 */
/* The control interface: a UNIX socket (mode 0600) speaking newline-delimited JSON.
 *
 * Request : {"id": 7, "cmd": "port add", "args": {"name": "p0", "type": "tap", ...}}\n
 * Response: {"id": 7, "ok": true, "result": <any JSON>}\n
 *       or: {"id": 7, "ok": false, "error": "port p0: already exists"}\n
 *
 * Commands are registered by the modules that own them (CTL_COMMAND below) and run on the
 * control thread's event loop, never on a PMD. The built-in "help" lists them. */
#pragma once

#include <brint/evloop.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct ctl_reply;

/* A handler answers exactly once, with ctl_reply_ok() or ctl_reply_err().
 * `args` is always an object (empty when the request had none). */
typedef void (*ctl_cmd_fn)(const json_t *args, struct ctl_reply *r);

struct ctl_command {
	const char *name;  /* "port add" */
	const char *usage; /* "NAME --type TYPE ..." shown by help */
	const char *help;  /* one line */
	ctl_cmd_fn fn;
	struct ctl_command *next;
};

void ctl_register(struct ctl_command *c);
const struct ctl_command *ctl_lookup(const char *name);
const struct ctl_command *ctl_commands(void); /* linked list head */

#define CTL_COMMAND(ident, name_, usage_, help_, fn_)                                              \
	static struct ctl_command ctl_cmd_##ident = {                                              \
	    .name = (name_), .usage = (usage_), .help = (help_), .fn = (fn_)};                     \
	__attribute__((constructor)) static void ctl_cmd_reg_##ident(void)                         \
	{                                                                                          \
		ctl_register(&ctl_cmd_##ident);                                                    \
	}

/* result is stolen (may be NULL: the reply then carries "result": null). */
void ctl_reply_ok(struct ctl_reply *r, json_t *result);
void ctl_reply_err(struct ctl_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Argument helpers: on a missing required key or a wrong type they answer the error themselves
 * ("args.name: missing" / "args.queues: must be an integer") and return -1. Otherwise they return
 * 0; an optional key that is absent (or JSON null) leaves *out untouched, so preset the default.
 * ctl_arg_int also takes a string holding exactly a base-10 integer ("4"), ctl_arg_bool also
 * "true"/"false"; out-of-range integers get "args.queues: must be an integer in [1, 64]". */
int ctl_arg_str(const json_t *args, const char *key, bool required, const char **out,
		struct ctl_reply *r);
int ctl_arg_int(const json_t *args, const char *key, bool required, long long min, long long max,
		long long *out, struct ctl_reply *r);
int ctl_arg_bool(const json_t *args, const char *key, bool required, bool *out,
		 struct ctl_reply *r);

/* Dispatch one request line (used by the server and by unit tests). Returns the response object
 * (new reference), never NULL: a malformed request gets {"ok": false, "error": ...}. */
json_t *ctl_dispatch_line(const char *line, size_t len);

/* The server: listen on path (created with mode 0600, parent directory created if missing,
 * a stale socket replaced, a live one refused). */
int ctl_server_start(struct ev_loop *loop, const char *path);
void ctl_server_stop(void);

#define CTL_MAX_REQUEST (1u << 20) /* bytes in one request line */
