/* persona images: load, tag, remove, list, prepare (see image.h; import is in import.c). */
#include "images/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"
#include "images/stage.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

static bool layer_media_ok(const char *mt)
{
	static const char *const ok[] = {
		MT_LAYER_TAR, MT_LAYER_TAR "+gzip", MT_LAYER_TAR "+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	};
	for (size_t i = 0; mt && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(mt, ok[i]))
			return true;
	return false;
}

/* ---- staging: blobs of one load, in a temp directory of the store ---- */

int stage_begin(struct stage *st, const struct img_store *s, const char *file,
		       const struct img_unpack_opts *uo, struct perr *err)
{
	char fresh[PATH_MAX];

	memset(st, 0, sizeof(*st));
	st->s = s;
	st->uo = uo;
	st->file = file;
	st->lockfd = -1;
	/* Made as .stnew-XXXXXX, flock()ed, then renamed .stage-XXXXXX: a
	 * .stage- directory whose flock can be taken belongs to a dead
	 * command (stage_sweep, image prune), never to one still starting. */
	stage_sweep(s);
	snprintf(fresh, sizeof(fresh), "%s/.stnew-XXXXXX", s->dir);
	if (!mkdtemp(fresh))
		return perr_set(err, errno, "store \"%s\": staging directory", s->dir);
	st->lockfd = open(fresh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(st->dir, sizeof(st->dir), "%s/.stage-%s", s->dir, strrchr(fresh, '-') + 1);
	if (st->lockfd < 0 || flock(st->lockfd, LOCK_EX) < 0 || rename(fresh, st->dir) < 0) {
		int e = errno;
		if (st->lockfd >= 0)
			close(st->lockfd);
		st->lockfd = -1;
		rmdir(fresh);
		st->dir[0] = '\0';
		return perr_set(err, e, "store \"%s\": staging directory", s->dir);
	}
	st->paths = json_object();
	st->keep = json_object();
	st->tags = json_object();
	return 0;
}

void stage_sweep(const struct img_store *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd;
		if (strncmp(e->d_name, ".stage-", 7))
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			img_remove_tree_at(dirfd(d), e->d_name);
		close(fd);
	}
	closedir(d);
}

void stage_end(struct stage *st)
{
	if (st->dir[0]) {
		int fd = open(st->s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			img_remove_tree_at(fd, strrchr(st->dir, '/') + 1);
			close(fd);
		}
	}
	if (st->lockfd >= 0)
		close(st->lockfd);
	st->lockfd = -1;
	json_decref(st->paths);
	json_decref(st->keep);
	json_decref(st->tags);
}

void stage_blob_path(const struct stage *st, const char *digest, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", st->dir, digest + 7);
}

/* The staged blob `digest` exists with `size` bytes. */
static int stage_check(struct stage *st, const char *digest, json_int_t size, const char *what, struct perr *err)
{
	char path[PATH_MAX];
	struct stat sb;

	if (!img_digest_valid(digest))
		return perr_set(err, 0, "%s: digest \"%s\" is not sha256: and 64 lowercase hex digits", what,
				digest ? digest : "(none)");
	stage_blob_path(st, digest, path, sizeof(path));
	if (stat(path, &sb) < 0)
		return perr_set(err, 0, "%s %s: blob missing from the archive (or its content does not match "
				"its digest)", what, digest);
	if (size >= 0 && sb.st_size != size)
		return perr_set(err, 0, "%s %s: %lld bytes, but its descriptor says %lld", what, digest,
				(long long)sb.st_size, (long long)size);
	json_object_set_new(st->keep, digest + 7, json_true());
	return 0;
}

static json_t *stage_json(struct stage *st, const char *digest, json_int_t size, const char *what, struct perr *err)
{
	char path[PATH_MAX];

	if (stage_check(st, digest, size, what, err) < 0)
		return NULL;
	stage_blob_path(st, digest, path, sizeof(path));
	return img_json_file_verified(path, digest, size, what, err);
}

int stage_put(struct stage *st, const char *text, char digest[72], struct perr *err)
{
	struct blob_writer w;

	if (blob_writer_begin(&w, st->dir, err) < 0)
		return -1;
	if (blob_writer_write(&w, text, strlen(text), err) < 0) {
		blob_writer_abort(&w);
		return -1;
	}
	if (blob_writer_finish(&w, NULL, digest, err) < 0)
		return -1;
	json_object_set_new(st->keep, digest + 7, json_true());
	return 0;
}

/* Copy every regular file of the archive into the staging directory,
 * named by its SHA-256; remember archive path -> digest. */
static int stage_archive(struct stage *st, const char *file, struct perr *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	static char buf[1 << 16];
	int r;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (access(file, R_OK) < 0) {
		perr_set(err, errno, "%s", file);
		archive_read_free(a);
		return -1;
	}
	if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
		perr_set(err, 0, "%s: %s", file, archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *p = archive_entry_pathname(e);
		struct blob_writer w;
		char digest[72];
		la_ssize_t n;

		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
			continue;
		if (!p || p[0] == '/' || strstr(p, "..") || strlen(p) > 200) {
			perr_set(err, 0, "%s: entry \"%s\": not a plain relative path", file, p ? p : "");
			goto fail;
		}
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		if (json_object_get(st->paths, p)) {
			perr_set(err, 0, "%s: entry \"%s\" appears twice", file, p);
			goto fail;
		}
		if (blob_writer_begin(&w, st->dir, err) < 0)
			goto fail;
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			if (blob_writer_write(&w, buf, (size_t)n, err) < 0) {
				blob_writer_abort(&w);
				goto fail;
			}
		if (n < 0) {
			blob_writer_abort(&w);
			perr_set(err, 0, "%s: entry \"%s\": %s", file, p, archive_error_string(a));
			goto fail;
		}
		if (blob_writer_finish(&w, NULL, digest, err) < 0)
			goto fail;
		json_object_set_new(st->paths, p, json_string(digest));
	}
	if (r != ARCHIVE_EOF) {
		perr_set(err, 0, "%s: corrupt or truncated archive: %s", file, archive_error_string(a));
		goto fail;
	}
	archive_read_free(a);
	return 0;
fail:
	archive_read_free(a);
	return -1;
}

/* ---- checking one image ---- */

void img_chain_next(char chain[72], const char *diff_id)
{
	char buf[160];

	if (!chain[0]) {
		snprintf(chain, 72, "%s", diff_id);
		return;
	}
	snprintf(buf, sizeof(buf), "%s %s", chain, diff_id);
	img_sha256(buf, strlen(buf), chain);
}

/* Check the layer blob at `blob` against `diff_id` and unpack it as
 * `chain` in the cache (when not there yet). */
static int ensure_layer(const struct img_store *s, const char *blob, const char *diff_id, const char *chain,
			const struct img_unpack_opts *uo, const char *what, struct perr *err)
{
	char dest[PATH_MAX];

	snprintf(dest, sizeof(dest), "%s/%s", s->layers, chain + 7);
	if (access(dest, F_OK) == 0)
		return 0;
	/* one pass: the diff ID is hashed while the layer is unpacked */
	return img_unpack_layer_verified(blob, dest, diff_id, uo, what, err);
}

/* Check a manifest (image-spec manifest.md) and its config, both parsed
 * and verified; with `st`, layers are looked up in the staging area, else
 * in the store.  Unpacks the layers.  Fills chain IDs when `chains`. */
static int check_image(const struct img_store *s, struct stage *st, json_t *man, json_t *config,
		       const struct img_unpack_opts *uo, const char *what, struct perr *err)
{
	json_t *layers = json_object_get(man, "layers"), *diffs, *l;
	char chain[72] = "";
	size_t i;

	if (json_int(man, "schemaVersion", 0) != 2)
		return perr_set(err, 0, "%s: manifest schemaVersion is not 2", what);
	if (!json_is_array(layers))
		return perr_set(err, 0, "%s: manifest has no layers array", what);
	diffs = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	if (!json_is_array(diffs) || json_array_size(diffs) != json_array_size(layers))
		return perr_set(err, 0, "%s: config rootfs.diff_ids has %zu entries for %zu layers", what,
				json_array_size(diffs), json_array_size(layers));
	if (json_array_size(layers) > 127)
		return perr_set(err, 0, "%s: %zu layers, more than overlayfs can stack", what,
				json_array_size(layers));
	json_array_foreach(layers, i, l) {
		const char *dg = json_str(l, "digest"), *mt = json_str(l, "mediaType");
		const char *diff = json_string_value(json_array_get(diffs, i));
		char lwhat[128], blob[PATH_MAX];

		snprintf(lwhat, sizeof(lwhat), "%s: layer %zu (%.19s)", what, i + 1, dg ? dg : "?");
		if (!layer_media_ok(mt))
			return perr_set(err, 0, "%s: unsupported media type \"%s\"", lwhat, mt ? mt : "(none)");
		if (!img_digest_valid(diff))
			return perr_set(err, 0, "%s: diff_id \"%s\" is not a sha256 digest", lwhat, diff ? diff : "");
		if (st) {
			if (stage_check(st, dg, json_int(l, "size", -1), lwhat, err) < 0)
				return -1;
			stage_blob_path(st, dg, blob, sizeof(blob));
		} else if (img_blob_path(s, dg, blob, sizeof(blob), err) < 0) {
			return perr_prefix(err, "%s", lwhat);
		}
		img_chain_next(chain, diff);
		if (ensure_layer(s, blob, diff, chain, uo, lwhat, err) < 0)
			return -1;
	}
	return 0;
}

bool is_manifest_type(const char *mt)
{
	return mt && (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST));
}

