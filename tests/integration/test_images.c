/* Integration: images end to end.  An image made by umoci and skopeo
 * (tests/fixtures/images/make-images.sh: busybox, two layers, a whiteout
 * and an opaque directory) is loaded into a private store, its layers are
 * stacked with overlayfs as images_prepare_rootfs() gives them, and the
 * persona binary runs a container on that root.  When the image commands
 * are registered in the binary (persona load --help works), the same is
 * done through the command line: load, images, tag, rmi, import, and the
 * bad-input contract (exit 125, one message, store unchanged); save,
 * image inspect, image prune; and podman reading persona's archives and
 * persona podman's (when podman can run here). */
#include <sys/mount.h>

#include "images/image.h"
#include "tests/integration/integ.h"

static char *tmp, store[4096], fx[4096];
static char podrun[64];   /* podman's runroot: podman wants at most 50 characters */

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
	if (podrun[0]) {
		rm_rf(podrun);
		podrun[0] = '\0';
	}
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

/* A shell command line with $PB the persona binary; its status. */
static int shell(const char *fmt, const char *a, const char *b)
{
	char cmd[16384];
	setenv("PB", test_persona_bin(), 1);
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

static int dir_entries(const char *dir)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 30);
	int n = atoi(r.out);
	cmd_result_free(&r);
	return n;
}

/* Unpacked layers in a layer cache (64 hex digits: chain IDs). */
static int layer_dirs(const char *dir)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "ls -A %s | grep -c -E '^[0-9a-f]{64}$'", dir);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 30);
	int n = atoi(r.out);
	cmd_result_free(&r);
	return n;
}

/* persona save in both formats, to a file and to standard output; skopeo
 * reads them; rmi, load, run gives the same files; bad input leaves no
 * file. */
START_TEST(cli_save_round_trip)
{
	char file[8192], out[8192], out2[8192], dir[8192];

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (!fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	setenv("PERSONA_STORE", store, 1);
	snprintf(file, sizeof(file), "%s/bb.docker.tar", fx);
	struct cmd_result r = P("load", "-i", file);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	snprintf(out, sizeof(out), "%s/saved.docker.tar", tmp);
	snprintf(out2, sizeof(out2), "%s/saved.oci.tar", tmp);
	r = P("save", "-o", out, "bbtest:v1");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	ck_assert_int_eq(shell("\"$PB\" save --format oci-archive bbtest:v1 > %s%s", out2, ""), 0);
	ck_assert_int_eq(shell("skopeo inspect docker-archive:%s | grep -q persona.test%s", out, ""), 0);
	ck_assert_int_eq(shell("skopeo inspect oci-archive:%s | grep -q persona.test%s", out2, ""), 0);
	for (int i = 0; i < 2; i++) {
		r = P("rmi", "bbtest:v1");
		ck_assert_status(r, 0);
		cmd_result_free(&r);
		r = P("load", "-i", i ? out2 : out);
		ck_assert_status(r, 0);
		ck_assert_out_has(r, "Loaded image: docker.io/library/bbtest:v1");
		cmd_result_free(&r);
		r = P("run", "--rm", "bbtest:v1", "sh", "-c", "cat /etc/hello; ls /opt; test -e /etc/motd || echo gone");
		ck_assert_status(r, 0);
		ck_assert_str_eq(r.out, "hello from layer 2\nnew\ngone\n");
		cmd_result_free(&r);
	}

	/* bad input: exit 125, one message, no file */
	snprintf(dir, sizeof(dir), "%s/outdir", tmp);
	mkdir(dir, 0755);
	snprintf(out, sizeof(out), "%s/x.tar", dir);
	r = P("save", "-o", out, "bbtest:v1", "nothere:v9");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "image \"nothere:v9\": not found");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	snprintf(out, sizeof(out), "%s/no/such/x.tar", dir);
	r = P("save", "-o", out, "bbtest:v1");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, out);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = P("save", "-o", dir, "bbtest:v1");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "is a directory");
	cmd_result_free(&r);
	r = P("save", "--format", "tgz", "-o", out, "bbtest:v1");
	ck_assert_status(r, 125);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	ck_assert_int_eq(dir_entries(dir), 0);
	/* standard output a terminal: refused (script gives it one) */
	if (access("/usr/bin/script", X_OK) == 0) {
		ck_assert_int_eq(shell("script -qec '\"$PB\" save bbtest:v1' /dev/null > %s/tty.out 2>&1%s", tmp, ""), 125);
		snprintf(out, sizeof(out), "%s/tty.out", tmp);
		char *t = read_file_str(out);
		ck_assert_msg(t && strstr(t, "refusing to write an archive to a terminal"), "%s", t ? t : "");
		free(t);
	}
	assert_no_leftovers();
}
END_TEST

