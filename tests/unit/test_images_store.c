/* Unit tests: the image store (images/store.h, images/image.h) and the
 * image commands (runtime/cmd_image.c, called directly): blobs, import,
 * load of oci-archive and docker-archive made by skopeo and umoci
 * (tests/fixtures/images/make-images.sh), tag, rmi, the layers for run
 * (stacked with overlayfs here to check the whiteouts), and hostile
 * archives that must leave the store as it was. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "images/image.h"
#include "images/store.h"
#include "tests/harness.h"

int cmd_load(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_tag(int argc, char **argv);

static char *tmp, store_dir[4096], fixtures[4096];

static void setup(void)
{
	tmp = make_temp_dir("store");
	snprintf(store_dir, sizeof(store_dir), "%s/img/store", tmp);
}

static void teardown(void)
{
	rm_rf(tmp);
	free(tmp);
}

static void open_store(struct img_store *s)
{
	struct perr err = { 0 };
	ck_assert_msg(img_store_open(s, store_dir, 1, &err) == 0, "%s", err.msg);
}

/* A listing of the store and the layer cache, to compare before/after. */
static char *snapshot(void)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "cd %s/img && find . | sort && cat store/index.json", tmp);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 30);
	free(r.err);
	return r.out;
}

/* Call a cmd_* function as main would. */
static int call(int (*fn)(int, char **), const char *const *args)
{
	int argc = 0;
	char *argv[32];
	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	optind = 0;
	fflush(stdout);
	return fn(argc, argv);
}

static const char *need_fixtures(void)
{
	char cmd[8192];
	snprintf(fixtures, sizeof(fixtures), "%s/fx", tmp);
	snprintf(cmd, sizeof(cmd), "tests/fixtures/images/make-images.sh %s >/dev/null 2>&1", fixtures);
	int r = system(cmd);
	if (WIFEXITED(r) && WEXITSTATUS(r) == 77)
		return NULL;
	ck_assert_msg(r == 0, "make-images.sh failed (%d)", r);
	return fixtures;
}