bool is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST));
}

/* A manifest descriptor of the staged archive: check, unpack, keep. */
int stage_manifest(struct stage *st, json_t *desc, const char *name, int depth, struct perr *err)
{
	const char *dg = json_str(desc, "digest"), *mt = json_str(desc, "mediaType");
	_cleanup_json_ json_t *man = NULL, *config = NULL;
	char what[PATH_MAX + 128];
	const char *cmt;

	snprintf(what, sizeof(what), "%s: image %.19s", st->file, dg ? dg : "?");
	if (is_index_type(mt)) {
		json_t *d, *pick = NULL;
		size_t i;
		if (depth > 2)
			return perr_set(err, 0, "%s: image indexes nested too deep", what);
		man = stage_json(st, dg, json_int(desc, "size", -1), "image index", err);
		if (!man)
			return perr_prefix(err, "%s", st->file);
		json_array_foreach(json_object_get(man, "manifests"), i, d) {
			json_t *pl = json_object_get(d, "platform");
			if (!pl || (json_str(pl, "os") && !strcmp(json_str(pl, "os"), "linux") &&
				    json_str(pl, "architecture") && !strcmp(json_str(pl, "architecture"), "amd64"))) {
				pick = d;
				break;
			}
		}
		if (!pick)
			return perr_set(err, 0, "%s: no linux/amd64 image in the index", what);
		return stage_manifest(st, pick, name, depth + 1, err);
	}
	if (!is_manifest_type(mt))
		return perr_set(err, 0, "%s: unsupported media type \"%s\"", what, mt ? mt : "(none)");
	man = stage_json(st, dg, json_int(desc, "size", -1), "manifest", err);
	if (!man)
		return perr_prefix(err, "%s", st->file);
	if (json_str(man, "mediaType") && strcmp(json_str(man, "mediaType"), mt))
		return perr_set(err, 0, "%s: manifest says media type \"%s\", its descriptor \"%s\"", what,
				json_str(man, "mediaType"), mt);
	cmt = json_str(json_object_get(man, "config"), "mediaType");
	if (!cmt || (strcmp(cmt, MT_OCI_CONFIG) && strcmp(cmt, MT_DOCKER_CONFIG)))
		return perr_set(err, 0, "%s: config media type \"%s\" is not an image config", what,
				cmt ? cmt : "(none)");
	config = stage_json(st, json_str(json_object_get(man, "config"), "digest"),
			    json_int(json_object_get(man, "config"), "size", -1), "config", err);
	if (!config)
		return perr_prefix(err, "%s", what);
	if (check_image(st->s, st, man, config, st->uo, what, err) < 0)
		return -1;
	json_t *keep = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", dg, "size",
				 json_int(desc, "size", 0));
	json_object_set_new(st->tags, name, keep);
	return 0;
}

