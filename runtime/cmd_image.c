/* persona load, import, images, rmi, tag, save, image inspect, image prune:
 * the commands on the image store (images/).  Each takes --store DIR (else $PERSONA_STORE, else
 * /var/lib/persona/store). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/parse.h"
#include "images/image.h"
#include "images/ref.h"
#include "images/registry.h"
#include "images/store.h"
#include "runtime/commands.h"
#include "runtime/state.h"

enum { OPT_STORE = 256, OPT_MAXSIZE, OPT_HELP, OPT_FORMAT };

struct img_cli {
	const char *store, *input, *format;
	struct img_unpack_opts uo;
};

/* Parse the options shared by the image commands; returns the index of
 * the first operand, -1 after --help, -2 on a usage error (printed). */
static int img_opts(int argc, char **argv, const char *usage, struct img_cli *o)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, OPT_STORE },
		{ "max-layer-size", required_argument, NULL, OPT_MAXSIZE },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct perr err = { 0 };
	int64_t bytes;
	int c;

	while ((c = getopt_long(argc, argv, "+i:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_STORE:
			o->store = optarg;
			break;
		case OPT_MAXSIZE:
			if (parse_size(optarg, false, &bytes, &err) < 0 || bytes <= 0) {
				fprintf(stderr, "persona: --max-layer-size \"%s\": not a size (e.g. 512m, 4g)\n", optarg);
				return -2;
			}
			o->uo.max_bytes = (uint64_t)bytes;
			break;
		case 'i':
			o->input = optarg;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_HELP:
			fputs(usage, stdout);   /* as usage_print(), which lives in main.c */
			return -1;
		default:
			fprintf(stderr, "See 'persona %s --help'.\n", argv[0]);
			return -2;
		}
	}
	return optind;
}

#define IMG_OPTS_OR_RETURN(i, argc, argv, usage, o)                  \
	do {                                                         \
		i = img_opts(argc, argv, usage, o);                  \
		if (i == -1)                                         \
			return 0;                                    \
		if (i == -2)                                         \
			return 125;                                  \
	} while (0)

static int fail(struct perr *err)
{
	perr_print(err);
	return perr_exit_status(err);
}

int cmd_load(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona load -i FILE [NAME]\n\n"
		"Load an image from an oci-archive or docker-archive tarball (as skopeo,\n"
		"podman save and docker save write them; uncompressed, gzip or zstd).\n"
		"NAME names the image when the archive does not (or to rename it).\n\n"
		"Options:\n"
		"  -i, --input FILE          the archive\n"
		"      --max-layer-size SIZE refuse a layer that expands beyond SIZE (default 64g)\n"
		"      --store DIR           the image store (default /var/lib/persona/store)\n"
		"      --help                this text\n";
	struct img_cli o = { 0 };
	struct img_store s;
	struct perr err = { 0 };
	_cleanup_strv_ char **names = NULL;
	int i;

	IMG_OPTS_OR_RETURN(i, argc, argv, usage, &o);
	if (!o.input || argc - i > 1) {
		fprintf(stderr, "persona: load needs -i FILE and at most one NAME; see 'persona load --help'\n");
		return 125;
	}
	if (img_store_open(&s, o.store, 1, &err) < 0 ||
	    img_load_archive(&s, o.input, i < argc ? argv[i] : NULL, &o.uo, &names, &err) < 0)
		return fail(&err);
	for (char **p = names; p && *p; p++)
		printf("Loaded image: %s\n", *p);
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona import FILE NAME\n\n"
		"Make a one-layer image NAME from a root filesystem tarball FILE\n"
		"(uncompressed, gzip or zstd).\n\n"
		"Options:\n"
		"      --max-layer-size SIZE refuse a tarball that expands beyond SIZE (default 64g)\n"
		"      --store DIR           the image store (default /var/lib/persona/store)\n"
		"      --help                this text\n";
	struct img_cli o = { 0 };
	struct img_store s;
	struct perr err = { 0 };
	char digest[72];
	int i;

	IMG_OPTS_OR_RETURN(i, argc, argv, usage, &o);
	if (argc - i != 2) {
		fprintf(stderr, "persona: import needs FILE and NAME; see 'persona import --help'\n");
		return 125;
	}
	if (img_store_open(&s, o.store, 1, &err) < 0 ||
	    img_import_rootfs(&s, argv[i], argv[i + 1], &o.uo, digest, &err) < 0)
		return fail(&err);
	printf("%s\n", digest);
	return 0;
}

