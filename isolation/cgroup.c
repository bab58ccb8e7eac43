/* persona: container cgroups (see cgroup.h).
 *
 * cgroup v1 goes through libcgroup: cgroup_create_cgroup() makes each
 * directory, cgroup_modify_cgroup() writes each value (one value per call, so
 * that an error can name the file and value the kernel refused),
 * cgroup_change_cgroup_path() moves a process and its threads, and
 * cgroup_delete_cgroup_ext(CGFLAG_DELETE_EMPTY_ONLY) removes a directory.
 *
 * cgroup v2 (and the unified hierarchy of a hybrid host) uses plain file
 * writes, because libcgroup 2.0.2 cannot do it:
 *  - it only learns of a cgroup2 mount through the controllers listed in the
 *    mount's cgroup.controllers, so the controller-less unified hierarchy of a
 *    hybrid host is invisible to it;
 *  - cgroup_create_cgroup() writes "+controller" into cgroup.subtree_control of
 *    every ancestor from the mount root down and fails as a whole when one
 *    refuses, which the caller's own cgroup does whenever it holds processes
 *    (the v2 "no internal processes" rule, EBUSY);
 *  - cgroup_attach_task_pid() refuses unless the parent's subtree_control
 *    lists every controller of the group, and
 *    cgroup_get_current_controller_path() cannot parse /proc/self/cgroup's
 *    "0::/path" line.
 * Hence this file reads /proc/self/cgroup itself, for both versions.
 */
#include "isolation/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libcgroup.h>

#include "common/cleanup.h"

#define MAX_HIER 16
#define V2_KEY "unified"
#define PREFIX "persona-"
#define DESTROY_TIMEOUT_NS 2000000000LL
#define FREEZE_WAIT_NS 100000000LL

/* One mounted hierarchy of this host, found once per process. */
struct hier {
	char *key;   /* controller field of /proc/self/cgroup ("memory", "cpu,cpuacct"); V2_KEY */
	char *ctrl;  /* v1: libcgroup's name for the hierarchy (a controller in it); NULL: v2 */
	char *mount; /* mount point */
	char *root;  /* the hierarchy path mounted there (mountinfo field 4), usually "/" */
};

static struct {
	int n, nv1;  /* nv1 == 0: a pure cgroup v2 host, limits go to the unified dir */
	struct hier h[MAX_HIER];
	int errnum;
	char msg[512];
} host;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

/* The container's directory in one hierarchy. */
struct cgdir {
	const struct hier *h;
	char *rel;  /* below the mount, no leading '/': libcgroup's group name */
	char *path; /* mount + "/" + rel */
	bool made;  /* made by pcgroup_create: removed again when it fails */
};

struct pcgroup {
	int n;
	struct cgdir d[MAX_HIER];
};

/* OCI linux.resources, with runc's conventions: 0 = not set, -1 = unlimited. */
struct limits {
	long long mem, swap, shares, quota, period, pids;
	const char *cpus, *mems;
	const json_t *devices;
};

/* ---- small helpers ---- */

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool is_v1(const struct cgdir *d)
{
	return d->h->ctrl != NULL;
}

static int write_str(const char *dir, const char *file, const char *s)
{
	_cleanup_free_ char *p = NULL;
	ssize_t n;
	int fd, e;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -1;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

/* Read dir/file into buf (NUL-terminated, trailing newline cut); -1 on error. */
static int read_str(const char *dir, const char *file, char *buf, size_t len)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, len - 1)) < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* The value of "key N" in a flat-keyed file (memory.events, cpu.stat, ...). */
static int read_keyed(const char *dir, const char *file, const char *key, long long *out)
{
	char buf[4096];
	size_t kl = strlen(key);

	if (read_str(dir, file, buf, sizeof(buf)) < 0)
		return -1;
	for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ' ')
			return sscanf(l + kl, "%lld", out) == 1 ? 0 : -1;
	return -1;
}

static bool has_token(const char *list, const char *tok, char sep)
{
	size_t tl = strlen(tok);

	for (const char *p = list; p; p = strchr(p, sep), p = p ? p + 1 : NULL)
		if (!strncmp(p, tok, tl) && (p[tl] == sep || p[tl] == '\0' || p[tl] == '\n'))
			return true;
	return false;
}

