/* persona: what the seccomp files share; private to isolation/seccomp*.c.
 *
 * seccomp.c checks every field the docker and the OCI reader have in
 * common (and compiles OCI objects); seccomp_docker.c converts docker
 * profiles through the same checks; seccomp_default.c and seccomp_docker.c
 * share docker's includes/excludes conditions.  Names carry psc_ (not
 * libseccomp's seccomp_ or scmp_), as they are global in libpersona.a.
 *
 * The checks return 0, or -1 with w->err filled through psc_bad().  A
 * `field` or `prefix` is a path into the object, "syscalls[2].args[0]"
 * ("" for the object itself).
 */
#ifndef PERSONA_ISOLATION_SECCOMP_PRIVATE_H
#define PERSONA_ISOLATION_SECCOMP_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <seccomp.h>

#include "common/error.h"

/* Where the object being checked came from.  `file` is NULL for an OCI
 * object already parsed by someone else: fields are then named from
 * "linux.seccomp". */
struct where {
	struct perr *err;
	const char *file;
	const char *text;
	size_t len;
};

/* A rule's conditions.  Conditions on distinct args are ANDed in one
 * libseccomp rule; libseccomp refuses two on the same arg, so then each is
 * a rule of its own (ORed), as runc does. */
struct conds {
	struct scmp_arg_cmp *cmp;
	size_t n;
	int separate;
};

/* ---- seccomp.c ---- */

/* Report `field` as bad: "linux.seccomp.FIELD: MSG", or with a file
 * "seccomp profile \"FILE\": line L column C: FIELD: MSG".  Returns -1. */
int psc_bad(const struct where *w, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* buf = prefix "." key (just key when prefix is ""). */
void psc_join(char *buf, size_t size, const char *prefix, const char *key);

/* The action in obj[akey] (e.g. "action"), with obj[rkey] ("errnoRet")
 * folded in (EPERM when absent, for SCMP_ACT_ERRNO and SCMP_ACT_TRACE). */
int psc_get_action(const struct where *w, const json_t *obj, const char *prefix,
		   const char *akey, const char *rkey, uint32_t *out);

/* prefix.args as conditions; out->cmp is malloc'd (free it, also on error). */
int psc_get_args(const struct where *w, const json_t *args, const char *prefix,
		 struct conds *out);

/* `names` is a non-empty array of strings. */
int psc_check_names(const struct where *w, const json_t *names, const char *field);

/* Check a list of SCMP_ARCH_* names (absent or null is fine) and, with a
 * ctx, add them to it. */
int psc_add_arches(const struct where *w, const json_t *arches, const char *field,
		   scmp_filter_ctx ctx);

/* Check the "flags" list (SECCOMP_FILTER_FLAG_*) and, with a ctx, set them. */
int psc_add_flags(const struct where *w, const json_t *list, scmp_filter_ctx ctx);

/* obj[key] is absent, null or a string. */
int psc_check_optional_string(const struct where *w, const json_t *obj, const char *key);

/* ---- seccomp_docker.c: docker's includes/excludes conditions ---- */

/* Is `name` ("CAP_SYS_ADMIN") among the `ncaps` entries of `caps`? */
int psc_has_cap(const char *const *caps, size_t ncaps, const char *name);

/* The running kernel as major << 8 | minor; 0 when unknown. */
unsigned psc_host_kernel(void);

#endif
