/* persona tests: isolation/cgroup (libcgroup).  Runs as root on the build
 * host; the v1 tests need cgroup v1 hierarchies at /sys/fs/cgroup/<controller>
 * (this CI host is hybrid: v1 controllers plus a cgroup2 mount at
 * /sys/fs/cgroup/unified) and are skipped elsewhere. */
#include "tests/harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/magic.h>

#include "isolation/cgroup.h"

static const char *const v1_keys[] = { "cpu", "cpuacct", "cpuset", "memory", "devices",
				       "freezer", "blkio", "pids", NULL };

static void rand_id(char id[65])
{
	unsigned char b[32];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, b, sizeof(b)), (int)sizeof(b));
	close(fd);
	for (int i = 0; i < 32; i++)
		sprintf(id + 2 * i, "%02x", b[i]);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

#define REQUIRE_V1_HOST()                                                                   \
	do {                                                                                \
		if (!is_dir("/sys/fs/cgroup/memory/") || getuid() != 0)                     \
			SKIP_TEST("needs root and cgroup v1 hierarchies at /sys/fs/cgroup"); \
	} while (0)

static bool has_unified(void)
{
	struct statfs sf;
	return statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* The caller's cgroup for a /proc/self/cgroup controller field ("" for v2). */
static char *own_cgroup(const char *key)
{
	char *all = read_file_str("/proc/self/cgroup"), *line, *save = NULL, *res = NULL;

	ck_assert_ptr_nonnull(all);
	for (line = strtok_r(all, "\n", &save); line && !res; line = strtok_r(NULL, "\n", &save)) {
		char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;

		if (p && (size_t)(p - c - 1) == strlen(key) && !strncmp(c + 1, key, strlen(key)))
			res = strdup(p + 1);
	}
	free(all);
	ck_assert_msg(res, "no %s line in /proc/self/cgroup", key);
	return res;
}

/* Where pcgroup_create must put the container in hierarchy `key`. */
static char *expected_dir(const char *mount, const char *key, const char *id)
{
	char *own = own_cgroup(key), *p;

	ck_assert_int_gt(asprintf(&p, "%s%s%spersona-%s", mount, own,
				  strcmp(own, "/") ? "/" : "", id), 0);
	free(own);
	return p;
}

static char *file_in(const char *dir, const char *file)
{
	char path[4096], *s;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	s = read_file_str(path);
	ck_assert_msg(s, "cannot read %s", path);
	n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

static void assert_file(const char *dir, const char *file, const char *want)
{
	char *got = file_in(dir, file);

	ck_assert_msg(!strcmp(got, want), "%s/%s = \"%s\", want \"%s\"", dir, file, got, want);
	free(got);
}

/* Any directory named persona-<id> below `dir` (all hierarchies). */
static bool find_id(const char *dir, const char *name, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool hit = false;

	if (!d)
		return false;
	while (!hit && (e = readdir(d))) {
		char sub[4096];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		hit = !strcmp(e->d_name, name) || (depth < 6 && find_id(sub, name, depth + 1));
	}
	closedir(d);
	return hit;
}

static void assert_nothing_left(const char *id)
{
	char name[80];

	snprintf(name, sizeof(name), "persona-%s", id);
	ck_assert_msg(!find_id("/sys/fs/cgroup", name, 0), "a %s directory is left below /sys/fs/cgroup", name);
}

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	ck_assert_msg(j, "test JSON: %s", je.text);
	return j;
}

static struct pcgroup *create_ok(const char *id, const char *res_json)
{
	struct perr err = { 0 };
	struct pcgroup *cg = NULL;
	json_t *res = res_json ? J(res_json) : NULL;
	int rc = pcgroup_create(id, res, &cg, &err);

	json_decref(res);
	ck_assert_msg(rc == 0, "pcgroup_create: %s", err.msg);
	ck_assert_ptr_nonnull(cg);
	return cg;
}

static void create_fails(const char *res_json, const char *want1, const char *want2)
{
	char id[65];
	struct perr err = { 0 };
	struct pcgroup *cg = (struct pcgroup *)1;
	json_t *res = J(res_json);

	rand_id(id);
	ck_assert_int_eq(pcgroup_create(id, res, &cg, &err), -1);
	json_decref(res);
	ck_assert_ptr_null(cg);
	ck_assert_msg(strstr(err.msg, want1) && strstr(err.msg, want2),
		      "error \"%s\" should name \"%s\" and \"%s\"", err.msg, want1, want2);
	fprintf(stderr, "expected error: %s\n", err.msg);
	assert_nothing_left(id);
}

static void destroy_ok(struct pcgroup *cg)
{
	struct perr err = { 0 };

	ck_assert_msg(pcgroup_destroy(cg, &err) == 0, "pcgroup_destroy: %s", err.msg);
}

/* Every directory of `cg` exists (or none does). */
static void assert_dirs(const struct pcgroup *cg, bool exist)
{
	json_t *paths = pcgroup_to_json(cg), *v;
	const char *key;

	ck_assert_ptr_nonnull(paths);
	json_object_foreach(paths, key, v)
		ck_assert_msg(is_dir(json_string_value(v)) == exist, "%s: %s %s", key,
			      json_string_value(v), exist ? "missing" : "left behind");
	json_decref(paths);
}

/* A child that waits for one byte on `go` (or EOF) and then runs `fn`. */
static pid_t spawn(int go[2], void (*fn)(void))
{
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(0);  /* EOF: done */
		if (fn)
			fn();
		pause();
		_exit(0);
	}
	close(go[0]);
	return pid;
}