static void perr_append(struct perr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr_append(struct perr *err, const char *fmt, ...)
{
	size_t n = strlen(err->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

/* errno behind a libcgroup error code, 0 when there is none. */
static int lcg_errno(int rc)
{
	switch (rc) {
	case ECGOTHER: return cgroup_get_last_errno();
	case ECGROUPVALUENOTEXIST: return ENOENT;  /* the control file could not be opened */
	case ECGROUPNOTOWNER: return EPERM;
	case ECGNONEMPTY: return EBUSY;
	default: return 0;
	}
}

static int lcg_fail(struct perr *err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lcg_fail(struct perr *err, int rc, const char *fmt, ...)
{
	char msg[PERR_MSG_MAX];
	va_list ap;
	int e = lcg_errno(rc);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e)
		return perr_set(err, e, "%s", msg);
	return perr_set(err, 0, "%s: %s", msg, cgroup_strerror(rc));
}

/* ---- the host's hierarchies, once per process ---- */

/* libcgroup's default logger prints to stdout, which may be the container's
 * output; our errors carry the details, so it only speaks when asked to. */
static void lcg_logger(void *ud, int level, const char *fmt, va_list ap)
{
	fputs("libcgroup: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* mountinfo: "36 31 0:33 /root /mount opts - fstype source superopts".  The
 * first mount of `fstype` (at `mnt` when given); fills mount point and root. */
/* /proc/self/mountinfo, read once per discovery: the kernel formats the
 * whole table on every read, and there is one look-up per hierarchy. */
static char *mountinfo_text;
static size_t mountinfo_len;

static void mountinfo_load(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	FILE *m;

	if (!f || !(m = open_memstream(&mountinfo_text, &mountinfo_len)))
		return;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
}

static int find_mount(const char *fstype, const char *mnt, char **mount_out, char **root_out)
{
	_cleanup_fclose_ FILE *f = mountinfo_text ? fmemopen(mountinfo_text, mountinfo_len, "r") : NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char root[4096], mp[4096], type[64];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1 || strcmp(type, fstype) ||
		    (mnt && strcmp(mp, mnt)))
			continue;
		if (mount_out)
			*mount_out = strdup(mp);
		*root_out = strdup(root);
		return 0;
	}
	return -1;
}

static void host_add(const char *key, const char *ctrl, char *mount, char *root)
{
	struct hier *h;

	if (host.n == MAX_HIER || !mount || !root) {
		free(mount);
		free(root);
		return;
	}
	h = &host.h[host.n++];
	h->key = strdup(key);
	h->ctrl = ctrl ? strdup(ctrl) : NULL;
	h->mount = mount;
	h->root = root;
	host.nv1 += ctrl != NULL;
}

static void host_discover(void)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int lrc;

	cgroup_set_logger(lcg_logger, getenv("CGROUP_LOGLEVEL") ? -1 : 0, NULL);
	lrc = cgroup_init();
	mountinfo_load();
	f = fopen("/proc/self/cgroup", "re");
	if (!f) {
		host.errnum = errno;
		snprintf(host.msg, sizeof(host.msg), "cgroup: cannot read /proc/self/cgroup");
		return;
	}
	/* "4:memory:/a/b", "3:cpu,cpuacct:/", "9:name=systemd:/", "0::/a" (cgroup2) */
	while (getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':'), *end, *mp = NULL, *root = NULL, first[64] = "";

		if (!ctrls || !(end = strchr(++ctrls, ':')))
			continue;
		*end = '\0';
		if (!*ctrls) {
			if (!find_mount("cgroup2", NULL, &mp, &root))
				host_add(V2_KEY, NULL, mp, root);
			continue;
		}
		/* named hierarchies (name=systemd) have no controller: skipped */
		for (char *t = ctrls; t && !first[0]; t = strchr(t, ','), t = t ? t + 1 : NULL)
			if (strncmp(t, "name=", 5))
				snprintf(first, sizeof(first), "%.*s", (int)strcspn(t, ","), t);
		if (!first[0])
			continue;
		if (lrc) {
			host.errnum = lcg_errno(lrc);
			snprintf(host.msg, sizeof(host.msg), "cgroup: libcgroup's cgroup_init: %s",
				 cgroup_strerror(lrc));
			return;
		}
		if (cgroup_get_subsys_mount_point(first, &mp))
			continue;  /* not mounted in this mount namespace */
		if (find_mount("cgroup", mp, NULL, &root))
			root = strdup("/");
		host_add(ctrls, first, mp, root);
	}
	/* Hybrid host: the v1 controllers carry every limit persona sets, and
	 * moving a task in a cgroup2 hierarchy always waits for an RCU grace
	 * period (milliseconds, on every container start); the unified
	 * hierarchy is left out, as it holds no controller persona uses. */
	if (host.nv1) {
		for (int i = 0; i < host.n; i++) {
			if (host.h[i].ctrl)
				continue;
			free(host.h[i].key);
			free(host.h[i].mount);
			free(host.h[i].root);
			memmove(&host.h[i], &host.h[i + 1], (size_t)(host.n - i - 1) * sizeof(host.h[0]));
			host.n--;
			i--;
		}
	}
	free(mountinfo_text);
	mountinfo_text = NULL;
	if (!host.n)
		snprintf(host.msg, sizeof(host.msg), "cgroup: no cgroup hierarchy is mounted");
}

static int host_get(struct perr *err)
{
	pthread_once(&host_once, host_discover);
	if (host.msg[0])
		return perr_set(err, host.errnum, "%s", host.msg);
	return 0;
}

/* The caller's own cgroup in each host hierarchy, relative to the mount
 * ("" for the mount's root); from /proc/self/cgroup. */
static int own_paths(char *rel[MAX_HIER], struct perr *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return perr_set(err, errno, "cgroup: cannot read /proc/self/cgroup");
	while (getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':'), *path;

		if (!ctrls || !(path = strchr(++ctrls, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (int i = 0; i < host.n; i++) {
			const struct hier *h = &host.h[i];
			size_t rl = strcmp(h->root, "/") ? strlen(h->root) : 0;

			if (strcmp(h->key, *ctrls ? ctrls : V2_KEY))
				continue;
			/* mounted from a subtree (a container without a cgroup namespace) */
			if (strncmp(path, h->root, rl) || (path[rl] && path[rl] != '/'))
				return perr_set(err, 0, "cgroup \"%s\": the caller's cgroup %s is outside the mount %s (root %s)",
						h->key, path, h->mount, h->root);
			free(rel[i]);
			if (!(rel[i] = strdup(path + rl + strspn(path + rl, "/"))))
				return perr_set(err, ENOMEM, "cgroup");
		}
	}
	return 0;
}

/* ---- parsing linux.resources ---- */

static int get_int(const json_t *obj, const char *where, const char *key, long long *out,
		   struct perr *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return perr_set(err, 0, "linux.resources.%s.%s: must be an integer", where, key);
	*out = json_integer_value(v);
	return 0;
}

static int get_str(const json_t *obj, const char *where, const char *key, const char **out,
		   struct perr *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return perr_set(err, 0, "linux.resources.%s.%s: must be a string", where, key);
	*out = *json_string_value(v) ? json_string_value(v) : NULL;  /* "" = not set, as runc */
	return 0;
}

static int get_obj(const json_t *res, const char *key, const json_t **out, struct perr *err)
{
	const json_t *v = json_object_get(res, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return perr_set(err, 0, "linux.resources.%s: must be an object", key);
	*out = v;
	return 0;
}

static int check_devices(const json_t *devs, struct perr *err)
{
	size_t i;
	const json_t *r;

	if (!json_is_array(devs))
		return perr_set(err, 0, "linux.resources.devices: must be an array");
	json_array_foreach(devs, i, r) {
		const json_t *type = json_object_get(r, "type"), *acc = json_object_get(r, "access");
		const char *ts = json_is_string(type) ? json_string_value(type) : NULL;
		const char *as = json_is_string(acc) ? json_string_value(acc) : NULL;

		if (!json_is_object(r) || !json_is_boolean(json_object_get(r, "allow")))
			return perr_set(err, 0, "linux.resources.devices[%zu]: needs \"allow\": true or false", i);
		if ((type && !ts) || (ts && (strlen(ts) != 1 || !strchr("abc", ts[0]))))
			return perr_set(err, 0, "linux.resources.devices[%zu].type: must be \"a\", \"b\" or \"c\"", i);
		if ((acc && !as) || (as && (!*as || as[strspn(as, "rwm")])))
			return perr_set(err, 0, "linux.resources.devices[%zu].access = \"%s\": must be letters of \"rwm\"",
					i, as ? as : "?");
		for (int k = 0; k < 2; k++) {
			const char *name = k ? "minor" : "major";
			const json_t *n = json_object_get(r, name);

			if (n && !json_is_null(n) && (!json_is_integer(n) || json_integer_value(n) < -1))
				return perr_set(err, 0, "linux.resources.devices[%zu].%s: must be a number >= 0 (or -1 for all)",
						i, name);
		}
	}
	return 0;
}

static int parse_limits(const json_t *res, struct limits *l, struct perr *err)
{
	const json_t *mem, *cpu, *pids;

	memset(l, 0, sizeof(*l));
	if (!res || json_is_null(res))
		return 0;
	if (!json_is_object(res))
		return perr_set(err, 0, "linux.resources: must be an object");
	if (get_obj(res, "memory", &mem, err) || get_obj(res, "cpu", &cpu, err) ||
	    get_obj(res, "pids", &pids, err) ||
	    get_int(mem, "memory", "limit", &l->mem, err) ||
	    get_int(mem, "memory", "swap", &l->swap, err) ||
	    get_int(cpu, "cpu", "shares", &l->shares, err) ||
	    get_int(cpu, "cpu", "quota", &l->quota, err) ||
	    get_int(cpu, "cpu", "period", &l->period, err) ||
	    get_str(cpu, "cpu", "cpus", &l->cpus, err) ||
	    get_str(cpu, "cpu", "mems", &l->mems, err) ||
	    get_int(pids, "pids", "limit", &l->pids, err))
		return -1;
	l->devices = json_object_get(res, "devices");
	if (json_is_null(l->devices))
		l->devices = NULL;
	if (l->devices && check_devices(l->devices, err))
		return -1;

	if (l->mem < -1)
		return perr_set(err, 0, "linux.resources.memory.limit = %lld: must be a byte count, or -1 for unlimited",
				l->mem);
	if (l->swap < -1)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: must be a byte count, or -1 for unlimited",
				l->swap);
	if (l->swap > 0 && l->mem <= 0)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: needs memory.limit too (swap is memory plus swap)",
				l->swap);
	if (l->swap > 0 && l->swap < l->mem)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: is below memory.limit = %lld (swap is memory plus swap)",
				l->swap, l->mem);
	if (l->shares < 0)
		return perr_set(err, 0, "linux.resources.cpu.shares = %lld: must not be negative", l->shares);
	if (l->quota < -1)
		return perr_set(err, 0, "linux.resources.cpu.quota = %lld: must be microseconds, or -1 for unlimited",
				l->quota);
	if (l->period < 0)
		return perr_set(err, 0, "linux.resources.cpu.period = %lld: must be microseconds", l->period);
	return 0;
}

/* ---- cgroup v1, through libcgroup ---- */

/* A libcgroup group naming `d` in its one hierarchy. */
static struct cgroup *lcg_group(const struct cgdir *d)
{
	struct cgroup *g = cgroup_new_cgroup(d->rel);

	if (g && !cgroup_add_controller(g, d->h->ctrl))
		cgroup_free(&g);
	return g;
}

static bool is_number(const char *s)
{
	return s[strspn(s, "-0123456789")] == '\0';
}

/* A plain write, not cgroup_modify_cgroup(): libcgroup re-reads
 * /proc/mounts on every call (~0.1 ms each), and docker's device rules
 * alone are a dozen values on every container start. */
static int v1_set(const struct cgdir *d, const char *file, const char *value, struct perr *err)
{
	if (write_str(d->path, file, value))
		return perr_set(err, errno, is_number(value) ? "cgroup \"%s\": %s = %s" : "cgroup \"%s\": %s = \"%s\"",
				d->h->key, file, value);
	return 0;
}

static int v1_set_ll(const struct cgdir *d, const char *file, long long v, struct perr *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return v1_set(d, file, buf, err);
}

static struct cgdir *dir_with(const struct pcgroup *cg, const char *ctrl)
{
	for (int i = 0; i < cg->n; i++)
		if (is_v1(&cg->d[i]) && has_token(cg->d[i].h->key, ctrl, ','))
			return (struct cgdir *)&cg->d[i];
	return NULL;
}

/* The unified directory when it carries the limits (a pure v2 host). */
static struct cgdir *v2_primary(const struct pcgroup *cg)
{
	if (host.nv1)
		return NULL;
	for (int i = 0; i < cg->n; i++)
		if (!is_v1(&cg->d[i]))
			return (struct cgdir *)&cg->d[i];
	return NULL;
}

/* memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes at every
 * step, so the order depends on the current limit, as in runc's
 * setMemoryAndSwap: swap first when it becomes unlimited or rises above the
 * current memory limit, memory first otherwise (always, for a new cgroup). */
static int v1_memory(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	char buf[32];
	long long mem = l->mem, swap = l->swap, cur = -1;
	bool memsw = read_str(d->path, "memory.memsw.limit_in_bytes", buf, sizeof(buf)) == 0;

	if (mem == -1 && swap == 0 && memsw)
		swap = -1;  /* runc: unlimited memory means unlimited memory+swap */
	if (!memsw && swap > 0 && swap != mem)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: this host has no swap accounting "
				"(no memory.memsw.limit_in_bytes), so memory+swap can only be unset, -1 or "
				"equal to memory.limit (%lld)", swap, mem);
	if (!memsw)
		swap = 0;
	if (mem && swap) {
		if (read_str(d->path, "memory.limit_in_bytes", buf, sizeof(buf)) == 0)
			cur = strtoll(buf, NULL, 10);
		if (swap == -1 || (cur >= 0 && cur < swap))
			return v1_set_ll(d, "memory.memsw.limit_in_bytes", swap, err) ||
			       v1_set_ll(d, "memory.limit_in_bytes", mem, err) ? -1 : 0;
	}
	if (mem && v1_set_ll(d, "memory.limit_in_bytes", mem, err))
		return -1;
	if (swap && v1_set_ll(d, "memory.memsw.limit_in_bytes", swap, err))
		return -1;
	return 0;
}