static void make_rootfs_tar(const char *tar)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p rfs/bin rfs/etc; echo root:x:0:0::/:/bin/sh > rfs/etc/passwd; "
		 "cp /bin/busybox rfs/bin/busybox 2>/dev/null || echo x > rfs/bin/busybox; ln -s busybox rfs/bin/sh; "
		 "tar -C rfs -czf %s .", tmp, tar);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_blobs)
{
	struct img_store s;
	struct blob_writer w;
	struct perr err = { 0 };
	char dg[72], path[4096], dir[4096];

	open_store(&s);
	ck_assert_int_eq(img_blob_put(&s, "hello", 5, dg, &err), 0);
	ck_assert_str_eq(dg, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	ck_assert_int_eq(img_blob_path(&s, dg, path, sizeof(path), &err), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* A mismatch leaves nothing behind. */
	snprintf(dir, sizeof(dir), "%s/blobs/sha256", s.dir);
	ck_assert_int_eq(blob_writer_begin(&w, dir, &err), 0);
	ck_assert_int_eq(blob_writer_write(&w, "hellO", 5, &err), 0);
	ck_assert(blob_writer_finish(&w, dg, dg, &err) < 0);
	ck_assert_msg(strstr(err.msg, "digest mismatch"), "%s", err.msg);
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 1);
	ck_assert(img_blob_path(&s, "sha256:../../etc", path, sizeof(path), &err) < 0);
	/* A directory that is not a layout is not taken over. */
	snprintf(path, sizeof(path), "%s/notalayout", tmp);
	mkdir(path, 0755);
	snprintf(dir, sizeof(dir), "%s/notalayout/file", tmp);
	write_file_str(dir, "x");
	ck_assert(img_store_open(&s, path, 1, &err) < 0);
	ck_assert_msg(strstr(err.msg, "not an OCI image layout"), "%s", err.msg);
}
END_TEST

START_TEST(test_import_run_layers)
{
	char tar[4096], dg[72], **dirs = NULL, path[8192];
	struct img_store s;
	struct perr err = { 0 };
	json_t *cfg = NULL, *list;
	size_t n;

	snprintf(tar, sizeof(tar), "%s/rootfs.tgz", tmp);
	make_rootfs_tar(tar);
	open_store(&s);
	ck_assert_msg(img_import_rootfs(&s, tar, "myroot:1", NULL, dg, &err) == 0, "%s", err.msg);
	list = img_list(&s, &err);
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_str(json_array_get(list, 0), "Name"), "docker.io/library/myroot:1");
	json_decref(list);
	ck_assert_msg(images_prepare_rootfs("myroot:1", store_dir, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n, 1);
	snprintf(path, sizeof(path), "%s/etc/passwd", dirs[0]);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert(strstr(json_string_value(json_array_get(json_object_get(cfg, "Env"), 0)), "PATH="));
	ck_assert(!strncmp(dirs[0], tmp, strlen(tmp)));   /* the cache is next to the store */
	free(dirs[0]);
	free(dirs);
	json_decref(cfg);
	/* By digest and by ID prefix too. */
	ck_assert_msg(images_prepare_rootfs(dg, store_dir, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
	char id[13];
	snprintf(id, sizeof(id), "%.12s", dg + 7);
	ck_assert_msg(images_prepare_rootfs(id, store_dir, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
	ck_assert(images_prepare_rootfs("nothere", store_dir, &dirs, &n, &cfg, &err) < 0);
	ck_assert_msg(strstr(err.msg, "image \"nothere\": not found in store"), "%s", err.msg);
}
END_TEST

START_TEST(test_tag_rmi_gc)
{
	char tar[4096], dg[72];
	struct img_store s;
	struct perr err = { 0 };
	json_t *list;

	snprintf(tar, sizeof(tar), "%s/rootfs.tgz", tmp);
	make_rootfs_tar(tar);
	open_store(&s);
	ck_assert_int_eq(img_import_rootfs(&s, tar, "a:1", NULL, dg, &err), 0);
	char *before = snapshot();
	ck_assert_int_eq(call(cmd_tag, (const char *[]){ "tag", "--store", store_dir, "a:1", "localhost:5000/b/c:2",
							  NULL }), 0);
	list = img_list(&s, &err);
	ck_assert_int_eq(json_array_size(list), 2);
	json_decref(list);
	ck_assert_int_eq(call(cmd_tag, (const char *[]){ "tag", "--store", store_dir, "nothere", "x:1", NULL }), 125);
	ck_assert_int_eq(call(cmd_tag, (const char *[]){ "tag", "--store", store_dir, "a:1", "Bad:Name", NULL }), 125);
	ck_assert_int_eq(call(cmd_rmi, (const char *[]){ "rmi", "--store", store_dir, "a:1", NULL }), 0);
	list = img_list(&s, &err);
	ck_assert_int_eq(json_array_size(list), 1);
	json_decref(list);
	char path[8192];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", store_dir, dg + 7);
	ck_assert_int_eq(access(path, F_OK), 0);   /* still tagged b/c:2 */
	ck_assert_int_eq(call(cmd_rmi, (const char *[]){ "rmi", "--store", store_dir, "localhost:5000/b/c:2", NULL }), 0);
	ck_assert(access(path, F_OK) < 0);         /* no tag left: blobs collected */
	snprintf(path, sizeof(path), "%s/blobs/sha256", store_dir);
	DIR *d = opendir(path);
	struct dirent *de;
	while ((de = readdir(d)))
		ck_assert_msg(de->d_name[0] == '.', "blob left: %s", de->d_name);
	closedir(d);
	ck_assert_int_eq(call(cmd_rmi, (const char *[]){ "rmi", "--store", store_dir, "a:1", NULL }), 125);
	free(before);
}
END_TEST

static int mount_layers(char **dirs, size_t n, const char *target, char *work)
{
	char opts[8192] = "lowerdir=";
	for (size_t i = 0; i < n; i++) {
		strcat(opts, dirs[i]);
		if (i + 1 < n)
			strcat(opts, ":");
	}
	(void)work;
	mkdir(target, 0755);
	return mount("overlay", target, "overlay", MS_RDONLY, opts);
}

static void check_loaded(const char *ref, const char *layer_type)
{
	char **dirs = NULL, path[8192], mnt[4096];
	struct perr err = { 0 };
	json_t *cfg = NULL;
	size_t n;

	ck_assert_msg(images_prepare_rootfs(ref, store_dir, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)), "sh");
	ck_assert_str_eq(json_str(json_object_get(cfg, "Labels"), "persona.test"), "yes");
	ck_assert_str_eq(json_str(cfg, "WorkingDir"), "/");
	snprintf(path, sizeof(path), "%s/etc/hello", dirs[0]);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/bin/busybox", dirs[1]);
	ck_assert_int_eq(access(path, X_OK), 0);
	/* The merged view, without mounting. */
	ck_assert_int_eq(images_layer_with(dirs, n, "etc/hello"), 0);
	ck_assert_int_eq(images_layer_with(dirs, n, "bin/busybox"), 1);
	ck_assert_int_eq(images_layer_with(dirs, n, "opt/new"), 0);
	ck_assert_int_eq(images_layer_with(dirs, n, "etc/motd"), -1);   /* whiteout */
	ck_assert_int_eq(images_layer_with(dirs, n, "opt/old"), -1);    /* opaque directory */
	ck_assert_int_eq(images_layer_with(dirs, n, "bin/sh/x"), -1);   /* through a symlink */
	ck_assert_int_eq(images_layer_with(dirs, n, "nothere"), -1);
	/* Stacked: the whiteout hides /etc/motd, the opaque /opt hides /opt/old. */
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmp);
	if (geteuid() == 0 && mount_layers(dirs, n, mnt, NULL) == 0) {
		snprintf(path, sizeof(path), "%s/etc/motd", mnt);
		ck_assert_msg(access(path, F_OK) < 0, "whiteout did not hide /etc/motd (%s)", layer_type);
		snprintf(path, sizeof(path), "%s/opt/old", mnt);
		ck_assert_msg(access(path, F_OK) < 0, "opaque /opt did not hide /opt/old (%s)", layer_type);
		snprintf(path, sizeof(path), "%s/opt/new", mnt);
		ck_assert_int_eq(access(path, F_OK), 0);
		snprintf(path, sizeof(path), "%s/etc/hello", mnt);
		ck_assert_int_eq(access(path, F_OK), 0);
		umount2(mnt, MNT_DETACH);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
}

START_TEST(test_load_oci_archive)
{
	char file[8192];
	if (!need_fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(file, sizeof(file), "%s/bb.oci.tar", fixtures);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 0);
	check_loaded("bbtest:v1", "oci-archive");
	/* Loading again changes nothing and succeeds. */
	char *before = snapshot();
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 0);
	char *after = snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	/* skopeo reads persona's store. */
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "skopeo inspect --config oci:%s:docker.io/library/bbtest:v1 >/dev/null", store_dir);
	ck_assert_msg(system(cmd) == 0, "skopeo cannot read the store");
	snprintf(cmd, sizeof(cmd), "skopeo copy -q oci:%s:docker.io/library/bbtest:v1 oci:%s/copy:x", store_dir, tmp);
	ck_assert_msg(system(cmd) == 0, "skopeo cannot copy from the store");
	/* and writes into it: a tag skopeo added to a fresh layout is an image
	 * persona runs, its layers unpacked on first use */
	char other[4200], **dirs = NULL;
	size_t n = 0;
	json_t *cfg = NULL;
	struct perr err = { 0 };
	snprintf(other, sizeof(other), "%s/byskopeo/store", tmp);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/byskopeo && skopeo copy -q oci-archive:%s/bb.oci.tar "
		 "oci:%s:docker.io/library/fromskopeo:v2", tmp, fixtures, other);
	ck_assert_msg(system(cmd) == 0, "skopeo cannot write a store");
	ck_assert_msg(images_prepare_rootfs("fromskopeo:v2", other, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n, 2);
	snprintf(cmd, sizeof(cmd), "%s/etc/hello", dirs[0]);
	ck_assert_int_eq(access(cmd, F_OK), 0);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
}
END_TEST

START_TEST(test_load_docker_archive)
{
	char file[8192];
	if (!need_fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(file, sizeof(file), "%s/bb.docker.tar", fixtures);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 0);
	check_loaded("docker.io/library/bbtest:v1", "docker-archive");
	/* A NAME renames it. */
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file,
							   "localhost/other:2", NULL }), 0);
	check_loaded("localhost/other:2", "docker-archive");
}
END_TEST

