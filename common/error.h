/* persona: the error object every fallible function fills.
 *
 * Convention (after crun's libcrun_error): a fallible function returns a
 * negative value (-1) and fills the caller's `struct perr`; on success it
 * returns >= 0 and leaves the error untouched.  Callers add context as the
 * error bubbles up with perr_prefix(), so the user reads
 *   cannot create container "web": volume "/nope": No such file or directory
 * rather than a bare errno.
 */
#ifndef PERSONA_COMMON_ERROR_H
#define PERSONA_COMMON_ERROR_H

#include <stddef.h>

#define PERR_MSG_MAX 2048

struct perr {
	int errnum;               /* errno of the root cause, 0 when none */
	int status;               /* exit status to report (125, 126, 127); 0 = default 125 */
	char msg[PERR_MSG_MAX];   /* NUL-terminated, no trailing newline */
};

/* Fill `err` with a printf-style message.  When `errnum` is non-zero,
 * ": strerror(errnum)" is appended.  Returns -1, so callers can write
 * `return perr_set(err, errno, "open %s", path);`.  `err` may be NULL. */
int perr_set(struct perr *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* perr_set() that also sets the exit status to report (126 for a file
 * that cannot be executed, 127 not found), errnum 0.  Returns -1. */
int perr_status(struct perr *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to the message already in `err`.  Returns -1. */
int perr_prefix(struct perr *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "persona: <msg>\n" to stderr. */
void perr_print(const struct perr *err);

/* Exit status for this error: err->status, or 125 when unset. */
int perr_exit_status(const struct perr *err);

#endif
