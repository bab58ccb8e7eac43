/* Unit tests: layer unpacking (images/unpack.h), one crafted tar per
 * hostile case, built here with libarchive's writer.  Every test checks
 * that nothing appeared outside the layer directory and that a refused
 * layer left no directory (not even the temp one). */
/* The case tables name only the fields they need. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "images/unpack.h"
#include "tests/harness.h"

enum { F_GZIP = 1, F_ZSTD = 2 };

struct ent {
	const char *path;
	int type;               /* AE_IFREG (default), AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO; 'h' hard link */
	const char *data;       /* file content, symlink or hard link target */
	int mode;               /* 0: 0644 / 0755 */
	const char *xname, *xval;
	size_t repeat;          /* data repeated this many times */
};

static char *tmp;           /* the test's directory: tar, layers/, outside/ */

static void write_tar(const char *path, int filter, const struct ent *e, size_t n)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax(a);
	if (filter == F_GZIP)
		archive_write_add_filter_gzip(a);
	if (filter == F_ZSTD)
		archive_write_add_filter_zstd(a);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		int type = e[i].type ? e[i].type : (int)AE_IFREG;
		size_t len = e[i].data ? strlen(e[i].data) : 0, rep = e[i].repeat ? e[i].repeat : 1;

		archive_entry_set_pathname(ae, e[i].path);
		archive_entry_set_mtime(ae, 1700000000, 0);
		if (type == 'h') {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e[i].data);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_size(ae, 0);
		} else {
			archive_entry_set_filetype(ae, (unsigned)type);
			archive_entry_set_perm(ae, (mode_t)(e[i].mode ? e[i].mode : (type == AE_IFDIR ? 0755 : 0644)));
			if (type == AE_IFLNK)
				archive_entry_set_symlink(ae, e[i].data);
			if (type == AE_IFCHR)
				archive_entry_set_rdev(ae, makedev(1, 3));
			archive_entry_set_size(ae, type == AE_IFREG ? (la_int64_t)(len * rep) : 0);
		}
		if (e[i].xname)
			archive_entry_xattr_add_entry(ae, e[i].xname, e[i].xval, strlen(e[i].xval));
		ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
		if (type == AE_IFREG && len)
			for (size_t r = 0; r < rep; r++)
				ck_assert_int_eq(archive_write_data(a, e[i].data, len), (la_ssize_t)len);
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static char *pathf(const char *fmt, const char *a)
{
	char *p;
	ck_assert(asprintf(&p, fmt, tmp, a) > 0);
	return p;
}

static void setup(void)
{
	char *p;
	tmp = make_temp_dir("unpack");
	p = pathf("%s/layers%s", "");
	mkdir(p, 0700);
	free(p);
	p = pathf("%s/outside%s", "");
	mkdir(p, 0755);
	free(p);
}

static void teardown(void)
{
	rm_rf(tmp);
	free(tmp);
}

/* The outside directory is still empty, and layers/ holds only `want`
 * (NULL: nothing). */
static void assert_clean(const char *want)
{
	char *p = pathf("%s/outside%s", "");
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;

	ck_assert(d);
	while ((de = readdir(d)))
		ck_assert_msg(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."),
			      "written outside the layer: %s", de->d_name);
	closedir(d);
	free(p);
	p = pathf("%s/layers%s", "");
	d = opendir(p);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ck_assert_msg(want && !strcmp(de->d_name, want), "left in layers/: %s", de->d_name);
		n++;
	}
	closedir(d);
	free(p);
	ck_assert_int_eq(n, want ? 1 : 0);
	/* Nothing was written next to the test directory either. */
	ck_assert(access("/tmp/evil", F_OK) < 0);
}

/* Unpack; returns the result and the message in *msg. */
static int unpack(const struct ent *e, size_t n, int filter, uint64_t cap, char *msg)
{
	char *tar = pathf("%s/layer.tar%s", ""), *dest = pathf("%s/layers/L%s", "");
	struct img_unpack_opts o = { .max_bytes = cap };
	struct perr err = { 0 };
	int r;

	write_tar(tar, filter, e, n);
	r = img_unpack_layer(tar, dest, &o, "layer test", &err);
	snprintf(msg, PERR_MSG_MAX, "%s", err.msg);
	free(tar);
	free(dest);
	return r;
}

static void refused(const struct ent *e, size_t n, const char *needle)
{
	char msg[PERR_MSG_MAX];
	ck_assert_msg(unpack(e, n, 0, 0, msg) < 0, "accepted a layer that should be refused (%s)", needle);
	ck_assert_msg(strstr(msg, needle), "message \"%s\" lacks \"%s\"", msg, needle);
	assert_clean(NULL);
}

