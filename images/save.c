/* persona images: save (oci-archive, docker-archive) and inspect (see
 * image.h). */
#include "images/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"

/* ---- finding an image ---- */

json_t *img_find(const struct img_store *s, json_t *index, const char *ref)
{
	json_t *d = img_index_find(index, ref), *hit = NULL;
	const char *hex = ref;
	size_t i, n;

	if (d)
		return d;
	if (!strncmp(hex, "sha256:", 7))
		hex += 7;
	n = strlen(hex);
	if (n < 12 || n > 64 || strspn(hex, "0123456789abcdef") != n)
		return NULL;
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		_cleanup_json_ json_t *man = img_blob_json(s, json_str(d, "digest"), -1, "manifest", NULL);
		const char *cdg = json_str(json_object_get(man, "config"), "digest");
		if (!cdg || strncmp(cdg, "sha256:", 7) || strncmp(cdg + 7, hex, n))
			continue;
		if (hit && strcmp(json_str(hit, "digest"), json_str(d, "digest")))
			return NULL;   /* ambiguous prefix */
		hit = d;
	}
	return hit;
}

/* The manifest and config of the index entry `d`, both verified. */
static int load_image(const struct img_store *s, const json_t *d, const char *ref, json_t **man, json_t **cfg,
		      struct perr *err)
{
	json_t *c;

	*man = *cfg = NULL;
	*man = img_blob_json(s, json_str(d, "digest"), json_int(d, "size", -1), "manifest", err);
	if (!*man)
		return perr_prefix(err, "image \"%s\"", ref);
	c = json_object_get(*man, "config");
	*cfg = img_blob_json(s, json_str(c, "digest"), json_int(c, "size", -1), "config", err);
	if (!*cfg) {
		json_decref(*man);
		*man = NULL;
		return perr_prefix(err, "image \"%s\"", ref);
	}
	if (!json_is_array(json_object_get(*man, "layers"))) {
		json_decref(*man);
		json_decref(*cfg);
		*man = *cfg = NULL;
		return perr_set(err, 0, "image \"%s\": manifest has no layers array", ref);
	}
	return 0;
}

/* ---- inspect ---- */

json_t *img_inspect(const struct img_store *s, const char *ref, struct perr *err)
{
	_cleanup_json_ json_t *index = img_index_load(s, err), *man = NULL, *cfg = NULL;
	json_t *d, *e, *out, *tags, *digests, *l, *cc, *rootfs;
	const char *mdg;
	json_int_t size = 0;
	size_t i;

	if (!index)
		return NULL;
	d = img_find(s, index, ref);
	if (!d)
		return perr_set(err, 0, "image \"%s\": not found in store %s", ref, s->dir), NULL;
	if (load_image(s, d, ref, &man, &cfg, err) < 0)
		return NULL;
	mdg = json_str(d, "digest");
	tags = json_array();
	digests = json_array();
	json_array_foreach(json_object_get(index, "manifests"), i, e) {
		const char *nm = json_str(json_object_get(e, "annotations"), IMG_REF_ANNOTATION);
		struct img_ref r;
		char rd[IMG_REF_MAX + 400];
		bool seen = false;
		size_t k;
		json_t *x;

		if (!nm || !json_str(e, "digest") || strcmp(json_str(e, "digest"), mdg) ||
		    img_ref_parse(nm, &r, NULL) < 0)
			continue;
		json_array_append_new(tags, json_string(nm));
		snprintf(rd, sizeof(rd), "%s/%s@%s", r.domain, r.path, mdg);
		json_array_foreach(digests, k, x)
			seen |= !strcmp(json_string_value(x), rd);
		if (!seen)
			json_array_append_new(digests, json_string(rd));
	}
	size += json_int(json_object_get(man, "config"), "size", 0);
	json_array_foreach(json_object_get(man, "layers"), i, l)
		size += json_int(l, "size", 0);
	cc = json_object_get(cfg, "config");
	rootfs = json_object_get(cfg, "rootfs");
	out = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:I}", "Id",
			json_str(json_object_get(man, "config"), "digest"), "Digest", mdg, "RepoTags", tags, "RepoDigests",
			digests, "Created", json_str(cfg, "created") ? json_str(cfg, "created") : "", "Author",
			json_str(cfg, "author") ? json_str(cfg, "author") : "", "Architecture",
			json_str(cfg, "architecture") ? json_str(cfg, "architecture") : "", "Os",
			json_str(cfg, "os") ? json_str(cfg, "os") : "", "Size", size);
	if (!out)
		return perr_set(err, ENOMEM, "image \"%s\"", ref), NULL;
	json_object_set_new(out, "Config", json_is_object(cc) ? json_deep_copy(cc) : json_object());
	json_object_set_new(out, "RootFS",
			    json_pack("{s:s, s:o}", "Type", json_str(rootfs, "type") ? json_str(rootfs, "type") : "layers",
				      "Layers", json_is_array(json_object_get(rootfs, "diff_ids"))
							? json_deep_copy(json_object_get(rootfs, "diff_ids"))
							: json_array()));
	if (json_str(cfg, "variant"))
		json_object_set_new(out, "Variant", json_string(json_str(cfg, "variant")));
	if (json_is_array(json_object_get(cfg, "history")))
		json_object_set(out, "History", json_object_get(cfg, "history"));
	json_object_set_new(out, "ManifestMediaType",
			    json_string(json_str(d, "mediaType") ? json_str(d, "mediaType") : ""));
	return out;
}

