/* persona: container state on disk (see state.h). */
#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "isolation/cgroup.h"

const char *state_root = "/run/persona";

void state_new_id(char id[ID_LEN + 1])
{
	unsigned char raw[ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
}

void state_now(char buf[40])
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, 40, "%s.%09ldZ", base, ts.tv_nsec);
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	ssize_t n;
	int fd;
	char *p;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* After ")": state is field 3; starttime is field 22. */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now = proc_start_time(pid);
	return now != 0 && now == start;
}

static int names_dir(char *buf, size_t len)
{
	return snprintf(buf, len, "%s/.names", state_root) >= (int)len ? -1 : 0;
}

int state_create(struct state *st, struct perr *err)
{
	char path[PATH_MAX], link[PATH_MAX];
	static const char *const sub[] = { "upper", "work", "rootfs.merged" };

	if (mkdir(state_root, 0700) < 0 && errno != EEXIST)
		return perr_set(err, errno, "state root %s", state_root);
	names_dir(path, sizeof(path));
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return perr_set(err, errno, "%s", path);
	snprintf(link, sizeof(link), "%s/%s", path, st->name);
	if (symlink(st->id, link) < 0) {
		if (errno == EEXIST) {
			char other[ID_LEN + 1] = "";
			ssize_t n = readlink(link, other, ID_LEN);
			if (n > 0)
				other[n] = '\0';
			return perr_set(err, 0,
					"the container name \"%s\" is already in use by container %.12s; remove it "
					"or choose another name", st->name, other);
		}
		return perr_set(err, errno, "reserve the name \"%s\"", st->name);
	}
	snprintf(st->dir, sizeof(st->dir), "%s/%s", state_root, st->id);
	if (mkdir(st->dir, 0700) < 0) {
		int e = errno;
		unlink(link);
		return perr_set(err, e, "%s", st->dir);
	}
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", st->dir, sub[i]);
		if (mkdir(path, 0755) < 0) {
			int e = errno;
			state_remove(st, NULL);
			return perr_set(err, e, "%s", path);
		}
	}
	return 0;
}

int state_save(const struct state *st, struct perr *err)
{
	_cleanup_json_ json_t *j = NULL;
	char path[PATH_MAX];

	j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:s, s:i, s:I, s:i, s:I, s:b, s:b, s:b, s:s, s:s, s:s,"
		      " s:s, s:s, s:O?}}",
		      "ociVersion", "1.2.0", "id", st->id, "status", st->status, "pid", (int)st->pid, "bundle",
		      st->dir, "persona", "name", st->name, "monitor", (int)st->monitor, "monitorStart",
		      (json_int_t)st->monitor_start, "exitCode", st->exit_code, "pidStart",
		      (json_int_t)st->pid_start, "oomKilled", st->oom_killed, "autoRemove",
		      st->autoremove, "detached", st->detached, "created", st->created, "started", st->started,
		      "finished", st->finished, "image", st->image, "command", st->command, "cgroup",
		      st->cgroup);
	if (!j)
		return perr_set(err, ENOMEM, "state of %s", st->id);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	return json_dump_path_atomic(j, path, err);
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int state_load(const char *id, struct state *st, struct perr *err)
{
	_cleanup_json_ json_t *j = NULL;
	char path[PATH_MAX];
	json_t *p;

	memset(st, 0, sizeof(*st));
	snprintf(st->dir, sizeof(st->dir), "%s/%s", state_root, id);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	j = json_load_path(path, err);
	if (!j)
		return -1;
	p = json_object_get(j, "persona");
	copy_str(st->id, sizeof(st->id), json_str(j, "id"));
	copy_str(st->status, sizeof(st->status), json_str(j, "status"));
	st->pid = (pid_t)json_int(j, "pid", 0);
	copy_str(st->name, sizeof(st->name), json_str(p, "name"));
	st->monitor = (pid_t)json_int(p, "monitor", 0);
	st->monitor_start = (unsigned long long)json_int(p, "monitorStart", 0);
	st->pid_start = (unsigned long long)json_int(p, "pidStart", 0);
	st->exit_code = (int)json_int(p, "exitCode", 0);
	st->oom_killed = json_bool(p, "oomKilled", false);
	st->autoremove = json_bool(p, "autoRemove", false);
	st->detached = json_bool(p, "detached", false);
	copy_str(st->created, sizeof(st->created), json_str(p, "created"));
	copy_str(st->started, sizeof(st->started), json_str(p, "started"));
	copy_str(st->finished, sizeof(st->finished), json_str(p, "finished"));
	copy_str(st->image, sizeof(st->image), json_str(p, "image"));
	copy_str(st->command, sizeof(st->command), json_str(p, "command"));
	st->cgroup = json_incref(json_object_get(p, "cgroup"));
	if (strcmp(st->id, id))
		return perr_set(err, 0, "%s: id \"%s\" does not match the directory", path, st->id);
	return 0;
}

