/* Unit tests: save, inspect, prune and the seeded busybox image
 * (images/save.c, prune.c, seed.c; runtime/cmd_image.c called directly).
 * Archives persona writes are read back by skopeo (when installed) and by
 * persona's own load; bad input leaves no file; prune removes what no
 * image needs and keeps what a container names. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "images/image.h"
#include "images/ref.h"
#include "images/store.h"
#include "tests/harness.h"

int cmd_save(int argc, char **argv);
int cmd_image_inspect(int argc, char **argv);
int cmd_image_prune(int argc, char **argv);

static char *tmp, store_dir[4096], fx[4096];

static void setup(void)
{
	tmp = make_temp_dir("save");
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

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[16384];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

static bool have(const char *tool)
{
	return sh("command -v %s >/dev/null 2>&1%s", tool, "") == 0;
}

/* Load the two-layer fixture image bbtest:v1; false when the fixture
 * tools are missing. */
static bool load_fixture(struct img_store *s)
{
	char file[8192];
	struct perr err = { 0 };
	char **names = NULL;

	snprintf(fx, sizeof(fx), "%s/fx", tmp);
	int r = sh("tests/fixtures/images/make-images.sh %s >/dev/null 2>&1%s", fx, "");
	if (r == 77)
		return false;
	ck_assert_msg(r == 0, "make-images.sh failed (%d)", r);
	open_store(s);
	snprintf(file, sizeof(file), "%s/bb.oci.tar", fx);
	ck_assert_msg(img_load_archive(s, file, NULL, NULL, &names, &err) == 0, "%s", err.msg);
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
	return true;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(test_save_both_formats)
{
	struct img_store s;
	char out[8192], out2[8192], cmd[16384];

	if (!load_fixture(&s))
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(out, sizeof(out), "%s/bb.docker.tar", tmp);
	const char *a1[] = { "save", "--store", store_dir, "-o", out, "bbtest:v1", NULL };
	ck_assert_int_eq(call(cmd_save, a1), 0);
	/* docker-archive: manifest.json, config <hex>.json, plain tar layers
	 * named by their diff IDs */
	ck_assert_int_eq(sh("tar -tf %s | grep -qx manifest.json%s", out, ""), 0);
	ck_assert_int_eq(sh("tar -xOf %s manifest.json | grep -q '\"RepoTags\":\\[\"docker.io/library/bbtest:v1\"\\]'%s",
			    out, ""), 0);
	snprintf(cmd, sizeof(cmd), "cd %s && mkdir x && tar -C x -xf %s && cd x && for f in *.tar; do "
		 "[ \"$(sha256sum < $f | cut -c1-64).tar\" = \"$f\" ] || exit 1; done", tmp, out);
	ck_assert_int_eq(sh("%s%s", cmd, ""), 0);
	snprintf(out2, sizeof(out2), "%s/bb.oci.tar", tmp);
	const char *a2[] = { "save", "--store", store_dir, "--format", "oci-archive", "-o", out2, "bbtest:v1", NULL };
	ck_assert_int_eq(call(cmd_save, a2), 0);
	ck_assert_int_eq(sh("tar -xOf %s index.json | grep -q 'org.opencontainers.image.ref.name\":\"docker.io/library/bbtest:v1'%s",
			    out2, ""), 0);
	ck_assert_int_eq(sh("tar -xOf %s oci-layout | grep -q 1.0.0%s", out2, ""), 0);
	if (have("skopeo")) {
		ck_assert_int_eq(sh("skopeo inspect docker-archive:%s >/dev/null%s", out, ""), 0);
		ck_assert_int_eq(sh("skopeo inspect oci-archive:%s >/dev/null%s", out2, ""), 0);
	}
	/* Saving again gives the same bytes. */
	snprintf(out2, sizeof(out2), "%s/again.tar", tmp);
	const char *a3[] = { "save", "--store", store_dir, "-o", out2, "bbtest:v1", NULL };
	ck_assert_int_eq(call(cmd_save, a3), 0);
	ck_assert_int_eq(sh("cmp -s %s %s", out, out2), 0);
}
END_TEST

/* save, rmi, load: the same image (manifest digest for oci-archive, layers
 * for docker-archive), and its layers stack as before. */
START_TEST(test_save_round_trip)
{
	struct img_store s;
	struct perr err = { 0 };
	char out[8192], **names = NULL, **dirs = NULL;
	json_t *before, *after, *cfg = NULL;
	size_t n;

	if (!load_fixture(&s))
		SKIP_TEST("umoci, skopeo or busybox missing");
	before = img_inspect(&s, "bbtest:v1", &err);
	ck_assert_msg(before, "%s", err.msg);
	for (int oci = 0; oci < 2; oci++) {
		char *refs[] = { "bbtest:v1" };
		json_t *now = img_inspect(&s, "bbtest:v1", &err);
		char mdg[80];
		ck_assert_ptr_nonnull(now);
		snprintf(mdg, sizeof(mdg), "%s", json_str(now, "Digest"));
		json_decref(now);
		snprintf(out, sizeof(out), "%s/rt-%d.tar", tmp, oci);
		ck_assert_msg(img_save(&s, refs, 1, oci ? IMG_SAVE_OCI : IMG_SAVE_DOCKER, out, &err) == 0, "%s", err.msg);
		ck_assert_msg(img_remove(&s, "bbtest:v1", &err) == 0, "%s", err.msg);
		ck_assert_ptr_null(img_inspect(&s, "bbtest:v1", &err));
		ck_assert_msg(img_load_archive(&s, out, NULL, NULL, &names, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(names[0], "docker.io/library/bbtest:v1");
		free(names[0]);
		free(names);
		after = img_inspect(&s, "bbtest:v1", &err);
		ck_assert_msg(after, "%s", err.msg);
		ck_assert(json_equal(json_object_get(before, "RootFS"), json_object_get(after, "RootFS")));
		ck_assert(json_equal(json_object_get(before, "Config"), json_object_get(after, "Config")));
		ck_assert_str_eq(json_str(before, "Id"), json_str(after, "Id"));
		/* oci-archive keeps the manifest; docker-archive has none (load
		 * makes one, its layers now uncompressed) */
		if (oci)
			ck_assert_str_eq(mdg, json_str(after, "Digest"));
		json_decref(after);
		ck_assert_msg(images_prepare_rootfs("bbtest:v1", store_dir, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(n, 2);
		for (size_t i = 0; i < n; i++)
			free(dirs[i]);
		free(dirs);
		json_decref(cfg);
	}
	json_decref(before);
}
END_TEST

/* Bad input: one message naming it, exit 125, no file left behind. */
START_TEST(test_save_bad)
{
	struct img_store s;
	struct perr err = { 0 };
	char out[8192], dir[8192];
	char *refs[] = { "bbtest:v1", "nothere:1" };

	if (!load_fixture(&s))
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(dir, sizeof(dir), "%s/outdir", tmp);
	mkdir(dir, 0755);
	snprintf(out, sizeof(out), "%s/x.tar", dir);
	/* an unknown image among known ones: nothing written */
	ck_assert(img_save(&s, refs, 2, IMG_SAVE_DOCKER, out, &err) < 0);
	ck_assert_msg(strstr(err.msg, "image \"nothere:1\": not found"), "%s", err.msg);
	ck_assert_int_eq(count_entries(dir), 0);
	const char *a1[] = { "save", "--store", store_dir, "-o", out, "nothere:1", NULL };
	ck_assert_int_eq(call(cmd_save, a1), 125);
	ck_assert_int_eq(count_entries(dir), 0);
	/* a directory that does not exist, a directory as the file */
	snprintf(out, sizeof(out), "%s/no/such/dir/x.tar", tmp);
	ck_assert(img_save(&s, refs, 1, IMG_SAVE_OCI, out, &err) < 0);
	ck_assert_msg(strstr(err.msg, out) && strstr(err.msg, "No such file"), "%s", err.msg);
	ck_assert(img_save(&s, refs, 1, IMG_SAVE_OCI, dir, &err) < 0);
	ck_assert_msg(strstr(err.msg, "is a directory"), "%s", err.msg);
	ck_assert_int_eq(count_entries(dir), 0);
	/* a read-only directory (root ignores modes: a read-only bind mount
	 * would be needed; /proc is one) */
	ck_assert(img_save(&s, refs, 1, IMG_SAVE_OCI, "/proc/x.tar", &err) < 0);
	ck_assert_msg(strstr(err.msg, "/proc/x.tar"), "%s", err.msg);
	/* a damaged blob in the store: refused, nothing left */
	{
		json_t *in = img_inspect(&s, "bbtest:v1", &err);
		char blob[8192];
		ck_assert_ptr_nonnull(in);
		snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", store_dir, json_str(in, "Id") + 7);
		json_decref(in);
		/* the config is read before writing; a layer is checked while copied */
		json_t *li = img_list(&s, &err);
		json_decref(li);
		snprintf(out, sizeof(out), "%s/y.tar", dir);
		char cmd[16384];
		snprintf(cmd, sizeof(cmd), "cd %s/blobs/sha256 && for f in *; do s=$(stat -c %%s $f); "
			 "[ $s -gt 100000 ] && printf X | dd of=$f bs=1 seek=5000 conv=notrunc 2>/dev/null; done; true",
			 store_dir);
		ck_assert_int_eq(sh("%s%s", cmd, ""), 0);
		ck_assert(img_save(&s, refs, 1, IMG_SAVE_OCI, out, &err) < 0);
		ck_assert_msg(strstr(err.msg, "the store is damaged"), "%s", err.msg);
		ck_assert_int_eq(count_entries(dir), 0);
	}
	/* usage errors */
	const char *a2[] = { "save", "--store", store_dir, "--format", "zip", "-o", out, "bbtest:v1", NULL };
	ck_assert_int_eq(call(cmd_save, a2), 125);
	const char *a3[] = { "save", "--store", store_dir, "-o", out, NULL };
	ck_assert_int_eq(call(cmd_save, a3), 125);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

START_TEST(test_inspect)
{
	struct img_store s;
	struct perr err = { 0 };
	json_t *in, *by_id;
	char id[80];

	if (!load_fixture(&s))
		SKIP_TEST("umoci, skopeo or busybox missing");
	ck_assert_msg(img_tag(&s, "bbtest:v1", "localhost:5000/x/bb:2", &err) == 0, "%s", err.msg);
	in = img_inspect(&s, "bbtest:v1", &err);
	ck_assert_msg(in, "%s", err.msg);
	ck_assert(img_digest_valid(json_str(in, "Id")));
	ck_assert_int_eq(json_array_size(json_object_get(in, "RepoTags")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(in, "RepoDigests")), 2);
	ck_assert(strstr(json_string_value(json_array_get(json_object_get(in, "RepoDigests"), 0)), "@sha256:"));
	ck_assert_str_eq(json_str(in, "Architecture"), "amd64");
	ck_assert_str_eq(json_str(in, "Os"), "linux");
	ck_assert_str_eq(json_str(json_object_get(json_object_get(in, "Config"), "Labels"), "persona.test"), "yes");
	ck_assert_str_eq(json_str(json_object_get(in, "RootFS"), "Type"), "layers");
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(in, "RootFS"), "Layers")), 2);
	ck_assert_int_gt(json_int(in, "Size", 0), 1000);
	/* by Id (docker's image ID, the config digest) and by a prefix of it */
	by_id = img_inspect(&s, json_str(in, "Id"), &err);
	ck_assert_msg(by_id, "%s", err.msg);
	json_decref(by_id);
	snprintf(id, sizeof(id), "%.12s", json_str(in, "Id") + 7);
	by_id = img_inspect(&s, id, &err);
	ck_assert_msg(by_id, "%s", err.msg);
	json_decref(by_id);
	json_decref(in);
	ck_assert_ptr_null(img_inspect(&s, "nothere:1", &err));
	ck_assert_msg(strstr(err.msg, "image \"nothere:1\": not found"), "%s", err.msg);
	const char *a1[] = { "image", "inspect", "--store", store_dir, "nothere:1", NULL };
	ck_assert_int_eq(call(cmd_image_inspect, a1 + 1), 125);
	const char *a2[] = { "inspect", "--store", store_dir, "--format", "{{.Id}}", "bbtest:v1", NULL };
	ck_assert_int_eq(call(cmd_image_inspect, a2), 125);
}
END_TEST

static struct img_prune_opts young = { 0 }, any_age = { .min_age = -1 };

START_TEST(test_prune)
{
	struct img_store s;
	struct perr err = { 0 };
	struct img_prune_result res;
	char **removed = NULL, path[8192], layer[8192], kept[8192], bundle[8192], cfg[8192 + 64];
	char *refs[] = { "bbtest:v1" };
	json_t *in;
	int nlayers;

	if (!load_fixture(&s))
		SKIP_TEST("umoci, skopeo or busybox missing");
	nlayers = count_entries(s.layers);
	/* nothing to remove */
	ck_assert_msg(img_prune(&s, &any_age, &res, &removed, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(res.blobs + res.layers + res.stages + res.images, 0);
	ck_assert_ptr_null(removed[0]);
	free(removed);
	/* an orphan blob, an orphan layer, a layer a stopped container's
	 * bundle names */
	snprintf(path, sizeof(path), "%s/blobs/sha256/%064d", store_dir, 0);
	write_file_str(path, "orphan blob");
	snprintf(layer, sizeof(layer), "%s/img/layers/%064d", tmp, 1);
	mkdir(layer, 0755);
	snprintf(path, sizeof(path), "%s/file", layer);
	write_file_str(path, "0123456789");
	snprintf(kept, sizeof(kept), "%s/img/layers/%064d", tmp, 2);
	mkdir(kept, 0755);
	snprintf(bundle, sizeof(bundle), "%s/state/c1", tmp);
	ck_assert_int_eq(sh("mkdir -p %s%s", bundle, ""), 0);
	snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
	snprintf(path, sizeof(path), "{\"annotations\":{\"io.persona.rootfs.lowerdirs\":\"/nonexistent:%s\"}}", kept);
	write_file_str(cfg, path);
	/* just made: the layers may be a load's, not yet committed: kept */
	snprintf(path, sizeof(path), "%s/state", tmp);
	young.state_root = path;
	ck_assert_msg(img_prune(&s, &young, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.blobs, 1);
	ck_assert_int_eq(res.bytes, strlen("orphan blob"));
	ck_assert_int_eq(res.layers, 0);
	ck_assert_int_eq(count_entries(s.layers), nlayers + 2);
	/* old enough: the orphan goes, the container's stays */
	any_age.state_root = path;
	ck_assert_msg(img_prune(&s, &any_age, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.layers, 1);
	ck_assert_int_eq(res.bytes, 10);
	ck_assert_int_eq(access(layer, F_OK), -1);
	ck_assert_int_eq(access(kept, F_OK), 0);
	/* without the bundle it goes too */
	any_age.state_root = NULL;
	ck_assert_msg(img_prune(&s, &any_age, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.layers, 1);
	ck_assert_int_eq(count_entries(s.layers), nlayers);
	/* the image survives, whole */
	snprintf(path, sizeof(path), "%s/after.tar", tmp);
	ck_assert_msg(img_save(&s, refs, 1, IMG_SAVE_OCI, path, &err) == 0, "%s", err.msg);
	in = img_inspect(&s, "bbtest:v1", &err);
	ck_assert_ptr_nonnull(in);
	json_decref(in);
}
END_TEST

/* -a: an image no container uses goes; its blobs and layers with it. */
START_TEST(test_prune_all)
{
	struct img_store s;
	struct perr err = { 0 };
	struct img_prune_result res;
	char **removed = NULL, path[8192];
	struct img_prune_opts all = { .all = true, .min_age = -1 };
	json_t *list;

	if (!load_fixture(&s))
		SKIP_TEST("umoci, skopeo or busybox missing");
	ck_assert_msg(img_prune(&s, &all, &res, &removed, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(removed[0], "docker.io/library/bbtest:v1");
	ck_assert_ptr_null(removed[1]);
	free(removed[0]);
	free(removed);
	ck_assert_int_eq(res.images, 1);
	ck_assert_int_ge(res.blobs, 3);
	ck_assert_int_eq(res.layers, 2);
	ck_assert_int_gt(res.bytes, 1000000);
	list = img_list(&s, &err);
	ck_assert_int_eq(json_array_size(list), 0);
	json_decref(list);
	snprintf(path, sizeof(path), "%s/blobs/sha256", store_dir);
	ck_assert_int_eq(count_entries(path), 0);
	ck_assert_int_eq(count_entries(s.layers), 0);
	/* through the command */
	const char *a1[] = { "prune", "--store", store_dir, "-f", NULL };
	ck_assert_int_eq(call(cmd_image_prune, a1), 0);
	const char *a2[] = { "prune", "--store", store_dir, "-f", "extra", NULL };
	ck_assert_int_eq(call(cmd_image_prune, a2), 125);
}
END_TEST

/* A stage no live command holds is a leftover; one held is not. */
START_TEST(test_prune_stage)
{
	struct img_store s;
	struct perr err = { 0 };
	struct img_prune_result res;
	char **removed = NULL, held[8192], dead[8192], blob[8300];
	int fd;

	open_store(&s);
	snprintf(held, sizeof(held), "%s/.stage-held00", store_dir);
	snprintf(dead, sizeof(dead), "%s/.stage-dead00", store_dir);
	mkdir(held, 0700);
	mkdir(dead, 0700);
	snprintf(blob, sizeof(blob), "%s/blob", dead);
	write_file_str(blob, "leftover");
	fd = open(held, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	/* young: both kept */
	ck_assert_msg(img_prune(&s, &young, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.stages, 0);
	ck_assert_int_eq(access(dead, F_OK), 0);
	/* the flock is another open file description: held even from here */
	int other = open(held, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), -1);
	close(other);
	ck_assert_msg(img_prune(&s, &any_age, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.stages, 1);
	ck_assert_int_eq(res.bytes, strlen("leftover"));
	ck_assert_int_eq(access(dead, F_OK), -1);
	ck_assert_int_eq(access(held, F_OK), 0);
	close(fd);
}
END_TEST

START_TEST(test_seed_busybox)
{
	struct img_store s;
	struct perr err = { 0 };
	char d1[72], d2[72], **dirs = NULL, path[8192];
	json_t *list, *in, *cfg = NULL;
	size_t n;
	struct stat sb;

	if (access("/bin/busybox", X_OK) < 0)
		SKIP_TEST("/bin/busybox missing (Debian busybox-static)");
	open_store(&s);
	ck_assert_msg(img_seed_busybox_digest(&s, "/bin/busybox", d1, &err) == 0, "%s", err.msg);
	list = img_list(&s, &err);
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert_str_eq(json_str(json_array_get(list, 0), "Name"), "docker.io/library/busybox:latest");
	json_decref(list);
	/* reproducible: the same digest again, and in another store */
	ck_assert_msg(img_seed_busybox_digest(&s, "/bin/busybox", d2, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(d1, d2);
	snprintf(store_dir, sizeof(store_dir), "%s/other/store", tmp);
	struct img_store s2;
	open_store(&s2);
	ck_assert_msg(img_seed_busybox(&s2, "/bin/busybox", &err) == 0, "%s", err.msg);
	in = img_inspect(&s2, "busybox", &err);
	ck_assert_msg(in, "%s", err.msg);
	ck_assert_str_eq(json_str(in, "Digest"), d1);
	ck_assert_str_eq(json_str(json_object_get(json_object_get(in, "Config"), "Labels"), "io.persona.embedded"),
			 "true");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(in, "Config"), "Cmd"), 0)),
			 "sh");
	json_decref(in);
	/* the layer as run will see it */
	ck_assert_msg(images_prepare_rootfs("busybox", store_dir, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n, 1);
	snprintf(path, sizeof(path), "%s/bin/sh", dirs[0]);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISLNK(sb.st_mode));
	snprintf(path, sizeof(path), "%s/bin/busybox", dirs[0]);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert(sb.st_mode & 0111);
	snprintf(path, sizeof(path), "%s/tmp", dirs[0]);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 01777);
	snprintf(path, sizeof(path), "%s/etc/passwd", dirs[0]);
	char *pw = read_file_str(path);
	ck_assert_ptr_nonnull(pw);
	ck_assert(strstr(pw, "root:x:0:0:") && strstr(pw, "nobody:x:65534:"));
	free(pw);
	for (const char *m = "proc\0sys\0dev\0root\0"; *m; m += strlen(m) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dirs[0], m);
		ck_assert_msg(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode), "%s", path);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
	/* bad busybox: refused, store unchanged */
	snprintf(path, sizeof(path), "%s/index.json", store_dir);
	char *before = read_file_str(path);
	ck_assert(img_seed_busybox(&s2, "/nonexistent/busybox", &err) < 0);
	ck_assert_msg(strstr(err.msg, "/nonexistent/busybox"), "%s", err.msg);
	ck_assert(img_seed_busybox(&s2, "/etc/passwd", &err) < 0);
	ck_assert_msg(strstr(err.msg, "not an executable file"), "%s", err.msg);
	ck_assert(img_seed_busybox(&s2, "/bin/false", &err) < 0);
	ck_assert_msg(strstr(err.msg, "busybox --list"), "%s", err.msg);
	char *after = read_file_str(path);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	ck_assert_int_eq(sh("ls -a %s | grep -q '^.stage-' && exit 1; exit 0%s", store_dir, ""), 0);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images: save, inspect, prune, seed");
	TCase *tc = tcase_create("save");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_save_both_formats);
	tcase_add_test(tc, test_save_round_trip);
	tcase_add_test(tc, test_save_bad);
	tcase_add_test(tc, test_inspect);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_prune_all);
	tcase_add_test(tc, test_prune_stage);
	tcase_add_test(tc, test_seed_busybox);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