/* ---- save ---- */

struct saver {
	const struct img_store *s;
	struct archive *a;
	json_t *written;          /* archive paths already written */
	const char *out;          /* what the user named, for errors */
	uint64_t max_bytes;
	struct perr *err;
};

static int arch_fail(struct saver *sv, const char *path)
{
	return perr_set(sv->err, archive_errno(sv->a) > 0 ? archive_errno(sv->a) : 0, "save to %s: %s: %s", sv->out,
			path, archive_error_string(sv->a) ? archive_error_string(sv->a) : "write error");
}

/* Entries are written with fixed owner, mode and mtime, so saving the
 * same images twice gives the same archive. */
static int add_header(struct saver *sv, const char *path, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, size < 0 ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, size < 0 ? 0755 : 0644);
	archive_entry_set_size(e, size < 0 ? 0 : size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	r = archive_write_header(sv->a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : arch_fail(sv, path);
}

static int add_bytes(struct saver *sv, const char *path, const void *data, size_t n)
{
	if (json_object_get(sv->written, path))
		return 0;
	if (add_header(sv, path, (int64_t)n) < 0)
		return -1;
	if (n && archive_write_data(sv->a, data, n) != (la_ssize_t)n)
		return arch_fail(sv, path);
	json_object_set_new(sv->written, path, json_true());
	return 0;
}

static int add_dir(struct saver *sv, const char *path)
{
	if (json_object_get(sv->written, path))
		return 0;
	if (add_header(sv, path, -1) < 0)
		return -1;
	json_object_set_new(sv->written, path, json_true());
	return 0;
}

/* Copy `size` bytes of `fd` into the archive as `path`; their SHA-256
 * must be `expect` (the store is checked on the way out too). */
static int add_fd(struct saver *sv, const char *path, int fd, int64_t size, const char *expect, const char *what)
{
	static char buf[1 << 16];
	EVP_MD_CTX *md;
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char got[72];
	int64_t left = size;

	if (add_header(sv, path, size) < 0)
		return -1;
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return perr_set(sv->err, 0, "SHA-256: OpenSSL cannot initialise a digest");
	}
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			EVP_MD_CTX_free(md);
			return perr_set(sv->err, n < 0 ? errno : 0, "%s: %s", what, n < 0 ? "read" : "shorter than it was");
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		if (archive_write_data(sv->a, buf, (size_t)n) != n) {
			EVP_MD_CTX_free(md);
			return arch_fail(sv, path);
		}
		left -= n;
	}
	EVP_DigestFinal_ex(md, bin, &mdlen);
	EVP_MD_CTX_free(md);
	memcpy(got, "sha256:", 7);
	for (unsigned i = 0; i < 32 && i < mdlen; i++)
		snprintf(got + 7 + 2 * i, 3, "%02x", bin[i]);
	if (strcmp(got, expect))
		return perr_set(sv->err, 0, "%s: content is %s, not %s: the store is damaged", what, got, expect);
	json_object_set_new(sv->written, path, json_true());
	return 0;
}

