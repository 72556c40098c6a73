/* Logging sink: the core never writes to syslog or stderr itself. */
#ifndef PAM_JWT_LOG_H
#define PAM_JWT_LOG_H

#include <stddef.h>

enum jwt_log_level { JWT_LOG_ERR = 0, JWT_LOG_WARN, JWT_LOG_INFO, JWT_LOG_DEBUG };

struct jwt_log {
	void (*fn)(void *ctx, int level, const char *msg);
	void *ctx;
	int debug; /* pass JWT_LOG_DEBUG messages to fn */
};

void jwt_logf(const struct jwt_log *log, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy src into dst (cap bytes) keeping printable ASCII; '"' becomes '\'',
 * backslash and other bytes '?'. */
void jwt_sanitize(char *dst, size_t cap, const char *src, size_t srclen);

/* In place: every byte outside printable ASCII becomes '?'.  For text that
 * goes to a log line or a terminal (reasons, CLI output). */
void jwt_printable(char *s);

/* Is s 1..max bytes of printable ASCII without spaces? */
int jwt_is_word(const char *s, size_t max);

#endif