static char *layer_file(const char *rel)
{
	char *p;
	ck_assert(asprintf(&p, "%s/layers/L/%s", tmp, rel) > 0);
	return p;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_plain_layer)
{
	const struct ent e[] = {
		{ "./", AE_IFDIR }, { "bin/", AE_IFDIR }, { "bin/sh", 0, "#!x", 04755 },
		{ "bin/ls", AE_IFLNK, "sh" }, { "etc/motd", 0, "hi\n" }, { "etc/motd2", 'h', "etc/motd" },
		{ "fifo", AE_IFIFO },
	};
	char msg[PERR_MSG_MAX];
	struct stat sb, sb2;
	char *p, *q, link[16] = "";

	for (int f = 0; f <= F_ZSTD; f++) {
		ck_assert_msg(unpack(e, N(e), f, 0, msg) == 0, "filter %d: %s", f, msg);
		p = layer_file("bin/sh");
		ck_assert_int_eq(lstat(p, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 07777, 04755);   /* setuid kept */
		ck_assert_int_eq(sb.st_mtime, 1700000000);
		free(p);
		p = layer_file("bin/ls");
		ck_assert_int_eq(readlink(p, link, sizeof(link) - 1), 2);
		free(p);
		p = layer_file("etc/motd");
		q = layer_file("etc/motd2");
		ck_assert_int_eq(stat(p, &sb), 0);
		ck_assert_int_eq(stat(q, &sb2), 0);
		ck_assert(sb.st_ino == sb2.st_ino);
		free(p);
		free(q);
		p = layer_file("fifo");
		ck_assert_int_eq(lstat(p, &sb), 0);
		ck_assert(S_ISFIFO(sb.st_mode));
		free(p);
		assert_clean("L");
		p = layer_file("");
		rm_rf(p);
		free(p);
	}
}
END_TEST

START_TEST(test_dotdot)
{
	const struct ent e[] = { { "a/", AE_IFDIR }, { "a/../../outside/x", 0, "evil" } };
	refused(e, N(e), "\"..\" in path");
	const struct ent e2[] = { { "../../../../../../tmp/evil", 0, "evil" } };
	refused(e2, N(e2), "\"..\" in path");
}
END_TEST

START_TEST(test_absolute)
{
	const struct ent e[] = { { "/tmp/evil", 0, "evil" } };
	refused(e, N(e), "absolute path");
}
END_TEST

START_TEST(test_pax_path)
{
	/* Over 100 bytes: the writer puts the path in a PAX "path" record. */
	char path[300];
	snprintf(path, sizeof(path), "%s/../../../../../../../../tmp/evil",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	const struct ent e[] = { { path, 0, "evil" } };
	refused(e, N(e), "\"..\" in path");
	char abs[300];
	snprintf(abs, sizeof(abs), "/tmp/%s", path + 60);
	const struct ent e2[] = { { abs, 0, "evil" } };
	refused(e2, N(e2), "absolute path");
}
END_TEST

START_TEST(test_write_through_symlink)
{
	char *out = pathf("%s/outside%s", "");
	const struct ent e[] = { { "link", AE_IFLNK, out }, { "link/x", 0, "evil" } };
	refused(e, N(e), "is a symlink");
	const struct ent e2[] = { { "rel", AE_IFLNK, "../../outside" }, { "rel/x", 0, "evil" } };
	refused(e2, N(e2), "is a symlink");
	free(out);
}
END_TEST

START_TEST(test_dir_replaced_by_symlink)
{
	char *out = pathf("%s/outside%s", "");
	const struct ent e[] = { { "d/", AE_IFDIR }, { "d", AE_IFLNK, out }, { "d/x", 0, "evil" } };
	refused(e, N(e), "is a symlink");
	/* The same with the file's parent made implicitly. */
	const struct ent e2[] = { { "d/y", 0, "ok" }, { "d", AE_IFLNK, out }, { "d/x", 0, "evil" } };
	refused(e2, N(e2), "replaces a directory");
	free(out);
}
END_TEST

START_TEST(test_hardlink_outside)
{
	const struct ent e[] = { { "h", 'h', "/etc/passwd" } };
	refused(e, N(e), "absolute path");
	const struct ent e2[] = { { "h", 'h', "../../../../../etc/passwd" } };
	refused(e2, N(e2), "\"..\" in path");
	const struct ent e3[] = { { "s", AE_IFLNK, "/etc" }, { "h", 'h', "s/passwd" } };
	refused(e3, N(e3), "is a symlink");
	const struct ent e4[] = { { "h", 'h', "nothere" } };
	refused(e4, N(e4), "not an earlier entry");
	/* A hard link to a symlink links the symlink itself, never its target. */
	const struct ent e5[] = { { "s", AE_IFLNK, "/etc/passwd" }, { "h", 'h', "s" } };
	char msg[PERR_MSG_MAX];
	struct stat sb;
	ck_assert_msg(unpack(e5, N(e5), 0, 0, msg) == 0, "%s", msg);
	char *p = layer_file("h");
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert(S_ISLNK(sb.st_mode));
	free(p);
}
END_TEST

START_TEST(test_bad_whiteouts)
{
	const struct ent e[] = { { "a/.wh..", 0, "" } };
	refused(e, N(e), "invalid whiteout");
	const struct ent e2[] = { { "a/.wh...", 0, "" } };
	refused(e2, N(e2), "invalid whiteout");
	const struct ent e3[] = { { ".wh.", 0, "" } };
	refused(e3, N(e3), "invalid whiteout");
}
END_TEST

START_TEST(test_whiteouts_for_overlay)
{
	const struct ent e[] = { { "etc/.wh.motd", 0, "" }, { "opt/", AE_IFDIR }, { "opt/.wh..wh..opq", 0, "" },
				 { "opt/new", 0, "n" }, { "keep", 0, "k" }, { ".wh.keep", 0, "" } };
	char msg[PERR_MSG_MAX], val[8] = "";
	struct stat sb;
	char *p;

	if (geteuid() != 0)
		SKIP_TEST("overlay whiteouts need root (mknod 0/0, trusted.* xattrs)");
	ck_assert_msg(unpack(e, N(e), 0, 0, msg) == 0, "%s", msg);
	p = layer_file("etc/motd");
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert(S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0));
	free(p);
	p = layer_file("opt");
	ck_assert_int_eq(lgetxattr(p, "trusted.overlay.opaque", val, sizeof(val)), 1);
	ck_assert_int_eq(val[0], 'y');
	free(p);
	p = layer_file("opt/.wh..wh..opq");
	ck_assert(access(p, F_OK) < 0);
	free(p);
	/* A whiteout does not hide an entry of its own layer. */
	p = layer_file("keep");
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	free(p);
	assert_clean("L");
}
END_TEST

START_TEST(test_xattrs)
{
	/* VFS_CAP_REVISION_2, cap_net_bind_service permitted + effective */
	static const char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x04 };
	char msg[PERR_MSG_MAX], buf[32];
	char *tar, *dest, *p;
	struct perr err = { 0 };
	struct archive *a;
	struct archive_entry *ae;

	const struct ent e[] = { { "x", 0, "data", 0, "trusted.overlay.opaque", "y" } };
	refused(e, N(e), "trusted.overlay.opaque");
	const struct ent e2[] = { { "d/", AE_IFDIR, NULL, 0, "trusted.overlay.redirect", "/etc" } };
	refused(e2, N(e2), "trusted.overlay.redirect");

	if (geteuid() != 0)
		SKIP_TEST("security.capability needs root");
	/* security.capability is binary: write this tar by hand. */
	tar = pathf("%s/cap.tar%s", "");
	dest = pathf("%s/layers/L%s", "");
	a = archive_write_new();
	archive_write_set_format_pax(a);
	archive_write_open_filename(a, tar);
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, "ping");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0755);
	archive_entry_set_size(ae, 1);
	archive_entry_xattr_add_entry(ae, "security.capability", cap, sizeof(cap));
	archive_write_header(a, ae);
	archive_write_data(a, "x", 1);
	archive_entry_free(ae);
	archive_write_close(a);
	archive_write_free(a);
	ck_assert_msg(img_unpack_layer(tar, dest, NULL, "layer test", &err) == 0, "%s", err.msg);
	p = layer_file("ping");
	ck_assert_int_eq(getxattr(p, "security.capability", buf, sizeof(buf)), 20);
	ck_assert(!memcmp(buf, cap, 20));
	free(p);
	free(tar);
	free(dest);
	(void)msg;
	assert_clean("L");
}
END_TEST

