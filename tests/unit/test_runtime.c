/* Unit suite: runtime (spec generation, state lookup) and the mount option
 * parser of isolation/rootfs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/json.h"
#include "isolation/rootfs.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "tests/harness.h"

static char rootfs[] = "/tmp/persona-unit-rootfs-XXXXXX";

static void make_rootfs(void)
{
	char path[256];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(rootfs));
	snprintf(path, sizeof(path), "%s/etc", rootfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/passwd", rootfs);
	f = fopen(path, "w");
	fputs("root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000:web:/home/web:/bin/sh\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/etc/group", rootfs);
	f = fopen(path, "w");
	fputs("root:x:0:\nweb:x:1000:\nstaff:x:50:web\n", f);
	fclose(f);
}

static void drop_rootfs(void)
{
	remove_tree(rootfs);
	strcpy(rootfs, "/tmp/persona-unit-rootfs-XXXXXX");
}

static const char *const sh[] = { "sh", NULL };
static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static bool has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

START_TEST(spec_defaults_follow_docker)
{
	struct run_opts o = { .image = "x", .rootfs = rootfs, .args = sh, .no_new_privs = -1 };
	struct perr err = { 0 };
	json_t *spec = spec_from_run(&o, id, &err), *proc, *lin;

	ck_assert_msg(spec, "%s", err.msg);
	proc = json_object_get(spec, "process");
	lin = json_object_get(spec, "linux");
	ck_assert_str_eq(json_str(spec, "hostname"), "0123456789ab");
	ck_assert(json_bool(proc, "noNewPrivileges", false));
	ck_assert(has_str(json_object_get(proc, "env"), "HOME=/root"));
	ck_assert(has_str(json_object_get(proc, "env"), "HOSTNAME=0123456789ab"));
	ck_assert(has_str(json_object_get(json_object_get(proc, "capabilities"), "effective"), "CAP_CHOWN"));
	ck_assert(!has_str(json_object_get(json_object_get(proc, "capabilities"), "effective"), "CAP_SYS_ADMIN"));
	ck_assert_int_eq(json_array_size(json_object_get(lin, "namespaces")), 6);
	ck_assert(has_str(json_object_get(lin, "maskedPaths"), "/proc/kcore"));
	ck_assert(has_str(json_object_get(lin, "readonlyPaths"), "/proc/sys"));
	ck_assert_str_eq(json_str(json_object_get(lin, "seccomp"), "defaultAction"), "SCMP_ACT_ERRNO");
	json_decref(spec);
}
END_TEST

START_TEST(spec_flags_become_fields)
{
	static const char *env[] = { "A=1", "A=2", NULL };
	static const char *vols[] = { "/tmp:/data:ro", NULL };
	struct run_opts o = { .image = "x", .rootfs = rootfs, .args = sh, .no_new_privs = -1, .user = "web",
			      .memory = "64m", .cpus = "0.5", .pids_limit = "32", .network = "host",
			      .privileged = true, .env = { env, 2 }, .volumes = { vols, 1 } };
	struct perr err = { 0 };
	json_t *spec = spec_from_run(&o, id, &err), *proc, *lin, *res;

	ck_assert_msg(spec, "%s", err.msg);
	proc = json_object_get(spec, "process");
	lin = json_object_get(spec, "linux");
	res = json_object_get(lin, "resources");
	ck_assert_int_eq(json_int(json_object_get(proc, "user"), "uid", -1), 1000);
	ck_assert(has_str(json_object_get(proc, "env"), "A=2"));
	ck_assert(!has_str(json_object_get(proc, "env"), "A=1"));
	ck_assert(has_str(json_object_get(proc, "env"), "HOME=/home/web"));
	ck_assert_int_eq(json_int(json_object_get(res, "memory"), "limit", 0), 64 << 20);
	ck_assert_int_eq(json_int(json_object_get(res, "memory"), "swap", 0), 128 << 20);
	ck_assert_int_eq(json_int(json_object_get(res, "cpu"), "quota", 0), 50000);
	ck_assert_int_eq(json_int(json_object_get(res, "pids"), "limit", 0), 32);
	/* --network host: no network namespace; --privileged: no seccomp, no masks */
	ck_assert_int_eq(json_array_size(json_object_get(lin, "namespaces")), 5);
	ck_assert_ptr_null(json_object_get(lin, "seccomp"));
	ck_assert_ptr_null(json_object_get(lin, "maskedPaths"));
	json_t *last = json_array_get(json_object_get(spec, "mounts"),
				      json_array_size(json_object_get(spec, "mounts")) - 1);
	ck_assert_str_eq(json_str(last, "destination"), "/data");
	ck_assert(has_str(json_object_get(last, "options"), "ro"));
	json_decref(spec);
}
END_TEST

