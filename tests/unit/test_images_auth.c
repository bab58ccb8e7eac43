/* Unit tests: registry credentials in containers-auth.json(5) files
 * (images/auth.h): key normalisation, lookup order and precedence,
 * docker's config.json, strict base64, atomic 0600 writes that keep the
 * other entries, logout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images/auth.h"
#include "tests/harness.h"

static char dir[4096], af[4200];

static void setup(void)
{
	char p[4300];
	snprintf(dir, sizeof(dir), "/tmp/persona-test-auth.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(p, sizeof(p), "%s/home", dir);
	mkdir(p, 0700);
	setenv("HOME", p, 1);
	snprintf(p, sizeof(p), "%s/run", dir);
	setenv("XDG_RUNTIME_DIR", p, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("REGISTRY_AUTH_FILE");
	snprintf(af, sizeof(af), "%s/auth.json", dir);
}

static void teardown(void)
{
	rm_rf(dir);
}

static char *lookup(const char *file, const char *domain, const char *path, int *ret)
{
	struct perr err = { 0 };
	char *creds = NULL;
	*ret = img_auth_lookup(file, domain, path, &creds, &err);
	return creds;
}

START_TEST(test_keys_and_paths)
{
	char k[300], p[8192];
	struct perr err = { 0 };

	ck_assert_int_eq(img_auth_key("https://index.docker.io/v1/", k, sizeof(k), &err), 0);
	ck_assert_str_eq(k, "docker.io");
	ck_assert_int_eq(img_auth_key("registry-1.docker.io", k, sizeof(k), &err), 0);
	ck_assert_str_eq(k, "docker.io");
	ck_assert_int_eq(img_auth_key("http://127.0.0.1:5000/", k, sizeof(k), &err), 0);
	ck_assert_str_eq(k, "127.0.0.1:5000");
	ck_assert_int_eq(img_auth_key("quay.io/user/img", k, sizeof(k), &err), 0);
	ck_assert_str_eq(k, "quay.io/user/img");
	ck_assert_int_eq(img_auth_key("", k, sizeof(k), &err), -1);
	ck_assert_int_eq(img_auth_key("a b", k, sizeof(k), &err), -1);
	ck_assert_int_eq(img_auth_key("a\nb", k, sizeof(k), &err), -1);

	img_auth_path("/x/y.json", p, sizeof(p));
	ck_assert_str_eq(p, "/x/y.json");
	setenv("REGISTRY_AUTH_FILE", "/env/auth.json", 1);
	img_auth_path(NULL, p, sizeof(p));
	ck_assert_str_eq(p, "/env/auth.json");
	unsetenv("REGISTRY_AUTH_FILE");
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	img_auth_path(NULL, p, sizeof(p));
	ck_assert_str_eq(p, "/run/user/7/containers/auth.json");
	unsetenv("XDG_RUNTIME_DIR");
	img_auth_path(NULL, p, sizeof(p));
	snprintf(k, sizeof(k), "/run/containers/%u/auth.json", (unsigned)getuid());
	ck_assert_str_eq(p, k);
}
END_TEST

START_TEST(test_lookup_precedence)
{
	char p[8300];
	int r;
	char *c;

	/* "dTE6cDE=" u1:p1, "dTI6cDI=" u2:p2, "dTM6cDM=" u3:p3 */
	write_file_str(af, "{\"auths\": {\"reg.example:5000\": {\"auth\": \"dTE6cDE=\"},"
			   " \"reg.example:5000/team\": {\"auth\": \"dTI6cDI=\"},"
			   " \"reg.example:5000/team/app\": {\"auth\": \"dTM6cDM=\"},"
			   " \"other\": {\"identitytoken\": \"x\"}}}");
	c = lookup(af, "reg.example:5000", "team/app", &r);
	ck_assert_str_eq(c, "u3:p3");
	free(c);
	c = lookup(af, "reg.example:5000", "team/other", &r);
	ck_assert_str_eq(c, "u2:p2");
	free(c);
	c = lookup(af, "reg.example:5000", "teammate/x", &r);
	ck_assert_str_eq(c, "u1:p1");
	free(c);
	c = lookup(af, "reg.example:500", "team/app", &r);
	ck_assert_int_eq(r, 0);
	ck_assert_ptr_null(c);
	/* an identity-token entry is not ours: anonymous */
	c = lookup(af, "other", "x", &r);
	ck_assert_int_eq(r, 0);
	ck_assert_ptr_null(c);

	/* the read/write file first, then ~/.config, then ~/.docker/config.json */
	snprintf(p, sizeof(p), "%s/home/.docker", dir);
	mkdir(p, 0700);
	strcat(p, "/config.json");
	write_file_str(p, "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"dTI6cDI=\"}}}");
	c = lookup(af, "docker.io", "library/busybox", &r);
	ck_assert_str_eq(c, "u2:p2");
	free(c);
	snprintf(p, sizeof(p), "%s/home/.config", dir);
	mkdir(p, 0700);
	strcat(p, "/containers");
	mkdir(p, 0700);
	strcat(p, "/auth.json");
	write_file_str(p, "{\"auths\": {\"docker.io\": {\"auth\": \"dTM6cDM=\"}}}");
	c = lookup(af, "docker.io", "library/busybox", &r);
	ck_assert_str_eq(c, "u3:p3");
	free(c);
	write_file_str(af, "{\"auths\": {\"docker.io\": {\"auth\": \"dTE6cDE=\"}}}");
	c = lookup(af, "docker.io", "library/busybox", &r);
	ck_assert_str_eq(c, "u1:p1");
	free(c);
	/* a file that does not exist is no entry */
	snprintf(p, sizeof(p), "%s/none.json", dir);
	unlink(af);
	c = lookup(p, "docker.io", "x", &r);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(c, "u3:p3");
	free(c);
}
END_TEST

