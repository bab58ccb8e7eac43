/* persona: resource limits of the container process (see rlimit.h). */
#include "isolation/rlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/parse.h"

static const struct {
	const char *name;   /* docker's --ulimit name */
	const char *type;   /* OCI type */
	int resource;
} limits[] = {
	{ "as", "RLIMIT_AS", RLIMIT_AS },
	{ "core", "RLIMIT_CORE", RLIMIT_CORE },
	{ "cpu", "RLIMIT_CPU", RLIMIT_CPU },
	{ "data", "RLIMIT_DATA", RLIMIT_DATA },
	{ "fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "locks", "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "nice", "RLIMIT_NICE", RLIMIT_NICE },
	{ "nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "nproc", "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "rss", "RLIMIT_RSS", RLIMIT_RSS },
	{ "rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "stack", "RLIMIT_STACK", RLIMIT_STACK },
};
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

/* ---- docker --ulimit ---- */

/* A --ulimit value: an integer >= -1, -1 being unlimited. */
static int ulimit_value(const char *s, const char *part, int64_t *v, struct perr *err)
{
	struct perr e;

	if (parse_int64(part, v, &e) < 0)
		return perr_set(err, 0, "--ulimit \"%s\": \"%s\" is not an integer", s, part);
	if (*v < -1)
		return perr_set(err, 0, "--ulimit \"%s\": %s is negative (-1 means unlimited)", s, part);
	return 0;
}

int rlimit_parse_ulimit(const char *s, json_t **oci_rlimit, struct perr *err)
{
	_cleanup_free_ char *copy = NULL;
	char *vals, *hard_s;
	int64_t soft, hard;
	size_t i;

	*oci_rlimit = NULL;
	if (!s || !(copy = strdup(s)))
		return perr_set(err, s ? ENOMEM : 0, "--ulimit: missing value");
	vals = strchr(copy, '=');
	if (!vals)
		return perr_set(err, 0, "--ulimit \"%s\": want name=soft[:hard]", s);
	*vals++ = '\0';
	for (i = 0; i < NLIMITS; i++)
		if (!strcmp(copy, limits[i].name))
			break;
	if (i == NLIMITS)
		return perr_set(err, 0, "--ulimit \"%s\": unknown limit \"%s\" (known: as core cpu "
				"data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime "
				"sigpending stack)", s, copy);
	hard_s = strchr(vals, ':');
	if (hard_s) {
		*hard_s++ = '\0';
		if (strchr(hard_s, ':'))
			return perr_set(err, 0, "--ulimit \"%s\": too many values, want soft[:hard]", s);
	}
	if (ulimit_value(s, vals, &soft, err) < 0)
		return -1;
	hard = soft;
	if (hard_s && ulimit_value(s, hard_s, &hard, err) < 0)
		return -1;
	/* -1 is infinity, above every number. */
	if (hard != -1 && (soft == -1 || soft > hard))
		return perr_set(err, 0, "--ulimit \"%s\": soft limit must be less than or equal to "
				"the hard limit", s);

	json_t *o = json_pack("{s:s, s:I, s:I}", "type", limits[i].type,
			      "soft", (json_int_t)soft, "hard", (json_int_t)hard);
	if (!o)
		return perr_set(err, ENOMEM, "--ulimit \"%s\"", s);
	*oci_rlimit = o;
	return 0;
}

/* ---- OCI process.rlimits ---- */

struct entry {
	const char *type;
	int resource;
	struct rlimit lim;
};

static int json_limit(const json_t *v, const char *type, const char *key, rlim_t *out,
		      struct perr *err)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i == -1) {
			*out = RLIM_INFINITY;
			return 0;
		}
		if (i >= 0) {
			*out = (rlim_t)i;
			return 0;
		}
	} else if (json_is_real(v) && json_real_value(v) >= 18446744073709551615.0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	return perr_set(err, 0, "process.rlimits: %s: \"%s\" is not a limit (an integer >= 0, "
			"or -1 for unlimited)", type, key);
}

