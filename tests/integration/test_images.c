/* Integration: images end to end.  An image made by umoci and skopeo
 * (tests/fixtures/images/make-images.sh: busybox, two layers, a whiteout
 * and an opaque directory) is loaded into a private store, its layers are
 * stacked with overlayfs as images_prepare_rootfs() gives them, and the
 * persona binary runs a container on that root.  When the image commands
 * are registered in the binary (persona load --help works), the same is
 * done through the command line: load, images, tag, rmi, import, and the
 * bad-input contract (exit 125, one message, store unchanged). */
#include <sys/mount.h>

#include "images/image.h"
#include "tests/integration/integ.h"

static char *tmp, store[4096], fx[4096];

static bool fixtures(void)
{
	char cmd[8192];
	snprintf(fx, sizeof(fx), "%s/fx", tmp);
	snprintf(cmd, sizeof(cmd), "tests/fixtures/images/make-images.sh %s >/dev/null 2>&1", fx);
	int r = system(cmd);
	if (WIFEXITED(r) && WEXITSTATUS(r) == 77)
		return false;
	ck_assert_msg(r == 0, "make-images.sh failed (%d)", r);
	return true;
}

static void setup(void)
{
	integ_setup();
	tmp = make_temp_dir("images");
	snprintf(store, sizeof(store), "%s/img/store", tmp);
}

static void teardown(void)
{
	char mnt[4096];
	snprintf(mnt, sizeof(mnt), "%s/merged", tmp);
	umount2(mnt, MNT_DETACH);
	integ_teardown();
	rm_rf(tmp);
	free(tmp);
}

static bool cli_registered(void)
{
	struct cmd_result r = P("load", "--help");
	bool yes = r.status == 0;
	cmd_result_free(&r);
	return yes;
}

/* Load with the library, stack the layers, run the persona binary on it. */
START_TEST(run_on_loaded_layers)
{
	char file[8192], mnt[4096], opts[8192] = "lowerdir=", **dirs = NULL;
	struct img_store s;
	struct perr err = { 0 };
	json_t *cfg = NULL;
	char **names = NULL;
	size_t n;

	if (!fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(file, sizeof(file), "%s/bb.oci.tar", fx);
	ck_assert_msg(img_store_open(&s, store, 1, &err) == 0, "%s", err.msg);
	ck_assert_msg(img_load_archive(&s, file, NULL, NULL, &names, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(names[0], "docker.io/library/bbtest:v1");
	free(names[0]);
	free(names);
	ck_assert_msg(images_prepare_rootfs("bbtest:v1", store, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		strcat(opts, dirs[i]);
		strcat(opts, i + 1 < n ? ":" : "");
		free(dirs[i]);
	}
	free(dirs);
	json_decref(cfg);
	snprintf(mnt, sizeof(mnt), "%s/merged", tmp);
	mkdir(mnt, 0755);
	ck_assert_msg(mount("overlay", mnt, "overlay", MS_RDONLY, opts) == 0, "overlay: %s", strerror(errno));

	struct cmd_result r = P("run", "--rm", mnt, "/bin/sh", "-c",
				"cat /etc/hello; ls /opt; test -e /etc/motd || echo motd-gone");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello from layer 2\nnew\nmotd-gone\n");
	cmd_result_free(&r);
	umount2(mnt, MNT_DETACH);
	assert_no_leftovers();
}
END_TEST

START_TEST(cli_load_images_tag_rmi)
{
	char file[8192], *before, *after, idx[8192];

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (!fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	snprintf(file, sizeof(file), "%s/bb.docker.tar", fx);
	struct cmd_result r = P("load", "--store", store, "-i", file);
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "Loaded image: docker.io/library/bbtest:v1");
	cmd_result_free(&r);
	r = P("tag", "--store", store, "bbtest:v1", "localhost:5000/t/bb:2");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("images", "--store", store, "--format", "json");
	ck_assert_status(r, 0);
	json_t *list = json_loads(r.out, 0, NULL);
	ck_assert_int_eq(json_array_size(list), 2);
	json_decref(list);
	cmd_result_free(&r);

	/* Bad input: exit 125, one message naming it, the store unchanged. */
	snprintf(idx, sizeof(idx), "%s/index.json", store);
	before = read_file_str(idx);
	write_file_str(file, "not an archive");
	r = P("load", "--store", store, "-i", file);
	ck_assert_status(r, 125);
	ck_assert_err_has(r, file);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = P("rmi", "--store", store, "nothere:1");
	ck_assert_status(r, 125);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	after = read_file_str(idx);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);

	r = P("rmi", "--store", store, "bbtest:v1", "localhost:5000/t/bb:2");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("images", "--store", store, "--format", "json");
	ck_assert_str_eq(r.out, "[]\n");
	cmd_result_free(&r);
}
END_TEST

/* persona run IMAGE: the layers from the store, stacked by persona, the
 * image's Env and Cmd taken, the store and layer cache unchanged. */
START_TEST(run_image_from_store)
{
	char file[8192];

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (!fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	setenv("PERSONA_STORE", store, 1);
	snprintf(file, sizeof(file), "%s/bb.oci.tar", fx);
	struct cmd_result r = P("load", "-i", file);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("run", "--rm", "bbtest:v1", "sh", "-c", "cat /etc/hello; ls /opt; test -e /etc/motd || echo motd-gone; "
							"echo $PATH");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello from layer 2\nnew\nmotd-gone\n/bin:/usr/bin\n");
	cmd_result_free(&r);
	/* no command: the image's Cmd (sh, reading the empty standard input) */
	r = P("run", "--rm", "bbtest:v1");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	/* -e over the image's Env */
	r = P("run", "--rm", "-e", "PATH=/bin", "bbtest:v1", "sh", "-c", "echo $PATH");
	ck_assert_str_eq(r.out, "/bin\n");
	cmd_result_free(&r);
	r = P("run", "--rm", "nothere:v9", "true");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "nothere:v9");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: images");
	TCase *tc;

	test_private_root("images");
	tc = tcase_create("images");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, run_on_loaded_layers);
	tcase_add_test(tc, cli_load_images_tag_rmi);
	tcase_add_test(tc, run_image_from_store);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