/* persona image inspect and persona inspect IMAGE: docker's shape. */
START_TEST(cli_image_inspect)
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
	for (int i = 0; i < 2; i++) {
		r = i ? P("inspect", "bbtest:v1") : P("image", "inspect", "--format", "json", "bbtest:v1");
		ck_assert_status(r, 0);
		json_t *arr = json_loads(r.out, 0, NULL), *in = json_array_get(arr, 0);
		ck_assert_msg(json_array_size(arr) == 1, "%s", r.out);
		ck_assert(strncmp(json_string_value(json_object_get(in, "Id")), "sha256:", 7) == 0);
		ck_assert_str_eq(json_string_value(json_array_get(json_object_get(in, "RepoTags"), 0)),
				 "docker.io/library/bbtest:v1");
		ck_assert(strstr(json_string_value(json_array_get(json_object_get(in, "RepoDigests"), 0)),
				 "docker.io/library/bbtest@sha256:"));
		ck_assert_str_eq(json_string_value(json_object_get(in, "Os")), "linux");
		ck_assert_str_eq(json_string_value(json_object_get(
					 json_object_get(json_object_get(in, "Config"), "Labels"), "persona.test")),
				 "yes");
		ck_assert_int_eq(json_array_size(json_object_get(json_object_get(in, "RootFS"), "Layers")), 2);
		json_decref(arr);
		cmd_result_free(&r);
	}
	r = P("image", "inspect", "nothere:v9");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, "image \"nothere:v9\": not found");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* persona image prune: what rmi left behind and a killed load's stage. */
START_TEST(cli_image_prune)
{
	char file[8192], stage[8192];

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (!fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	setenv("PERSONA_STORE", store, 1);
	snprintf(file, sizeof(file), "%s/bb.oci.tar", fx);
	struct cmd_result r = P("load", "-i", file);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	/* a stage a killed load left, old enough */
	snprintf(stage, sizeof(stage), "%s/.stage-killed", store);
	mkdir(stage, 0700);
	r = P("image", "prune", "-f");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "Total reclaimed space: 0B");
	cmd_result_free(&r);
	/* without -f and no "y": nothing done */
	r = P_IN("n\n", "image", "prune", "-a");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("images", "--format", "json");
	ck_assert_out_has(r, "bbtest");
	cmd_result_free(&r);
	/* -a: the image has no container */
	r = P("image", "prune", "-a", "-f");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "untagged: docker.io/library/bbtest:v1");
	ck_assert_out_has(r, "Total reclaimed space: ");
	ck_assert_msg(!contains(r.out, "Total reclaimed space: 0B"), "%s", r.out);
	cmd_result_free(&r);
	r = P("images", "--format", "json");
	ck_assert_str_eq(r.out, "[]\n");
	cmd_result_free(&r);
	ck_assert_int_eq(access(stage, F_OK), 0);   /* young: kept */
	assert_no_leftovers();
}
END_TEST

/* podman and persona read each other's archives.  podman runs with its
 * own storage in the test's temp directory (vfs), leaving the host's
 * alone. */
