#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void jwt_logf(const struct jwt_log *log, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (log == NULL || log->fn == NULL)
		return;
	if (level == JWT_LOG_DEBUG && !log->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* messages quote keys and tokens: nothing reaches syslog or a
	 * terminal that could end a line or drive it */
	jwt_printable(buf);
	log->fn(log->ctx, level, buf);
}

int jwt_is_word(const char *s, size_t max)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}