/* docker run --label over the image's Labels; both become annotations. */
START_TEST(spec_labels_become_annotations)
{
	static const char *labels[] = { "b=over", "c", NULL };
	json_t *cfg = json_pack("{s:{s:s, s:s, s:s, s:i}}", "Labels", "a", "1", "b", "2", "io.persona.init", "true",
				"n", 5);
	struct run_opts o = { .image = "x", .rootfs = rootfs, .args = sh, .no_new_privs = -1, .image_config = cfg,
			      .labels = { labels, 2 } };
	struct perr err = { 0 };
	json_t *spec = spec_from_run(&o, id, &err), *ann;

	ck_assert_msg(spec, "%s", err.msg);
	ann = json_object_get(spec, "annotations");
	ck_assert_str_eq(json_str(ann, "a"), "1");
	ck_assert_str_eq(json_str(ann, "b"), "over");
	ck_assert_str_eq(json_str(ann, "c"), "");
	ck_assert_str_eq(json_str(ann, "io.persona.init"), "false");   /* an image cannot set persona's own */
	ck_assert_ptr_null(json_object_get(ann, "n"));                  /* not a string: not a label */
	json_decref(spec);
	json_decref(cfg);
}
END_TEST

static const char *bad_label_empty[] = { "=x", NULL }, *bad_label_ours[] = { "io.persona.init=true", NULL };

START_TEST(spec_bad_values_name_the_flag)
{
	static const struct {
		struct run_opts o;
		const char *want;
	} cases[] = {
		{ { .memory = "abc" }, "--memory" },
		{ { .memory = "1k" }, "--memory" },
		{ { .memory_swap = "1g" }, "--memory-swap" },
		{ { .memory = "64m", .memory_swap = "32m" }, "--memory-swap" },
		{ { .cpus = "99" }, "--cpus" },
		{ { .cpu_shares = "1" }, "--cpu-shares" },
		{ { .cpuset_cpus = "0-99" }, "--cpuset-cpus" },
		{ { .pids_limit = "0" }, "--pids-limit" },
		{ { .hostname = "" }, "--hostname" },
		{ { .network = "bridge" }, "--network" },
		{ { .workdir = "relative" }, "--workdir" },
		{ { .user = "nobody-here" }, "nobody-here" },
		{ { .seccomp = "/nonexistent.json" }, "/nonexistent.json" },
		{ { .labels = { bad_label_empty, 1 } }, "--label" },
		{ { .labels = { bad_label_ours, 1 } }, "--label" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_opts o = cases[i].o;
		struct perr err = { 0 };
		o.image = "x";
		o.rootfs = rootfs;
		o.args = sh;
		o.no_new_privs = -1;
		json_t *spec = spec_from_run(&o, id, &err);
		ck_assert_msg(!spec, "case %zu: no error", i);
		ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: \"%s\" does not name %s", i, err.msg,
			      cases[i].want);
	}
}
END_TEST