/* Move the kept staged blobs into the store and write the tags, under the
 * store lock. */
int stage_commit(struct stage *st, char ***names, struct perr *err)
{
	_cleanup_json_ json_t *index = NULL;
	_cleanup_close_ int lock = img_store_lock(st->s, err);
	const char *key;
	json_t *v;
	size_t n = 0;

	if (lock < 0)
		return -1;
	index = img_index_load(st->s, err);
	if (!index)
		return -1;
	json_object_foreach(st->keep, key, v) {
		char from[PATH_MAX], to[PATH_MAX];
		snprintf(from, sizeof(from), "%s/%s", st->dir, key);
		snprintf(to, sizeof(to), "%s/blobs/sha256/%s", st->s->dir, key);
		if (access(to, F_OK) == 0)
			continue;
		if (rename(from, to) < 0)
			return perr_set(err, errno, "%s", to);
	}
	json_object_foreach(st->tags, key, v)
		img_index_set_tag(index, key, v);
	if (img_index_save(st->s, index, err) < 0)
		return -1;
	if (names) {
		*names = calloc(json_object_size(st->tags) + 1, sizeof(char *));
		json_object_foreach(st->tags, key, v)
			(*names)[n++] = strdup(key);
	}
	return 0;
}

/* ---- the archive formats ---- */