START_TEST(podman_interop)
{
	char pod[8192], rfs[8192], tar[16384];

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (access("/bin/busybox", X_OK) < 0)
		SKIP_TEST("/bin/busybox missing");
	snprintf(podrun, sizeof(podrun), "/tmp/persona-podrun-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(podrun));
	snprintf(pod, sizeof(pod), "podman --root %s/pr --runroot %s --storage-driver vfs --cgroup-manager cgroupfs "
		 "--events-backend none", tmp, podrun);
	setenv("POD", pod, 1);
	if (shell("command -v podman >/dev/null && $POD images >%s/podman-check.log 2>&1%s", tmp, "") != 0)
	{
		char log[8192];
		snprintf(log, sizeof(log), "%s/podman-check.log", tmp);
		char *why = read_file_str(log);
		test_skip_msg("podman is not installed or cannot run here (apt-get install podman): %.300s",
			      why ? why : "");
		free(why);
		return;
	}
	setenv("PERSONA_STORE", store, 1);
	snprintf(rfs, sizeof(rfs), "%s/rfs", tmp);
	snprintf(tar, sizeof(tar), "%s/bb-rootfs.tar", tmp);
	setenv("RFS", rfs, 1);
	ck_assert_int_eq(shell("set -e; mkdir -p \"$RFS/bin\"; cp /bin/busybox \"$RFS/bin/\"; cd \"$RFS/bin\"; "
			       "for a in sh echo cat; do ln -s busybox $a; done%s%s", "", ""), 0);
	ck_assert_int_eq(shell("tar -C %s -cf %s .", rfs, tar), 0);
	ck_assert_int_eq(shell("$POD import -q %s localhost/bbpod:1 >/dev/null%s", tar, ""), 0);
	ck_assert_int_eq(shell("cd %s && $POD save -q --format oci-archive -o p.oci.tar localhost/bbpod:1 && "
			       "$POD save -q --format docker-archive -o p.docker.tar localhost/bbpod:1%s", tmp, ""), 0);
	for (int i = 0; i < 2; i++) {
		char file[8192];
		snprintf(file, sizeof(file), "%s/p.%s.tar", tmp, i ? "docker" : "oci");
		struct cmd_result r = P("load", "-i", file);
		ck_assert_status(r, 0);
		ck_assert_out_has(r, "Loaded image: localhost/bbpod:1");
		cmd_result_free(&r);
		/* run takes a name with '/' for a path: a short name for it */
		r = P("tag", "localhost/bbpod:1", "bbpod:1");
		ck_assert_status(r, 0);
		cmd_result_free(&r);
		r = P("run", "--rm", "bbpod:1", "echo", i ? "from podman docker-archive" : "from podman oci-archive");
		ck_assert_status(r, 0);
		ck_assert_str_eq(r.out, i ? "from podman docker-archive\n" : "from podman oci-archive\n");
		cmd_result_free(&r);
		r = P("rmi", "localhost/bbpod:1", "bbpod:1");
		ck_assert_status(r, 0);
		cmd_result_free(&r);
	}
	/* the other way: persona save, podman load */
	snprintf(tar, sizeof(tar), "%s/p.oci.tar", tmp);
	struct cmd_result r = P("load", "-i", tar, "docker.io/library/fromp:2");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_int_eq(shell("$POD rmi -a -f >/dev/null 2>&1; cd %s && \"$PB\" save -o s.docker.tar fromp:2 && "
			       "\"$PB\" save --format oci-archive -o s.oci.tar fromp:2%s", tmp, ""), 0);
	ck_assert_int_eq(shell("cd %s && $POD load -q -i s.docker.tar >/dev/null && $POD image exists "
			       "docker.io/library/fromp:2 && $POD rmi -a -f >/dev/null%s", tmp, ""), 0);
	ck_assert_int_eq(shell("cd %s && $POD load -q -i s.oci.tar >/dev/null && $POD image exists "
			       "docker.io/library/fromp:2%s", tmp, ""), 0);
	shell("$POD rmi -a -f >/dev/null 2>&1%s%s", "", "");
	assert_no_leftovers();
}
END_TEST

/* The busybox image seeded from the host's busybox runs: applets on
 * PATH, the user database, /tmp sticky, the image's Cmd. */
START_TEST(seeded_busybox_runs)
{
	struct img_store s;
	struct perr err = { 0 };

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (access("/bin/busybox", X_OK) < 0)
		SKIP_TEST("/bin/busybox missing (Debian busybox-static)");
	ck_assert_msg(img_store_open(&s, store, 1, &err) == 0, "%s", err.msg);
	ck_assert_msg(img_seed_busybox(&s, "/bin/busybox", &err) == 0, "%s", err.msg);
	/* run takes "busybox" for the embedded root filesystem: another name */
	ck_assert_msg(img_tag(&s, "busybox", "seeded:1", &err) == 0, "%s", err.msg);
	setenv("PERSONA_STORE", store, 1);
	struct cmd_result r = P("run", "--rm", "seeded:1", "sh", "-c",
				"id -un; stat -c %a /tmp; ls /proc/self >/dev/null && echo proc; echo $PATH");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "root\n1777\nproc\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	cmd_result_free(&r);
	r = P_IN("echo from-cmd\n", "run", "--rm", "-i", "seeded:1");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "from-cmd\n");
	cmd_result_free(&r);
	r = P("image", "inspect", "seeded:1");
	ck_assert_out_has(r, "\"io.persona.embedded\": \"true\"");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* prune keeps the layers of a running container whose image is gone
 * (its overlay, in the container's mount namespace, names them) and of
 * a stopped one (its bundle names them); removes them once it is gone. */
START_TEST(prune_keeps_container_layers)
{
	char file[8192], root[8192];
	struct img_store s;
	struct perr err = { 0 };
	struct img_prune_result res;
	struct img_prune_opts po = { .min_age = -1 };
	char **removed = NULL;

	if (!cli_registered())
		SKIP_TEST("persona load is not registered in this binary yet");
	if (!fixtures())
		SKIP_TEST("umoci, skopeo or busybox missing");
	setenv("PERSONA_STORE", store, 1);
	snprintf(file, sizeof(file), "%s/bb.oci.tar", fx);
	struct cmd_result r = P("load", "-i", file);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("run", "-d", "--name", "prunekeep", "bbtest:v1", "busybox", "sleep", "60");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(img_store_open(&s, store, 0, &err) == 0, "%s", err.msg);
	ck_assert_msg(img_remove(&s, "bbtest:v1", &err) == 0, "%s", err.msg);
	/* running: found through the mount table, whatever the state root */
	ck_assert_msg(img_prune(&s, &po, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.layers, 0);
	ck_assert_int_eq(layer_dirs(s.layers), 2);
	/* stopped: found through its bundle under the state root */
	r = P("kill", "prunekeep");
	cmd_result_free(&r);
	for (int i = 0; i < 50; i++) {
		r = P("inspect", "prunekeep");
		bool stopped = contains(r.out, "\"stopped\"");
		cmd_result_free(&r);
		if (stopped)
			break;
		usleep(100 * 1000);
	}
	snprintf(root, sizeof(root), "%s", test_state_root());
	po.state_root = root;
	ck_assert_msg(img_prune(&s, &po, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.layers, 0);
	r = P("rm", "-f", "prunekeep");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(img_prune(&s, &po, &res, &removed, &err) == 0, "%s", err.msg);
	free(removed);
	ck_assert_int_eq(res.layers, 2);
	ck_assert_int_eq(layer_dirs(s.layers), 0);
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
	tcase_add_test(tc, cli_save_round_trip);
	tcase_add_test(tc, cli_image_inspect);
	tcase_add_test(tc, cli_image_prune);
	tcase_add_test(tc, podman_interop);
	tcase_add_test(tc, seeded_busybox_runs);
	tcase_add_test(tc, prune_keeps_container_layers);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
