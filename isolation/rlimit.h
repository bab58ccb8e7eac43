/* persona: resource limits of the container process (setrlimit(2)).
 *
 * The OCI form is runtime-spec config.md "POSIX process", process.rlimits:
 * an array of {"type": "RLIMIT_NOFILE", "soft": N, "hard": N}.
 *
 * Unlimited: OCI writes RLIM_INFINITY as the uint64 18446744073709551615,
 * which jansson cannot hold (its integers are int64), so persona's JSON
 * uses -1 for it.  rlimit_check() and rlimit_apply() read -1, and any
 * value of 2^64-1 that reached them as a JSON real, as RLIM_INFINITY.
 */
#ifndef PERSONA_ISOLATION_RLIMIT_H
#define PERSONA_ISOLATION_RLIMIT_H

#include <jansson.h>

#include "common/error.h"

/* One docker --ulimit value (go-units ParseUlimit): "name=soft[:hard]",
 * hard defaults to soft, -1 means unlimited.  Names: as core cpu data fsize
 * locks memlock msgqueue nice nofile nproc rss rtprio rttime sigpending
 * stack (lower case, as docker).
 * Out: *oci_rlimit = new {"type": "RLIMIT_<NAME>", "soft": N, "hard": N},
 * with -1 for unlimited.
 * Errors: no '=', unknown name, a value that is not an integer >= -1,
 * more than two values, soft above hard. */
int rlimit_parse_ulimit(const char *s, json_t **oci_rlimit, struct perr *err);

/* Validate process.rlimits (the array, or NULL for none) before anything
 * is created: shapes and types known, no type twice, soft <= hard, and
 * every hard limit within what persona may set: raising a hard limit
 * above persona's own needs CAP_SYS_RESOURCE (setrlimit(2)), and
 * RLIMIT_NOFILE can never go above /proc/sys/fs/nr_open.
 * Errors name the entry, e.g.
 *   process.rlimits: RLIMIT_NOFILE: hard limit 40000 is above persona's own
 *   hard limit 20000, and raising it needs CAP_SYS_RESOURCE, which persona
 *   does not have */
int rlimit_check(const json_t *oci_rlimits, struct perr *err);

/* Set each limit on the calling process (prlimit(2) on pid 0); call it in
 * the container's init before capabilities are dropped, as runc does, so
 * CAP_SYS_RESOURCE (if persona has it) still counts.
 * Errors: those of rlimit_check(); a failing prlimit (with errno). */
int rlimit_apply(const json_t *oci_rlimits, struct perr *err);

#endif