/* As runc: a shorter period may be refused (EINVAL) while the old quota is
 * still in place, so then it is written again after the quota. */
static int v1_cpu(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	bool period_later = false;

	if (l->shares && v1_set_ll(d, "cpu.shares", l->shares, err))
		return -1;
	if (l->period && v1_set_ll(d, "cpu.cfs_period_us", l->period, err)) {
		if (err->errnum != EINVAL || !l->quota)
			return -1;
		period_later = true;
	}
	if (l->quota && v1_set_ll(d, "cpu.cfs_quota_us", l->quota, err))
		return -1;
	if (period_later && v1_set_ll(d, "cpu.cfs_period_us", l->period, err))
		return -1;
	return 0;
}

/* A new v1 cpuset starts with empty cpus and mems, and no task can join it
 * until both are filled (cgroup-v1/cpusets.rst): use the spec's value or the
 * parent's. */
static int v1_cpuset(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	static const char *const files[2] = { "cpuset.cpus", "cpuset.mems" };
	const char *want[2] = { l->cpus, l->mems };
	_cleanup_free_ char *parent = strndup(d->path, strrchr(d->path, '/') - d->path);

	for (int i = 0; i < 2; i++) {
		char have[4096] = "";

		if (!parent)
			return perr_set(err, ENOMEM, "cgroup");
		read_str(parent, files[i], have, sizeof(have));
		if (!want[i] && !have[0])
			continue;  /* nothing to copy: joining will fail and say so */
		if (v1_set(d, files[i], want[i] ? want[i] : have, err)) {
			if (want[i])
				perr_append(err, " (the parent cgroup allows \"%s\")", have);
			return -1;
		}
	}
	return 0;
}

