/* persona: docker seccomp profiles -> OCI linux.seccomp -> libseccomp filter.
 *
 * The docker format is moby/profiles seccomp (Seccomp, Syscall, Filter);
 * the OCI format is runtime-spec config-linux.md "Seccomp"; the mapping to
 * libseccomp follows runc's libcontainer/seccomp.  Both readers share one
 * set of checks, so a docker profile is refused at load time, with the
 * line and column of the offending value, for anything compile would
 * refuse later.
 */
#include "isolation/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"

#if defined(__x86_64__)
#define HOST_DOCKER_ARCH "amd64"             /* docker's includes/excludes "arches" */
#define HOST_OCI_ARCH "SCMP_ARCH_X86_64"     /* the archMap entry to use */
#elif defined(__aarch64__)
#define HOST_DOCKER_ARCH "arm64"
#define HOST_OCI_ARCH "SCMP_ARCH_AARCH64"
#else
#error "seccomp: unsupported host architecture"
#endif

#define PROFILE_MAX_BYTES (16 << 20)
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

/* Where the object being checked came from.  `file` is NULL for an OCI
 * object already parsed by someone else: fields are then named from
 * "linux.seccomp". */
struct where {
	struct perr *err;
	const char *file;
	const char *text;
	size_t len;
};

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote; returns just past the closing one. */
static const char *skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return e;
}

/* Past one JSON value (the text is known to be valid JSON). */
static const char *skip_value(const char *p, const char *e)
{
	int depth = 0;

	while (p < e) {
		if (*p == '"') {
			p = skip_string(p, e);
			if (depth == 0)
				return p;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return p;
			p++;
			if (--depth == 0)
				return p;
		} else if (*p == ',' && depth == 0) {
			return p;
		} else {
			p++;
		}
	}
	return e;
}

/* The value a field path ("syscalls[2].args[0].op") names in the text, or
 * the deepest enclosing value that exists (for a missing field). */
static const char *locate(const char *text, size_t len, const char *field)
{
	const char *p = skip_ws(text, text + len), *e = text + len, *f = field;

	while (*f) {
		if (*f == '.')
			f++;
		if (*f == '[') {
			char *end;
			unsigned long idx = strtoul(f + 1, &end, 10);
			const char *q;

			if (p >= e || *p != '[')
				return p;
			q = skip_ws(p + 1, e);
			for (unsigned long i = 0; i < idx; i++) {
				q = skip_ws(skip_value(q, e), e);
				if (q >= e || *q != ',')
					return p;
				q = skip_ws(q + 1, e);
			}
			p = q;
			f = *end == ']' ? end + 1 : end;
		} else {
			size_t klen = strcspn(f, ".[");
			const char *q;

			if (p >= e || *p != '{')
				return p;
			for (q = skip_ws(p + 1, e);;) {
				const char *key = q + 1, *kend;
				int match;

				if (q >= e || *q != '"')
					return p;
				kend = skip_string(q, e) - 1;
				match = (size_t)(kend - key) == klen && memcmp(key, f, klen) == 0;
				q = skip_ws(kend + 1, e);
				if (q >= e || *q != ':')
					return p;
				q = skip_ws(q + 1, e);
				if (match)
					break;
				q = skip_ws(skip_value(q, e), e);
				if (q >= e || *q != ',')
					return p;
				q = skip_ws(q + 1, e);
			}
			p = q;
			f += klen;
		}
	}
	return p;
}

/* Report `field` as bad; returns -1. */
static __attribute__((format(printf, 3, 4))) int bad(const struct where *w, const char *field,
						     const char *fmt, ...)
{
	char msg[PERR_MSG_MAX / 2];
	const char *sep = *field ? ": " : "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!w->file)
		return perr_set(w->err, 0, "linux.seccomp%s%s: %s", *field ? "." : "", field, msg);

	const char *at = locate(w->text, w->len, field);
	unsigned line = 1, col = 1;
	for (const char *p = w->text; p < at; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if ((*p & 0xc0) != 0x80) {   /* columns count characters, as jansson's */
			col++;
		}
	}
	return perr_set(w->err, 0, "seccomp profile \"%s\": line %u column %u%s%s: %s", w->file,
			line, col, sep, field, msg);
}

/* ---- checks shared by the docker and the OCI reader ---- */

