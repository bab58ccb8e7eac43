/* persona images: the OCI image layout store (see store.h). */
#include "images/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"

static const char layout_text[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_file_atomic(const char *path, const void *data, size_t n)
{
	char tmp[PATH_MAX];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (write(fd, data, n) != (ssize_t)n || fchmod(fd, 0644) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int img_store_open(struct img_store *s, const char *dir, int create, struct perr *err)
{
	char path[PATH_MAX], parent[PATH_MAX], *slash;
	struct stat sb;

	dir = img_store_default(dir);
	if (dir[0] != '/' || strlen(dir) > 512)
		return perr_set(err, 0, "store \"%s\": must be an absolute path of at most 512 characters", dir);
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	while (strlen(s->dir) > 1 && s->dir[strlen(s->dir) - 1] == '/')
		s->dir[strlen(s->dir) - 1] = '\0';
	snprintf(parent, sizeof(parent), "%s", s->dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	snprintf(s->layers, sizeof(s->layers), "%s%slayers", parent, parent[1] ? "/" : "");

	snprintf(path, sizeof(path), "%s/oci-layout", s->dir);
	if (stat(path, &sb) == 0) {
		_cleanup_json_ json_t *j = json_load_path(path, err);
		if (!j)
			return perr_prefix(err, "store \"%s\"", s->dir);
		if (!json_str(j, "imageLayoutVersion") || strcmp(json_str(j, "imageLayoutVersion"), "1.0.0"))
			return perr_set(err, 0, "store \"%s\": oci-layout is not imageLayoutVersion 1.0.0", s->dir);
	} else if (!create) {
		return perr_set(err, errno, "store \"%s\"", s->dir);
	} else {
		DIR *d = opendir(s->dir);
		if (d) {
			struct dirent *de;
			int n = 0;
			while ((de = readdir(d)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					n++;
			closedir(d);
			if (n)
				return perr_set(err, 0, "store \"%s\": exists, not empty, and not an OCI image "
						"layout (no oci-layout file)", s->dir);
		}
		if (mkdir_p(s->dir, 0700) < 0)
			return perr_set(err, errno, "store \"%s\"", s->dir);
		if (write_file_atomic(path, layout_text, strlen(layout_text)) < 0)
			return perr_set(err, errno, "store \"%s\": oci-layout", s->dir);
	}
	snprintf(path, sizeof(path), "%s/blobs/sha256", s->dir);
	if (create && mkdir_p(path, 0755) < 0)
		return perr_set(err, errno, "store \"%s\": blobs", s->dir);
	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	if (create && access(path, F_OK) < 0) {
		static const char empty[] = "{\"schemaVersion\":2,\"manifests\":[]}";
		if (write_file_atomic(path, empty, strlen(empty)) < 0)
			return perr_set(err, errno, "store \"%s\": index.json", s->dir);
	}
	if (create && mkdir_p(s->layers, 0700) < 0)
		return perr_set(err, errno, "layer cache \"%s\"", s->layers);
	return 0;
}

int img_store_lock(const struct img_store *s, struct perr *err)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return perr_set(err, errno, "store \"%s\"", s->dir);
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;
		close(fd);
		return perr_set(err, e, "store \"%s\": lock", s->dir);
	}
	return fd;
}

/* ---- blobs ---- */

static void hex_digest(EVP_MD_CTX *md, char digest[72])
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(md, bin, &n);
	memcpy(digest, "sha256:", 7);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(digest + 7 + 2 * i, 3, "%02x", bin[i]);
}

void img_sha256(const void *data, size_t n, char digest[72])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, data, n);
	hex_digest(md, digest);
	EVP_MD_CTX_free(md);
}

int blob_writer_begin(struct blob_writer *w, const char *dir, struct perr *err)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	if (mkdir_p(dir, 0755) < 0)
		return perr_set(err, errno, "%s", dir);
	snprintf(w->tmp, sizeof(w->tmp), "%s/.tmp-XXXXXX", dir);
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		w->tmp[0] = '\0';
		return perr_set(err, errno, "%s: temp file", dir);
	}
	w->md = EVP_MD_CTX_new();
	if (!w->md || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL)) {
		blob_writer_abort(w);
		return perr_set(err, 0, "SHA-256: OpenSSL cannot initialise a digest");
	}
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t n, struct perr *err)
{
	const char *p = buf;
	EVP_DigestUpdate(w->md, buf, n);
	w->size += n;
	while (n) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return perr_set(err, k < 0 ? errno : EIO, "%s", w->tmp);
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int blob_writer_finish(struct blob_writer *w, const char *expect, char digest[72], struct perr *err)
{
	char final[PATH_MAX], got[72];

	hex_digest(w->md, got);
	if (expect && strcmp(expect, got)) {
		blob_writer_abort(w);
		return perr_set(err, 0, "digest mismatch: expected %s, got %s", expect, got);
	}
	memcpy(digest, got, sizeof(got));
	if (fchmod(w->fd, 0644) < 0 || close(w->fd) < 0) {
		w->fd = -1;
		blob_writer_abort(w);
		return perr_set(err, errno, "%s", w->tmp);
	}
	w->fd = -1;
	snprintf(final, sizeof(final), "%s/%s", w->dir, digest + 7);
	if (rename(w->tmp, final) < 0) {
		int e = errno;
		blob_writer_abort(w);
		return perr_set(err, e, "%s", final);
	}
	w->tmp[0] = '\0';
	EVP_MD_CTX_free(w->md);
	w->md = NULL;
	return 0;
}

void blob_writer_abort(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->tmp[0])
		unlink(w->tmp);
	w->tmp[0] = '\0';
	if (w->md)
		EVP_MD_CTX_free(w->md);
	w->md = NULL;
}

