/* Logging sink: the core never writes to syslog or stderr itself. */
#ifndef PAM_JWT_LOG_H
#define PAM_JWT_LOG_H

#include <stddef.h>

#include "text.h" /* jwt_sanitize, jwt_printable: the one sanitizer */

enum jwt_log_level { JWT_LOG_ERR = 0, JWT_LOG_WARN, JWT_LOG_INFO, JWT_LOG_DEBUG };

struct jwt_log {
	void (*fn)(void *ctx, int level, const char *msg);
	void *ctx;
	int debug; /* pass JWT_LOG_DEBUG messages to fn */
};

void jwt_logf(const struct jwt_log *log, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Is s 1..max bytes of printable ASCII without spaces? */
int jwt_is_word(const char *s, size_t max);

#endif