static void start(int go[2])
{
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	close(go[1]);
}

static bool procs_has(const char *dir, pid_t pid)
{
	char *s = file_in(dir, "cgroup.procs");
	bool hit = false;

	for (char *p = strtok(s, "\n"); p && !hit; p = strtok(NULL, "\n"))
		hit = atoi(p) == pid;
	free(s);
	return hit;
}

START_TEST(test_create_applies_limits)
{
	char id[65], *own_cpuset, *parent_mems, *dir;
	struct pcgroup *cg;
	json_t *paths;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, "{\"memory\": {\"limit\": 67108864}, \"pids\": {\"limit\": 32},"
			   " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\"}}");
	paths = pcgroup_to_json(cg);
	for (int i = 0; v1_keys[i]; i++) {
		char mount[256];

		snprintf(mount, sizeof(mount), "/sys/fs/cgroup/%s", v1_keys[i]);
		if (!is_dir(mount))
			continue;
		dir = expected_dir(mount, v1_keys[i], id);
		/* persona sets nothing in blkio and freezer, and joins neither */
		if (!strcmp(v1_keys[i], "freezer") || !strcmp(v1_keys[i], "blkio")) {
			ck_assert_ptr_null(json_object_get(paths, v1_keys[i]));
			ck_assert_msg(!is_dir(dir), "%s made", dir);
			free(dir);
			continue;
		}
		ck_assert_msg(json_object_get(paths, v1_keys[i]), "no \"%s\" in the paths", v1_keys[i]);
		ck_assert_str_eq(json_string_value(json_object_get(paths, v1_keys[i])), dir);
		ck_assert_msg(is_dir(dir), "%s missing", dir);
		free(dir);
	}
	ck_assert_ptr_null(json_object_get(paths, "systemd"));
	ck_assert_ptr_null(json_object_get(paths, "name=systemd"));
	/* hybrid: the unified hierarchy holds no controller persona uses, and is left out */
	if (has_unified()) {
		dir = expected_dir("/sys/fs/cgroup/unified", "", id);
		ck_assert_ptr_null(json_object_get(paths, "unified"));
		ck_assert(!is_dir(dir));
		free(dir);
	}

	assert_file(json_string_value(json_object_get(paths, "memory")), "memory.limit_in_bytes", "67108864");
	assert_file(json_string_value(json_object_get(paths, "pids")), "pids.max", "32");
	assert_file(json_string_value(json_object_get(paths, "cpu")), "cpu.cfs_quota_us", "50000");
	assert_file(json_string_value(json_object_get(paths, "cpu")), "cpu.cfs_period_us", "100000");
	assert_file(json_string_value(json_object_get(paths, "cpu")), "cpu.shares", "512");
	dir = (char *)json_string_value(json_object_get(paths, "cpuset"));
	assert_file(dir, "cpuset.cpus", "0");
	own_cpuset = strndup(dir, strrchr(dir, '/') - dir);
	parent_mems = file_in(own_cpuset, "cpuset.mems");
	assert_file(dir, "cpuset.mems", parent_mems);
	free(parent_mems);
	free(own_cpuset);

	destroy_ok(cg);
	assert_dirs(cg, false);
	assert_nothing_left(id);
	json_decref(paths);
	pcgroup_free(cg);
}
END_TEST