static void human_size(long long b, char *buf, size_t len)
{
	if (b >= 1000LL * 1000 * 1000)
		snprintf(buf, len, "%.2fGB", b / 1e9);
	else if (b >= 1000 * 1000)
		snprintf(buf, len, "%.1fMB", b / 1e6);
	else if (b >= 1000)
		snprintf(buf, len, "%.1fkB", b / 1e3);
	else
		snprintf(buf, len, "%lldB", b);
}

int cmd_images(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona images [--format table|json]\n\n"
		"List the images in the store, one line per tag.\n\n"
		"Options:\n"
		"      --format table|json  output format (default table)\n"
		"      --store DIR          the image store (default /var/lib/persona/store)\n"
		"      --help               this text\n";
	struct img_cli o = { 0 };
	struct img_store s;
	struct perr err = { 0 };
	_cleanup_json_ json_t *list = NULL;
	json_t *e;
	size_t k;
	int i;

	IMG_OPTS_OR_RETURN(i, argc, argv, usage, &o);
	if (i < argc) {
		fprintf(stderr, "persona: images takes no arguments; see 'persona images --help'\n");
		return 125;
	}
	if (o.format && strcmp(o.format, "json") && strcmp(o.format, "table")) {
		fprintf(stderr, "persona: images --format \"%s\": use json or table\n", o.format);
		return 125;
	}
	if (img_store_open(&s, o.store, 0, &err) < 0) {
		/* No store yet: no images. */
		list = json_array();
	} else if (!(list = img_list(&s, &err))) {
		return fail(&err);
	}
	if (o.format && !strcmp(o.format, "json")) {
		_cleanup_free_ char *text = json_dumps(list, JSON_INDENT(2));
		printf("%s\n", text ? text : "[]");
		return 0;
	}
	printf("%-40s %-16s %-12s %-20s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	json_array_foreach(list, k, e) {
		char size[32];
		human_size(json_int(e, "Size", 0), size, sizeof(size));
		printf("%-40s %-16s %-12.12s %-20.19s %s\n", json_str(e, "Repository"), json_str(e, "Tag"),
		       json_str(e, "Id"), json_str(e, "Created"), size);
	}
	return 0;
}

int cmd_rmi(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona rmi IMAGE [IMAGE...]\n\n"
		"Remove tags (IMAGE a name) or whole images (IMAGE a digest or ID), and\n"
		"the blobs no image needs any more.\n\n"
		"Options:\n"
		"      --store DIR  the image store (default /var/lib/persona/store)\n"
		"      --help       this text\n";
	struct img_cli o = { 0 };
	struct img_store s;
	struct perr err = { 0 };
	int i, status = 0;

	IMG_OPTS_OR_RETURN(i, argc, argv, usage, &o);
	if (i >= argc) {
		fprintf(stderr, "persona: rmi needs an IMAGE; see 'persona rmi --help'\n");
		return 125;
	}
	if (img_store_open(&s, o.store, 0, &err) < 0)
		return fail(&err);
	for (; i < argc; i++) {
		if (img_remove(&s, argv[i], &err) < 0) {
			status = fail(&err);
			continue;
		}
		printf("Untagged: %s\n", argv[i]);
	}
	return status;
}

