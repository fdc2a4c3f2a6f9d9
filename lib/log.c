/* SPDX-License-Identifier: Apache-2.0 */
#include <brint/log.h>
#include <brint/util.h>

#include <pthread.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

static enum brint_log_level log_level = BRINT_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
    [BRINT_LOG_ERR] = "err",
    [BRINT_LOG_WARN] = "warn",
    [BRINT_LOG_INFO] = "info",
    [BRINT_LOG_DEBUG] = "debug",
};

int brint_log_level_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "error") == 0)
		return BRINT_LOG_ERR;
	if (strcasecmp(s, "warning") == 0)
		return BRINT_LOG_WARN;
	return -1;
}

const char *brint_log_level_name(enum brint_log_level l)
{
	return (unsigned)l < ARRAY_SIZE(level_names) ? level_names[l] : "?";
}

void brint_log_set_level(enum brint_log_level l)
{
	__atomic_store_n(&log_level, l, __ATOMIC_RELAXED);
}

enum brint_log_level brint_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

uint64_t brint_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void brint_vlog(enum brint_log_level l, const char *mod, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char tbuf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s.%03ldZ %-5s %s: ", tbuf, ts.tv_nsec / 1000000, brint_log_level_name(l),
		mod);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void brint_log(enum brint_log_level l, const char *mod, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	brint_vlog(l, mod, fmt, ap);
	va_end(ap);
}

bool brint_ratelimit_allow(struct brint_ratelimit *rl, uint32_t burst, uint32_t per_sec,
			   uint32_t *suppressed_out)
{
	uint64_t now = brint_now_ms();
	bool ok;

	pthread_mutex_lock(&log_lock);
	if (!rl->init) {
		rl->init = true;
		rl->tokens = burst;
		rl->last_ms = now;
	}
	if (per_sec && now > rl->last_ms) {
		uint64_t add = (now - rl->last_ms) * per_sec / 1000;
		if (add) {
			rl->tokens =
			    (uint32_t)((rl->tokens + add > burst) ? burst : rl->tokens + add);
			rl->last_ms = now;
		}
	}
	*suppressed_out = 0;
	if (rl->tokens) {
		rl->tokens--;
		*suppressed_out = rl->suppressed;
		rl->suppressed = 0;
		ok = true;
	} else {
		rl->suppressed++;
		ok = false;
	}
	pthread_mutex_unlock(&log_lock);
	return ok;
}