START_TEST(test_load_zstd)
{
	char file[8192];
	if (!need_fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(file, sizeof(file), "%s/bb-zstd.oci.tar", fixtures);
	if (access(file, F_OK) < 0)
		SKIP_TEST("this skopeo cannot write zstd layers");
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 0);
	check_loaded("bbzstd:v1", "zstd");
}
END_TEST

/* ---- hostile archives ---- */

static void add_file(struct archive *a, const char *name, const void *data, size_t n)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_write_header(a, e);
	archive_write_data(a, data, n);
	archive_entry_free(e);
}

static void add_blob(struct archive *a, const void *data, size_t n, char dg[72], bool tamper)
{
	char name[128];
	img_sha256(data, n, dg);
	snprintf(name, sizeof(name), "blobs/sha256/%s", dg + 7);
	if (tamper) {
		char *copy = malloc(n);
		memcpy(copy, data, n);
		copy[n / 2] ^= 1;
		add_file(a, name, copy, n);
		free(copy);
	} else {
		add_file(a, name, data, n);
	}
}

enum fault { F_NONE, F_TAMPER_LAYER, F_LAYER_TYPE, F_DIFF_ID, F_HOSTILE_LAYER, F_BIG_MANIFEST, F_NO_NAME };

/* An oci-archive with one layer, `fault` applied. */
static void write_oci(const char *path, enum fault fault)
{
	char layer[4096], ldg[72], cdg[72], mdg[72], diff[72], *cfg, *man, *idx;
	struct archive *a = archive_write_new(), *l = archive_write_new();
	size_t used = 0;

	/* The layer: one file (or ../evil). */
	archive_write_set_format_pax(l);
	archive_write_open_memory(l, layer, sizeof(layer), &used);
	add_file(l, fault == F_HOSTILE_LAYER ? "../../../../tmp/evil" : "hello", "hi\n", 3);
	archive_write_close(l);
	archive_write_free(l);
	img_sha256(layer, used, diff);
	if (fault == F_DIFF_ID)
		diff[10] = diff[10] == '0' ? '1' : '0';

	archive_write_set_format_pax(a);
	archive_write_open_filename(a, path);
	add_file(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	add_blob(a, layer, used, ldg, fault == F_TAMPER_LAYER);
	ck_assert(asprintf(&cfg, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
			   "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", diff) > 0);
	add_blob(a, cfg, strlen(cfg), cdg, false);
	ck_assert(asprintf(&man, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			   "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
			   "\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}]%s}",
			   cdg, strlen(cfg), fault == F_LAYER_TYPE ? "text/plain" : "application/vnd.oci.image.layer.v1.tar",
			   ldg, used, fault == F_BIG_MANIFEST ? ",\"x\":\"" : "") > 0);
	if (fault == F_BIG_MANIFEST) {
		size_t n = strlen(man);
		man = realloc(man, n + (5u << 20) + 4);
		memset(man + n, 'a', 5u << 20);
		strcpy(man + n + (5u << 20), "\"}");
	}
	add_blob(a, man, strlen(man), mdg, false);
	ck_assert(asprintf(&idx, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			   "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu%s}]}",
			   mdg, strlen(man), fault == F_NO_NAME ? "" :
			   ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"localhost/crafted:1\"}") > 0);
	add_file(a, "index.json", idx, strlen(idx));
	archive_write_close(a);
	archive_write_free(a);
	free(cfg);
	free(man);
	free(idx);
}

static void load_fails(enum fault fault, const char *needle)
{
	char file[8192], *before, *after;
	struct img_store s;
	struct perr err = { 0 };
	char **names = NULL;

	snprintf(file, sizeof(file), "%s/crafted.tar", tmp);
	write_oci(file, fault);
	open_store(&s);
	before = snapshot();
	ck_assert_msg(img_load_archive(&s, file, NULL, NULL, &names, &err) < 0, "fault %d loaded", fault);
	ck_assert_msg(strstr(err.msg, needle), "fault %d: message \"%s\" lacks \"%s\"", fault, err.msg, needle);
	ck_assert_msg(strstr(err.msg, file), "message \"%s\" does not name the file", err.msg);
	after = snapshot();
	ck_assert_str_eq(before, after);
	ck_assert(access("/tmp/evil", F_OK) < 0);
	free(before);
	free(after);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 125);
}