int cmd_tag(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona tag SOURCE TARGET\n\n"
		"Give the image SOURCE the name TARGET as well.\n\n"
		"Options:\n"
		"      --store DIR  the image store (default /var/lib/persona/store)\n"
		"      --help       this text\n";
	struct img_cli o = { 0 };
	struct img_store s;
	struct perr err = { 0 };
	int i;

	IMG_OPTS_OR_RETURN(i, argc, argv, usage, &o);
	if (argc - i != 2) {
		fprintf(stderr, "persona: tag needs SOURCE and TARGET; see 'persona tag --help'\n");
		return 125;
	}
	if (img_store_open(&s, o.store, 0, &err) < 0 || img_tag(&s, argv[i], argv[i + 1], &err) < 0)
		return fail(&err);
	return 0;
}

int cmd_save(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona save [-o FILE] [--format docker-archive|oci-archive] IMAGE [IMAGE...]\n\n"
		"Write images to a tar archive, as podman save does.  The format is\n"
		"docker-archive unless told otherwise (podman save's default: docker load,\n"
		"podman load and persona load read it; its layers are uncompressed tar);\n"
		"oci-archive is an OCI image layout (skopeo, podman, persona load).  Several\n"
		"IMAGEs go into one archive, each under the name given (an IMAGE given by\n"
		"ID or digest is saved without a name).  Without -o, or with -o -, the\n"
		"archive goes to standard output, which must not be a terminal.  A FILE\n"
		"appears only once complete.\n\n"
		"Options:\n"
		"  -o, --output FILE     write to FILE (replaced if it exists)\n"
		"      --format FORMAT   docker-archive (default) or oci-archive\n"
		"  -m, --multi-image-archive  accepted for podman compatibility (always on)\n"
		"  -q, --quiet           accepted for podman compatibility (save prints nothing)\n"
		"      --store DIR       the image store (default /var/lib/persona/store)\n"
		"      --help            this text\n";
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "multi-image-archive", no_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *format = "docker-archive", *store = NULL;
	enum img_save_format f;
	struct img_store s;
	struct perr err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+o:mq", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case 'm':
		case 'q':
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "See 'persona save --help'.\n");
			return 125;
		}
	}
	if (!strcmp(format, "docker-archive")) {
		f = IMG_SAVE_DOCKER;
	} else if (!strcmp(format, "oci-archive")) {
		f = IMG_SAVE_OCI;
	} else {
		fprintf(stderr, "persona: save --format \"%s\": use docker-archive or oci-archive\n", format);
		return 125;
	}
	if (optind >= argc) {
		fprintf(stderr, "persona: save needs an IMAGE; see 'persona save --help'\n");
		return 125;
	}
	if (out && !*out) {
		fprintf(stderr, "persona: save -o \"\": not a file name\n");
		return 125;
	}
	if ((!out || !strcmp(out, "-")) && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "persona: save: refusing to write an archive to a terminal; use -o FILE or redirect "
				"standard output\n");
		return 125;
	}
	if (img_store_open(&s, store, 0, &err) < 0 ||
	    img_save(&s, argv + optind, (size_t)(argc - optind), f, out, &err) < 0)
		return fail(&err);
	return 0;
}