START_TEST(test_attach_and_destroy_with_live_tasks)
{
	char id[65];
	struct perr err = { 0 };
	struct pcgroup *cg;
	json_t *paths, *v;
	const char *key;
	int go[2], st;
	pid_t pid;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, NULL);
	pid = spawn(go, NULL);
	ck_assert_msg(pcgroup_attach(cg, pid, &err) == 0, "pcgroup_attach: %s", err.msg);
	paths = pcgroup_to_json(cg);
	json_object_foreach(paths, key, v)
		ck_assert_msg(procs_has(json_string_value(v), pid), "pid %d not in %s/cgroup.procs", pid,
			      json_string_value(v));
	json_decref(paths);
	ck_assert_int_ge(pcgroup_cpu_usage_ns(cg), 0);
	ck_assert_int_eq(pcgroup_oom_kills(cg), 0);

	/* still alive and blocked on the pipe: destroy must kill it */
	destroy_ok(cg);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %#x", st);
	close(go[1]);
	assert_dirs(cg, false);
	assert_nothing_left(id);
	destroy_ok(cg);  /* idempotent */
	pcgroup_free(cg);
}
END_TEST

/* The fast path: the child moves itself (pid 0). */
START_TEST(test_self_attach)
{
	char id[65];
	struct pcgroup *cg;
	json_t *paths, *v;
	const char *key;
	int res[2], st;
	pid_t pid;
	char rc = 1;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, "{\"pids\": {\"limit\": 8}}");
	ck_assert_int_eq(pipe2(res, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct perr err = { 0 };

		rc = (char)pcgroup_attach(cg, 0, &err);
		if (rc)
			fprintf(stderr, "child: %s\n", err.msg);
		if (write(res[1], &rc, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(res[1]);
	ck_assert_int_eq(read(res[0], &rc, 1), 1);
	close(res[0]);
	ck_assert_int_eq(rc, 0);
	paths = pcgroup_to_json(cg);
	json_object_foreach(paths, key, v)
		ck_assert_msg(procs_has(json_string_value(v), pid), "pid %d not in %s/cgroup.procs", pid,
			      json_string_value(v));
	json_decref(paths);
	destroy_ok(cg);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_nothing_left(id);
	pcgroup_free(cg);
}
END_TEST

static void fork_and_wait(void)
{
	if (fork() == 0)
		pause();
}

START_TEST(test_destroy_kills_forked_tasks_and_nested_cgroups)
{
	char id[65], nested[4200];
	struct perr err = { 0 };
	struct pcgroup *cg;
	json_t *paths;
	const char *mem;
	int go[2], st;
	pid_t pid;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, "{\"pids\": {\"limit\": 8}}");
	pid = spawn(go, fork_and_wait);
	ck_assert_msg(pcgroup_attach(cg, pid, &err) == 0, "pcgroup_attach: %s", err.msg);
	start(go);
	paths = pcgroup_to_json(cg);
	mem = json_string_value(json_object_get(paths, "memory"));
	for (int i = 0; i < 2000; i++) {  /* wait for the grandchild */
		char *s = file_in(mem, "cgroup.procs");
		bool two = strchr(s, '\n') && strchr(s, '\n')[1];

		free(s);
		if (two)
			break;
		usleep(1000);
	}
	/* a cgroup the container made for itself */
	snprintf(nested, sizeof(nested), "%s/inner", mem);
	ck_assert_int_eq(mkdir(nested, 0755), 0);
	destroy_ok(cg);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_dirs(cg, false);
	assert_nothing_left(id);
	json_decref(paths);
	pcgroup_free(cg);
}
END_TEST

static void eat_200mb(void)
{
	size_t len = 200u << 20;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	_exit(0);  /* not reached under a 64 MiB limit */
}

START_TEST(test_oom_kill_is_counted)
{
	char id[65];
	struct perr err = { 0 };
	struct pcgroup *cg;
	int go[2], st;
	pid_t pid;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, "{\"memory\": {\"limit\": 67108864}}");
	pid = spawn(go, eat_200mb);
	ck_assert_msg(pcgroup_attach(cg, pid, &err) == 0, "pcgroup_attach: %s", err.msg);
	start(go);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %#x, want SIGKILL", st);
	ck_assert_int_gt(pcgroup_oom_kills(cg), 0);
	ck_assert_int_gt(pcgroup_cpu_usage_ns(cg), 0);
	destroy_ok(cg);
	assert_nothing_left(id);
	pcgroup_free(cg);
}
END_TEST

START_TEST(test_json_round_trip)
{
	char id[65];
	struct perr err = { 0 };
	struct pcgroup *cg, *again = NULL;
	json_t *a, *b;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, NULL);
	a = pcgroup_to_json(cg);
	ck_assert_msg(pcgroup_from_json(a, &again, &err) == 0, "pcgroup_from_json: %s", err.msg);
	b = pcgroup_to_json(again);
	ck_assert_msg(json_equal(a, b), "round trip changed the paths");
	destroy_ok(again);  /* the reopened object removes what the first made */
	assert_dirs(cg, false);
	assert_nothing_left(id);
	destroy_ok(cg);
	destroy_ok(again);
	json_decref(a);
	json_decref(b);
	pcgroup_free(cg);
	pcgroup_free(again);
}
END_TEST