START_TEST(test_devices)
{
	const struct ent e[] = { { "dev/null", AE_IFCHR, NULL, 0666 } };
	char msg[PERR_MSG_MAX];
	struct stat sb;
	char *p;

	if (geteuid() != 0)
		SKIP_TEST("device nodes are made only as root");
	ck_assert_msg(unpack(e, N(e), 0, 0, msg) == 0, "%s", msg);
	p = layer_file("dev/null");
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert(S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3));
	ck_assert_int_eq(sb.st_mode & 07777, 0666);
	free(p);
}
END_TEST

START_TEST(test_bomb)
{
	/* 8 MiB of zeros compresses to a few KiB; the cap is 1 MiB. */
	static char zeros[65536];
	const struct ent e[] = { { "bomb", 0, zeros, 0, NULL, NULL, 128 } };
	char msg[PERR_MSG_MAX], *tar;
	struct img_unpack_opts o = { .max_bytes = 1 << 20 };
	struct perr err = { 0 };
	char diff[72];

	memset(zeros, 'z', sizeof(zeros) - 1);
	ck_assert(unpack(e, N(e), F_GZIP, 1 << 20, msg) < 0);
	ck_assert_msg(strstr(msg, "more than 1048576 bytes"), "%s", msg);
	assert_clean(NULL);
	tar = pathf("%s/layer.tar%s", "");
	ck_assert(img_layer_diff_id(tar, &o, diff, &err) < 0);
	ck_assert_msg(strstr(err.msg, "more than 1048576 bytes"), "%s", err.msg);
	free(tar);
}
END_TEST

