/* Integration: a real distribution as an image.  Debian bookworm, made by
 * tests/fixtures/images/make-debian-images.sh with umoci and skopeo from
 * the debootstrap'd root filesystem (two layers: the root, then a
 * whiteout, a new file and an opaque directory; gzip and zstd variants),
 * loaded into a private store and run by `persona run IMAGE`.  Also: a
 * second start of an image needs no helper (the prepared-root cache). */
#include <sys/mount.h>

#include "tests/integration/integ.h"

static char *tmp, store[4096], images[4096];

/* The fixture's directory, built once (about 20 s) and cached. */
static void images_fixture(void)
{
	const char *const argv[] = { "tests/fixtures/images/make-debian-images.sh", NULL };
	struct cmd_result r = run_cmd(argv, NULL, 900);
	if (r.status == 0)
		snprintf(images, sizeof(images), "%s", chomp(r.out));
	else
		fprintf(stderr, "%s: exit %d: %s\n", argv[0], r.status, r.err);
	cmd_result_free(&r);
}

static void setup(void)
{
	integ_setup();
	tmp = make_temp_dir("images-debian");
	snprintf(store, sizeof(store), "%s/img/store", tmp);
	setenv("PERSONA_STORE", store, 1);
}

static void teardown(void)
{
	integ_teardown();
	unsetenv("PERSONA_STORE");
	rm_rf(tmp);
	free(tmp);
}

static void load(const char *file, const char *name)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", images, file);
	struct cmd_result r = P("load", "-i", path);
	ck_assert_status(r, 0);
	ck_assert_out_has(r, name);
	cmd_result_free(&r);
}

/* bash, apt and the layers' changes, as a user of the image sees them. */
static void check_debian(const char *image)
{
	struct cmd_result r = P("run", "--rm", image, "bash", "-c",
				"cat /etc/persona-layer2; test -e /etc/motd || echo motd-gone; ls /opt; "
				"apt-get --version | head -n 1; echo $PATH");
	ck_assert_status(r, 0);
	ck_assert_msg(!strncmp(r.out, "layer 2\nmotd-gone\nnew\napt ", 26), "unexpected output: " SHOW_FMT,
		      SHOW_ARGS(r));
	ck_assert_out_has(r, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	cmd_result_free(&r);
	/* the image's Cmd (bash) reads the standard input */
	r = persona_t(CMD_TIMEOUT, "echo from-stdin\n", NULL, "run", "--rm", "-i", image, NULL);
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "from-stdin\n");
	cmd_result_free(&r);
	/* a user named in the image's /etc/passwd */
	r = P("run", "--rm", "-u", "nobody", image, "id", "-un");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "nobody\n");
	cmd_result_free(&r);
}

START_TEST(debian_gzip_image_runs)
{
	if (!images[0])
		SKIP_TEST("the Debian images cannot be built here (umoci, skopeo or debootstrap missing)");
	load("deb.oci.tar", "debtest:v1");
	check_debian("debtest:v1");
	assert_no_leftovers();
}
END_TEST

START_TEST(debian_zstd_image_runs)
{
	if (!images[0])
		SKIP_TEST("the Debian images cannot be built here (umoci, skopeo or debootstrap missing)");
	load("deb-zstd.oci.tar", "debtest:zstd");
	check_debian("debtest:zstd");
	assert_no_leftovers();
}
END_TEST

/* The first start asks persona-image to unpack; later ones read the
 * prepared-root cache and work without the helper at all (a copy of
 * persona with no persona-image next to it).  Removing an unpacked layer
 * invalidates the cache: that copy then says the helper is missing. */
START_TEST(second_start_needs_no_helper)
{
	char lone[8192], layers[8192], cmd[16384];

	if (!images[0])
		SKIP_TEST("the Debian images cannot be built here (umoci, skopeo or debootstrap missing)");
	load("deb.oci.tar", "debtest:v1");
	struct cmd_result r = P("run", "--rm", "debtest:v1", "true");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	snprintf(lone, sizeof(lone), "%s/lone", tmp);
	mkdir(lone, 0755);
	snprintf(cmd, sizeof(cmd), "cp %s %s/persona", test_persona_bin(), lone);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(lone + strlen(lone), sizeof(lone) - strlen(lone), "/persona");
	const char *const argv[] = { lone, "--root", test_state_root(), "run", "--rm", "debtest:v1", "cat",
				     "/etc/persona-layer2", NULL };
	r = run_cmd(argv, NULL, CMD_TIMEOUT);
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "layer 2\n");
	cmd_result_free(&r);
	/* an unpacked layer gone: the cache no longer holds */
	snprintf(layers, sizeof(layers), "%s/img/layers", tmp);
	snprintf(cmd, sizeof(cmd), "for d in %s/*; do rm -rf \"$d\"; break; done", layers);
	ck_assert_int_eq(system(cmd), 0);
	r = run_cmd(argv, NULL, CMD_TIMEOUT);
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "persona-image is missing");
	cmd_result_free(&r);
	/* and persona with its helper unpacks it again */
	r = P("run", "--rm", "debtest:v1", "cat", "/etc/persona-layer2");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "layer 2\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: Debian images");
	TCase *tc;

	test_private_root("images-debian");
	images_fixture();
	tc = integ_tcase("debian images", 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, debian_gzip_image_runs);
	tcase_add_test(tc, debian_zstd_image_runs);
	tcase_add_test(tc, second_start_needs_no_helper);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