int full_name(const char *given, char out[IMG_REF_MAX + 512], const char *file, struct perr *err)
{
	struct img_ref r;

	if (img_ref_parse(given, &r, err) < 0)
		return perr_prefix(err, "%s", file);
	if (!r.tag[0])
		return perr_set(err, 0, "%s: name \"%s\" has no tag", file, given);
	snprintf(out, IMG_REF_MAX + 512, "%s", r.full);
	return 0;
}

static int load_oci(struct stage *st, const char *name, struct perr *err)
{
	const char *idx = json_str(st->paths, "index.json");
	_cleanup_json_ json_t *index = NULL;
	char path[PATH_MAX], full[IMG_REF_MAX + 512];
	json_t *d, *ms;
	size_t i;

	stage_blob_path(st, idx, path, sizeof(path));
	index = img_json_file_verified(path, idx, -1, "index.json", err);
	if (!index)
		return perr_prefix(err, "%s", st->file);
	/* Blobs are found by their path in the archive. */
	{
		const char *key;
		json_t *v;
		json_object_foreach(st->paths, key, v) {
			if (strncmp(key, "blobs/sha256/", 13))
				continue;
			if (strcmp(key + 13, json_string_value(v) + 7))
				return perr_set(err, 0, "%s: blob \"%s\": content does not match its name (digest %s)",
						st->file, key, json_string_value(v));
		}
	}
	ms = json_object_get(index, "manifests");
	if (!json_is_array(ms) || !json_array_size(ms))
		return perr_set(err, 0, "%s: index.json names no image", st->file);
	if (name && json_array_size(ms) != 1)
		return perr_set(err, 0, "%s: holds %zu images; load it without a NAME", st->file,
				json_array_size(ms));
	json_array_foreach(ms, i, d) {
		const char *rn = json_str(json_object_get(d, "annotations"), IMG_REF_ANNOTATION);
		const char *use = name ? name : rn;
		if (!use)
			return perr_set(err, 0, "%s: image %zu has no name (%s); give one: persona load -i FILE NAME",
					st->file, i + 1, IMG_REF_ANNOTATION);
		if (!name && !strchr(rn, '/') && !strchr(rn, ':'))
			return perr_set(err, 0, "%s: image %zu is named only \"%s\"; give a full name: persona load "
					"-i FILE NAME", st->file, i + 1, rn);
		if (full_name(use, full, st->file, err) < 0 || stage_manifest(st, d, full, 0, err) < 0)
			return -1;
	}
	return 0;
}