static int add_blob(struct saver *sv, const char *path, const char *digest, const char *what)
{
	char blob[PATH_MAX];
	_cleanup_close_ int fd = -1;
	struct stat sb;

	if (json_object_get(sv->written, path))
		return 0;
	if (img_blob_path(sv->s, digest, blob, sizeof(blob), sv->err) < 0)
		return perr_prefix(sv->err, "%s", what);
	fd = open(blob, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return perr_set(sv->err, fd < 0 ? errno : 0, "%s %s: blob missing from the store", what, digest);
	return add_fd(sv, path, fd, sb.st_size, digest, what);
}

/* An anonymous temp file in the store's filesystem: gone when closed,
 * whatever happens to this process. */
static int temp_fd(const struct img_store *s, struct perr *err)
{
	char path[PATH_MAX];
	int fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/.save-XXXXXX", s->dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return perr_set(err, errno, "store \"%s\": temp file", s->dir);
	unlink(path);
	return fd;
}

/* The layer blob `digest` uncompressed (docker-archive layers are plain
 * tar, their SHA-256 the config's diff_id). */
static int add_layer_plain(struct saver *sv, const char *path, const char *digest, const char *diff_id,
			   const char *what)
{
	static char buf[1 << 16];
	char blob[PATH_MAX];
	struct archive *in;
	struct archive_entry *e;
	_cleanup_close_ int fd = -1;
	uint64_t total = 0;
	la_ssize_t n;
	struct stat sb;

	if (json_object_get(sv->written, path))
		return 0;
	if (!strcmp(digest, diff_id))
		return add_blob(sv, path, digest, what);   /* stored uncompressed */
	if (img_blob_path(sv->s, digest, blob, sizeof(blob), sv->err) < 0)
		return perr_prefix(sv->err, "%s", what);
	fd = temp_fd(sv->s, sv->err);
	if (fd < 0)
		return -1;
	in = archive_read_new();
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_zstd(in);
	archive_read_support_filter_none(in);
	archive_read_support_format_raw(in);
	if (archive_read_open_filename(in, blob, 1 << 16) != ARCHIVE_OK ||
	    archive_read_next_header(in, &e) != ARCHIVE_OK) {
		perr_set(sv->err, 0, "%s %s: %s", what, digest, archive_error_string(in));
		archive_read_free(in);
		return -1;
	}
	while ((n = archive_read_data(in, buf, sizeof(buf))) > 0) {
		total += (uint64_t)n;
		if (total > sv->max_bytes) {
			archive_read_free(in);
			return perr_set(sv->err, 0, "%s %s: expands beyond %llu bytes", what, digest,
					(unsigned long long)sv->max_bytes);
		}
		for (la_ssize_t off = 0; off < n;) {
			ssize_t k = write(fd, buf + off, (size_t)(n - off));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				archive_read_free(in);
				return perr_set(sv->err, k < 0 ? errno : EIO, "%s: temp file in store \"%s\"", what,
						sv->s->dir);
			}
			off += k;
		}
	}
	if (n < 0) {
		perr_set(sv->err, 0, "%s %s: %s", what, digest, archive_error_string(in));
		archive_read_free(in);
		return -1;
	}
	archive_read_free(in);
	if (fstat(fd, &sb) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return perr_set(sv->err, errno, "%s: temp file", what);
	return add_fd(sv, path, fd, sb.st_size, diff_id, what);
}

struct save_item {
	const char *ref;          /* as the user gave it */
	const char *name;         /* full tag name, or NULL (by digest or ID) */
	json_t *desc;             /* index entry (borrowed from the index) */
	json_t *man, *cfg;        /* owned */
};

static int write_oci(struct saver *sv, struct save_item *it, size_t n)
{
	_cleanup_json_ json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
						 "manifests");
	_cleanup_free_ char *text = NULL;
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	char path[128];

	if (add_bytes(sv, "oci-layout", layout, strlen(layout)) < 0 || add_dir(sv, "blobs/") < 0 ||
	    add_dir(sv, "blobs/sha256/") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *cdg = json_str(json_object_get(it[i].man, "config"), "digest");
		json_t *l, *d;
		size_t k;
		char what[IMG_REF_MAX + 64];

		snprintf(what, sizeof(what), "image \"%s\": config", it[i].ref);
		snprintf(path, sizeof(path), "blobs/sha256/%s", cdg + 7);
		if (add_blob(sv, path, cdg, what) < 0)
			return -1;
		json_array_foreach(json_object_get(it[i].man, "layers"), k, l) {
			const char *ldg = json_str(l, "digest");
			snprintf(what, sizeof(what), "image \"%s\": layer %zu", it[i].ref, k + 1);
			if (!img_digest_valid(ldg))
				return perr_set(sv->err, 0, "%s: digest is not sha256", what);
			snprintf(path, sizeof(path), "blobs/sha256/%s", ldg + 7);
			if (add_blob(sv, path, ldg, what) < 0)
				return -1;
		}
		snprintf(what, sizeof(what), "image \"%s\": manifest", it[i].ref);
		snprintf(path, sizeof(path), "blobs/sha256/%s", json_str(it[i].desc, "digest") + 7);
		if (add_blob(sv, path, json_str(it[i].desc, "digest"), what) < 0)
			return -1;
		d = json_pack("{s:s, s:s, s:I}", "mediaType", json_str(it[i].desc, "mediaType"), "digest",
			      json_str(it[i].desc, "digest"), "size", json_int(it[i].desc, "size", 0));
		if (it[i].name)
			json_object_set_new(d, "annotations", json_pack("{s:s}", IMG_REF_ANNOTATION, it[i].name));
		json_array_append_new(json_object_get(index, "manifests"), d);
	}
	text = json_dumps(index, JSON_COMPACT);
	if (!text)
		return perr_set(sv->err, ENOMEM, "save to %s: index.json", sv->out);
	return add_bytes(sv, "index.json", text, strlen(text));
}