static int v1_devices(const struct cgdir *d, const json_t *devs, struct perr *err)
{
	size_t i;
	const json_t *r;

	json_array_foreach(devs, i, r) {
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *acc = json_string_value(json_object_get(r, "access"));
		char num[2][24], rule[96];

		for (int k = 0; k < 2; k++) {
			const json_t *n = json_object_get(r, k ? "minor" : "major");

			if (!json_is_integer(n) || json_integer_value(n) < 0)
				strcpy(num[k], "*");
			else
				snprintf(num[k], sizeof(num[k]), "%lld", (long long)json_integer_value(n));
		}
		snprintf(rule, sizeof(rule), "%s %s:%s %s", type ? type : "a", num[0], num[1], acc ? acc : "rwm");
		if (v1_set(d, json_is_true(json_object_get(r, "allow")) ? "devices.allow" : "devices.deny", rule, err))
			return perr_prefix(err, "linux.resources.devices[%zu]", i);
	}
	return 0;
}

static int need(const struct pcgroup *cg, const char *ctrl, struct cgdir **d, struct perr *err)
{
	if (!(*d = dir_with(cg, ctrl)))
		return perr_set(err, 0, "cgroup: linux.resources asks for the %s controller, which is not mounted", ctrl);
	return 0;
}

static int v1_apply(const struct pcgroup *cg, const struct limits *l, struct perr *err)
{
	struct cgdir *d;
	char buf[32];

	if ((d = dir_with(cg, "cpuset")) && v1_cpuset(d, l, err))
		return -1;
	if ((l->cpus || l->mems) && !d)
		return need(cg, "cpuset", &d, err);
	if ((l->mem || l->swap) && (need(cg, "memory", &d, err) || v1_memory(d, l, err)))
		return -1;
	if ((l->shares || l->quota || l->period) && (need(cg, "cpu", &d, err) || v1_cpu(d, l, err)))
		return -1;
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%lld", l->pids);
		if (need(cg, "pids", &d, err) || v1_set(d, "pids.max", l->pids > 0 ? buf : "max", err))
			return -1;
	}
	if (l->devices && json_array_size(l->devices) &&
	    (need(cg, "devices", &d, err) || v1_devices(d, l->devices, err)))
		return -1;
	return 0;
}

