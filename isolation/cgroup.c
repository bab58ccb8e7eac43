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
 *
 * This file finds the host's hierarchies and makes, joins, reads and removes
 * the container's directories; linux.resources is checked in
 * cgroup_resources.c and written by cgroup_v1.c or cgroup_v2.c.
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
#include "isolation/cgroup_private.h"

#define V2_KEY "unified"
#define PREFIX "persona-"
#define DESTROY_TIMEOUT_NS 2000000000LL
#define FREEZE_WAIT_NS 100000000LL

static struct {
	int n, nv1;  /* nv1 == 0: a pure cgroup v2 host, limits go to the unified dir */
	struct hier h[MAX_HIER];
	int errnum;
	char msg[512];
} host;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

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

int pcg_write_str(const char *dir, const char *file, const char *s)
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
int pcg_read_str(const char *dir, const char *file, char *buf, size_t len)
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

	if (pcg_read_str(dir, file, buf, sizeof(buf)) < 0)
		return -1;
	for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ' ')
			return sscanf(l + kl, "%lld", out) == 1 ? 0 : -1;
	return -1;
}

bool pcg_has_token(const char *list, const char *tok, char sep)
{
	size_t tl = strlen(tok);

	for (const char *p = list; p; p = strchr(p, sep), p = p ? p + 1 : NULL)
		if (!strncmp(p, tok, tl) && (p[tl] == sep || p[tl] == '\0' || p[tl] == '\n'))
			return true;
	return false;
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

/* A libcgroup group naming `d` in its one hierarchy. */
static struct cgroup *lcg_group(const struct cgdir *d)
{
	struct cgroup *g = cgroup_new_cgroup(d->rel);

	if (g && !cgroup_add_controller(g, d->h->ctrl))
		cgroup_free(&g);
	return g;
}


/* ---- the host's hierarchies, once per process ---- */

/* libcgroup's default logger prints to stdout, which may be the container's
 * output; our errors carry the details, so it only speaks when asked to. */
static void lcg_logger(void *ud, int level, const char *fmt, va_list ap)
{
	fputs("libcgroup: ", stderr);
	vfprintf(stderr, fmt, ap);
}

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

/* mountinfo: "36 31 0:33 /root /mount opts - fstype source superopts".  The
 * first mount of `fstype` (at `mnt` when given); fills mount point and root. */
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

/* ---- the directories that carry the limits ---- */

struct cgdir *pcg_dir_with(const struct pcgroup *cg, const char *ctrl)
{
	for (int i = 0; i < cg->n; i++)
		if (is_v1(&cg->d[i]) && pcg_has_token(cg->d[i].h->key, ctrl, ','))
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
	struct cgdir *fz = pcg_dir_with(cg, "freezer");
	struct perr ignored;
	bool frozen = false;

	if (fz && !gone[fz - cg->d] && !pcg_v1_set(fz, "freezer.state", "FROZEN", &ignored)) {
		long long until = now_ns() + FREEZE_WAIT_NS;
		char st[32] = "";

		frozen = true;
		while (!pcg_read_str(fz->path, "freezer.state", st, sizeof(st)) && strcmp(st, "FROZEN") &&
		       now_ns() < until)
			usleep(1000);
	}
	for (int i = 0; i < cg->n; i++) {
		if (gone[i])
			continue;
		if (is_v1(&cg->d[i]) || pcg_write_str(cg->d[i].path, "cgroup.kill", "1"))
			kill_tree(cg->d[i].path, 0);
	}
	if (frozen)
		pcg_v1_set(fz, "freezer.state", "THAWED", &ignored);
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
		if (pcg_has_token(h->key, always[k], ','))
			return true;
	if (pcg_has_token(h->key, "cpu", ',') && (l->shares || l->quota || l->period))
		return true;
	return pcg_has_token(h->key, "cpuset", ',') && (l->cpus || l->mems);
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
	if (check_id(id, err) || host_get(err) || pcg_parse_limits(resources, &l, err))
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
	if (host.nv1 && pcg_v1_apply(cg, &l, err))
		goto out;
	if (v2_primary(cg) && pcg_v2_apply(v2_primary(cg), &l, err))
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
	if (pcg_read_str(proc, "cgroup", buf, sizeof(buf)))
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
			if (!v2_holds(d, pid) && pcg_write_str(d->path, "cgroup.procs", num))
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

	if ((d = pcg_dir_with(cg, "memory")))
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

	if ((d = pcg_dir_with(cg, "cpuacct")))
		return pcg_read_str(d->path, "cpuacct.usage", buf, sizeof(buf)) ? -1 : strtoll(buf, NULL, 10);
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