/* docker-archive as docker save and podman save write it: manifest.json
 * [{Config: "<hex>.json", RepoTags, Layers: ["<diff_id hex>.tar"...]}],
 * one entry per image (its tags together), layers uncompressed. */
static int write_docker(struct saver *sv, struct save_item *it, size_t n)
{
	_cleanup_json_ json_t *list = json_array(), *by = json_object();
	_cleanup_free_ char *text = NULL;
	char path[128], what[IMG_REF_MAX + 64];

	for (size_t i = 0; i < n; i++) {
		const char *mdg = json_str(it[i].desc, "digest"), *cdg;
		json_t *entry = json_object_get(by, mdg), *layers, *diffs, *l;
		size_t k;

		if (entry) {
			if (it[i].name)
				json_array_append_new(json_object_get(entry, "RepoTags"), json_string(it[i].name));
			continue;
		}
		cdg = json_str(json_object_get(it[i].man, "config"), "digest");
		diffs = json_object_get(json_object_get(it[i].cfg, "rootfs"), "diff_ids");
		layers = json_object_get(it[i].man, "layers");
		if (!json_is_array(diffs) || json_array_size(diffs) != json_array_size(layers))
			return perr_set(sv->err, 0, "image \"%s\": config rootfs.diff_ids does not match the layers",
					it[i].ref);
		snprintf(what, sizeof(what), "image \"%s\": config", it[i].ref);
		snprintf(path, sizeof(path), "%s.json", cdg + 7);
		if (add_blob(sv, path, cdg, what) < 0)
			return -1;
		entry = json_pack("{s:s, s:[], s:[]}", "Config", path, "RepoTags", "Layers");
		json_array_append_new(list, entry);
		json_object_set(by, mdg, entry);
		if (it[i].name)
			json_array_append_new(json_object_get(entry, "RepoTags"), json_string(it[i].name));
		json_array_foreach(layers, k, l) {
			const char *diff = json_string_value(json_array_get(diffs, k)), *ldg = json_str(l, "digest");
			snprintf(what, sizeof(what), "image \"%s\": layer %zu", it[i].ref, k + 1);
			if (!img_digest_valid(diff) || !img_digest_valid(ldg))
				return perr_set(sv->err, 0, "%s: digest or diff_id is not sha256", what);
			snprintf(path, sizeof(path), "%s.tar", diff + 7);
			if (add_layer_plain(sv, path, ldg, diff, what) < 0)
				return -1;
			json_array_append_new(json_object_get(entry, "Layers"), json_string(path));
		}
	}
	text = json_dumps(list, JSON_COMPACT);
	if (!text)
		return perr_set(sv->err, ENOMEM, "save to %s: manifest.json", sv->out);
	return add_bytes(sv, "manifest.json", text, strlen(text));
}

/* Where the archive goes: `out` itself only once complete.  An unnamed
 * temp file in its directory (O_TMPFILE) is linked and renamed over `out`
 * at the end, so a failed or killed save leaves nothing. */
static int out_open(const char *out, char *dir, size_t len, bool *anon, struct perr *err)
{
	struct stat sb;
	char *slash;
	int fd;

	if (stat(out, &sb) == 0 && S_ISDIR(sb.st_mode))
		return perr_set(err, 0, "save to %s: is a directory", out);
	snprintf(dir, len, "%s", out);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	*anon = fd >= 0;
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : perr_set(err, errno, "save to %s", out);
	snprintf(dir, len, "%s.tmp-XXXXXX", out);
	fd = mkostemp(dir, O_CLOEXEC);
	if (fd < 0)
		return perr_set(err, errno, "save to %s", out);
	fchmod(fd, 0644);
	return fd;
}

