#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int perr_set(struct perr *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	err->errnum = errnum;
	err->status = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (errnum && n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return -1;
}

int perr_status(struct perr *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->status = status;
	return -1;
}

int perr_prefix(struct perr *err, const char *fmt, ...)
{
	char ctx[PERR_MSG_MAX], old[PERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	return -1;
}

void perr_print(const struct perr *err)
{
	fprintf(stderr, "persona: %s\n", err->msg[0] ? err->msg : "unknown error");
}

int perr_exit_status(const struct perr *err)
{
	return err && err->status ? err->status : 125;
}