int img_blob_path(const struct img_store *s, const char *digest, char *out, size_t len, struct perr *err)
{
	if (!img_digest_valid(digest))
		return perr_set(err, 0, "digest \"%s\": not sha256: and 64 lowercase hex digits",
				digest ? digest : "(none)");
	snprintf(out, len, "%s/blobs/sha256/%s", s->dir, digest + 7);
	return 0;
}

int img_blob_put(const struct img_store *s, const void *data, size_t n, char digest[72], struct perr *err)
{
	struct blob_writer w;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/blobs/sha256", s->dir);
	if (blob_writer_begin(&w, dir, err) < 0)
		return -1;
	if (blob_writer_write(&w, data, n, err) < 0) {
		blob_writer_abort(&w);
		return -1;
	}
	return blob_writer_finish(&w, NULL, digest, err);
}

int img_file_digest(const char *path, char digest[72], uint64_t *size, struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	static char buf[1 << 16];
	EVP_MD_CTX *md;
	uint64_t total = 0;
	ssize_t n;

	if (fd < 0)
		return perr_set(err, errno, "%s", path);
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (n < 0) {
		EVP_MD_CTX_free(md);
		return perr_set(err, errno, "%s", path);
	}
	hex_digest(md, digest);
	EVP_MD_CTX_free(md);
	if (size)
		*size = total;
	return 0;
}

json_t *img_json_file_verified(const char *path, const char *digest, json_int_t size, const char *what,
			       struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	char got[72];
	struct stat sb;
	json_error_t je;
	json_t *j;
	size_t off = 0;

	if (fd < 0)
		return perr_set(err, errno, "%s %s: blob", what, digest), NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return perr_set(err, 0, "%s %s: not a regular file", what, digest), NULL;
	if ((uint64_t)sb.st_size > IMG_JSON_MAX)
		return perr_set(err, 0, "%s %s: %lld bytes, more than the %u allowed", what, digest,
				(long long)sb.st_size, IMG_JSON_MAX), NULL;
	if (size >= 0 && size != sb.st_size)
		return perr_set(err, 0, "%s %s: size %lld, but its descriptor says %lld", what, digest,
				(long long)sb.st_size, (long long)size), NULL;
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return perr_set(err, ENOMEM, "%s", what), NULL;
	while (off < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)sb.st_size - off);
		if (n <= 0)
			return perr_set(err, n < 0 ? errno : EIO, "%s %s", what, digest), NULL;
		off += (size_t)n;
	}
	img_sha256(buf, off, got);
	if (strcmp(got, digest))
		return perr_set(err, 0, "%s %s: digest mismatch (content is %s)", what, digest, got), NULL;
	j = json_loadb(buf, off, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return perr_set(err, 0, "%s %s: invalid JSON at line %d column %d: %s", what, digest, je.line,
				je.column, je.text), NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return perr_set(err, 0, "%s %s: not a JSON object", what, digest), NULL;
	}
	return j;
}

json_t *img_blob_json(const struct img_store *s, const char *digest, json_int_t size, const char *what,
		      struct perr *err)
{
	char path[PATH_MAX];

	if (img_blob_path(s, digest, path, sizeof(path), err) < 0)
		return perr_prefix(err, "%s", what), NULL;
	return img_json_file_verified(path, digest, size, what, err);
}

/* ---- index.json ---- */