static int get_uint(const struct where *w, const json_t *v, const char *field, uint64_t max,
		    uint64_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return bad(w, field, "expected a non-negative integer");
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return bad(w, field, "%lld is out of range (0-%llu)", (long long)i,
			   (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

static void join(char *buf, size_t size, const char *prefix, const char *key)
{
	snprintf(buf, size, "%s%s%s", prefix, *prefix ? "." : "", key);
}

/* The action in obj[akey], with obj[rkey] (errnoRet) folded in. */
static int get_action(const struct where *w, const json_t *obj, const char *prefix,
		      const char *akey, const char *rkey, uint32_t *out)
{
	char field[128];
	const json_t *a = json_object_get(obj, akey), *r = json_object_get(obj, rkey);
	const char *name;
	uint64_t ret = EPERM;
	size_t i;

	join(field, sizeof(field), prefix, akey);
	if (!a)
		return bad(w, field, "missing");
	if (!json_is_string(a))
		return bad(w, field, "expected a string");
	name = json_string_value(a);
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return bad(w, field, "SCMP_ACT_NOTIFY is not supported: persona has no seccomp agent");
	for (i = 0; i < COUNT(actions); i++)
		if (strcmp(name, actions[i].name) == 0)
			break;
	if (i == COUNT(actions))
		return bad(w, field, "unknown action \"%s\"", name);
	join(field, sizeof(field), prefix, rkey);
	if (r && !json_is_null(r)) {
		if (!actions[i].takes_ret)
			return bad(w, field, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
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
struct conds {
	struct scmp_arg_cmp *cmp;
	size_t n;
	int separate;
};

static int get_args(const struct where *w, const json_t *args, const char *prefix,
		    struct conds *out)
{
	char field[128];
	unsigned seen = 0;
	size_t i;

	out->cmp = NULL;
	out->n = 0;
	out->separate = 0;
	join(field, sizeof(field), prefix, "args");
	if (!args || json_is_null(args))
		return 0;
	if (!json_is_array(args))
		return bad(w, field, "expected an array");
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
			return bad(w, field, "expected an object");
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
			return bad(w, field, op ? "expected a string" : "missing");
		for (k = 0; k < COUNT(ops); k++)
			if (strcmp(json_string_value(op), ops[k].name) == 0)
				break;
		if (k == COUNT(ops))
			return bad(w, field, "unknown op \"%s\"", json_string_value(op));

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

static int check_names(const struct where *w, const json_t *names, const char *field)
{
	size_t i;

	if (!json_is_array(names))
		return bad(w, field, names ? "expected an array of strings" : "missing");
	if (json_array_size(names) == 0)
		return bad(w, field, "must name at least one syscall");
	for (i = 0; i < json_array_size(names); i++)
		if (!json_is_string(json_array_get(names, i))) {
			char f[160];
			snprintf(f, sizeof(f), "%s[%zu]", field, i);
			return bad(w, f, "expected a string");
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
static int add_arches(const struct where *w, const json_t *arches, const char *field,
		      scmp_filter_ctx ctx)
{
	char f[128];
	size_t i;

	if (!arches || json_is_null(arches))
		return 0;
	if (!json_is_array(arches))
		return bad(w, field, "expected an array of strings");
	for (i = 0; i < json_array_size(arches); i++) {
		const json_t *a = json_array_get(arches, i);
		uint32_t token;
		int rc;

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (!json_is_string(a))
			return bad(w, f, "expected a string");
		token = arch_token(json_string_value(a));
		if (!token)
			return bad(w, f, "unknown architecture \"%s\" (libseccomp %u.%u.%u)",
				   json_string_value(a), SCMP_VER_MAJOR, SCMP_VER_MINOR,
				   SCMP_VER_MICRO);
		if (ctx && (rc = seccomp_arch_add(ctx, token)) < 0 && rc != -EEXIST)
			return bad(w, f, "cannot add \"%s\": %s", json_string_value(a),
				   strerror(-rc));
	}
	return 0;
}

/* Check the flags list and, with a ctx, set them on it. */
static int add_flags(const struct where *w, const json_t *list, scmp_filter_ctx ctx)
{
	char f[64];
	size_t i, k;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return bad(w, "flags", "expected an array of strings");
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *v = json_array_get(list, i);
		int rc;

		snprintf(f, sizeof(f), "flags[%zu]", i);
		if (!json_is_string(v))
			return bad(w, f, "expected a string");
		for (k = 0; k < COUNT(flags); k++)
			if (strcmp(json_string_value(v), flags[k].name) == 0)
				break;
		if (k == COUNT(flags))
			return bad(w, f, "unknown flag \"%s\"", json_string_value(v));
		if (!flags[k].attr)
			return bad(w, f, "%s is not supported", flags[k].name);
		if (ctx && (rc = seccomp_attr_set(ctx, flags[k].attr, 1)) < 0)
			return bad(w, f, "%s is not supported by this kernel or libseccomp: %s",
				   flags[k].name, strerror(-rc));
	}
	return 0;
}

static int check_optional_string(const struct where *w, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_null(v) && !json_is_string(v))
		return bad(w, key, "expected a string");
	return 0;
}

/* ---- docker's profile format ---- */

static int has_cap(const char *const *caps, size_t ncaps, const char *name)
{
	for (size_t i = 0; i < ncaps; i++)
		if (caps[i] && strcmp(caps[i], name) == 0)
			return 1;
	return 0;
}

static int list_has(const json_t *list, const char *s)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_array_get(list, i)), s) == 0)
			return 1;
	return 0;
}

/* docker's Filter: which conditions it lists, and which of them hold here. */
struct filter {
	int arch_listed, arch_hit;
	size_t ncaps, caps_held;
	int has_kernel, kernel_ok;
};

static unsigned host_kernel(void)
{
	struct utsname u;
	unsigned major, minor;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return 0;
	return major << 8 | minor;
}

static int get_filter(const struct where *w, const json_t *f, const char *field,
		      const char *const *caps, size_t ncaps, struct filter *out)
{
	const json_t *c = json_object_get(f, "caps"), *a = json_object_get(f, "arches"),
		     *k = json_object_get(f, "minKernel");
	char sub[160];

	memset(out, 0, sizeof(*out));
	if (!f || json_is_null(f))
		return 0;
	if (!json_is_object(f))
		return bad(w, field, "expected an object");
	if (c && !json_is_null(c)) {
		join(sub, sizeof(sub), field, "caps");
		if (!json_is_array(c))
			return bad(w, sub, "expected an array of strings");
		if (json_array_size(c) && check_names(w, c, sub) < 0)
			return -1;
		out->ncaps = json_array_size(c);
		for (size_t i = 0; i < out->ncaps; i++)
			out->caps_held +=
				has_cap(caps, ncaps, json_string_value(json_array_get(c, i)));
	}
	if (a && !json_is_null(a)) {
		join(sub, sizeof(sub), field, "arches");
		if (!json_is_array(a))
			return bad(w, sub, "expected an array of strings");
		if (json_array_size(a) && check_names(w, a, sub) < 0)
			return -1;
		out->arch_listed = json_array_size(a) > 0;
		out->arch_hit = list_has(a, HOST_DOCKER_ARCH);
	}
	if (k && !json_is_null(k) && !(json_is_string(k) && !*json_string_value(k))) {
		unsigned major, minor;
		int n = -1;

		join(sub, sizeof(sub), field, "minKernel");
		if (!json_is_string(k) ||
		    sscanf(json_string_value(k), "%3u.%3u%n", &major, &minor, &n) != 2 ||
		    json_string_value(k)[n] || major > 255 || minor > 255 || (!major && !minor))
			return bad(w, sub, "expected a kernel version \"<kernel>.<major>\"");
		out->has_kernel = 1;
		out->kernel_ok = host_kernel() >= (major << 8 | minor);
	}
	return 0;
}

/* Keep the rule unless an exclude condition holds or an include one fails
 * (moby setupSeccomp: excludes match on any, includes need all). */
static int keep_rule(const struct filter *inc, const struct filter *exc)
{
	if (exc->arch_hit || exc->caps_held || (exc->has_kernel && exc->kernel_ok))
		return 0;
	if (inc->arch_listed && !inc->arch_hit)
		return 0;
	if (inc->caps_held < inc->ncaps)
		return 0;
	if (inc->has_kernel && !inc->kernel_ok)
		return 0;
	return 1;
}

static int copy_field(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (!v || json_is_null(v))
		return 0;
	return json_object_set(to, key, v);
}

/* Check docker rule i and, when it applies here, append its OCI form. */
static int convert_rule(const struct where *w, json_t *rule, size_t i,
			const char *const *caps, size_t ncaps, json_t *out_syscalls)
{
	char prefix[48], field[96];
	json_t *names = json_object_get(rule, "names"), *name = json_object_get(rule, "name");
	struct filter inc, exc;
	struct conds conds = { 0 };
	uint32_t action;
	json_t *oci;
	int rc;

	snprintf(prefix, sizeof(prefix), "syscalls[%zu]", i);
	if (!json_is_object(rule))
		return bad(w, prefix, "expected an object");
	if (name && !json_is_null(name) && !(json_is_string(name) && !*json_string_value(name))) {
		join(field, sizeof(field), prefix, "name");
		if (!json_is_string(name))
			return bad(w, field, "expected a string");
		if (names && json_array_size(names))
			return bad(w, field, "both \"name\" and \"names\" given; use \"names\"");
	} else {
		name = NULL;
		join(field, sizeof(field), prefix, "names");
		if (check_names(w, names, field) < 0)
			return -1;
	}
	if (get_action(w, rule, prefix, "action", "errnoRet", &action) < 0)
		return -1;
	rc = get_args(w, json_object_get(rule, "args"), prefix, &conds);
	free(conds.cmp);
	if (rc < 0)
		return -1;
	join(field, sizeof(field), prefix, "comment");
	if (json_object_get(rule, "comment") && !json_is_string(json_object_get(rule, "comment")))
		return bad(w, field, "expected a string");
	join(field, sizeof(field), prefix, "includes");
	if (get_filter(w, json_object_get(rule, "includes"), field, caps, ncaps, &inc) < 0)
		return -1;
	join(field, sizeof(field), prefix, "excludes");
	if (get_filter(w, json_object_get(rule, "excludes"), field, caps, ncaps, &exc) < 0)
		return -1;
	if (!keep_rule(&inc, &exc))
		return 0;

	oci = json_object();
	if (!oci ||
	    (name ? json_object_set_new(oci, "names", json_pack("[O]", name))
		  : json_object_set(oci, "names", names)) < 0 ||
	    copy_field(oci, rule, "action") < 0 || copy_field(oci, rule, "errnoRet") < 0 ||
	    copy_field(oci, rule, "args") < 0 || json_array_append_new(out_syscalls, oci) < 0)
		return perr_set(w->err, ENOMEM, "seccomp profile \"%s\"", w->file);
	return 0;
}

/* The docker profile `doc` as an OCI object, JSON null when unconfined. */
static json_t *convert_profile(const struct where *w, json_t *doc,
			       const char *const *caps, size_t ncaps)
{
	json_t *def = json_object_get(doc, "defaultAction"), *syscalls = json_object_get(doc, "syscalls"),
	       *arches = json_object_get(doc, "architectures"),
	       *archmap = json_object_get(doc, "archMap");
	json_t *out = NULL, *out_syscalls = NULL, *out_arches = NULL;
	uint32_t defact;
	size_t i;

	if (!json_is_object(doc)) {
		bad(w, "", "expected a JSON object");
		return NULL;
	}
	if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls)) {
		bad(w, "syscalls", "expected an array");
		return NULL;
	}
	if ((!def || (json_is_string(def) && !*json_string_value(def))) &&
	    json_array_size(syscalls) == 0)
		return json_null();   /* docker: "assume seccomp disabled" */
	if (get_action(w, doc, "", "defaultAction", "defaultErrnoRet", &defact) < 0 ||
	    add_flags(w, json_object_get(doc, "flags"), NULL) < 0 ||
	    check_optional_string(w, doc, "listenerPath") < 0 ||
	    check_optional_string(w, doc, "listenerMetadata") < 0)
		return NULL;

	if (json_array_size(arches) && json_array_size(archmap)) {
		bad(w, "archMap", "both \"architectures\" and \"archMap\" given; use one");
		return NULL;
	}
	if (archmap && !json_is_null(archmap) && !json_is_array(archmap)) {
		bad(w, "archMap", "expected an array");
		return NULL;
	}
	if (add_arches(w, arches, "architectures", NULL) < 0)
		return NULL;
	out_arches = json_array_size(arches) ? json_incref(arches) : json_array();
	for (i = 0; out_arches && i < json_array_size(archmap); i++) {
		json_t *m = json_array_get(archmap, i), *a, *subs;
		char f[64];

		snprintf(f, sizeof(f), "archMap[%zu]", i);
		if (!json_is_object(m)) {
			bad(w, f, "expected an object");
			goto fail;
		}
		a = json_object_get(m, "architecture");
		subs = json_object_get(m, "subArchitectures");
		snprintf(f, sizeof(f), "archMap[%zu].architecture", i);
		if (!json_is_string(a)) {
			bad(w, f, a ? "expected a string" : "missing");
			goto fail;
		}
		snprintf(f, sizeof(f), "archMap[%zu].subArchitectures", i);
		if (subs && !json_is_null(subs) && !json_is_array(subs)) {
			bad(w, f, "expected an array of strings");
			goto fail;
		}
		if (strcmp(json_string_value(a), HOST_OCI_ARCH) != 0 || json_array_size(out_arches))
			continue;   /* docker uses the first entry for the host */
		if (add_arches(w, subs, f, NULL) < 0)
			goto fail;
		if (json_array_append(out_arches, a) < 0 ||
		    (subs && json_is_array(subs) && json_array_extend(out_arches, subs) < 0))
			goto nomem;
	}

	out = json_object();
	out_syscalls = json_array();
	if (!out || !out_arches || !out_syscalls)
		goto nomem;
	for (i = 0; i < json_array_size(syscalls); i++)
		if (convert_rule(w, json_array_get(syscalls, i), i, caps, ncaps, out_syscalls) < 0)
			goto fail;
	if (copy_field(out, doc, "defaultAction") < 0 ||
	    copy_field(out, doc, "defaultErrnoRet") < 0 ||
	    json_object_set(out, "architectures", out_arches) < 0 ||
	    copy_field(out, doc, "flags") < 0 || copy_field(out, doc, "listenerPath") < 0 ||
	    copy_field(out, doc, "listenerMetadata") < 0 ||
	    json_object_set(out, "syscalls", out_syscalls) < 0)
		goto nomem;
	json_decref(out_arches);
	json_decref(out_syscalls);
	return out;
nomem:
	perr_set(w->err, ENOMEM, "seccomp profile \"%s\"", w->file);
fail:
	json_decref(out_arches);
	json_decref(out_syscalls);
	json_decref(out);
	return NULL;
}

static int read_profile(const char *path, char **text, size_t *len, struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;

	if (fd < 0)
		return perr_set(err, errno, "seccomp profile \"%s\"", path);
	for (;;) {
		if (n == cap) {
			char *nb;

			if (cap >= PROFILE_MAX_BYTES)
				return perr_set(err, 0, "seccomp profile \"%s\": larger than %d MiB",
						path, PROFILE_MAX_BYTES >> 20);
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb)
				return perr_set(err, ENOMEM, "seccomp profile \"%s\"", path);
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return perr_set(err, errno, "seccomp profile \"%s\"", path);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*text = steal_ptr(buf);
	*len = n;
	return 0;
}

json_t *seccomp_docker_profile_load(const char *path, const char *const *caps, size_t ncaps,
				    struct perr *err)
{
	_cleanup_free_ char *text = NULL;
	struct where w = { .err = err, .file = path };
	json_error_t jerr;
	json_t *doc, *out;
	size_t len = 0;

	if (read_profile(path, &text, &len, err) < 0)
		return NULL;
	doc = json_loadb(text, len, 0, &jerr);
	if (!doc) {
		if (jerr.line > 0)
			perr_set(err, 0, "seccomp profile \"%s\": line %d column %d: %s", path,
				 jerr.line, jerr.column, jerr.text);
		else
			perr_set(err, 0, "seccomp profile \"%s\": %s", path, jerr.text);
		return NULL;
	}
	w.text = text;
	w.len = len;
	out = convert_profile(&w, doc, caps, ncaps);
	json_decref(doc);
	return out;
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
		return bad(w, prefix, "expected an object");
	join(field, sizeof(field), prefix, "names");
	if (check_names(w, names, field) < 0 ||
	    get_action(w, rule, prefix, "action", "errnoRet", &action) < 0 ||
	    get_args(w, json_object_get(rule, "args"), prefix, &conds) < 0) {
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
			bad(w, field, "cannot add a rule for \"%s\": %s", name, strerror(-rc));
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
		bad(&w, "", "expected an object");
		return NULL;
	}
	if (get_action(&w, oci, "", "defaultAction", "defaultErrnoRet", &defact) < 0)
		return NULL;
	if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls)) {
		bad(&w, "syscalls", "expected an array");
		return NULL;
	}
	if (check_optional_string(&w, oci, "listenerPath") < 0 ||
	    check_optional_string(&w, oci, "listenerMetadata") < 0)
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
	if (add_arches(&w, json_object_get(oci, "architectures"), "architectures", ctx) < 0 ||
	    add_flags(&w, json_object_get(oci, "flags"), ctx) < 0)
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