START_TEST(test_crafted_ok)
{
	char file[8192];
	snprintf(file, sizeof(file), "%s/crafted.tar", tmp);
	write_oci(file, F_NONE);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 0);
	ck_assert_int_eq(call(cmd_images, (const char *[]){ "images", "--store", store_dir, "--format", "json",
							     NULL }), 0);
}
END_TEST

START_TEST(test_hostile_archives)
{
	char file[8192];

	load_fails(F_TAMPER_LAYER, "does not match its name");
	load_fails(F_LAYER_TYPE, "unsupported media type \"text/plain\"");
	load_fails(F_DIFF_ID, "but the config's diff_id says");
	load_fails(F_HOSTILE_LAYER, "\"..\" in path");
	load_fails(F_BIG_MANIFEST, "more than the 4194304 allowed");
	load_fails(F_NO_NAME, "has no name");
	/* Truncated archive. */
	snprintf(file, sizeof(file), "%s/crafted.tar", tmp);
	write_oci(file, F_NONE);
	ck_assert_int_eq(truncate(file, 1500), 0);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 125);
	/* Not an image archive at all. */
	write_file_str(file, "garbage");
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", file, NULL }), 125);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", store_dir, "-i", "/nonexistent", NULL }),
			 125);
	ck_assert_int_eq(call(cmd_import, (const char *[]){ "import", "--store", store_dir, file, "x:1", NULL }), 125);
	ck_assert_int_eq(call(cmd_load, (const char *[]){ "load", "--store", "relative", "-i", file, NULL }), 125);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images_store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_blobs);
	tcase_add_test(tc, test_import_run_layers);
	tcase_add_test(tc, test_tag_rmi_gc);
	tcase_add_test(tc, test_load_oci_archive);
	tcase_add_test(tc, test_load_docker_archive);
	tcase_add_test(tc, test_load_zstd);
	tcase_add_test(tc, test_crafted_ok);
	tcase_add_test(tc, test_hostile_archives);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
