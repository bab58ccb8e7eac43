/* persona: parsing of docker-style command-line values.
 *
 * Every parser takes the raw argument string and fills `err` on failure
 * with a message that quotes the input and says what is wrong, e.g.
 *   "abc": not a size (a number with an optional unit b, k, m, g, t, p)
 * The caller adds the flag name with perr_prefix(err, "--memory").
 * Leading or trailing white space is never accepted.
 */
#ifndef PERSONA_COMMON_PARSE_H
#define PERSONA_COMMON_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* A size in bytes, as docker's --memory, --memory-swap, --shm-size
 * (go-units RAMInBytes): a decimal number, optionally with a fraction
 * ("1.5g"), optionally followed (after at most one space) by a unit b, k,
 * m, g, t or p, optionally followed by "b" or "ib" ("kb", "KiB"); units
 * are case-insensitive and 1024-based.  Fractions of a byte are truncated.
 *
 * `allow_minus_one`: accept exactly "-1" (docker's "unlimited" for
 * --memory-swap) and store -1.
 *
 * Out: *bytes >= 0 (or -1 as above).
 * Errors: empty, negative, not a number, unknown unit, or more than
 * INT64_MAX bytes. */
int parse_size(const char *s, bool allow_minus_one, int64_t *bytes, struct perr *err);

/* A number of CPUs, as docker's --cpus (docker/cli opts.NanoCPUs): a
 * positive decimal with at most 9 fractional digits.
 *
 * Out: *nano_cpus = CPUs * 1e9 ("0.5" -> 500000000).
 * Errors: not a decimal number ("1/2" and exponents are refused),
 * "value is too precise" beyond 1e-9, and values outside
 * 0.01 .. the number of online CPUs (sysconf(_SC_NPROCESSORS_ONLN)), in
 * the daemon's words "range of CPUs is from 0.01 to N.00, as there are
 * only N CPUs available". */
int parse_cpus(const char *s, int64_t *nano_cpus, struct perr *err);

/* A signal, as docker's --stop-signal and `kill -s` (moby pkg/signal
 * ParseSignal): a decimal number 1..SIGRTMAX, or a name with or without
 * "SIG", case-insensitive: "TERM", "sigterm", "SIGRTMIN+3", "RTMAX-2".
 * RTMIN and RTMAX are glibc's SIGRTMIN (34) and SIGRTMAX (64).
 *
 * Out: *signo in 1..SIGRTMAX.
 * Errors: 0, out of range, unknown name. */
int parse_signal(const char *s, int *signo, struct perr *err);

/* A CPU list, as docker's --cpuset-cpus and the cgroup cpuset.cpus file:
 * comma-separated decimal ids and ranges "a-b" with a <= b ("0-1,3").
 * The empty string is accepted and means "no restriction".
 *
 * Every id must be below the number of online CPUs (sysconf); like
 * dockerd, ids are assumed to be numbered 0..N-1.
 * Errors: bad syntax (names the part), reversed range, unavailable CPU. */
int parse_cpuset(const char *s, struct perr *err);

/* The same syntax with an explicit bound: every id must be < `limit`
 * (for --cpuset-mems pass the number of memory nodes). */
int parse_id_list(const char *s, uint64_t limit, struct perr *err);

/* A plain decimal unsigned integer: digits only, no sign, no space.
 * Errors: empty, non-digit, more than UINT64_MAX. */
int parse_uint64(const char *s, uint64_t *out, struct perr *err);

/* A plain decimal integer with an optional leading '-'.
 * Errors: empty, non-digit, outside int64_t. */
int parse_int64(const char *s, int64_t *out, struct perr *err);

#endif