void state_release(struct state *st)
{
	json_decref(st->cgroup);
	st->cgroup = NULL;
}

static bool is_id(const char *s)
{
	size_t n = strlen(s);
	if (n != ID_LEN)
		return false;
	return strspn(s, "0123456789abcdef") == n;
}

char **state_list(void)
{
	DIR *d = opendir(state_root);
	struct dirent *e;
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!d || !v) {
		if (d)
			closedir(d);
		return v;
	}
	while ((e = readdir(d))) {
		char **nv;
		if (!is_id(e->d_name))
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n++] = strdup(e->d_name);
		v[n] = NULL;
	}
	closedir(d);
	return v;
}

int state_lookup(const char *ref, struct state *st, struct perr *err)
{
	char path[PATH_MAX], target[ID_LEN + 1], found[ID_LEN + 1] = "";
	_cleanup_strv_ char **ids = NULL;
	size_t len = strlen(ref), matches = 0;
	ssize_t n;

	if (!*ref)
		return perr_set(err, 0, "empty container name or ID");
	if (is_id(ref))
		return state_load(ref, st, err) < 0 ? (perr_set(err, 0, "no such container: %s", ref), -2) : 0;
	names_dir(path, sizeof(path));
	if (strchr(ref, '/') == NULL && strlen(path) + len + 2 < sizeof(path)) {
		strcat(path, "/");
		strcat(path, ref);
		n = readlink(path, target, ID_LEN);
		if (n == ID_LEN) {
			target[n] = '\0';
			if (state_load(target, st, err) == 0)
				return 0;
		}
	}
	ids = state_list();
	for (char **p = ids; p && *p; p++) {
		if (!strncmp(*p, ref, len)) {
			matches++;
			snprintf(found, sizeof(found), "%s", *p);
		}
	}
	if (matches > 1)
		return perr_set(err, 0, "container reference \"%s\" matches %zu containers; give more of the ID",
				ref, matches);
	if (matches == 0 || state_load(found, st, err) < 0)
		return perr_set(err, 0, "no such container: %s", ref), -2;
	return 0;
}

int state_remove(const struct state *st, struct perr *err)
{
	char link[PATH_MAX], target[ID_LEN + 1];
	ssize_t n;

	if (st->name[0]) {
		snprintf(link, sizeof(link), "%s/.names/%s", state_root, st->name);
		n = readlink(link, target, ID_LEN);
		if (n == ID_LEN && !memcmp(target, st->id, ID_LEN))
			unlink(link);
	}
	if (st->dir[0] && remove_tree(st->dir) < 0)
		return perr_set(err, errno, "remove %s", st->dir);
	return 0;
}

int state_lock(const struct state *st, struct perr *err)
{
	int fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return perr_set(err, errno, "container %.12s", st->id);
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;
		close(fd);
		return perr_set(err, e, "lock container %.12s", st->id);
	}
	return fd;
}

static void gc_one(const char *id)
{
	struct state st;
	struct perr err;
	char path[PATH_MAX];
	struct stat sb;
	int lock;

	if (state_load(id, &st, &err) < 0) {
		/* No readable state: a create killed before its first save.
		 * Give a live create a minute to write it. */
		snprintf(path, sizeof(path), "%s/%s", state_root, id);
		if (stat(path, &sb) == 0 && time(NULL) - sb.st_mtime > 60) {
			snprintf(st.dir, sizeof(st.dir), "%s", path);
			st.name[0] = '\0';
			state_remove(&st, NULL);
		}
		return;
	}
	if (!strcmp(st.status, "stopped") || proc_alive(st.monitor, st.monitor_start)) {
		state_release(&st);
		return;
	}
	lock = state_lock(&st, &err);
	if (st.pid && proc_alive(st.pid, st.pid_start))
		kill(st.pid, SIGKILL);
	if (st.cgroup) {
		struct pcgroup *cg;
		if (pcgroup_from_json(st.cgroup, &cg, &err) == 0) {
			pcgroup_destroy(cg, &err);
			pcgroup_free(cg);
		}
	}
	if (st.autoremove || !strcmp(st.status, "creating")) {
		state_remove(&st, &err);
	} else {
		snprintf(st.status, sizeof(st.status), "stopped");
		st.exit_code = 128 + SIGKILL;
		state_now(st.finished);
		state_save(&st, &err);
	}
	if (lock >= 0)
		close(lock);
	state_release(&st);
}

void state_gc(void)
{
	_cleanup_strv_ char **ids = state_list();

	for (char **p = ids; p && *p; p++)
		gc_one(*p);
}