static int parse_entries(const json_t *arr, struct entry *e, size_t *n, struct perr *err)
{
	const json_t *item;
	size_t idx;

	*n = 0;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return perr_set(err, 0, "process.rlimits: not an array");
	json_array_foreach(arr, idx, item) {
		const json_t *t = json_object_get(item, "type");
		const char *type;
		size_t i;

		if (!json_is_object(item) || !json_is_string(t))
			return perr_set(err, 0, "process.rlimits[%zu]: want {\"type\", \"soft\", \"hard\"}",
					idx);
		type = json_string_value(t);
		for (i = 0; i < NLIMITS; i++)
			if (!strcmp(type, limits[i].type))
				break;
		if (i == NLIMITS)
			return perr_set(err, 0, "process.rlimits[%zu]: unknown type \"%s\"", idx, type);
		for (size_t k = 0; k < *n; k++)
			if (e[k].resource == limits[i].resource)
				return perr_set(err, 0, "process.rlimits: %s is given twice", type);
		/* At most NLIMITS distinct types, so `e` cannot overflow. */
		e[*n].type = limits[i].type;
		e[*n].resource = limits[i].resource;
		if (json_limit(json_object_get(item, "soft"), limits[i].type, "soft",
			       &e[*n].lim.rlim_cur, err) < 0 ||
		    json_limit(json_object_get(item, "hard"), limits[i].type, "hard",
			       &e[*n].lim.rlim_max, err) < 0)
			return -1;
		if (e[*n].lim.rlim_cur > e[*n].lim.rlim_max)
			return perr_set(err, 0, "process.rlimits: %s: soft limit is above the hard limit",
					limits[i].type);
		(*n)++;
	}
	return 0;
}

static bool have_sys_resource(void)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!c)
		return false;
	/* Permitted, not effective: the init raises what it holds. */
	if (cap_get_flag(c, CAP_SYS_RESOURCE, CAP_PERMITTED, &v) < 0)
		v = CAP_CLEAR;
	cap_free(c);
	return v == CAP_SET;
}

static uint64_t nr_open(void)
{
	_cleanup_close_ int fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	char buf[32] = "";
	uint64_t v;

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return UINT64_MAX;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_uint64(buf, &v, NULL) < 0 ? UINT64_MAX : v;
}

static const char *show(rlim_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static int check_entries(const struct entry *e, size_t n, struct perr *err)
{
	bool cap = have_sys_resource();

	for (size_t k = 0; k < n; k++) {
		struct rlimit cur;
		char a[32], b[32];

		if (getrlimit(e[k].resource, &cur) < 0)
			return perr_set(err, errno, "process.rlimits: %s", e[k].type);
		if (e[k].lim.rlim_max > cur.rlim_max && !cap)
			return perr_set(err, 0, "process.rlimits: %s: hard limit %s is above persona's "
					"own hard limit %s, and raising it needs CAP_SYS_RESOURCE, "
					"which persona does not have", e[k].type,
					show(e[k].lim.rlim_max, a, sizeof(a)),
					show(cur.rlim_max, b, sizeof(b)));
		if (e[k].resource == RLIMIT_NOFILE && e[k].lim.rlim_max > nr_open())
			return perr_set(err, 0, "process.rlimits: RLIMIT_NOFILE: hard limit %s is above "
					"the kernel's maximum /proc/sys/fs/nr_open = %llu",
					show(e[k].lim.rlim_max, a, sizeof(a)),
					(unsigned long long)nr_open());
	}
	return 0;
}

int rlimit_check(const json_t *oci_rlimits, struct perr *err)
{
	struct entry e[NLIMITS];
	size_t n;

	if (parse_entries(oci_rlimits, e, &n, err) < 0)
		return -1;
	return check_entries(e, n, err);
}

int rlimit_apply(const json_t *oci_rlimits, struct perr *err)
{
	struct entry e[NLIMITS];
	size_t n;

	if (parse_entries(oci_rlimits, e, &n, err) < 0 || check_entries(e, n, err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		char a[32], b[32];
		if (prlimit(0, e[k].resource, &e[k].lim, NULL) < 0)
			return perr_set(err, errno, "set %s to soft %s, hard %s", e[k].type,
					show(e[k].lim.rlim_cur, a, sizeof(a)),
					show(e[k].lim.rlim_max, b, sizeof(b)));
	}
	return 0;
}