const char *stage_layer_media_type(const char *path)
{
	unsigned char m[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, m, 4) < 0)
			m[0] = 0;
		close(fd);
	}
	if (m[0] == 0x1f && m[1] == 0x8b)
		return MT_LAYER_TAR "+gzip";
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return MT_LAYER_TAR "+zstd";
	return MT_LAYER_TAR;
}

/* docker-archive: manifest.json [{Config, RepoTags, Layers}] becomes an
 * OCI manifest per image. */
static int load_docker(struct stage *st, const char *name, struct perr *err)
{
	const char *mj = json_str(st->paths, "manifest.json");
	_cleanup_json_ json_t *list = NULL;
	char path[PATH_MAX], full[IMG_REF_MAX + 512];
	json_t *img;
	size_t i;

	stage_blob_path(st, mj, path, sizeof(path));
	{
		/* manifest.json is an array, img_json_file_verified wants an object. */
		json_error_t je;
		struct stat sb;
		if (stat(path, &sb) < 0 || sb.st_size > (off_t)IMG_JSON_MAX)
			return perr_set(err, 0, "%s: manifest.json: missing or larger than %u bytes", st->file,
					IMG_JSON_MAX);
		list = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
		if (!list)
			return perr_set(err, 0, "%s: manifest.json: invalid JSON at line %d column %d: %s", st->file,
					je.line, je.column, je.text);
	}
	if (!json_is_array(list) || !json_array_size(list))
		return perr_set(err, 0, "%s: manifest.json: not a non-empty array", st->file);
	if (name && json_array_size(list) != 1)
		return perr_set(err, 0, "%s: holds %zu images; load it without a NAME", st->file,
				json_array_size(list));
	json_array_foreach(list, i, img) {
		const char *cfg = json_str(img, "Config"), *cdg;
		json_t *layers = json_object_get(img, "Layers"), *tags = json_object_get(img, "RepoTags"), *l, *t;
		_cleanup_json_ json_t *man = NULL;
		_cleanup_free_ char *text = NULL;
		char mdg[72], lpath[PATH_MAX], what[PATH_MAX + 64];
		size_t k;
		struct stat sb;

		snprintf(what, sizeof(what), "%s: image %zu", st->file, i + 1);
		cdg = cfg ? json_str(st->paths, cfg) : NULL;
		if (!cdg)
			return perr_set(err, 0, "%s: Config \"%s\" is not in the archive", what, cfg ? cfg : "");
		if (!json_is_array(layers))
			return perr_set(err, 0, "%s: no Layers array", what);
		stage_blob_path(st, cdg, lpath, sizeof(lpath));
		stat(lpath, &sb);
		man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[]}", "schemaVersion", 2, "mediaType",
				MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest", cdg, "size",
				(json_int_t)sb.st_size, "layers");
		json_array_foreach(layers, k, l) {
			const char *lp = json_string_value(l), *ldg = lp ? json_str(st->paths, lp) : NULL;
			if (!ldg)
				return perr_set(err, 0, "%s: layer \"%s\" is not in the archive", what, lp ? lp : "");
			stage_blob_path(st, ldg, lpath, sizeof(lpath));
			stat(lpath, &sb);
			json_array_append_new(json_object_get(man, "layers"),
					      json_pack("{s:s, s:s, s:I}", "mediaType", stage_layer_media_type(lpath),
							"digest", ldg, "size", (json_int_t)sb.st_size));
		}
		text = json_dumps(man, JSON_COMPACT);
		if (!text || stage_put(st, text, mdg, err) < 0)
			return -1;
		_cleanup_json_ json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_MANIFEST, "digest",
							 mdg, "size", (json_int_t)strlen(text));
		if (name) {
			if (full_name(name, full, st->file, err) < 0 || stage_manifest(st, desc, full, 0, err) < 0)
				return -1;
			continue;
		}
		if (!json_array_size(tags))
			return perr_set(err, 0, "%s: has no RepoTags; give a name: persona load -i FILE NAME", what);
		json_array_foreach(tags, k, t) {
			if (!json_is_string(t) || full_name(json_string_value(t), full, st->file, err) < 0)
				return json_is_string(t) ? -1 : perr_set(err, 0, "%s: RepoTags holds a non-string", what);
			if (stage_manifest(st, desc, full, 0, err) < 0)
				return -1;
		}
	}
	return 0;
}

