/* Unit tests: isolation/user (-u/--user against the container's files). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolation/user.h"
#include "tests/harness.h"

static char tmp[PATH_MAX];

static void write_file(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void mkdir_in(const char *rel)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void symlink_in(const char *target, const char *rel)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static int open_root(const char *rel)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* A root filesystem with awkward but typical databases, a hostile one
 * whose files point outside, and an empty one. */
static void setup(void)
{
	char *longline;
	size_t n = 200000;
	FILE *f;
	char path[PATH_MAX * 2];

	snprintf(tmp, sizeof(tmp), "/tmp/persona-test-user-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	mkdir_in("root");
	mkdir_in("root/etc");
	mkdir_in("outside");
	mkdir_in("hostile");
	mkdir_in("hostile/etc");
	mkdir_in("empty");

	write_file("root/etc/passwd",
		   "root:x:0:0:root:/root:/bin/bash\n"
		   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
		   "# a comment\n"
		   "\n"
		   "   \n"
		   "+nisuser::::::\n"
		   "bob:x:1000:1000:Bob,,,:/home/bob:/bin/sh\n"
		   "nohome:x:1001:1001\n"
		   "emptyhome:x:1004:1004:::/bin/sh\r\n"
		   "badid:x:12ab:100:Bad:/bad:/bin/sh\n"
		   "badgid:x:1010:-1:Bad:/bad:/bin/sh\n"
		   "short:x:1002\n"
		   ":x:1003:1003::/noname:/bin/sh\n"
		   "big:x:99999999999:1::/big:/bin/sh\n"
		   "neg:x:-5:1::/neg:/bin/sh\n"
		   "dup:x:1000:5::/dup:/bin/sh\n");
	/* A line far longer than any buffer a lazy parser would use, then a
	 * good line that must still be found. */
	snprintf(path, sizeof(path), "%s/root/etc/passwd", tmp);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	longline = malloc(n + 1);
	memset(longline, 'A', n);
	longline[n] = '\0';
	fprintf(f, "%s:x:1005:1005::/long:/bin/sh\n", longline);
	fprintf(f, "carol:x:1006:1006::/home/carol:/bin/sh\n");
	fputs("nul", f);
	fputc('\0', f);
	fputs("x:x:1007:1007::/nul:/bin/sh\n", f);
	fprintf(f, "last:x:1008:1008::/last:/bin/sh"); /* no final newline */
	fclose(f);

	write_file("root/etc/group",
		   "root:x:0:\n"
		   "wheel:x:10:root,bob\n"
		   "staff:x:50:carol,bob\n"
		   "bob:x:1000:\n"
		   "broken:x:xx:bob\n"
		   ":x:61:bob\n"
		   "dupe:x:50:bob\n"
		   "users:x:100:alice,bobby\n"
		   "short:x\n"
		   "audio:x:29:bob\n");
	free(longline);

	write_file("outside/passwd", "evil:x:666:666::/evil:/bin/sh\nroot:x:0:0::/evilroot:/bin/sh\n");
	write_file("outside/group", "evil:x:666:bob,root\n");
	/* Both an absolute and a relative escape attempt. */
	snprintf(path, sizeof(path), "/../../../../../../../%s/outside/passwd", tmp);
	symlink_in(path, "hostile/etc/passwd");
	symlink_in("../../outside/group", "hostile/etc/group");
}

static void teardown(void)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static struct user_ids ok(const char *root, const char *spec)
{
	struct user_ids u;
	struct perr err = { 0 };
	int fd = open_root(root);

	ck_assert_msg(user_resolve(fd, spec, &u, &err) == 0, "\"%s\": %s", spec ? spec : "(null)", err.msg);
	close(fd);
	ck_assert_ptr_nonnull(u.home);
	return u;
}

static void bad(const char *root, const char *spec, const char *needle)
{
	struct user_ids u;
	struct perr err = { 0 };
	int fd = open_root(root);

	ck_assert_msg(user_resolve(fd, spec, &u, &err) < 0, "\"%s\" accepted", spec);
	close(fd);
	ck_assert_msg(strstr(err.msg, needle), "\"%s\": \"%s\" lacks \"%s\"", spec, err.msg, needle);
	ck_assert_ptr_null(u.home);
	ck_assert_ptr_null(u.groups);
}

static void check(struct user_ids *u, uid_t uid, gid_t gid, const char *home,
		  const gid_t *groups, size_t ngroups)
{
	ck_assert_uint_eq(u->uid, uid);
	ck_assert_uint_eq(u->gid, gid);
	ck_assert_str_eq(u->home, home);
	ck_assert_uint_eq(u->ngroups, ngroups);
	for (size_t i = 0; i < ngroups; i++)
		ck_assert_uint_eq(u->groups[i], groups[i]);
	user_ids_free(u);
}

START_TEST(root_by_default)
{
	const gid_t wheel[] = { 10 };
	struct user_ids u;

	u = ok("root", NULL);
	check(&u, 0, 0, "/root", wheel, 1);
	u = ok("root", "");
	check(&u, 0, 0, "/root", wheel, 1);
	u = ok("root", "root");
	check(&u, 0, 0, "/root", wheel, 1);
	u = ok("root", "0");
	check(&u, 0, 0, "/root", wheel, 1);
	u = ok("root", ":wheel");
	check(&u, 0, 10, "/root", NULL, 0);
	u = ok("root", "root:");
	check(&u, 0, 0, "/root", wheel, 1);
}
END_TEST

START_TEST(names_and_ids)
{
	/* broken (gid xx) and the nameless group are skipped; dupe repeats 50. */
	const gid_t bob_groups[] = { 10, 50, 29 }, carol_groups[] = { 50 };
	struct user_ids u;

	u = ok("root", "bob");
	check(&u, 1000, 1000, "/home/bob", bob_groups, 3);
	u = ok("root", "1000"); /* first line with the uid, not "dup" */
	check(&u, 1000, 1000, "/home/bob", bob_groups, 3);
	u = ok("root", "bob:staff");
	check(&u, 1000, 50, "/home/bob", NULL, 0);
	u = ok("root", "bob:77");
	check(&u, 1000, 77, "/home/bob", NULL, 0);
	u = ok("root", "1000:users");
	check(&u, 1000, 100, "/home/bob", NULL, 0);
	u = ok("root", "daemon:0");
	check(&u, 1, 0, "/usr/sbin", NULL, 0);
	u = ok("root", "carol");
	check(&u, 1006, 1006, "/home/carol", carol_groups, 1);
	u = ok("root", "last");
	check(&u, 1008, 1008, "/last", NULL, 0);
	u = ok("root", "nohome");
	check(&u, 1001, 1001, "/", NULL, 0);
	u = ok("root", "emptyhome");
	check(&u, 1004, 1004, "/", NULL, 0);
}
END_TEST

START_TEST(numeric_not_in_passwd)
{
	struct user_ids u;

	u = ok("root", "4242");
	check(&u, 4242, 0, "/", NULL, 0);
	u = ok("root", "4242:4243");
	check(&u, 4242, 4243, "/", NULL, 0);
	u = ok("root", "4242:staff");
	check(&u, 4242, 50, "/", NULL, 0);
	u = ok("root", "2147483647:2147483647");
	check(&u, 2147483647, 2147483647, "/", NULL, 0);
}
END_TEST

START_TEST(rejects)
{
	bad("root", "alice", "user \"alice\" not found in the container's /etc/passwd");
	bad("root", "bob:nogroup", "group \"nogroup\" not found in the container's /etc/group");
	bad("root", "a:b:c", "too many ':'");
	bad("root", "99999999999", "uid 99999999999 out of range");
	bad("root", "2147483648", "out of range");
	bad("root", "0:4294967296", "gid 4294967296 out of range");
	/* Bad lines are skipped, never read as something else. */
	bad("root", "badid", "\"badid\" not found");
	bad("root", "badgid", "\"badgid\" not found");
	bad("root", "short", "\"short\" not found");
	bad("root", "big", "\"big\" not found");
	bad("root", "neg", "\"neg\" not found");
	bad("root", "nisuser", "\"nisuser\" not found");
	bad("root", "nul", "\"nul\" not found");
	bad("root", "bob:broken", "\"broken\" not found");
	bad("root", "Bob", "\"Bob\" not found");
	bad("root", "-1", "\"-1\" not found");
}
END_TEST

START_TEST(symlinks_stay_in_root)
{
	struct user_ids u;

	/* etc/passwd and etc/group point outside; resolved in the root
	 * they name nothing, so no "evil" user and no outside home. */
	bad("hostile", "evil", "user \"evil\" not found");
	bad("hostile", "0:evil", "group \"evil\" not found");
	u = ok("hostile", "");
	check(&u, 0, 0, "/", NULL, 0);
	u = ok("hostile", "666");
	check(&u, 666, 0, "/", NULL, 0);
}
END_TEST

START_TEST(symlink_inside_root_is_followed)
{
	const gid_t g[] = { 7 };
	struct user_ids u;

	mkdir_in("hostile/real");
	write_file("hostile/real/passwd", "ann:x:2000:2000::/home/ann:/bin/sh\n");
	write_file("hostile/real/group", "lp:x:7:ann\n");
	/* Absolute links are resolved against the container's root. */
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/hostile/etc/passwd", tmp);
	ck_assert_int_eq(unlink(p), 0);
	symlink_in("/real/passwd", "hostile/etc/passwd");
	snprintf(p, sizeof(p), "%s/hostile/etc/group", tmp);
	ck_assert_int_eq(unlink(p), 0);
	symlink_in("../../../real/group", "hostile/etc/group");
	u = ok("hostile", "ann");
	check(&u, 2000, 2000, "/home/ann", g, 1);
}
END_TEST

START_TEST(no_databases)
{
	struct user_ids u;

	bad("empty", "bob", "(there is no /etc/passwd)");
	bad("empty", "0:staff", "(there is no /etc/group)");
	u = ok("empty", NULL);
	check(&u, 0, 0, "/", NULL, 0);
	u = ok("empty", "1000:1000");
	check(&u, 1000, 1000, "/", NULL, 0);
}
END_TEST

START_TEST(not_regular_files)
{
	char p[PATH_MAX * 2];

	/* A FIFO must not hang the lookup; a directory is not a database. */
	mkdir_in("empty/etc");
	snprintf(p, sizeof(p), "%s/empty/etc/passwd", tmp);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	bad("empty", "bob", "/etc/passwd in the root filesystem is not a regular file");
	ck_assert_int_eq(unlink(p), 0);
	mkdir_in("empty/etc/group");
	bad("empty", "0:staff", "/etc/group in the root filesystem is not a regular file");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("user");
	TCase *tc = tcase_create("resolve");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, root_by_default);
	tcase_add_test(tc, names_and_ids);
	tcase_add_test(tc, numeric_not_in_passwd);
	tcase_add_test(tc, rejects);
	tcase_add_test(tc, symlinks_stay_in_root);
	tcase_add_test(tc, symlink_inside_root_is_followed);
	tcase_add_test(tc, no_databases);
	tcase_add_test(tc, not_regular_files);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