/* ---- cgroup v2, plain files ---- */

/* Write `value` to d/file.  When the file is missing its controller is not
 * enabled for `d`: enable it in the parent's cgroup.subtree_control first.
 * The parent is the caller's cgroup, which refuses (EBUSY) when it holds
 * processes itself (cgroup-v2.rst, "No Internal Process Constraint"). */
static int v2_set(const struct cgdir *d, const char *ctrl, const char *file, const char *value,
		  struct perr *err)
{
	_cleanup_free_ char *p = NULL, *parent = strndup(d->path, strrchr(d->path, '/') - d->path);
	char plus[64], avail[1024] = "";

	if (!parent || asprintf(&p, "%s/%s", d->path, file) < 0)
		return perr_set(err, ENOMEM, "cgroup");
	if (access(p, F_OK)) {
		read_str(parent, "cgroup.controllers", avail, sizeof(avail));
		if (!has_token(avail, ctrl, ' '))
			return perr_set(err, 0, "cgroup \"%s\": %s needs the %s controller, which %s does not offer "
					"(its cgroup.controllers: \"%s\")", d->h->key, file, ctrl, parent, avail);
		snprintf(plus, sizeof(plus), "+%s", ctrl);
		if (write_str(parent, "cgroup.subtree_control", plus)) {
			int e = errno;

			return perr_set(err, e, "cgroup \"%s\": %s needs the %s controller; enabling it in "
					"%s/cgroup.subtree_control failed%s", d->h->key, file, ctrl, parent,
					e == EBUSY ? " (that cgroup holds processes, so it cannot delegate)" : "");
		}
	}
	if (write_str(d->path, file, value))
		return perr_set(err, errno, is_number(value) ? "cgroup \"%s\": %s = %s" : "cgroup \"%s\": %s = \"%s\"",
				d->h->key, file, value);
	return 0;
}

/* runc's conversions (ConvertMemorySwapToCgroupV2Value,
 * ConvertCPUSharesToCgroupV2Value, ConvertCPUQuotaCPUPeriodToCgroupV2Value).
 * Device rules are not applied: v2 has no devices files, the kernel wants a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the directory instead. */
static int v2_apply(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	char buf[64];

	if (l->mem) {
		snprintf(buf, sizeof(buf), "%lld", l->mem);
		if (v2_set(d, "memory", "memory.max", l->mem > 0 ? buf : "max", err))
			return -1;
	}
	if (l->swap || l->mem == -1) {
		long long s = l->swap > 0 ? l->swap - l->mem : -1;  /* memory.swap.max is swap alone */
		char probe[32];
		/* memory controller on but no memory.swap.max: no swap accounting */
		bool no_swap = !read_str(d->path, "memory.max", probe, sizeof(probe)) &&
			       read_str(d->path, "memory.swap.max", probe, sizeof(probe));

		if (no_swap && s > 0)
			return perr_set(err, 0, "linux.resources.memory.swap = %lld: this host has no swap accounting "
					"(no memory.swap.max), so memory+swap can only be unset, -1 or equal to "
					"memory.limit (%lld)", l->swap, l->mem);
		snprintf(buf, sizeof(buf), "%lld", s);
		if (!no_swap && v2_set(d, "memory", "memory.swap.max", s >= 0 ? buf : "max", err))
			return -1;
	}
	if (l->shares) {
		long long sh = l->shares < 2 ? 2 : l->shares > 262144 ? 262144 : l->shares;

		snprintf(buf, sizeof(buf), "%lld", 1 + ((sh - 2) * 9999) / 262142);
		if (v2_set(d, "cpu", "cpu.weight", buf, err))
			return -1;
	}
	if (l->quota > 0 || l->period) {
		long long period = l->period ? l->period : 100000;

		if (l->quota > 0)
			snprintf(buf, sizeof(buf), "%lld %lld", l->quota, period);
		else
			snprintf(buf, sizeof(buf), "max %lld", period);
		if (v2_set(d, "cpu", "cpu.max", buf, err))
			return -1;
	}
	if (l->cpus && v2_set(d, "cpuset", "cpuset.cpus", l->cpus, err))
		return -1;
	if (l->mems && v2_set(d, "cpuset", "cpuset.mems", l->mems, err))
		return -1;
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%lld", l->pids);
		if (v2_set(d, "pids", "pids.max", l->pids > 0 ? buf : "max", err))
			return -1;
	}
	return 0;
}