int img_load_archive(const struct img_store *s, const char *file, const char *name,
		     const struct img_unpack_opts *uo, char ***names, struct perr *err)
{
	struct stage st;
	int r;

	if (stage_begin(&st, s, file, uo, err) < 0)
		return -1;
	r = stage_archive(&st, file, err);
	if (r == 0) {
		if (json_str(st.paths, "index.json"))
			r = load_oci(&st, name, err);
		else if (json_str(st.paths, "manifest.json"))
			r = load_docker(&st, name, err);
		else
			r = perr_set(err, 0, "%s: neither an oci-archive (index.json) nor a docker-archive "
				     "(manifest.json)", file);
	}
	if (r == 0)
		r = stage_commit(&st, names, err);
	stage_end(&st);
	return r;
}

/* ---- tag, remove, list ---- */

int img_tag(const struct img_store *s, const char *src, const char *dst, struct perr *err)
{
	_cleanup_close_ int lock = img_store_lock(s, err);
	_cleanup_json_ json_t *index = NULL;
	char full[IMG_REF_MAX + 512];
	json_t *d;

	if (lock < 0)
		return -1;
	if (full_name(dst, full, "tag", err) < 0)
		return -1;
	index = img_index_load(s, err);
	if (!index)
		return -1;
	d = img_find(s, index, src);
	if (!d)
		return perr_set(err, 0, "image \"%s\": not found in store %s", src, s->dir);
	d = json_deep_copy(d);
	json_object_del(d, "annotations");
	img_index_set_tag(index, full, d);
	json_decref(d);
	return img_index_save(s, index, err);
}

int img_remove(const struct img_store *s, const char *ref, struct perr *err)
{
	_cleanup_close_ int lock = img_store_lock(s, err);
	_cleanup_json_ json_t *index = NULL;
	json_t *d, *ms;
	struct img_ref r;
	char digest[72];
	bool by_digest;

	if (lock < 0)
		return -1;
	index = img_index_load(s, err);
	if (!index)
		return -1;
	d = img_find(s, index, ref);
	if (!d)
		return perr_set(err, 0, "image \"%s\": not found in store %s", ref, s->dir);
	by_digest = img_digest_valid(ref) || (strlen(ref) >= 12 && strspn(ref, "0123456789abcdef") == strlen(ref)) ||
		    (img_ref_parse(ref, &r, NULL) == 0 && r.digest[0]);
	snprintf(digest, sizeof(digest), "%s", json_str(d, "digest") ? json_str(d, "digest") : "");
	ms = json_object_get(index, "manifests");
	if (by_digest) {
		for (size_t i = 0; i < json_array_size(ms);) {
			const char *dg = json_str(json_array_get(ms, i), "digest");
			if (dg && !strcmp(dg, digest))
				json_array_remove(ms, i);
			else
				i++;
		}
	} else {
		img_index_untag(index, r.full);
	}
	if (img_index_save(s, index, err) < 0)
		return -1;
	return img_store_gc(s, err);
}

