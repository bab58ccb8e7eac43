/* Unit tests: image references (images/ref.h), docker's rules. */
#include <string.h>

#include "images/ref.h"
#include "tests/harness.h"

static void ok(const char *in, const char *full, const char *domain, const char *path, const char *tag,
	       const char *digest)
{
	struct img_ref r;
	struct perr err = { 0 };

	ck_assert_msg(img_ref_parse(in, &r, &err) == 0, "%s: %s", in, err.msg);
	ck_assert_str_eq(r.full, full);
	ck_assert_str_eq(r.domain, domain);
	ck_assert_str_eq(r.path, path);
	ck_assert_str_eq(r.tag, tag);
	ck_assert_str_eq(r.digest, digest);
}

static void bad(const char *in, const char *needle)
{
	struct img_ref r;
	struct perr err = { 0 };

	ck_assert_msg(img_ref_parse(in, &r, &err) < 0, "%s: accepted", in);
	ck_assert_msg(strstr(err.msg, needle), "%s: message \"%s\" lacks \"%s\"", in, err.msg, needle);
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(test_short_names)
{
	ok("busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "");
	ok("busybox:1.36", "docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", "");
	ok("user/app", "docker.io/user/app:latest", "docker.io", "user/app", "latest", "");
	ok("docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "docker.io",
	   "library/busybox", "latest", "");
	ok("index.docker.io/x/y", "docker.io/x/y:latest", "docker.io", "x/y", "latest", "");
}
END_TEST

START_TEST(test_registries)
{
	ok("localhost:5000/a/b:tag", "localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", "");
	ok("localhost/a", "localhost/a:latest", "localhost", "a", "latest", "");
	ok("quay.io/org/img-name_x.y:v1.2-rc", "quay.io/org/img-name_x.y:v1.2-rc", "quay.io", "org/img-name_x.y",
	   "v1.2-rc", "");
	ok("127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", "127.0.0.1:5000", "x", "latest", "");
}
END_TEST

START_TEST(test_digests)
{
	ok("busybox@sha256:" D64, "docker.io/library/busybox@sha256:" D64, "docker.io", "library/busybox", "",
	   "sha256:" D64);
	ok("localhost:5000/a:t@sha256:" D64, "localhost:5000/a:t", "localhost:5000", "a", "t", "sha256:" D64);
	ck_assert(img_digest_valid("sha256:" D64));
	ck_assert(!img_digest_valid("sha256:" D64 "0"));
	ck_assert(!img_digest_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	ck_assert(!img_digest_valid("sha512:" D64));
}
END_TEST

START_TEST(test_bad)
{
	bad("", "empty");
	bad("Busybox", "invalid repository name");
	bad("busybox:", "invalid tag");
	bad("busybox:-x", "invalid tag");
	bad("a//b", "invalid repository name");
	bad("a/../b", "invalid repository name");
	bad("busybox@sha256:1234", "digest");
	bad("busybox@md5:" D64, "digest");
	bad("localhost:abc/x", "invalid registry");
	bad("-x", "invalid repository name");
	bad("a b", "invalid");
	bad("host:99999999/x", "invalid registry");
	char longname[700];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	bad(longname, "longer than");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images_ref");
	TCase *tc = tcase_create("ref");
	tcase_add_test(tc, test_short_names);
	tcase_add_test(tc, test_registries);
	tcase_add_test(tc, test_digests);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
