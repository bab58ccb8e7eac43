/* persona-image: the image commands (pull, push, login, logout, load,
 * save, import, images, tag, rmi, image ...), a helper that `persona` executes for them.  They need libcurl,
 * libarchive and libcrypto, about forty shared libraries that take ~6 ms
 * to load; kept out of the persona binary, they cost nothing to a
 * container start.  Invoked as `persona-image COMMAND [ARGS]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "images/image.h"
#include "images/prepared.h"
#include "images/ref.h"
#include "images/store.h"
#include "runtime/commands.h"
#include "runtime/state.h"

/* The default image: `busybox` (docker.io/library/busybox:latest), when
 * the store does not have it, is made there from the host's static
 * busybox (img_seed_busybox).  0 when it was made; -1 leaving `err` as
 * the failed lookup set it when `ref` is another image or the store has
 * busybox already (the lookup failed for another reason), else with the
 * seeding's fault. */
static int seed_busybox(const char *ref, struct perr *err)
{
	static const char *const paths[] = { "/bin/busybox", "/usr/bin/busybox", NULL };
	struct img_ref r;
	struct img_store s;
	struct perr e2 = { 0 };
	char dg[72];

	if (img_ref_parse(ref, &r, &e2) < 0 || strcmp(r.full, "docker.io/library/busybox:latest") ||
	    img_prepared_manifest(NULL, ref, dg))
		return -1;
	for (size_t i = 0; paths[i]; i++) {
		if (access(paths[i], X_OK) < 0)
			continue;
		if (img_store_open(&s, NULL, 1, err) < 0 || img_seed_busybox(&s, paths[i], err) < 0)
			return perr_prefix(err, "image \"%s\": making it from the host's busybox", ref);
		return 0;
	}
	return perr_set(err, 0, "image \"%s\": not in the store, and the host has no busybox to make it from "
			"(install Debian's busybox-static, or persona pull busybox)", ref);
}

/* `persona-image prepare REF`: for `persona run IMAGE`, the image's layers
 * (unpacked when not yet cached) and configuration, as one JSON object on
 * standard output: {"lowerdirs": [top first], "passwd_layer": DIR of the
 * layer whose etc/passwd the container sees (or null), "config": {...}}.
 * The store is $PERSONA_STORE or the default.  The answer is also kept
 * in the prepared-root cache (images/prepared.h). */
static int cmd_prepare(int argc, char **argv)
{
	struct perr err = { 0 };
	char **lowers = NULL;
	size_t n = 0;
	json_t *config = NULL, *out, *arr;
	int passwd;

	if (argc != 2) {
		fprintf(stderr, "persona-image: prepare takes one image reference\n");
		return 125;
	}
	if (images_prepare_rootfs(argv[1], NULL, &lowers, &n, &config, &err) < 0 &&
	    (seed_busybox(argv[1], &err) < 0 || images_prepare_rootfs(argv[1], NULL, &lowers, &n, &config, &err) < 0)) {
		perr_print(&err);
		return perr_exit_status(&err);
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(lowers[i]));
	passwd = images_layer_with(lowers, n, "etc/passwd");
	out = json_pack("{s:o, s:s?, s:o}", "lowerdirs", arr, "passwd_layer", passwd >= 0 ? lowers[passwd] : NULL,
			"config", config);
	{
		/* for the next `persona run` of this image, which then needs no helper */
		char dg[72];
		struct perr ignored = { 0 };
		if (img_prepared_manifest(NULL, argv[1], dg))
			img_prepared_save(NULL, dg, out, &ignored);
	}
	char *text = json_dumps(out, JSON_COMPACT);
	puts(text ? text : "{}");
	free(text);
	json_decref(out);
	for (size_t i = 0; i < n; i++)
		free(lowers[i]);
	free(lowers);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "pull", cmd_pull },     { "push", cmd_push },     { "login", cmd_login },   { "logout", cmd_logout },
	{ "load", cmd_load },     { "save", cmd_save },     { "import", cmd_import }, { "images", cmd_images },
	{ "tag", cmd_tag },       { "rmi", cmd_rmi },       { "prepare", cmd_prepare },
};

/* `persona image SUB`, docker's management command: ls, rm, inspect,
 * prune, and the top-level image commands under their own names. */
static const struct {
	const char *name;
	int (*fn)(int, char **);
} image_subcommands[] = {
	{ "ls", cmd_images },        { "list", cmd_images },     { "rm", cmd_rmi },      { "inspect", cmd_image_inspect },
	{ "prune", cmd_image_prune }, { "pull", cmd_pull },      { "push", cmd_push },   { "load", cmd_load },
	{ "save", cmd_save },        { "import", cmd_import },   { "tag", cmd_tag },
};

static int cmd_image(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs("Usage: persona image COMMAND\n\n"
		      "Manage images: ls, rm, inspect, prune, pull, push, load, save, import, tag.\n",
		      argc < 2 ? stderr : stdout);
		return argc < 2 ? 125 : 0;
	}
	for (size_t i = 0; i < sizeof(image_subcommands) / sizeof(image_subcommands[0]); i++)
		if (!strcmp(argv[1], image_subcommands[i].name))
			return image_subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "persona: unknown command \"image %s\"; see persona image --help\n", argv[1]);
	return 125;
}

int main(int argc, char **argv)
{
	const char *root = getenv("PERSONA_STATE_ROOT");
	if (root && root[0] == '/' && strlen(root) <= 512)
		state_root = root;   /* persona's --root */
	if (argc < 2) {
		fprintf(stderr, "persona-image: a helper of persona; use persona pull|push|login|logout|load|save|import|images|tag|rmi|image\n");
		return 125;
	}
	if (!strcmp(argv[1], "image"))
		return cmd_image(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "persona-image: unknown command \"%s\"\n", argv[1]);
	return 125;
}