json_t *img_list(const struct img_store *s, struct perr *err)
{
	_cleanup_json_ json_t *index = img_index_load(s, err);
	json_t *out, *d;
	size_t i;

	if (!index)
		return NULL;
	out = json_array();
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *nm = json_str(json_object_get(d, "annotations"), IMG_REF_ANNOTATION);
		const char *dg = json_str(d, "digest");
		_cleanup_json_ json_t *man = NULL, *cfg = NULL;
		struct img_ref r;
		json_int_t size = 0;
		json_t *l;
		size_t k;

		if (!nm || !dg || img_ref_parse(nm, &r, NULL) < 0)
			continue;
		const char *id = dg + 7;
		man = img_blob_json(s, dg, -1, "manifest", NULL);
		if (man) {
			const char *cdg = json_str(json_object_get(man, "config"), "digest");
			if (cdg && img_digest_valid(cdg))
				id = cdg + 7;
			cfg = img_blob_json(s, json_str(json_object_get(man, "config"), "digest"), -1, "config", NULL);
			size += json_int(json_object_get(man, "config"), "size", 0);
			json_array_foreach(json_object_get(man, "layers"), k, l)
				size += json_int(l, "size", 0);
		}
		char repo[IMG_REF_MAX + 300];
		snprintf(repo, sizeof(repo), "%s/%s", r.domain, r.path);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "Repository", repo,
						     "Tag", r.tag[0] ? r.tag : "<none>", "Name", nm, "Id", id,
						     "Digest", dg, "Created",
						     cfg && json_str(cfg, "created") ? json_str(cfg, "created") : "",
						     "Size", size));
	}
	return out;
}

/* ---- the root filesystem for run ---- */

int images_prepare_rootfs(const char *ref, const char *store, char ***lowerdirs, size_t *n,
			  json_t **image_config, struct perr *err)
{
	struct img_store s;
	_cleanup_json_ json_t *index = NULL, *man = NULL, *config = NULL;
	json_t *d, *diffs, *cc;
	char what[IMG_REF_MAX + 64], chain[72] = "";
	char **dirs;
	size_t nl;

	*lowerdirs = NULL;
	*n = 0;
	*image_config = NULL;
	if (img_store_open(&s, store, 0, err) < 0)
		return perr_prefix(err, "image \"%s\"", ref);
	/* a layout another tool wrote (skopeo copy) has no layer cache yet */
	if (mkdir(s.layers, 0700) < 0 && errno != EEXIST)
		return perr_set(err, errno, "layer cache \"%s\"", s.layers);
	index = img_index_load(&s, err);
	if (!index)
		return -1;
	d = img_find(&s, index, ref);
	if (!d)
		return perr_set(err, 0, "image \"%s\": not found in store %s", ref, s.dir);
	snprintf(what, sizeof(what), "image \"%s\"", ref);
	if (!is_manifest_type(json_str(d, "mediaType")))
		return perr_set(err, 0, "%s: unsupported media type \"%s\"", what,
				json_str(d, "mediaType") ? json_str(d, "mediaType") : "(none)");
	man = img_blob_json(&s, json_str(d, "digest"), json_int(d, "size", -1), "manifest", err);
	if (!man)
		return perr_prefix(err, "%s", what);
	config = img_blob_json(&s, json_str(json_object_get(man, "config"), "digest"),
			       json_int(json_object_get(man, "config"), "size", -1), "config", err);
	if (!config)
		return perr_prefix(err, "%s", what);
	if (check_image(&s, NULL, man, config, NULL, what, err) < 0)
		return -1;
	diffs = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	nl = json_array_size(diffs);
	dirs = calloc(nl + 1, sizeof(char *));
	if (!dirs)
		return perr_set(err, ENOMEM, "%s", what);
	for (size_t i = 0; i < nl; i++) {
		char path[PATH_MAX];
		img_chain_next(chain, json_string_value(json_array_get(diffs, i)));
		snprintf(path, sizeof(path), "%s/%s", s.layers, chain + 7);
		dirs[nl - 1 - i] = strdup(path);
	}
	cc = json_object_get(config, "config");
	*image_config = json_is_object(cc) ? json_incref(cc) : json_object();
	*lowerdirs = dirs;
	*n = nl;
	return 0;
}

