/* SPDX-License-Identifier: Apache-2.0 */
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef BRINT_HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

struct ostream {
	enum ostream_kind kind;
	int fd;
	bool tcp_done; /* connect(2) finished */
#ifdef BRINT_HAVE_OPENSSL
	SSL_CTX *ctx;
	SSL *ssl;
	bool hs_done;
	short ssl_want; /* events the last TLS call asked for */
#endif
};

static int parse_ip_port(const char *s, struct ostream_addr *a, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_s;
	char *end;
	long port;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host)) {
			snprintf(err, errlen, "\"%s\": expected [IPv6]:PORT", s);
			return -1;
		}
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		port_s = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host)) {
			snprintf(err, errlen, "\"%s\": expected IP:PORT", s);
			return -1;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port_s = colon + 1;
	}
	errno = 0;
	port = strtol(port_s, &end, 10);
	if (*port_s == '\0' || *end != '\0' || errno || port < 1 || port > 65535) {
		snprintf(err, errlen, "\"%s\": port must be 1-65535", s);
		return -1;
	}
	memset(&a->ss, 0, sizeof(a->ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*sin6);
	} else {
		snprintf(err, errlen,
			 "\"%s\": \"%s\" is not an IP address (host names are not "
			 "resolved)",
			 s, host);
		return -1;
	}
	return 0;
}

int ostream_parse(const char *remote, struct ostream_addr *a, char *err, size_t errlen)
{
	if (strncmp(remote, "unix:", 5) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
		const char *path = remote + 5;
		if (*path == '\0' || strlen(path) >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "\"%s\": socket path empty or longer than %zu bytes",
				 remote, sizeof(sun->sun_path) - 1);
			return -1;
		}
		memset(&a->ss, 0, sizeof(a->ss));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, strlen(path) + 1);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
		a->kind = OSTREAM_UNIX;
		return 0;
	}
	if (strncmp(remote, "tcp:", 4) == 0) {
		a->kind = OSTREAM_TCP;
		return parse_ip_port(remote + 4, a, err, errlen);
	}
	if (strncmp(remote, "ssl:", 4) == 0) {
#ifndef BRINT_HAVE_OPENSSL
		snprintf(err, errlen, "\"%s\": built without OpenSSL", remote);
		return -1;
#else
		a->kind = OSTREAM_SSL;
		return parse_ip_port(remote + 4, a, err, errlen);
#endif
	}
	snprintf(err, errlen, "\"%s\": expected unix:PATH, tcp:IP:PORT or ssl:IP:PORT", remote);
	return -1;
}

#ifdef BRINT_HAVE_OPENSSL
static void ssl_errstr(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, buf);
	ERR_clear_error();
}

static int ssl_setup(struct ostream *s, const struct ostream_ssl_cfg *cfg, char *err, size_t errlen)
{
	if (cfg == NULL || !cfg->key || !cfg->cert || !cfg->ca) {
		snprintf(err, errlen, "ssl: ssl_key, ssl_cert and ssl_ca_cert are required");
		return -1;
	}
	s->ctx = SSL_CTX_new(TLS_client_method());
	if (s->ctx == NULL) {
		ssl_errstr(err, errlen, "SSL_CTX_new");
		return -1;
	}
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(s->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(s->ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* files are read at every connection so that rotated certificates are picked up */
	if (SSL_CTX_use_certificate_chain_file(s->ctx, cfg->cert) != 1) {
		ssl_errstr(err, errlen, cfg->cert);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(s->ctx, cfg->key, SSL_FILETYPE_PEM) != 1) {
		ssl_errstr(err, errlen, cfg->key);
		return -1;
	}
	if (SSL_CTX_load_verify_locations(s->ctx, cfg->ca, NULL) != 1) {
		ssl_errstr(err, errlen, cfg->ca);
		return -1;
	}
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	s->ssl = SSL_new(s->ctx);
	if (s->ssl == NULL || SSL_set_fd(s->ssl, s->fd) != 1) {
		ssl_errstr(err, errlen, "SSL_new");
		return -1;
	}
	SSL_set_connect_state(s->ssl);
	return 0;
}

/* Map a TLS result: -EAGAIN (with ssl_want set), 0 for a clean end, or -EIO/-errno. */
static int ssl_result(struct ostream *s, int rc)
{
	int e = SSL_get_error(s->ssl, rc);
	switch (e) {
	case SSL_ERROR_WANT_READ: s->ssl_want = POLLIN; return -EAGAIN;
	case SSL_ERROR_WANT_WRITE: s->ssl_want = POLLOUT; return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN: return 0;
	case SSL_ERROR_SYSCALL: ERR_clear_error(); return errno ? -errno : 0;
	default: ERR_clear_error(); return -EIO;
	}
}
#endif

struct ostream *ostream_open(const struct ostream_addr *a, const struct ostream_ssl_cfg *ssl,
			     char *err, size_t errlen)
{
	struct ostream *s = calloc(1, sizeof(*s));
	int fam = a->ss.ss_family;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->kind = a->kind;
	s->fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(s);
		return NULL;
	}
	if (fam != AF_UNIX) {
		int one = 1;
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect(s->fd, (const struct sockaddr *)&a->ss, a->len) == 0) {
		s->tcp_done = true;
	} else if (errno != EINPROGRESS && errno != EAGAIN) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto error;
	}
#ifdef BRINT_HAVE_OPENSSL
	if (s->kind == OSTREAM_SSL && ssl_setup(s, ssl, err, errlen) < 0)
		goto error;
#else
	(void)ssl;
#endif
	return s;
error:
	ostream_close(s);
	return NULL;
}