START_TEST(mount_options_split)
{
	json_t *o = json_pack("[s,s,s,s,s,s]", "nosuid", "rbind", "ro", "mode=755", "rslave", "size=1k");
	unsigned long flags, prop;
	bool bind, rec;
	char *data = NULL;
	struct perr err = { 0 };

	ck_assert_int_eq(rootfs_parse_options(o, &flags, &prop, &bind, &rec, &data, &err), 0);
	ck_assert(flags & MS_NOSUID);
	ck_assert(flags & MS_RDONLY);
	ck_assert(!(flags & MS_BIND));
	ck_assert(bind && rec);
	ck_assert_uint_eq(prop, MS_SLAVE | MS_REC);
	ck_assert_str_eq(data, "mode=755,size=1k");
	free(data);
	json_decref(o);
	o = json_pack("[s,i]", "ro", 3);
	ck_assert_int_eq(rootfs_parse_options(o, &flags, &prop, &bind, &rec, &data, &err), -1);
	ck_assert(strstr(err.msg, "options[1]"));
	json_decref(o);
}
END_TEST

START_TEST(state_lookup_by_name_prefix_and_ambiguity)
{
	char root[] = "/tmp/persona-unit-state-XXXXXX";
	struct state a = { 0 }, b = { 0 }, got = { 0 };
	struct perr err = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(root));
	state_root = root;
	snprintf(a.id, sizeof(a.id), "aaaa%060d", 1);
	snprintf(b.id, sizeof(b.id), "aaab%060d", 2);
	snprintf(a.name, sizeof(a.name), "alpha");
	snprintf(b.name, sizeof(b.name), "beta");
	snprintf(a.status, sizeof(a.status), "stopped");
	snprintf(b.status, sizeof(b.status), "stopped");
	ck_assert_int_eq(state_create(&a, &err), 0);
	ck_assert_int_eq(state_save(&a, &err), 0);
	ck_assert_int_eq(state_create(&b, &err), 0);
	ck_assert_int_eq(state_save(&b, &err), 0);

	ck_assert_int_eq(state_lookup("beta", &got, &err), 0);
	ck_assert_str_eq(got.id, b.id);
	state_release(&got);
	ck_assert_int_eq(state_lookup("aaaa", &got, &err), 0);
	ck_assert_str_eq(got.id, a.id);
	state_release(&got);
	ck_assert_int_eq(state_lookup("aaa", &got, &err), -1);
	ck_assert_msg(strstr(err.msg, "matches 2 containers"), "%s", err.msg);
	ck_assert_int_eq(state_lookup("zzz", &got, &err), -2);
	ck_assert_msg(strstr(err.msg, "no such container"), "%s", err.msg);

	/* a name in use is refused, naming the holder */
	struct state c = { 0 };
	snprintf(c.id, sizeof(c.id), "cccc%060d", 3);
	snprintf(c.name, sizeof(c.name), "alpha");
	ck_assert_int_eq(state_create(&c, &err), -1);
	ck_assert_msg(strstr(err.msg, "already in use") && strstr(err.msg, "aaaa"), "%s", err.msg);

	ck_assert_int_eq(state_remove(&a, &err), 0);
	ck_assert_int_eq(state_remove(&b, &err), 0);
	ck_assert_int_eq(rmdir(root) == 0 || remove_tree(root) == 0, 1);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *t = tcase_create("spec");

	tcase_add_checked_fixture(t, make_rootfs, drop_rootfs);
	tcase_add_test(t, spec_defaults_follow_docker);
	tcase_add_test(t, spec_flags_become_fields);
	tcase_add_test(t, spec_labels_become_annotations);
	tcase_add_test(t, spec_bad_values_name_the_flag);
	suite_add_tcase(s, t);
	t = tcase_create("rootfs");
	tcase_add_test(t, mount_options_split);
	suite_add_tcase(s, t);
	t = tcase_create("state");
	tcase_add_test(t, state_lookup_by_name_prefix_and_ambiguity);
	suite_add_tcase(s, t);
	return s;
}

PERSONA_TEST_MAIN()
