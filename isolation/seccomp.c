/* persona: docker seccomp profiles -> OCI linux.seccomp -> libseccomp filter.
 *
 * The docker format is moby/profiles seccomp (Seccomp, Syscall, Filter);
 * the OCI format is runtime-spec config-linux.md "Seccomp"; the mapping to
 * libseccomp follows runc's libcontainer/seccomp.  Both readers share one
 * set of checks, so a docker profile is refused at load time, with the
 * line and column of the offending value, for anything compile would
 * refuse later.
 *
 * This file holds those checks and the OCI side (compile, export, load);
 * the docker side is seccomp_docker.c, the built-in default profile
 * seccomp_default.c, the program cache seccomp_cache.c.
 */
#include "isolation/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/json_locate.h"
#include "isolation/seccomp_private.h"

#define ERRNO_RET_MAX 0xffff                  /* SECCOMP_RET_DATA */
#define ARG_INDEX_MAX 5                       /* six syscall arguments */

/* ---- names of the spec, and what they mean to libseccomp ---- */

static const struct {
	const char *name;
	uint32_t action;
	int takes_ret;        /* errnoRet goes into the low 16 bits */
} actions[] = {
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, 0 },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), 1 },
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, 0 },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, 0 },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, 0 },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, 0 },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), 1 },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, 0 },
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },   { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },   { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },   { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* Filter flags, as libseccomp attributes; attr 0 = known but refused. */
static const struct {
	const char *name;
	enum scmp_filter_attr attr;
} flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
	{ "SECCOMP_FILTER_FLAG_NEW_LISTENER", 0 },
	{ "SECCOMP_FILTER_FLAG_TSYNC_ESRCH", 0 },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors: which field, and where it is in the file ---- */

/* Report `field` as bad; returns -1. */
int psc_bad(const struct where *w, const char *field, const char *fmt, ...)
{
	char msg[PERR_MSG_MAX / 2];
	const char *sep = *field ? ": " : "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!w->file)
		return perr_set(w->err, 0, "linux.seccomp%s%s: %s", *field ? "." : "", field, msg);

	unsigned line, col;
	json_locate(w->text, w->len, field, &line, &col);
	return perr_set(w->err, 0, "seccomp profile \"%s\": line %u column %u%s%s: %s", w->file,
			line, col, sep, field, msg);
}

/* ---- checks shared by the docker and the OCI reader ---- */

static int get_uint(const struct where *w, const json_t *v, const char *field, uint64_t max,
		    uint64_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return psc_bad(w, field, "expected a non-negative integer");
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return psc_bad(w, field, "%lld is out of range (0-%llu)", (long long)i,
			       (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

void psc_join(char *buf, size_t size, const char *prefix, const char *key)
{
	snprintf(buf, size, "%s%s%s", prefix, *prefix ? "." : "", key);
}

/* The action in obj[akey], with obj[rkey] (errnoRet) folded in. */
int psc_get_action(const struct where *w, const json_t *obj, const char *prefix,
		   const char *akey, const char *rkey, uint32_t *out)
{
	char field[128];
	const json_t *a = json_object_get(obj, akey), *r = json_object_get(obj, rkey);
	const char *name;
	uint64_t ret = EPERM;
	size_t i;

	psc_join(field, sizeof(field), prefix, akey);
	if (!a)
		return psc_bad(w, field, "missing");
	if (!json_is_string(a))
		return psc_bad(w, field, "expected a string");
	name = json_string_value(a);
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return psc_bad(w, field, "SCMP_ACT_NOTIFY is not supported: persona has no seccomp agent");
	for (i = 0; i < COUNT(actions); i++)
		if (strcmp(name, actions[i].name) == 0)
			break;
	if (i == COUNT(actions))
		return psc_bad(w, field, "unknown action \"%s\"", name);
	psc_join(field, sizeof(field), prefix, rkey);
	if (r && !json_is_null(r)) {
		if (!actions[i].takes_ret)
			return psc_bad(w, field, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
				       name);
		if (get_uint(w, r, field, ERRNO_RET_MAX, &ret) < 0)
			return -1;
	}
	*out = actions[i].takes_ret ? actions[i].action | (uint32_t)ret : actions[i].action;
	return 0;
}

/* A rule's conditions.  Conditions on distinct args are ANDed in one
 * libseccomp rule; libseccomp refuses two on the same arg, so then each is
 * a rule of its own (ORed), as runc does. */

int psc_get_args(const struct where *w, const json_t *args, const char *prefix,
		 struct conds *out)
{
	char field[128];
	unsigned seen = 0;
	size_t i;

	out->cmp = NULL;
	out->n = 0;
	out->separate = 0;
	psc_join(field, sizeof(field), prefix, "args");
	if (!args || json_is_null(args))
		return 0;
	if (!json_is_array(args))
		return psc_bad(w, field, "expected an array");
	if (json_array_size(args) == 0)
		return 0;
	out->cmp = calloc(json_array_size(args), sizeof(*out->cmp));
	if (!out->cmp)
		return perr_set(w->err, ENOMEM, "seccomp rule");
	for (i = 0; i < json_array_size(args); i++) {
		const json_t *arg = json_array_get(args, i), *op;
		uint64_t index, value, value_two = 0;
		size_t k;

		snprintf(field, sizeof(field), "%s.args[%zu]", prefix, i);
		if (!json_is_object(arg))
			return psc_bad(w, field, "expected an object");
		snprintf(field, sizeof(field), "%s.args[%zu].index", prefix, i);
		if (get_uint(w, json_object_get(arg, "index"), field, ARG_INDEX_MAX, &index) < 0)
			return -1;
		snprintf(field, sizeof(field), "%s.args[%zu].value", prefix, i);
		if (get_uint(w, json_object_get(arg, "value"), field, INT64_MAX, &value) < 0)
			return -1;
		snprintf(field, sizeof(field), "%s.args[%zu].valueTwo", prefix, i);
		if (json_object_get(arg, "valueTwo") &&
		    get_uint(w, json_object_get(arg, "valueTwo"), field, INT64_MAX, &value_two) < 0)
			return -1;
		snprintf(field, sizeof(field), "%s.args[%zu].op", prefix, i);
		op = json_object_get(arg, "op");
		if (!json_is_string(op))
			return psc_bad(w, field, op ? "expected a string" : "missing");
		for (k = 0; k < COUNT(ops); k++)
			if (strcmp(json_string_value(op), ops[k].name) == 0)
				break;
		if (k == COUNT(ops))
			return psc_bad(w, field, "unknown op \"%s\"", json_string_value(op));

		/* For SCMP_CMP_MASKED_EQ datum_a is the mask, datum_b the value. */
		out->cmp[i] = (struct scmp_arg_cmp){ .arg = (unsigned)index, .op = ops[k].op,
						     .datum_a = value, .datum_b = value_two };
		if (seen & (1u << index))
			out->separate = 1;
		seen |= 1u << index;
		out->n++;
	}
	return 0;
}

int psc_check_names(const struct where *w, const json_t *names, const char *field)
{
	size_t i;

	if (!json_is_array(names))
		return psc_bad(w, field, names ? "expected an array of strings" : "missing");
	if (json_array_size(names) == 0)
		return psc_bad(w, field, "must name at least one syscall");
	for (i = 0; i < json_array_size(names); i++)
		if (!json_is_string(json_array_get(names, i))) {
			char f[160];
			snprintf(f, sizeof(f), "%s[%zu]", field, i);
			return psc_bad(w, f, "expected a string");
		}
	return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when unknown. */
static uint32_t arch_token(const char *name)
{
	char low[32];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(low))
		return 0;
	for (i = 0; name[10 + i]; i++)
		low[i] = (char)tolower((unsigned char)name[10 + i]);
	low[i] = '\0';
	return seccomp_arch_resolve_name(low);
}

/* Check the architectures list and, with a ctx, add them to it. */
int psc_add_arches(const struct where *w, const json_t *arches, const char *field,
		   scmp_filter_ctx ctx)
{
	char f[128];
	size_t i;

	if (!arches || json_is_null(arches))
		return 0;
	if (!json_is_array(arches))
		return psc_bad(w, field, "expected an array of strings");
	for (i = 0; i < json_array_size(arches); i++) {
		const json_t *a = json_array_get(arches, i);
		uint32_t token;
		int rc;

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (!json_is_string(a))
			return psc_bad(w, f, "expected a string");
		token = arch_token(json_string_value(a));
		if (!token)
			return psc_bad(w, f, "unknown architecture \"%s\" (libseccomp %u.%u.%u)",
				       json_string_value(a), SCMP_VER_MAJOR, SCMP_VER_MINOR,
				       SCMP_VER_MICRO);
		if (ctx && (rc = seccomp_arch_add(ctx, token)) < 0 && rc != -EEXIST)
			return psc_bad(w, f, "cannot add \"%s\": %s", json_string_value(a),
				       strerror(-rc));
	}
	return 0;
}

/* Check the flags list and, with a ctx, set them on it. */
int psc_add_flags(const struct where *w, const json_t *list, scmp_filter_ctx ctx)
{
	char f[64];
	size_t i, k;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return psc_bad(w, "flags", "expected an array of strings");
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *v = json_array_get(list, i);
		int rc;

		snprintf(f, sizeof(f), "flags[%zu]", i);
		if (!json_is_string(v))
			return psc_bad(w, f, "expected a string");
		for (k = 0; k < COUNT(flags); k++)
			if (strcmp(json_string_value(v), flags[k].name) == 0)
				break;
		if (k == COUNT(flags))
			return psc_bad(w, f, "unknown flag \"%s\"", json_string_value(v));
		if (!flags[k].attr)
			return psc_bad(w, f, "%s is not supported", flags[k].name);
		if (ctx && (rc = seccomp_attr_set(ctx, flags[k].attr, 1)) < 0)
			return psc_bad(w, f, "%s is not supported by this kernel or libseccomp: %s",
				       flags[k].name, strerror(-rc));
	}
	return 0;
}

int psc_check_optional_string(const struct where *w, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_null(v) && !json_is_string(v))
		return psc_bad(w, key, "expected a string");
	return 0;
}

/* ---- OCI linux.seccomp -> libseccomp ---- */

static int add_rule(const struct where *w, scmp_filter_ctx ctx, const json_t *rule, size_t i,
		    uint32_t defact)
{
	char prefix[48], field[96];
	const json_t *names = json_object_get(rule, "names");
	struct conds conds = { 0 };
	uint32_t action;
	int rc = 0;

	snprintf(prefix, sizeof(prefix), "syscalls[%zu]", i);
	if (!json_is_object(rule))
		return psc_bad(w, prefix, "expected an object");
	psc_join(field, sizeof(field), prefix, "names");
	if (psc_check_names(w, names, field) < 0 ||
	    psc_get_action(w, rule, prefix, "action", "errnoRet", &action) < 0 ||
	    psc_get_args(w, json_object_get(rule, "args"), prefix, &conds) < 0) {
		free(conds.cmp);
		return -1;
	}
	/* libseccomp refuses a rule that repeats the default action (runc skips it too). */
	for (size_t k = 0; action != defact && k < json_array_size(names); k++) {
		const char *name = json_string_value(json_array_get(names, k));
		int nr = seccomp_syscall_resolve_name(name);

		if (nr == __NR_SCMP_ERROR)
			continue;   /* unknown to this libseccomp: as runc and docker */
		if (!conds.separate) {
			rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)conds.n, conds.cmp);
		} else {
			for (size_t c = 0; rc == 0 && c < conds.n; c++)
				rc = seccomp_rule_add_array(ctx, action, nr, 1, &conds.cmp[c]);
		}
		if (rc < 0) {
			snprintf(field, sizeof(field), "%s.names[%zu]", prefix, k);
			psc_bad(w, field, "cannot add a rule for \"%s\": %s", name, strerror(-rc));
			break;
		}
	}
	free(conds.cmp);
	return rc < 0 ? -1 : 0;
}