/* ---- removal ---- */

/* rmdir one container directory: 0 when gone, else an errno (EBUSY: tasks or
 * child cgroups remain). */
static int rm_dir(const struct cgdir *d)
{
	struct cgroup *g;
	int rc;

	if (!is_v1(d))
		return rmdir(d->path) && errno != ENOENT ? errno : 0;
	if (!(g = lcg_group(d)))
		return ENOMEM;
	rc = cgroup_delete_cgroup_ext(g, CGFLAG_DELETE_EMPTY_ONLY);
	cgroup_free(&g);
	if (rc)
		return lcg_errno(rc) ? lcg_errno(rc) : EIO;
	/* libcgroup 2.0.2 drops ECGNONEMPTY when it is the only error and
	 * returns 0 although rmdir failed with EBUSY: look. */
	return access(d->path, F_OK) ? 0 : EBUSY;
}

/* SIGKILL every task in `path` and the cgroups below it. */
static void kill_tree(const char *path, int depth)
{
	_cleanup_free_ char *procs = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	DIR *dir;
	struct dirent *e;
	long pid;

	if (asprintf(&procs, "%s/cgroup.procs", path) < 0)
		return;
	f = fopen(procs, "re");
	while (f && fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && pid != getpid())  /* 0: a task outside our PID namespace */
			kill((pid_t)pid, SIGKILL);
	if (depth > 32 || !(dir = opendir(path)))
		return;
	while ((e = readdir(dir))) {
		_cleanup_free_ char *sub = NULL;

		if (e->d_type == DT_DIR && e->d_name[0] != '.' && asprintf(&sub, "%s/%s", path, e->d_name) >= 0)
			kill_tree(sub, depth + 1);
	}
	closedir(dir);
}

/* Remove the cgroups the container made below its own, deepest first.  Plain
 * rmdir: libcgroup's recursive delete moves remaining tasks into the parent
 * instead of failing, which would let a task escape into the caller's cgroup. */
static void remove_nested(const char *path, int depth)
{
	DIR *dir;
	struct dirent *e;

	if (depth > 32 || !(dir = opendir(path)))
		return;
	while ((e = readdir(dir))) {
		_cleanup_free_ char *sub = NULL;

		if (e->d_type != DT_DIR || e->d_name[0] == '.' || asprintf(&sub, "%s/%s", path, e->d_name) < 0)
			continue;
		remove_nested(sub, depth + 1);
		rmdir(sub);
	}
	closedir(dir);
}

/* v1: freeze first (freezer-subsystem.rst) so no task forks while the
 * others are being killed; thaw afterwards so the SIGKILLs are delivered.
 * v2: cgroup.kill (Linux 5.14) kills the whole subtree at once. */
static void kill_all(const struct pcgroup *cg, const bool *gone)
{
	struct cgdir *fz = dir_with(cg, "freezer");
	struct perr ignored;
	bool frozen = false;

	if (fz && !gone[fz - cg->d] && !v1_set(fz, "freezer.state", "FROZEN", &ignored)) {
		long long until = now_ns() + FREEZE_WAIT_NS;
		char st[32] = "";

		frozen = true;
		while (!read_str(fz->path, "freezer.state", st, sizeof(st)) && strcmp(st, "FROZEN") &&
		       now_ns() < until)
			usleep(1000);
	}
	for (int i = 0; i < cg->n; i++) {
		if (gone[i])
			continue;
		if (is_v1(&cg->d[i]) || write_str(cg->d[i].path, "cgroup.kill", "1"))
			kill_tree(cg->d[i].path, 0);
	}
	if (frozen)
		v1_set(fz, "freezer.state", "THAWED", &ignored);
}

static void remove_made(struct pcgroup *cg)
{
	for (int i = cg->n - 1; i >= 0; i--)
		if (cg->d[i].made)
			rm_dir(&cg->d[i]);
}

/* ---- public ---- */

