/* persona: docker seccomp profiles -> OCI linux.seccomp (see
 * seccomp_docker_profile_load in seccomp.h), as docker's setupSeccomp()
 * converts them: moby/profiles seccomp (Seccomp, Syscall, Filter).  Every
 * rule goes through the checks of seccomp.c, with errors that name the
 * line and column of the offending value. */
#include "isolation/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolation/seccomp_private.h"

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

int psc_has_cap(const char *const *caps, size_t ncaps, const char *name)
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

/* The running kernel as major << 8 | minor; 0 when unknown, which drops
 * the rules that need a minimum version. */
unsigned psc_host_kernel(void)
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
		return psc_bad(w, field, "expected an object");
	if (c && !json_is_null(c)) {
		psc_join(sub, sizeof(sub), field, "caps");
		if (!json_is_array(c))
			return psc_bad(w, sub, "expected an array of strings");
		if (json_array_size(c) && psc_check_names(w, c, sub) < 0)
			return -1;
		out->ncaps = json_array_size(c);
		for (size_t i = 0; i < out->ncaps; i++)
			out->caps_held +=
				psc_has_cap(caps, ncaps, json_string_value(json_array_get(c, i)));
	}
	if (a && !json_is_null(a)) {
		psc_join(sub, sizeof(sub), field, "arches");
		if (!json_is_array(a))
			return psc_bad(w, sub, "expected an array of strings");
		if (json_array_size(a) && psc_check_names(w, a, sub) < 0)
			return -1;
		out->arch_listed = json_array_size(a) > 0;
		out->arch_hit = list_has(a, HOST_DOCKER_ARCH);
	}
	if (k && !json_is_null(k) && !(json_is_string(k) && !*json_string_value(k))) {
		unsigned major, minor;
		int n = -1;

		psc_join(sub, sizeof(sub), field, "minKernel");
		if (!json_is_string(k) ||
		    sscanf(json_string_value(k), "%3u.%3u%n", &major, &minor, &n) != 2 ||
		    json_string_value(k)[n] || major > 255 || minor > 255 || (!major && !minor))
			return psc_bad(w, sub, "expected a kernel version \"<kernel>.<major>\"");
		out->has_kernel = 1;
		out->kernel_ok = psc_host_kernel() >= (major << 8 | minor);
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
		return psc_bad(w, prefix, "expected an object");
	if (name && !json_is_null(name) && !(json_is_string(name) && !*json_string_value(name))) {
		psc_join(field, sizeof(field), prefix, "name");
		if (!json_is_string(name))
			return psc_bad(w, field, "expected a string");
		if (names && json_array_size(names))
			return psc_bad(w, field, "both \"name\" and \"names\" given; use \"names\"");
	} else {
		name = NULL;
		psc_join(field, sizeof(field), prefix, "names");
		if (psc_check_names(w, names, field) < 0)
			return -1;
	}
	if (psc_get_action(w, rule, prefix, "action", "errnoRet", &action) < 0)
		return -1;
	rc = psc_get_args(w, json_object_get(rule, "args"), prefix, &conds);
	free(conds.cmp);
	if (rc < 0)
		return -1;
	psc_join(field, sizeof(field), prefix, "comment");
	if (json_object_get(rule, "comment") && !json_is_string(json_object_get(rule, "comment")))
		return psc_bad(w, field, "expected a string");
	psc_join(field, sizeof(field), prefix, "includes");
	if (get_filter(w, json_object_get(rule, "includes"), field, caps, ncaps, &inc) < 0)
		return -1;
	psc_join(field, sizeof(field), prefix, "excludes");
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
		psc_bad(w, "", "expected a JSON object");
		return NULL;
	}
	if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls)) {
		psc_bad(w, "syscalls", "expected an array");
		return NULL;
	}
	if ((!def || (json_is_string(def) && !*json_string_value(def))) &&
	    json_array_size(syscalls) == 0)
		return json_null();   /* docker: "assume seccomp disabled" */
	if (psc_get_action(w, doc, "", "defaultAction", "defaultErrnoRet", &defact) < 0 ||
	    psc_add_flags(w, json_object_get(doc, "flags"), NULL) < 0 ||
	    psc_check_optional_string(w, doc, "listenerPath") < 0 ||
	    psc_check_optional_string(w, doc, "listenerMetadata") < 0)
		return NULL;

	if (json_array_size(arches) && json_array_size(archmap)) {
		psc_bad(w, "archMap", "both \"architectures\" and \"archMap\" given; use one");
		return NULL;
	}
	if (archmap && !json_is_null(archmap) && !json_is_array(archmap)) {
		psc_bad(w, "archMap", "expected an array");
		return NULL;
	}
	if (psc_add_arches(w, arches, "architectures", NULL) < 0)
		return NULL;
	out_arches = json_array_size(arches) ? json_incref(arches) : json_array();
	for (i = 0; out_arches && i < json_array_size(archmap); i++) {
		json_t *m = json_array_get(archmap, i), *a, *subs;
		char f[64];

		snprintf(f, sizeof(f), "archMap[%zu]", i);
		if (!json_is_object(m)) {
			psc_bad(w, f, "expected an object");
			goto fail;
		}
		a = json_object_get(m, "architecture");
		subs = json_object_get(m, "subArchitectures");
		snprintf(f, sizeof(f), "archMap[%zu].architecture", i);
		if (!json_is_string(a)) {
			psc_bad(w, f, a ? "expected a string" : "missing");
			goto fail;
		}
		snprintf(f, sizeof(f), "archMap[%zu].subArchitectures", i);
		if (subs && !json_is_null(subs) && !json_is_array(subs)) {
			psc_bad(w, f, "expected an array of strings");
			goto fail;
		}
		if (strcmp(json_string_value(a), HOST_OCI_ARCH) != 0 || json_array_size(out_arches))
			continue;   /* docker uses the first entry for the host */
		if (psc_add_arches(w, subs, f, NULL) < 0)
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
