/* SPDX-License-Identifier: Apache-2.0 */
/* Logging for every brint module: levels, module names, rate limits. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum brint_log_level {
	BRINT_LOG_ERR = 0,
	BRINT_LOG_WARN,
	BRINT_LOG_INFO,
	BRINT_LOG_DEBUG,
};

/* Parse "err", "warn", "info", "debug" (case-insensitive); -1 if unknown. */
int brint_log_level_parse(const char *s);
const char *brint_log_level_name(enum brint_log_level l);
void brint_log_set_level(enum brint_log_level l);
enum brint_log_level brint_log_get_level(void);

void brint_log(enum brint_log_level l, const char *mod, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void brint_vlog(enum brint_log_level l, const char *mod, const char *fmt, va_list ap);

/* A token bucket per call site: at most `burst` lines, refilled at `per_sec` lines per second.
 * Lines suppressed are counted and reported with the next line that passes. */
struct brint_ratelimit {
	uint64_t last_ms;
	uint32_t tokens;
	uint32_t suppressed;
	bool init;
};
bool brint_ratelimit_allow(struct brint_ratelimit *rl, uint32_t burst, uint32_t per_sec,
			   uint32_t *suppressed_out);

#define LOG(lvl, mod, ...)                                                                         \
	do {                                                                                       \
		if ((lvl) <= brint_log_get_level())                                                \
			brint_log((lvl), (mod), __VA_ARGS__);                                      \
	} while (0)
#define LOG_ERR(mod, ...)   LOG(BRINT_LOG_ERR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  LOG(BRINT_LOG_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  LOG(BRINT_LOG_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) LOG(BRINT_LOG_DEBUG, mod, __VA_ARGS__)

/* Rate-limited: 5 lines burst, then 1 per second, per call site. Not for the fast path
 * of a PMD (it takes a lock-free but not free path); PMDs count, the control thread logs. */
#define LOG_RL(lvl, mod, fmt, ...)                                                                 \
	do {                                                                                       \
		static struct brint_ratelimit rl__;                                                \
		uint32_t sup__;                                                                    \
		if ((lvl) <= brint_log_get_level() &&                                              \
		    brint_ratelimit_allow(&rl__, 5, 1, &sup__)) {                                  \
			if (sup__)                                                                 \
				brint_log((lvl), (mod), fmt " (%u similar lines suppressed)",      \
					  ##__VA_ARGS__, sup__);                                   \
			else                                                                       \
				brint_log((lvl), (mod), fmt, ##__VA_ARGS__);                       \
		}                                                                                  \
	} while (0)