START_TEST(test_long_paths)
{
	char deep[6000] = "", msg[PERR_MSG_MAX];
	for (int i = 0; i < 150; i++)
		strcat(deep, "abcdefghijklmnopqrs/");    /* 20 bytes a component: 3000 bytes */
	strcat(deep, "f");
	const struct ent e[] = { { deep, 0, "deep" } };
	ck_assert_msg(unpack(e, N(e), 0, 0, msg) == 0, "%s", msg);
	assert_clean("L");
	char *p = layer_file("");
	rm_rf(p);
	free(p);

	char deeper[6000] = "";
	for (int i = 0; i < 300; i++)
		strcat(deeper, "a/");
	strcat(deeper, "f");
	const struct ent e2[] = { { deeper, 0, "x" } };
	refused(e2, N(e2), "deeper than 256 components");

	char lng[5000];
	memset(lng, 'b', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	for (int i = 200; i < 4900; i += 200)
		lng[i] = '/';
	const struct ent e3[] = { { lng, 0, "x" } };
	refused(e3, N(e3), "path longer than 4095 bytes");

	char comp[400];
	memset(comp, 'c', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = '\0';
	const struct ent e4[] = { { comp, 0, "x" } };
	refused(e4, N(e4), "a component longer than");
}
END_TEST

START_TEST(test_sparse)
{
	/* GNU tar writes the sparse map; persona keeps the holes. */
	char cmd[4096], msg[PERR_MSG_MAX];
	struct perr err = { 0 };
	struct stat sb;
	char *tar = pathf("%s/sparse.tar%s", ""), *dest = pathf("%s/layers/L%s", ""), *p;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && truncate -s 1G big && echo end >> big && tar --sparse -cf sparse.tar big && rm big", tmp);
	if (system(cmd) != 0)
		SKIP_TEST("GNU tar cannot make a sparse archive here");
	ck_assert_msg(img_unpack_layer(tar, dest, NULL, "layer test", &err) == 0, "%s", err.msg);
	p = layer_file("big");
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_size, (1LL << 30) + 4);
	ck_assert_msg(sb.st_blocks * 512LL < (1LL << 20), "not kept sparse: %lld blocks", (long long)sb.st_blocks);
	free(p);
	free(tar);
	free(dest);
	(void)msg;
}
END_TEST

START_TEST(test_truncated)
{
	const struct ent e[] = { { "a", 0, "0123456789012345678901234567890123456789", 0, NULL, NULL, 100 } };
	char msg[PERR_MSG_MAX], *tar = pathf("%s/layer.tar%s", ""), *dest = pathf("%s/layers/L%s", "");
	struct perr err = { 0 };

	ck_assert(unpack(e, N(e), 0, 0, msg) == 0);
	rm_rf(dest);
	ck_assert_int_eq(truncate(tar, 2048), 0);
	ck_assert(img_unpack_layer(tar, dest, NULL, "layer test", &err) < 0);
	ck_assert_msg(strstr(err.msg, "layer test"), "%s", err.msg);
	assert_clean(NULL);
	free(tar);
	free(dest);
}
END_TEST

START_TEST(test_replace_same_layer)
{
	/* A later entry replaces an earlier one; a symlink is replaced, not followed. */
	char *out = pathf("%s/outside/f%s", "");
	const struct ent e[] = { { "f", AE_IFLNK, out }, { "f", 0, "mine" } };
	char msg[PERR_MSG_MAX];
	struct stat sb;
	char *p;

	ck_assert_msg(unpack(e, N(e), 0, 0, msg) == 0, "%s", msg);
	p = layer_file("f");
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	free(p);
	free(out);
	assert_clean("L");
}
END_TEST

/* One pass: the diff ID is the same as img_layer_diff_id's (trailing
 * bytes after the tar's end blocks included), a match unpacks, a mismatch
 * leaves nothing, and the cap still holds. */
START_TEST(test_verified)
{
	static char zeros[65536];
	const struct ent e[] = { { "d/", AE_IFDIR }, { "d/f", 0, "payload" }, { "g", 0, "x", 0, NULL, NULL, 3000 } };
	const struct ent bomb[] = { { "bomb", 0, zeros, 0, NULL, NULL, 128 } };
	char *tar = pathf("%s/layer.tar%s", ""), *dest = pathf("%s/layers/L%s", ""), *p, diff[72], cmd[4096];
	struct img_unpack_opts o = { .max_bytes = 1 << 20 };
	struct perr err = { 0 };
	struct stat sb;

	for (int filter = 0; filter <= F_ZSTD; filter++) {
		write_tar(tar, filter, e, N(e));
		ck_assert_msg(img_layer_diff_id(tar, NULL, diff, &err) == 0, "%s", err.msg);
		ck_assert_msg(img_unpack_layer_verified(tar, dest, diff, NULL, "layer test", &err) == 0, "%s", err.msg);
		p = layer_file("d/f");
		ck_assert_int_eq(stat(p, &sb), 0);
		ck_assert_int_eq(sb.st_size, 7);
		free(p);
		assert_clean("L");
		rm_rf(dest);
		diff[7] = diff[7] == '0' ? '1' : '0';
		ck_assert(img_unpack_layer_verified(tar, dest, diff, NULL, "layer test", &err) < 0);
		ck_assert_msg(strstr(err.msg, "diff_id") && strstr(err.msg, "layer test"), "%s", err.msg);
		assert_clean(NULL);
	}

	/* Bytes after the end blocks are part of the stream the diff ID covers. */
	write_tar(tar, 0, e, N(e));
	snprintf(cmd, sizeof(cmd), "head -c 5000 /dev/urandom >> %s", tar);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(img_layer_diff_id(tar, NULL, diff, &err) == 0, "%s", err.msg);
	ck_assert_msg(img_unpack_layer_verified(tar, dest, diff, NULL, "layer test", &err) == 0, "%s", err.msg);
	rm_rf(dest);

	memset(zeros, 'z', sizeof(zeros) - 1);
	write_tar(tar, F_GZIP, bomb, N(bomb));
	ck_assert(img_unpack_layer_verified(tar, dest, diff, &o, "layer test", &err) < 0);
	ck_assert_msg(strstr(err.msg, "more than 1048576 bytes"), "%s", err.msg);
	assert_clean(NULL);
	free(tar);
	free(dest);
}
END_TEST

/* Parents reached through the cache of open directories are still checked
 * component by component: a directory emptied and replaced by a symlink
 * between two entries of the same parent chain is refused. */
START_TEST(test_parent_cache)
{
	char *out = pathf("%s/outside%s", "");
	const struct ent e[] = { { "a/b/c/", AE_IFDIR }, { "a/b/c/f", 0, "1" }, { "a/b/x/", AE_IFDIR },
				 { "a/b/x", AE_IFLNK, out }, { "a/b/x/evil", 0, "evil" } };
	refused(e, N(e), "is a symlink");
	const struct ent e2[] = { { "a/b/", AE_IFDIR }, { "a/b/f", 0, "1" }, { "a/b/f/g", 0, "2" } };
	refused(e2, N(e2), "is not a directory");
	free(out);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images_unpack");
	TCase *tc = tcase_create("unpack");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plain_layer);
	tcase_add_test(tc, test_dotdot);
	tcase_add_test(tc, test_absolute);
	tcase_add_test(tc, test_pax_path);
	tcase_add_test(tc, test_write_through_symlink);
	tcase_add_test(tc, test_dir_replaced_by_symlink);
	tcase_add_test(tc, test_hardlink_outside);
	tcase_add_test(tc, test_bad_whiteouts);
	tcase_add_test(tc, test_whiteouts_for_overlay);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_devices);
	tcase_add_test(tc, test_bomb);
	tcase_add_test(tc, test_long_paths);
	tcase_add_test(tc, test_sparse);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_replace_same_layer);
	tcase_add_test(tc, test_verified);
	tcase_add_test(tc, test_parent_cache);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
