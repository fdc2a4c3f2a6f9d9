/* SPDX-License-Identifier: Apache-2.0 */
/* Non-blocking byte streams to an OVSDB server: unix:PATH, tcp:IP:PORT, ssl:IP:PORT
 * (IPv6 as [ADDR]:PORT). Host names are refused: resolving them would block the loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

enum ostream_kind { OSTREAM_UNIX, OSTREAM_TCP, OSTREAM_SSL };

struct ostream_addr {
	enum ostream_kind kind;
	struct sockaddr_storage ss;
	socklen_t len;
};

struct ostream_ssl_cfg {
	const char *key;  /* PEM private key */
	const char *cert; /* PEM certificate */
	const char *ca;	  /* PEM CA certificate(s) the server's certificate must chain to */
};

struct ostream;

/* Parse a remote; -1 with a message naming what is wrong. */
int ostream_parse(const char *remote, struct ostream_addr *a, char *err, size_t errlen);

/* Start connecting (never blocks). NULL with err on immediate failure. */
struct ostream *ostream_open(const struct ostream_addr *a, const struct ostream_ssl_cfg *ssl,
			     char *err, size_t errlen);
int ostream_fd(const struct ostream *s);
/* Drive the connection (TCP connect, TLS handshake). 0: ready; -EAGAIN: poll for
 * ostream_events() and call again; other negative: failed, err says why. */
int ostream_connect_step(struct ostream *s, char *err, size_t errlen);
/* poll(2) events to wait for; want_write: the caller has bytes queued. */
short ostream_events(const struct ostream *s, bool want_write);
/* >0 bytes; 0 at end of stream; -EAGAIN; other -errno (-EIO for a TLS failure). */
ssize_t ostream_recv(struct ostream *s, void *buf, size_t n);
ssize_t ostream_send(struct ostream *s, const void *buf, size_t n);
/* Bytes already decrypted and waiting inside the TLS layer (poll will not report them). */
bool ostream_has_pending(const struct ostream *s);
void ostream_close(struct ostream *s);