static int out_commit(int fd, const char *out, const char *tmp, bool anon, struct perr *err)
{
	char link[PATH_MAX + 32], proc[64];

	if (fsync(fd) < 0)
		return perr_set(err, errno, "save to %s", out);
	if (!anon) {
		if (rename(tmp, out) < 0)
			return perr_set(err, errno, "save to %s", out);
		return 0;
	}
	snprintf(link, sizeof(link), "%s.tmp-%ld-%d", out, (long)getpid(), fd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	unlink(link);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, link, AT_SYMLINK_FOLLOW) < 0)
		return perr_set(err, errno, "save to %s", out);
	if (rename(link, out) < 0) {
		int e = errno;
		unlink(link);
		return perr_set(err, e, "save to %s", out);
	}
	return 0;
}

int img_save(const struct img_store *s, char *const *refs, size_t n, enum img_save_format format, const char *out,
	     struct perr *err)
{
	_cleanup_json_ json_t *index = NULL, *written = json_object();
	struct save_item *it = calloc(n ? n : 1, sizeof(*it));
	char tmp[PATH_MAX];
	bool to_stdout = !out || !strcmp(out, "-"), anon = false;
	struct saver sv = { .s = s, .written = written, .out = to_stdout ? "standard output" : out,
			    .max_bytes = IMG_UNPACK_MAX_BYTES_DEFAULT, .err = err };
	int fd = -1, r = -1;

	if (!it)
		return perr_set(err, ENOMEM, "save");
	if (!n) {
		perr_set(err, 0, "save: no image named");
		goto out;
	}
	index = img_index_load(s, err);
	if (!index)
		goto out;
	/* Every image is found and read before anything is written. */
	for (size_t i = 0; i < n; i++) {
		const char *nm;
		struct img_ref rr;

		it[i].ref = refs[i];
		it[i].desc = img_find(s, index, refs[i]);
		if (!it[i].desc) {
			perr_set(err, 0, "image \"%s\": not found in store %s", refs[i], s->dir);
			goto out;
		}
		nm = json_str(json_object_get(it[i].desc, "annotations"), IMG_REF_ANNOTATION);
		/* Named by a tag: saved under that name; by digest or ID: no
		 * name, as docker save does. */
		it[i].name = img_ref_parse(refs[i], &rr, NULL) == 0 && rr.tag[0] && !rr.digest[0] && nm &&
				     !strcmp(nm, rr.full) ? nm : NULL;
		if (!img_digest_valid(json_str(it[i].desc, "digest"))) {
			perr_set(err, 0, "image \"%s\": index entry has no valid digest", refs[i]);
			goto out;
		}
		if (load_image(s, it[i].desc, refs[i], &it[i].man, &it[i].cfg, err) < 0)
			goto out;
		if (!img_digest_valid(json_str(json_object_get(it[i].man, "config"), "digest"))) {
			perr_set(err, 0, "image \"%s\": config digest is not sha256", refs[i]);
			goto out;
		}
	}
	if (to_stdout) {
		fd = dup(STDOUT_FILENO);
		if (fd < 0) {
			perr_set(err, errno, "save to standard output");
			goto out;
		}
	} else {
		fd = out_open(out, tmp, sizeof(tmp), &anon, err);
		if (fd < 0)
			goto out;
	}
	sv.a = archive_write_new();
	archive_write_set_format_pax_restricted(sv.a);
	archive_write_add_filter_none(sv.a);
	if (archive_write_open_fd(sv.a, fd) != ARCHIVE_OK) {
		arch_fail(&sv, "(open)");
		goto out;
	}
	r = format == IMG_SAVE_OCI ? write_oci(&sv, it, n) : write_docker(&sv, it, n);
	if (r == 0 && archive_write_close(sv.a) != ARCHIVE_OK)
		r = arch_fail(&sv, "(close)");
	if (r == 0 && !to_stdout)
		r = out_commit(fd, out, tmp, anon, err);
out:
	if (sv.a)
		archive_write_free(sv.a);
	if (fd >= 0)
		close(fd);
	if (r < 0 && !to_stdout && fd >= 0 && !anon)
		unlink(tmp);
	for (size_t i = 0; i < n; i++) {
		json_decref(it[i].man);
		json_decref(it[i].cfg);
	}
	free(it);
	return r;
}