START_TEST(test_hostile_files)
{
	static const char *const bad[] = {
		"", "nope", "[]", "{\"auths\": []}", "{\"auths\": {\"h\": 1}}",
		"{\"auths\": {\"h\": {\"auth\": \"dTE6cDE\"}}}",          /* unpadded */
		"{\"auths\": {\"h\": {\"auth\": \"dTE6c=E=\"}}}",         /* '=' inside */
		"{\"auths\": {\"h\": {\"auth\": \"====\"}}}",
		"{\"auths\": {\"h\": {\"auth\": \"YQ==\"}}}",             /* "a": no colon */
		"{\"auths\": {\"h\": {\"auth\": \"OnA=\"}}}",             /* ":p": no user */
		"{\"auths\": {\"h\": {\"auth\": \"AGE6Yg==\"}}}",         /* NUL inside */
		"{\"auths\": {\"h\": {\"auth\": \"dTE6cDE=\"}, \"h\": {\"auth\": \"dTE6cDE=\"}}}", /* duplicate */
	};
	int r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct perr err = { 0 };
		char *c = NULL;
		write_file_str(af, bad[i]);
		r = img_auth_lookup(af, "h", "x", &c, &err);
		ck_assert_msg(r == -1 && !c && strstr(err.msg, af), "case %zu (%s): %d %s", i, bad[i], r, err.msg);
	}
	/* a directory in its place */
	unlink(af);
	mkdir(af, 0700);
	struct perr err = { 0 };
	char *c = NULL;
	ck_assert_int_eq(img_auth_lookup(af, "h", "x", &c, &err), -1);
	rmdir(af);
}
END_TEST

START_TEST(test_store_and_remove)
{
	struct perr err = { 0 };
	char file[8300], *text, *c;
	struct stat sb;
	int r;

	/* made with its directories */
	snprintf(file, sizeof(file), "%s/run/containers/auth.json", dir);
	ck_assert_int_eq(img_auth_store(NULL, "h:1", "alice", "pa:ss", &err), 0);
	ck_assert_int_eq(stat(file, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	c = lookup(NULL, "h:1", "x", &r);
	ck_assert_str_eq(c, "alice:pa:ss");
	free(c);
	/* others kept, unknown keys kept, replaced in place */
	write_file_str(af, "{\"auths\": {\"keep\": {\"auth\": \"dTE6cDE=\"}}, \"credHelpers\": {\"x\": \"y\"}}");
	chmod(af, 0644);
	ck_assert_int_eq(img_auth_store(af, "h:1", "bob", "pw", &err), 0);
	ck_assert_int_eq(img_auth_store(af, "h:1", "carol", "pw2", &err), 0);
	text = read_file_str(af);
	ck_assert_msg(strstr(text, "\"keep\"") && strstr(text, "credHelpers") && !strstr(text, "Ym9iOnB3"), "%s", text);
	free(text);
	ck_assert_int_eq(stat(af, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	c = lookup(af, "h:1", "x", &r);
	ck_assert_str_eq(c, "carol:pw2");
	free(c);
	/* no temp file left */
	char cmd[8400];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 3", dir); /* home run auth.json */
	ck_assert_int_eq(system(cmd), 0);

	ck_assert_int_eq(img_auth_remove(af, "h:1", false, &err), 1);
	ck_assert_int_eq(img_auth_remove(af, "h:1", false, &err), 0);
	c = lookup(af, "h:1", "x", &r);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(img_auth_remove(af, "", true, &err), 1);
	ck_assert_int_eq(img_auth_remove(af, "", true, &err), 0);
	text = read_file_str(af);
	ck_assert_msg(!strstr(text, "keep") && strstr(text, "credHelpers"), "%s", text);
	free(text);
	snprintf(file, sizeof(file), "%s/missing.json", dir);
	ck_assert_int_eq(img_auth_remove(file, "h", false, &err), 0);
	/* a hostile file is never overwritten */
	write_file_str(af, "garbage");
	ck_assert_int_eq(img_auth_store(af, "h", "u", "p", &err), -1);
	ck_assert_int_eq(img_auth_remove(af, "h", false, &err), -1);
	text = read_file_str(af);
	ck_assert_str_eq(text, "garbage");
	free(text);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images_auth");
	TCase *tc = tcase_create("auth");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keys_and_paths);
	tcase_add_test(tc, test_lookup_precedence);
	tcase_add_test(tc, test_hostile_files);
	tcase_add_test(tc, test_store_and_remove);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