static int check_id(const char *id, struct perr *err)
{
	size_t n = id ? strlen(id) : 0;

	if (!n || n > 128 || id[0] == '.' ||
	    id[strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")])
		return perr_set(err, 0, "cgroup: container ID \"%s\" is not 1 to 128 letters, digits, '_', '-' or '.'",
				id ? id : "");
	return 0;
}

void pcgroup_free(struct pcgroup *cg)
{
	if (!cg)
		return;
	for (int i = 0; i < cg->n; i++) {
		free(cg->d[i].rel);
		free(cg->d[i].path);
	}
	free(cg);
}

static int add_dir(struct pcgroup *cg, const struct hier *h, char *rel, struct perr *err)
{
	struct cgdir *d = &cg->d[cg->n];

	if (!rel)
		return perr_set(err, ENOMEM, "cgroup");
	d->h = h;
	d->rel = rel;
	if (asprintf(&d->path, "%s/%s", h->mount, rel) < 0) {
		free(rel);
		return perr_set(err, ENOMEM, "cgroup");
	}
	cg->n++;
	return 0;
}

/* The hierarchies a container joins: those that limit it or account for
 * it (memory, pids, devices, cpuacct), cpu and cpuset only when a limit
 * asks for them, and never blkio or freezer, where persona sets nothing.
 * Each directory costs a mkdir, a join and an rmdir on every start (about
 * 0.25 ms each here). */
static bool wanted(const struct hier *h, const struct limits *l)
{
	static const char *const always[] = { "memory", "pids", "devices", "cpuacct", NULL };

	if (!h->ctrl)
		return true;
	for (int k = 0; always[k]; k++)
		if (has_token(h->key, always[k], ','))
			return true;
	if (has_token(h->key, "cpu", ',') && (l->shares || l->quota || l->period))
		return true;
	return has_token(h->key, "cpuset", ',') && (l->cpus || l->mems);
}

int pcgroup_create(const char *id, const json_t *resources, struct pcgroup **out, struct perr *err)
{
	struct perr local;
	char *own[MAX_HIER] = { 0 };
	struct pcgroup *cg = NULL;
	struct limits l;
	int ret = -1;

	if (!err)
		err = &local;  /* some helpers read the error back */
	*out = NULL;
	if (check_id(id, err) || host_get(err) || parse_limits(resources, &l, err))
		return -1;
	if (!(cg = calloc(1, sizeof(*cg)))) {
		perr_set(err, ENOMEM, "cgroup");
		goto out;
	}
	if (own_paths(own, err))
		goto out;
	for (int i = 0; i < host.n; i++) {
		char *rel = NULL;

		if (!wanted(&host.h[i], &l))
			continue;
		if (asprintf(&rel, "%s%s" PREFIX "%s", own[i] ? own[i] : "", own[i] && *own[i] ? "/" : "", id) < 0)
			rel = NULL;
		if (add_dir(cg, &host.h[i], rel, err))
			goto out;
		/* an ID in use: refuse rather than share, and leave it alone */
		if (!access(cg->d[cg->n - 1].path, F_OK)) {
			perr_set(err, EEXIST, "cgroup \"%s\": %s", host.h[i].key, cg->d[cg->n - 1].path);
			goto out;
		}
	}
	for (int i = 0; i < cg->n; i++) {
		struct cgdir *d = &cg->d[i];
		struct cgroup *g;
		int rc;

		d->made = true;
		if (!is_v1(d)) {
			if (mkdir(d->path, 0755)) {
				perr_set(err, errno, "cgroup \"%s\": cannot create %s", d->h->key, d->path);
				goto out;
			}
			continue;
		}
		if (!(g = lcg_group(d))) {
			perr_set(err, ENOMEM, "cgroup");
			goto out;
		}
		rc = cgroup_create_cgroup(g, 1);  /* 1: keep owner and modes, no chown walk */
		cgroup_free(&g);
		if (rc) {
			lcg_fail(err, rc, "cgroup \"%s\": cannot create %s", d->h->key, d->path);
			goto out;
		}
	}
	if (host.nv1 && v1_apply(cg, &l, err))
		goto out;
	if (v2_primary(cg) && v2_apply(v2_primary(cg), &l, err))
		goto out;
	for (int i = 0; i < cg->n; i++)
		cg->d[i].made = false;
	*out = steal_ptr(cg);
	ret = 0;
out:
	if (cg) {
		remove_made(cg);
		pcgroup_free(cg);
	}
	for (int i = 0; i < MAX_HIER; i++)
		free(own[i]);
	return ret;
}

/* Is `pid` (0: the calling thread) in d already?  From its "0::/path" line. */
static bool v2_holds(const struct cgdir *d, pid_t pid)
{
	char proc[64], buf[4096], want[4200];

	snprintf(proc, sizeof(proc), pid ? "/proc/%d" : "/proc/thread-self", (int)pid);
	snprintf(want, sizeof(want), "0::%s/%s", strcmp(d->h->root, "/") ? d->h->root : "", d->rel);
	if (read_str(proc, "cgroup", buf, sizeof(buf)))
		return false;
	for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, want, strlen(want)) && (l[strlen(want)] == '\n' || !l[strlen(want)]))
			return true;
	return false;
}

/* Moving another task takes the kernel's global cgroup_threadgroup_rwsem for
 * writing, which waits for an RCU grace period when it has been idle (about
 * 5-15 ms here, once per attach).  A single thread moving itself by writing
 * "0" to a v1 "tasks" file skips that lock (cgroup_procs_write_start()), which
 * is why pid 0 is offered; v2 has only cgroup.procs (always locked), so a
 * task already placed there by clone3(CLONE_INTO_CGROUP) is not moved again. */