int cmd_image_inspect(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona image inspect [--format json] IMAGE [IMAGE...]\n\n"
		"Show images as a JSON array, as docker image inspect does: Id (the config\n"
		"digest), Digest, RepoTags, RepoDigests, Created, Architecture, Os, Config\n"
		"(Env, Cmd, Labels, ...), RootFS (the layers' diff IDs), History, Size.\n"
		"IMAGE is a name, a manifest digest or ID, or a config digest (Id).\n"
		"The images found are shown even when another is not (exit 125 then).\n\n"
		"Options:\n"
		"      --format json  the only format (default)\n"
		"      --store DIR    the image store (default /var/lib/persona/store)\n"
		"      --help         this text\n";
	struct img_cli o = { 0 };
	struct img_store s;
	struct perr err = { 0 };
	_cleanup_json_ json_t *list = json_array();
	_cleanup_free_ char *text = NULL;
	int i, status = 0;
	bool opened;

	IMG_OPTS_OR_RETURN(i, argc, argv, usage, &o);
	if (o.format && strcmp(o.format, "json")) {
		fprintf(stderr, "persona: image inspect --format \"%s\": only json is supported\n", o.format);
		return 125;
	}
	if (i >= argc) {
		fprintf(stderr, "persona: image inspect needs an IMAGE; see 'persona image inspect --help'\n");
		return 125;
	}
	opened = img_store_open(&s, o.store, 0, &err) == 0;
	for (; i < argc; i++) {
		json_t *one = NULL;
		if (!opened) {
			perr_set(&err, 0, "image \"%s\": not found (no store at %s)", argv[i], img_store_default(o.store));
		} else if ((one = img_inspect(&s, argv[i], &err))) {
			json_array_append_new(list, one);
			continue;
		}
		status = fail(&err);
	}
	/* Nothing found: the error alone, as every failed command. */
	if (status && !json_array_size(list))
		return status;
	text = json_dumps(list, JSON_INDENT(4));
	printf("%s\n", text ? text : "[]");
	return status;
}

int cmd_image_prune(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona image prune [-a] [-f]\n\n"
		"Remove what no image needs: blobs no image reaches, unpacked layers no\n"
		"image has, and the leftovers of killed commands (staging directories,\n"
		"temp files).  An unpacked layer a container may still use is kept: one\n"
		"that is a lowerdir of an overlay mounted anywhere on the host, or that a\n"
		"container's bundle under the state root names (stopped containers).\n"
		"Every image in this store has a name, so there are no dangling images;\n"
		"with -a, images that no container uses are removed too (docker image\n"
		"prune -a).  Prints the names removed and the space reclaimed.\n\n"
		"Options:\n"
		"  -a, --all         also remove every image no container uses\n"
		"  -f, --force       do not ask for confirmation\n"
		"      --root DIR    the state root whose containers count (default /run/persona)\n"
		"      --store DIR   the image store (default /var/lib/persona/store)\n"
		"      --help        this text\n";
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *store = NULL, *root = state_root;
	bool all = false, force = false;
	struct img_store s;
	struct perr err = { 0 };
	struct img_prune_result res;
	_cleanup_strv_ char **removed = NULL;
	char size[32];
	int c;

	while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			force = true;
			break;
		case 'r':
			root = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "See 'persona image prune --help'.\n");
			return 125;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "persona: image prune takes no arguments; see 'persona image prune --help'\n");
		return 125;
	}
	if (!force) {
		char line[16] = "";
		fprintf(stderr, "WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
			all ? "all images without at least one container associated to them"
			    : "unused blobs and layers");
		if (!fgets(line, sizeof(line), stdin) || (strcmp(line, "y\n") && strcmp(line, "Y\n") &&
							  strcmp(line, "yes\n") && strcmp(line, "y"))) {
			fprintf(stderr, "\n");
			return 0;
		}
	}
	if (img_store_open(&s, store, 0, &err) < 0) {
		/* No store: nothing to prune. */
		printf("Total reclaimed space: 0B\n");
		return 0;
	}
	struct img_prune_opts po = { .all = all, .state_root = root };
	if (img_prune(&s, &po, &res, &removed, &err) < 0)
		return fail(&err);
	if (removed && removed[0]) {
		printf("Deleted Images:\n");
		for (char **p = removed; *p; p++)
			printf("untagged: %s\n", *p);
		printf("\n");
	}
	human_size((long long)res.bytes, size, sizeof(size));
	if (res.blobs || res.layers || res.stages)
		printf("Removed %u blobs, %u unpacked layers, %u leftovers of killed commands\n", res.blobs,
		       res.layers, res.stages);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}