scmp_filter_ctx seccomp_compile_oci(const json_t *oci, struct perr *err)
{
	const struct where w = { .err = err };
	const json_t *syscalls = json_object_get(oci, "syscalls");
	scmp_filter_ctx ctx;
	uint32_t defact;
	int rc;

	if (!json_is_object(oci)) {
		psc_bad(&w, "", "expected an object");
		return NULL;
	}
	if (psc_get_action(&w, oci, "", "defaultAction", "defaultErrnoRet", &defact) < 0)
		return NULL;
	if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls)) {
		psc_bad(&w, "syscalls", "expected an array");
		return NULL;
	}
	if (psc_check_optional_string(&w, oci, "listenerPath") < 0 ||
	    psc_check_optional_string(&w, oci, "listenerMetadata") < 0)
		return NULL;

	ctx = seccomp_init(defact);
	if (!ctx) {
		perr_set(err, ENOMEM, "cannot create a seccomp filter");
		return NULL;
	}
	/* no_new_privs is the spec's process.noNewPrivileges to decide, not
	 * libseccomp's; raw errno values; a binary tree of syscall numbers
	 * rather than a linear chain, so a lookup costs ~log2(400) jumps. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
	if (rc < 0) {
		perr_set(err, -rc, "cannot set seccomp filter attributes");
		goto fail;
	}
	if (psc_add_arches(&w, json_object_get(oci, "architectures"), "architectures", ctx) < 0 ||
	    psc_add_flags(&w, json_object_get(oci, "flags"), ctx) < 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(syscalls); i++)
		if (add_rule(&w, ctx, json_array_get(syscalls, i), i, defact) < 0)
			goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

int seccomp_export(scmp_filter_ctx ctx, struct seccomp_prog *out, struct perr *err)
{
	uint32_t v = 0;
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = memfd_create("persona-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		seccomp_release(ctx);
		return perr_set(err, errno, "seccomp filter: memfd_create");
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (seccomp_attr_get(ctx, SCMP_FLTATR_CTL_TSYNC, &v) == 0 && v)
		out->flags |= SECCOMP_FILTER_FLAG_TSYNC;
	if (seccomp_attr_get(ctx, SCMP_FLTATR_CTL_LOG, &v) == 0 && v)
		out->flags |= SECCOMP_FILTER_FLAG_LOG;
	if (seccomp_attr_get(ctx, SCMP_FLTATR_CTL_SSB, &v) == 0 && v)
		out->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	seccomp_release(ctx);
	if (rc < 0) {
		close(fd);
		return perr_set(err, -rc, "cannot generate the seccomp filter");
	}
	if (fstat(fd, &st) < 0) {
		rc = errno;
		close(fd);
		return perr_set(err, rc, "seccomp filter: fstat");
	}
	if ((size_t)st.st_size > sizeof(out->insns) || st.st_size % sizeof(out->insns[0]) || !st.st_size) {
		close(fd);
		return perr_set(err, 0, "seccomp filter of %lld instructions is larger than the "
				"kernel's limit of %d", (long long)st.st_size / 8, BPF_MAXINSNS);
	}
	n = pread(fd, out->insns, (size_t)st.st_size, 0);
	rc = errno;
	close(fd);
	if (n != st.st_size)
		return perr_set(err, n < 0 ? rc : EIO, "seccomp filter: read");
	out->len = (unsigned)(n / sizeof(out->insns[0]));
	return 0;
}

/* Loading is done by hand from an exported program, so that nothing runs
 * under the new filter but the return: freeing memory afterwards could
 * call munmap or brk, which a strict profile may answer with SIGSYS. */