START_TEST(test_from_json_rejects_foreign_paths)
{
	static const char *const bad[] = {
		"[]",
		"{\"memory\": 7}",
		"{\"memory\": \"/etc\"}",
		"{\"memory\": \"/sys/fs/cgroup/memory\"}",
		"{\"memory\": \"/sys/fs/cgroup/memory/user.slice\"}",
		"{\"memory\": \"/sys/fs/cgroup/memory/../cpu/persona-abc\"}",
		"{\"memory\": \"/sys/fs/cgroup/memoryx/persona-abc\"}",
		"{\"no-such-hierarchy\": \"/sys/fs/cgroup/memory/persona-abc\"}",
		NULL,
	};

	REQUIRE_V1_HOST();
	for (int i = 0; bad[i]; i++) {
		struct perr err = { 0 };
		struct pcgroup *cg = NULL;
		json_t *j = J(bad[i]);

		ck_assert_msg(pcgroup_from_json(j, &cg, &err) == -1, "accepted %s", bad[i]);
		ck_assert_ptr_null(cg);
		ck_assert(err.msg[0]);
		json_decref(j);
	}
}
END_TEST

START_TEST(test_bad_values_leave_nothing)
{
	char cpus[64];
	int n = get_nprocs_conf();

	REQUIRE_V1_HOST();
	create_fails("{\"memory\": {\"limit\": -5}}", "memory.limit", "-5");
	/* refused by the kernel after the directories were made */
	snprintf(cpus, sizeof(cpus), "%d-%d", n < 7 ? 7 : n + 5, n < 7 ? 9 : n + 7);
	{
		char json[128];

		snprintf(json, sizeof(json), "{\"cpu\": {\"cpus\": \"%s\"}}", cpus);
		create_fails(json, "cpuset.cpus", cpus);
	}
	create_fails("{\"memory\": {\"limit\": 67108864, \"swap\": 1048576}}", "memory.swap", "1048576");
	create_fails("{\"memory\": {\"limit\": \"64m\"}}", "linux.resources.memory.limit", "integer");
	create_fails("{\"cpu\": {\"period\": 5}}", "cpu.cfs_period_us", "5");
	create_fails("{\"pids\": []}", "linux.resources.pids", "object");
	create_fails("{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}", "devices[0].type", "\"a\"");
	create_fails("{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}", "devices[0].access", "rwx");
	create_fails("{\"devices\": [{\"access\": \"r\"}]}", "devices[0]", "allow");
}
END_TEST