int pcgroup_attach(struct pcgroup *cg, pid_t pid, struct perr *err)
{
	struct perr local;
	char who[40], num[24];

	if (!err)
		err = &local;
	snprintf(num, sizeof(num), "%d", (int)pid);
	if (pid)
		snprintf(who, sizeof(who), "process %d", (int)pid);
	else
		snprintf(who, sizeof(who), "the calling thread");
	for (int i = 0; i < cg->n; i++) {
		const struct cgdir *d = &cg->d[i];
		const char *const ctrls[] = { d->h->ctrl, NULL };
		struct cgroup *g;
		int rc;

		if (!is_v1(d)) {
			if (!v2_holds(d, pid) && write_str(d->path, "cgroup.procs", num))
				return perr_set(err, errno, "cgroup \"%s\": cannot move %s into %s", d->h->key, who, d->path);
			continue;
		}
		if (pid) {
			rc = cgroup_change_cgroup_path(d->rel, pid, ctrls);  /* the task and its threads */
		} else {
			g = lcg_group(d);
			rc = g ? cgroup_attach_task_pid(g, 0) : ECGFAIL;
			cgroup_free(&g);
		}
		if (rc)
			return lcg_fail(err, rc, "cgroup \"%s\": cannot move %s into %s", d->h->key, who, d->path);
	}
	return 0;
}

json_t *pcgroup_to_json(const struct pcgroup *cg)
{
	json_t *o = json_object();

	for (int i = 0; o && i < cg->n; i++)
		if (json_object_set_new(o, cg->d[i].h->key, json_string(cg->d[i].path))) {
			json_decref(o);
			return NULL;
		}
	return o;
}

int pcgroup_from_json(const json_t *paths, struct pcgroup **out, struct perr *err)
{
	struct pcgroup *cg;
	const char *key;
	const json_t *v;

	*out = NULL;
	if (host_get(err))
		return -1;
	if (!json_is_object(paths))
		return perr_set(err, 0, "cgroup paths: must be a JSON object");
	if (!(cg = calloc(1, sizeof(*cg))))
		return perr_set(err, ENOMEM, "cgroup");
	json_object_foreach((json_t *)paths, key, v) {
		const char *p = json_string_value(v), *rel = NULL, *base = NULL;
		const struct hier *h = NULL;

		for (int i = 0; i < host.n && !h; i++)
			if (!strcmp(host.h[i].key, key))
				h = &host.h[i];
		if (!h || cg->n == MAX_HIER) {
			perr_set(err, 0, "cgroup paths: hierarchy \"%s\" is not mounted on this host", key);
			goto fail;
		}
		/* state files are ours, but never rmdir anything but a container cgroup */
		if (p && !strncmp(p, h->mount, strlen(h->mount)) && p[strlen(h->mount)] == '/') {
			rel = p + strlen(h->mount) + 1;
			base = strrchr(p, '/') + 1;
		}
		if (!rel || strstr(p, "/../") || strstr(p, "/./") || strncmp(base, PREFIX, strlen(PREFIX)) ||
		    check_id(base + strlen(PREFIX), NULL)) {
			perr_set(err, 0, "cgroup paths: \"%s\": %s is not a persona cgroup below %s",
				 key, p ? p : "(not a string)", h->mount);
			goto fail;
		}
		if (add_dir(cg, h, strdup(rel), err))
			goto fail;
	}
	*out = cg;
	return 0;
fail:
	pcgroup_free(cg);
	return -1;
}

long pcgroup_oom_kills(const struct pcgroup *cg)
{
	const struct cgdir *d;
	long long n = 0;

	if ((d = dir_with(cg, "memory")))
		read_keyed(d->path, "memory.oom_control", "oom_kill", &n);
	else if ((d = v2_primary(cg)))
		read_keyed(d->path, "memory.events", "oom_kill", &n);
	return (long)n;
}

long long pcgroup_cpu_usage_ns(const struct pcgroup *cg)
{
	const struct cgdir *d;
	char buf[32];
	long long usec;

	if ((d = dir_with(cg, "cpuacct")))
		return read_str(d->path, "cpuacct.usage", buf, sizeof(buf)) ? -1 : strtoll(buf, NULL, 10);
	if ((d = v2_primary(cg)) && !read_keyed(d->path, "cpu.stat", "usage_usec", &usec))
		return usec * 1000;
	return -1;
}

int pcgroup_destroy(struct pcgroup *cg, struct perr *err)
{
	struct perr local;
	bool gone[MAX_HIER] = { false };
	long long deadline = now_ns() + DESTROY_TIMEOUT_NS;
	useconds_t delay = 500;

	if (!err)
		err = &local;
	for (int round = 0;; round++) {
		const struct cgdir *busy = NULL;

		for (int i = 0; i < cg->n; i++) {
			int e;

			if (gone[i])
				continue;
			if (round)
				remove_nested(cg->d[i].path, 0);
			e = rm_dir(&cg->d[i]);
			if (!e)
				gone[i] = true;
			else if (e == EBUSY)
				busy = &cg->d[i];
			else
				return perr_set(err, e, "cgroup \"%s\": cannot remove %s", cg->d[i].h->key, cg->d[i].path);
		}
		if (!busy)
			return 0;
		if (now_ns() > deadline)
			return perr_set(err, EBUSY, "cgroup \"%s\": cannot remove %s: tasks or cgroups remain after SIGKILL",
					busy->h->key, busy->path);
		/* the kernel frees a cgroup only once its last task has exited */
		kill_all(cg, gone);
		usleep(delay);
		delay = delay < 50000 ? delay * 2 : delay;
	}
}
