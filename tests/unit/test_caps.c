/* Unit tests: isolation/caps.  What the user observes is the Cap* lines of
 * /proc/<pid>/status, so the apply tests read exactly those, in a forked
 * child (capabilities cannot be given back once dropped). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolation/caps.h"
#include "tests/harness.h"

#define DOCKER_MASK "00000000a80425fb"

/* ---- helpers ---- */

static json_t *names_json(const char *const *names)
{
	json_t *a = json_array();
	for (size_t i = 0; names && names[i]; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* An OCI capabilities object; each argument a NULL-terminated list or NULL
 * (key left out). */
static json_t *oci(const char *const *bnd, const char *const *eff, const char *const *prm,
		   const char *const *inh, const char *const *amb)
{
	json_t *o = json_object();
	if (bnd)
		json_object_set_new(o, "bounding", names_json(bnd));
	if (eff)
		json_object_set_new(o, "effective", names_json(eff));
	if (prm)
		json_object_set_new(o, "permitted", names_json(prm));
	if (inh)
		json_object_set_new(o, "inheritable", names_json(inh));
	if (amb)
		json_object_set_new(o, "ambient", names_json(amb));
	return o;
}

static json_t *docker_default_oci(uid_t uid)
{
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	struct perr err = { 0 };

	ck_assert_msg(caps_compute(NULL, 0, NULL, 0, false, &names, &n, &err) == 0, "%s", err.msg);
	return caps_oci_object(names, n, uid);
}

/* Value of "Key:" in a /proc status text, into buf. */
static const char *field(const char *status, const char *key, char *buf, size_t len)
{
	const char *p = strstr(status, key);
	size_t n;

	ck_assert_msg(p, "no %s in:\n%s", key, status);
	p += strlen(key);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--; /* "Groups:" ends in a space */
	snprintf(buf, len, "%.*s", (int)n, p);
	return buf;
}

#define ck_field(status, key, want)                                          \
	do {                                                                 \
		char _b[256];                                                \
		ck_assert_str_eq(field(status, key, _b, sizeof(_b)), want); \
	} while (0)

enum mode { READ_STATUS, EXEC_CAT };

struct applier {
	bool with_user;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	json_t *caps;
};

/* Fork; in the child apply `a`, then report /proc/self/status (read in
 * process, or by an exec'd cat to see what execve(2) makes of it).
 * Returns the child's report: "OK\n<status>", or "ERR <message>\n<status>"
 * when applying failed. */
static char *in_child(const struct applier *a, enum mode mode)
{
	int p[2];
	pid_t pid;
	char *out = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int st;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct perr err = { 0 };
		int r;
		close(p[0]);
		r = a->with_user ? caps_apply_user(a->uid, a->gid, a->groups, a->ngroups, a->caps, &err)
				 : caps_apply(a->caps, &err);
		dprintf(p[1], r < 0 ? "ERR %s\n" : "OK\n", err.msg);
		if (mode == EXEC_CAT && r == 0) {
			dup2(p[1], 1);
			execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
			_exit(127);
		}
		char *s = read_file_str("/proc/self/status");
		dprintf(p[1], "%s", s ? s : "");
		/* _exit: no sanitizer exit hooks after a uid change. */
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			out = realloc(out, cap);
		}
		n = read(p[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed: %s", out);
	return out;
}

static char *status_ok(const struct applier *a, enum mode mode)
{
	char *out = in_child(a, mode);
	ck_assert_msg(!strncmp(out, "OK\n", 3), "apply failed: %s", out);
	return out;
}

static void need_root(void)
{
	if (geteuid() != 0)
		ck_abort_msg("needs root");
}

static bool host_lacks_sys_resource(void)
{
	char *s = read_file_str("/proc/self/status"), b[64];
	unsigned long long bnd = strtoull(field(s, "CapBnd:", b, sizeof(b)), NULL, 16);
	free(s);
	return !(bnd & (1ULL << 24));
}

/* ---- caps_compute ---- */

static void compute_ok(const char *const *add, size_t nadd, const char *const *drop, size_t ndrop,
		       bool priv, char ***names, size_t *n)
{
	struct perr err = { 0 };
	ck_assert_msg(caps_compute(add, nadd, drop, ndrop, priv, names, n, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null((*names)[*n]);
	for (size_t i = 1; i < *n; i++)
		ck_assert_msg(strcmp((*names)[i - 1], (*names)[i]) < 0, "not sorted/unique: %s %s",
			      (*names)[i - 1], (*names)[i]);
}

static bool has(char **names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

START_TEST(compute_default)
{
	_cleanup_strv_ char **names = NULL;
	size_t n;
	const char *want[] = { "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
			       "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE",
			       "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
			       "CAP_SETUID", "CAP_SYS_CHROOT" };

	compute_ok(NULL, 0, NULL, 0, false, &names, &n);
	ck_assert_uint_eq(n, CAPS_DOCKER_DEFAULT_COUNT);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(names[i], want[i]);
}
END_TEST

START_TEST(compute_add_drop)
{
	_cleanup_strv_ char **names = NULL;
	size_t n;
	const char *add[] = { "net_admin", "CAP_SYS_PTRACE", "Cap_Kill", "chown" };
	const char *drop[] = { "mknod", "CAP_NET_RAW" };

	compute_ok(add, 4, drop, 2, false, &names, &n);
	ck_assert_uint_eq(n, 14);
	ck_assert(has(names, "CAP_NET_ADMIN"));
	ck_assert(has(names, "CAP_SYS_PTRACE"));
	ck_assert(has(names, "CAP_KILL"));
	ck_assert(!has(names, "CAP_MKNOD"));
	ck_assert(!has(names, "CAP_NET_RAW"));
}
END_TEST

START_TEST(compute_all)
{
	_cleanup_strv_ char **a = NULL, **b = NULL, **c = NULL, **d = NULL;
	size_t na, nb, nc, nd;
	const char *all[] = { "all" }, *chown[] = { "chown" }, *net_raw[] = { "NET_RAW" };

	compute_ok(chown, 1, all, 1, false, &a, &na);
	ck_assert_uint_eq(na, 1);
	ck_assert_str_eq(a[0], "CAP_CHOWN");

	compute_ok(NULL, 0, NULL, 0, true, &b, &nb);
	ck_assert(has(b, "CAP_SYS_ADMIN"));
	ck_assert(nb > CAPS_DOCKER_DEFAULT_COUNT);
	if (host_lacks_sys_resource())
		ck_assert(!has(b, "CAP_SYS_RESOURCE")); /* persona cannot grant it here */

	compute_ok(all, 1, net_raw, 1, false, &c, &nc);
	ck_assert_uint_eq(nc, nb - 1);
	ck_assert(!has(c, "CAP_NET_RAW"));

	/* ALL in both: the add wins, as in moby. */
	compute_ok(all, 1, all, 1, false, &d, &nd);
	ck_assert_uint_eq(nd, nb);
}
END_TEST

START_TEST(compute_unknown)
{
	struct perr err = { 0 };
	char **names = NULL;
	size_t n = 0;
	const char *foo[] = { "CAP_FOO" }, *bar[] = { "bar" }, *num[] = { "12" }, *empty[] = { "" };

	ck_assert_int_eq(caps_compute(foo, 1, NULL, 0, false, &names, &n, &err), -1);
	ck_assert_str_eq(err.msg, "--cap-add \"CAP_FOO\": unknown capability");
	ck_assert_int_eq(caps_compute(NULL, 0, bar, 1, false, &names, &n, &err), -1);
	ck_assert_str_eq(err.msg, "--cap-drop \"CAP_BAR\": unknown capability");
	ck_assert_int_eq(caps_compute(num, 1, NULL, 0, false, &names, &n, &err), -1);
	ck_assert_str_eq(err.msg, "--cap-add \"CAP_12\": unknown capability");
	ck_assert_int_eq(caps_compute(empty, 1, NULL, 0, false, &names, &n, &err), -1);
	ck_assert_ptr_null(names);
}
END_TEST

START_TEST(oci_object)
{
	json_t *root = docker_default_oci(0), *user = docker_default_oci(1000);

	ck_assert_uint_eq(json_array_size(json_object_get(root, "bounding")), 14);
	ck_assert(json_equal(json_object_get(root, "bounding"), json_object_get(root, "effective")));
	ck_assert(json_equal(json_object_get(root, "bounding"), json_object_get(root, "permitted")));
	ck_assert(json_object_get(root, "bounding") != json_object_get(root, "effective"));
	ck_assert_ptr_null(json_object_get(root, "inheritable"));
	ck_assert_ptr_null(json_object_get(root, "ambient"));
	ck_assert_uint_eq(json_object_size(user), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(user, "bounding")), 14);
	json_decref(root);
	json_decref(user);
}
END_TEST

/* ---- caps_check ---- */

static void check_bad(json_t *caps, const char *needle)
{
	struct perr err = { 0 };
	ck_assert_int_eq(caps_check(caps, &err), -1);
	ck_assert_msg(strstr(err.msg, needle), "\"%s\" lacks \"%s\"", err.msg, needle);
	json_decref(caps);
}

START_TEST(check_rejects)
{
	const char *foo[] = { "CAP_FOO", NULL }, *bare[] = { "chown", NULL },
		   *chown[] = { "CAP_CHOWN", NULL }, *kill[] = { "CAP_KILL", NULL };
	struct perr err = { 0 };
	json_t *d = docker_default_oci(0);

	need_root();
	ck_assert_msg(caps_check(d, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(caps_check(NULL, &err), 0);
	json_decref(d);

	check_bad(oci(foo, NULL, NULL, NULL, NULL),
		  "process.capabilities.bounding: \"CAP_FOO\": unknown capability");
	check_bad(oci(NULL, bare, bare, NULL, NULL), "\"chown\": unknown capability");
	check_bad(json_pack("{s:s}", "effective", "CAP_CHOWN"), "effective: not an array");
	check_bad(json_pack("{s:[i]}", "permitted", 3), "permitted[0]: not a string");
	check_bad(json_array(), "not an object");
	check_bad(oci(chown, chown, kill, NULL, NULL), "effective CAP_CHOWN is not in the permitted set");
	check_bad(oci(chown, chown, chown, NULL, chown), "ambient CAP_CHOWN is not in both");
	check_bad(oci(chown, NULL, NULL, kill, NULL), "inheritable CAP_KILL is not in the bounding set");
}
END_TEST

START_TEST(check_unavailable)
{
	const char *res[] = { "CAP_SYS_RESOURCE", NULL };

	need_root();
	if (!host_lacks_sys_resource())
		SKIP_TEST("this host grants CAP_SYS_RESOURCE");
	check_bad(oci(res, res, res, NULL, NULL),
		  "CAP_SYS_RESOURCE is not available: persona's own bounding set does not have it");
}
END_TEST

/* ---- applying: what /proc/self/status shows ---- */

START_TEST(apply_docker_default_root)
{
	struct applier a = { .caps = docker_default_oci(0) };
	char *st;

	need_root();
	st = status_ok(&a, READ_STATUS);
	ck_field(st, "CapEff:", DOCKER_MASK);
	ck_field(st, "CapPrm:", DOCKER_MASK);
	ck_field(st, "CapBnd:", DOCKER_MASK);
	ck_field(st, "CapInh:", "0000000000000000");
	ck_field(st, "CapAmb:", "0000000000000000");
	free(st);

	/* Root after execve: permitted = effective = bounding. */
	st = status_ok(&a, EXEC_CAT);
	ck_field(st, "CapEff:", DOCKER_MASK);
	ck_field(st, "CapBnd:", DOCKER_MASK);
	free(st);
	json_decref(a.caps);
}
END_TEST

START_TEST(apply_user_1000_as_docker)
{
	gid_t groups[] = { 10, 1000 };
	struct applier a = { .with_user = true, .uid = 1000, .gid = 1000, .groups = groups,
			     .ngroups = 2, .caps = docker_default_oci(1000) };
	char *st;

	need_root();
	st = status_ok(&a, READ_STATUS);
	ck_field(st, "Uid:", "1000\t1000\t1000\t1000");
	ck_field(st, "Gid:", "1000\t1000\t1000\t1000");
	ck_field(st, "Groups:", "10 1000");
	ck_field(st, "CapEff:", "0000000000000000");
	ck_field(st, "CapPrm:", "0000000000000000");
	ck_field(st, "CapBnd:", DOCKER_MASK);
	free(st);

	st = status_ok(&a, EXEC_CAT);
	ck_field(st, "CapEff:", "0000000000000000");
	ck_field(st, "CapBnd:", DOCKER_MASK);
	free(st);
	json_decref(a.caps);
}
END_TEST

START_TEST(apply_user_1000_listed_caps)
{
	const char *some[] = { "CAP_CHOWN", "CAP_KILL", NULL };
	json_t *caps = docker_default_oci(1000);
	struct applier a = { .with_user = true, .uid = 1000, .gid = 1000, .caps = caps };
	char *st;

	need_root();
	json_object_set_new(caps, "effective", names_json(some));
	json_object_set_new(caps, "permitted", names_json(some));
	st = status_ok(&a, READ_STATUS);
	ck_field(st, "Uid:", "1000\t1000\t1000\t1000");
	ck_field(st, "Groups:", "");
	ck_field(st, "CapEff:", "0000000000000021");
	ck_field(st, "CapPrm:", "0000000000000021");
	ck_field(st, "CapBnd:", DOCKER_MASK);
	free(st);
	json_decref(caps);
}
END_TEST

START_TEST(apply_ambient_survives_exec)
{
	const char *nbs[] = { "CAP_NET_BIND_SERVICE", NULL };
	json_t *caps = docker_default_oci(1000);
	struct applier a = { .with_user = true, .uid = 1000, .gid = 1000, .caps = caps };
	char *st;

	need_root();
	json_object_set_new(caps, "effective", names_json(nbs));
	json_object_set_new(caps, "permitted", names_json(nbs));
	json_object_set_new(caps, "inheritable", names_json(nbs));
	json_object_set_new(caps, "ambient", names_json(nbs));
	st = status_ok(&a, EXEC_CAT);
	ck_field(st, "Uid:", "1000\t1000\t1000\t1000");
	ck_field(st, "CapEff:", "0000000000000400");
	ck_field(st, "CapAmb:", "0000000000000400");
	ck_field(st, "CapBnd:", DOCKER_MASK);
	free(st);
	json_decref(caps);
}
END_TEST

START_TEST(apply_nothing_listed)
{
	struct applier a = { .caps = NULL };
	char *st;

	need_root();
	st = status_ok(&a, READ_STATUS);
	ck_field(st, "CapEff:", "0000000000000000");
	ck_field(st, "CapBnd:", "0000000000000000");
	free(st);
}
END_TEST

START_TEST(apply_bad_spec_changes_nothing)
{
	const char *chown[] = { "CAP_CHOWN", NULL }, *kill[] = { "CAP_KILL", NULL };
	struct applier a = { .with_user = true, .uid = 1000, .gid = 1000,
			     .caps = oci(chown, chown, kill, NULL, NULL) };
	char *out, *mine, bnd[64], eff[64];

	need_root();
	mine = read_file_str("/proc/self/status");
	field(mine, "CapBnd:", bnd, sizeof(bnd));
	field(mine, "CapEff:", eff, sizeof(eff));
	free(mine);
	for (int i = 0; i < 2; i++) {
		a.with_user = i == 0;
		out = in_child(&a, READ_STATUS);
		ck_assert_msg(!strncmp(out, "ERR ", 4), "accepted: %s", out);
		ck_assert_ptr_nonnull(strstr(out, "effective CAP_CHOWN is not in the permitted set"));
		ck_field(out, "Uid:", "0\t0\t0\t0");
		ck_field(out, "CapBnd:", bnd);
		ck_field(out, "CapEff:", eff);
		free(out);
	}
	json_decref(a.caps);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *compute = tcase_create("compute");
	TCase *apply = tcase_create("apply");

	tcase_add_test(compute, compute_default);
	tcase_add_test(compute, compute_add_drop);
	tcase_add_test(compute, compute_all);
	tcase_add_test(compute, compute_unknown);
	tcase_add_test(compute, oci_object);
	tcase_add_test(apply, check_rejects);
	tcase_add_test(apply, check_unavailable);
	tcase_add_test(apply, apply_docker_default_root);
	tcase_add_test(apply, apply_user_1000_as_docker);
	tcase_add_test(apply, apply_user_1000_listed_caps);
	tcase_add_test(apply, apply_ambient_survives_exec);
	tcase_add_test(apply, apply_nothing_listed);
	tcase_add_test(apply, apply_bad_spec_changes_nothing);
	suite_add_tcase(s, compute);
	suite_add_tcase(s, apply);
	return s;
}

PERSONA_TEST_MAIN()