int ostream_fd(const struct ostream *s)
{
	return s->fd;
}

int ostream_connect_step(struct ostream *s, char *err, size_t errlen)
{
	if (!s->tcp_done) {
		struct pollfd p = {.fd = s->fd, .events = POLLOUT};
		int soerr = 0;
		socklen_t l = sizeof(soerr);
		if (poll(&p, 1, 0) <= 0)
			return -EAGAIN;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
			soerr = errno;
		if (soerr) {
			snprintf(err, errlen, "connect: %s", strerror(soerr));
			return -soerr;
		}
		s->tcp_done = true;
	}
#ifdef BRINT_HAVE_OPENSSL
	if (s->kind == OSTREAM_SSL && !s->hs_done) {
		int rc = SSL_do_handshake(s->ssl);
		if (rc == 1) {
			s->hs_done = true;
			s->ssl_want = 0;
			return 0;
		}
		unsigned long e = ERR_peek_error();
		rc = ssl_result(s, rc);
		if (rc == -EAGAIN)
			return rc;
		if (e) {
			char buf[256];
			ERR_error_string_n(e, buf, sizeof(buf));
			snprintf(err, errlen, "TLS handshake: %s", buf);
		} else {
			snprintf(err, errlen, "TLS handshake: %s",
				 rc ? strerror(-rc) : "connection closed");
		}
		return rc ? rc : -ECONNRESET;
	}
#else
	(void)err;
	(void)errlen;
#endif
	return 0;
}

short ostream_events(const struct ostream *s, bool want_write)
{
	if (!s->tcp_done)
		return POLLOUT;
#ifdef BRINT_HAVE_OPENSSL
	if (s->kind == OSTREAM_SSL)
		return (short)(POLLIN | s->ssl_want | (want_write ? POLLOUT : 0));
#endif
	return (short)(POLLIN | (want_write ? POLLOUT : 0));
}

ssize_t ostream_recv(struct ostream *s, void *buf, size_t n)
{
#ifdef BRINT_HAVE_OPENSSL
	if (s->kind == OSTREAM_SSL) {
		int rc;
		s->ssl_want = 0;
		rc = SSL_read(s->ssl, buf, n > 0x40000000 ? 0x40000000 : (int)n);
		return rc > 0 ? rc : ssl_result(s, rc);
	}
#endif
	ssize_t r = recv(s->fd, buf, n, 0);
	if (r >= 0)
		return r;
	return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

ssize_t ostream_send(struct ostream *s, const void *buf, size_t n)
{
#ifdef BRINT_HAVE_OPENSSL
	if (s->kind == OSTREAM_SSL) {
		int rc;
		s->ssl_want = 0;
		rc = SSL_write(s->ssl, buf, n > 0x40000000 ? 0x40000000 : (int)n);
		if (rc > 0)
			return rc;
		rc = ssl_result(s, rc);
		return rc == 0 ? -EPIPE : rc;
	}
#endif
	ssize_t r = send(s->fd, buf, n, MSG_NOSIGNAL);
	if (r >= 0)
		return r;
	return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

bool ostream_has_pending(const struct ostream *s)
{
#ifdef BRINT_HAVE_OPENSSL
	if (s->kind == OSTREAM_SSL && s->ssl)
		return SSL_pending(s->ssl) > 0;
#else
	(void)s;
#endif
	return false;
}

void ostream_close(struct ostream *s)
{
	if (s == NULL)
		return;
#ifdef BRINT_HAVE_OPENSSL
	if (s->ssl)
		SSL_free(s->ssl);
	if (s->ctx)
		SSL_CTX_free(s->ctx);
#endif
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