START_TEST(test_bad_id_and_existing_id)
{
	char id[65];
	struct perr err = { 0 };
	struct pcgroup *cg, *dup = NULL;

	REQUIRE_V1_HOST();
	ck_assert_int_eq(pcgroup_create("../etc", NULL, &dup, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "../etc"));
	ck_assert_int_eq(pcgroup_create("", NULL, &dup, &err), -1);

	rand_id(id);
	cg = create_ok(id, NULL);
	ck_assert_int_eq(pcgroup_create(id, NULL, &dup, &err), -1);
	ck_assert_int_eq(err.errnum, EEXIST);
	ck_assert_ptr_null(dup);
	assert_dirs(cg, true);  /* the failed call left the first one alone */
	destroy_ok(cg);
	assert_nothing_left(id);
	pcgroup_free(cg);
}
END_TEST

START_TEST(test_devices_and_swap)
{
	char id[65];
	struct pcgroup *cg;
	json_t *paths;
	const char *mem;

	REQUIRE_V1_HOST();
	rand_id(id);
	cg = create_ok(id, "{\"memory\": {\"limit\": 67108864, \"swap\": 134217728},"
			   " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
			   " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"},"
			   " {\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rw\"}]}");
	paths = pcgroup_to_json(cg);
	assert_file(json_string_value(json_object_get(paths, "devices")), "devices.list",
		    "c 1:3 rwm\nc 136:* rw");
	mem = json_string_value(json_object_get(paths, "memory"));
	assert_file(mem, "memory.limit_in_bytes", "67108864");
	if (access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0)
		assert_file(mem, "memory.memsw.limit_in_bytes", "134217728");
	destroy_ok(cg);
	assert_nothing_left(id);
	json_decref(paths);
	pcgroup_free(cg);

	/* unlimited memory and memory+swap */
	rand_id(id);
	cg = create_ok(id, "{\"memory\": {\"limit\": -1, \"swap\": -1}, \"pids\": {\"limit\": -1}}");
	destroy_ok(cg);
	pcgroup_free(cg);
	assert_nothing_left(id);
}
END_TEST

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Not a pass/fail benchmark: prints what a container start and removal
 * costs in this module (a child that has exited, as after `run /bin/true`). */
START_TEST(test_timing)
{
	enum { N = 30 };
	double create = 0, attach = 0, destroy = 0;
	struct timespec t0;

	REQUIRE_V1_HOST();
	for (int i = 0; i < N; i++) {
		char id[65];
		struct perr err = { 0 };
		struct pcgroup *cg;
		json_t *res = J("{\"memory\": {\"limit\": 67108864}, \"pids\": {\"limit\": 32},"
				" \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000}}");
		int go[2], st;
		pid_t pid;

		rand_id(id);
		pid = spawn(go, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ck_assert_msg(pcgroup_create(id, res, &cg, &err) == 0, "%s", err.msg);
		create += ms_since(&t0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ck_assert_msg(pcgroup_attach(cg, pid, &err) == 0, "%s", err.msg);
		attach += ms_since(&t0);
		close(go[1]);  /* EOF: the child exits */
		waitpid(pid, &st, 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		destroy_ok(cg);
		destroy += ms_since(&t0);
		pcgroup_free(cg);
		json_decref(res);
	}
	fprintf(stderr, "timing over %d runs: create %.3f ms, attach %.3f ms, destroy %.3f ms, total %.3f ms\n",
		N, create / N, attach / N, destroy / N, (create + attach + destroy) / N);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_create_applies_limits);
	tcase_add_test(tc, test_attach_and_destroy_with_live_tasks);
	tcase_add_test(tc, test_self_attach);
	tcase_add_test(tc, test_destroy_kills_forked_tasks_and_nested_cgroups);
	tcase_add_test(tc, test_oom_kill_is_counted);
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_from_json_rejects_foreign_paths);
	tcase_add_test(tc, test_bad_values_leave_nothing);
	tcase_add_test(tc, test_bad_id_and_existing_id);
	tcase_add_test(tc, test_devices_and_swap);
	tcase_add_test(tc, test_timing);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