json_t *img_index_load(const struct img_store *s, struct perr *err)
{
	char path[PATH_MAX];
	json_t *j, *m;

	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	j = json_load_path(path, err);
	if (!j)
		return NULL;
	m = json_object_get(j, "manifests");
	if (!json_is_object(j) || (m && !json_is_array(m))) {
		json_decref(j);
		return perr_set(err, 0, "%s: not an OCI image index", path), NULL;
	}
	if (!m)
		json_object_set_new(j, "manifests", json_array());
	return j;
}

int img_index_save(const struct img_store *s, json_t *index, struct perr *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	return json_dump_path_atomic(index, path, err);
}

static const char *desc_name(const json_t *d)
{
	return json_str(json_object_get(d, "annotations"), IMG_REF_ANNOTATION);
}

int img_index_untag(json_t *index, const char *name)
{
	json_t *m = json_object_get(index, "manifests");
	int found = 0;

	for (size_t i = 0; i < json_array_size(m);) {
		const char *n = desc_name(json_array_get(m, i));
		if (n && !strcmp(n, name)) {
			json_array_remove(m, i);
			found = 1;
		} else {
			i++;
		}
	}
	return found;
}

int img_index_set_tag(json_t *index, const char *name, const json_t *desc)
{
	json_t *d = json_deep_copy(desc), *ann;

	img_index_untag(index, name);
	ann = json_object_get(d, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		json_object_set_new(d, "annotations", ann);
	}
	json_object_set_new(ann, IMG_REF_ANNOTATION, json_string(name));
	return json_array_append_new(json_object_get(index, "manifests"), d);
}

json_t *img_index_find(json_t *index, const char *ref)
{
	json_t *m = json_object_get(index, "manifests"), *d, *hit = NULL;
	struct img_ref r;
	size_t i, n = strlen(ref);
	int count = 0;

	if (img_digest_valid(ref)) {
		json_array_foreach(m, i, d)
			if (json_str(d, "digest") && !strcmp(json_str(d, "digest"), ref))
				return d;
		return NULL;
	}
	if (n >= 12 && n <= 64 && strspn(ref, "0123456789abcdef") == n) {
		json_array_foreach(m, i, d) {
			const char *dg = json_str(d, "digest");
			if (dg && !strncmp(dg, "sha256:", 7) && !strncmp(dg + 7, ref, n)) {
				if (hit && strcmp(json_str(hit, "digest"), dg))
					count++;
				hit = d;
			}
		}
		if (hit && !count)
			return hit;
	}
	if (img_ref_parse(ref, &r, NULL) < 0)
		return NULL;
	json_array_foreach(m, i, d) {
		const char *nm = desc_name(d), *dg = json_str(d, "digest");
		if (r.digest[0]) {
			if (dg && !strcmp(dg, r.digest))
				return d;
		} else if (nm && !strcmp(nm, r.full)) {
			return d;
		}
	}
	return NULL;
}

/* ---- garbage collection ---- */

static void mark(json_t *keep, const char *digest)
{
	if (digest && img_digest_valid(digest))
		json_object_set_new(keep, digest + 7, json_true());
}

int img_store_gc(const struct img_store *s, struct perr *err)
{
	return img_store_gc_count(s, NULL, NULL, err);
}

int img_store_gc_count(const struct img_store *s, uint64_t *bytes, unsigned *count, struct perr *err)
{
	_cleanup_json_ json_t *index = img_index_load(s, err);
	_cleanup_json_ json_t *keep = json_object();
	char dir[PATH_MAX];
	json_t *d;
	size_t i;
	DIR *dh;
	struct dirent *de;

	if (!index)
		return -1;
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *dg = json_str(d, "digest");
		_cleanup_json_ json_t *man = NULL;
		json_t *l;
		size_t k;

		mark(keep, dg);
		man = img_blob_json(s, dg, -1, "manifest", NULL);
		if (!man)
			continue;   /* keep what we cannot read: never delete by mistake */
		mark(keep, json_str(json_object_get(man, "config"), "digest"));
		json_array_foreach(json_object_get(man, "layers"), k, l)
			mark(keep, json_str(l, "digest"));
	}
	snprintf(dir, sizeof(dir), "%s/blobs/sha256", s->dir);
	dh = opendir(dir);
	if (!dh)
		return perr_set(err, errno, "%s", dir);
	while ((de = readdir(dh))) {
		struct stat sb;

		if (strlen(de->d_name) != 64 || json_object_get(keep, de->d_name))
			continue;
		if (fstatat(dirfd(dh), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			sb.st_size = 0;
		if (unlinkat(dirfd(dh), de->d_name, 0) < 0)
			continue;
		if (bytes)
			*bytes += (uint64_t)sb.st_size;
		if (count)
			(*count)++;
	}
	closedir(dh);
	return 0;
}