int seccomp_load_prog(const struct seccomp_prog *p, struct perr *err)
{
	struct sock_fprog prog = { .len = (unsigned short)p->len, .filter = (struct sock_filter *)p->insns };
	long rc;

	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	if (rc < 0 && errno == ENOSYS && !p->flags)
		rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (rc > 0)
		return perr_set(err, 0, "cannot load seccomp filter: thread %ld could not be "
				"synchronized", rc);
	if (rc < 0 && errno == EACCES)
		return perr_set(err, EACCES, "cannot load seccomp filter (set no_new_privs or "
				"hold CAP_SYS_ADMIN first)");
	if (rc < 0)
		return perr_set(err, errno, "cannot load seccomp filter");
	return 0;
}

int seccomp_apply(scmp_filter_ctx ctx, struct perr *err)
{
	struct seccomp_prog *p = malloc(sizeof(*p));
	int rc;

	if (!p) {
		seccomp_release(ctx);
		return perr_set(err, ENOMEM, "seccomp filter");
	}
	rc = seccomp_export(ctx, p, err);
	if (rc == 0)
		rc = seccomp_load_prog(p, err);
	/* Under a strict filter free() may be refused its munmap: the 32 KiB
	 * are left to the exec that follows. */
	if (rc < 0)
		free(p);
	return rc;
}
