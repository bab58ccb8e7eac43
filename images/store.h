/* persona images: the content-addressed store, an OCI image layout
 * (image-spec image-layout.md): DIR/oci-layout, DIR/index.json and
 * DIR/blobs/sha256/<hex>.  Tags are index.json manifest descriptors
 * annotated with org.opencontainers.image.ref.name = the full reference
 * (docker.io/library/busybox:latest), so `skopeo inspect oci:DIR:REF` reads
 * them.  Unpacked layers live next to the layout, in DIR/../layers/<chainid>
 * (/var/lib/persona/store and /var/lib/persona/layers by default).
 *
 * Writes are atomic: a blob goes to a temp file in blobs/sha256 while its
 * SHA-256 is computed (OpenSSL EVP), is checked, then renamed to its digest;
 * index.json is written last (temp file + rename) while the layout
 * directory is flock()ed, so concurrent writers serialise and readers see
 * either the old or the new index. */
#ifndef PERSONA_IMAGES_STORE_H
#define PERSONA_IMAGES_STORE_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stddef.h>
#include "common/error.h"

#define IMG_STORE_DEFAULT "/var/lib/persona/store"
#define IMG_REF_ANNOTATION "org.opencontainers.image.ref.name"
/* Largest manifest, index or config persona reads (the 4 MiB). */
#define IMG_JSON_MAX (4u << 20)

struct img_store {
	char dir[PATH_MAX - 256];     /* the OCI layout */
	char layers[PATH_MAX - 256];  /* the unpacked-layer cache */
};

/* The store directory to use: `dir` when given, else $PERSONA_STORE, else
 * IMG_STORE_DEFAULT. */
const char *img_store_default(const char *dir);

/* Open (and with `create`, make) the layout at `dir` (see
 * img_store_default).  A directory that exists but is not an OCI layout
 * (oci-layout missing or not imageLayoutVersion 1.0.0) is refused.
 * -1 + err naming the directory. */
int img_store_open(struct img_store *s, const char *dir, int create, struct perr *err);

/* flock the layout exclusively; returns the fd to close(), or -1 + err. */
int img_store_lock(const struct img_store *s, struct perr *err);

/* ---- blobs ---- */

struct blob_writer {
	int fd;
	char dir[PATH_MAX - 256];
	char tmp[PATH_MAX];
	void *md;                 /* EVP_MD_CTX */
	uint64_t size;
};

/* A temp file in `dir` (made if missing) that hashes what is written. */
int blob_writer_begin(struct blob_writer *w, const char *dir, struct perr *err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t n, struct perr *err);
/* Finish: the digest goes to `digest` ("sha256:<hex>"); when `expect` is
 * given (a digest) and differs, the file is removed and -1 + err returned.
 * On success the file is renamed to DIR/<hex> (an existing one, same
 * content by construction, is kept). */
int blob_writer_finish(struct blob_writer *w, const char *expect, char digest[72], struct perr *err);
/* Remove the temp file (safe after finish, and on a zeroed writer with fd -1). */
void blob_writer_abort(struct blob_writer *w);

/* Store `n` bytes as a blob of the store; its digest goes to `digest`. */
int img_blob_put(const struct img_store *s, const void *data, size_t n, char digest[72], struct perr *err);
/* DIR/blobs/sha256/<hex> for a valid digest; -1 + err otherwise. */
int img_blob_path(const struct img_store *s, const char *digest, char *out, size_t len, struct perr *err);
/* Read a JSON blob of at most IMG_JSON_MAX bytes, check its digest (and
 * `size` when >= 0), parse it.  `what` names it in errors. New reference. */
json_t *img_blob_json(const struct img_store *s, const char *digest, json_int_t size, const char *what,
		      struct perr *err);
/* The same for a file already at `path`. */
json_t *img_json_file_verified(const char *path, const char *digest, json_int_t size, const char *what,
			       struct perr *err);
/* SHA-256 of a file, streaming; "sha256:<hex>" into `digest`. */
int img_file_digest(const char *path, char digest[72], uint64_t *size, struct perr *err);
/* SHA-256 of bytes. */
void img_sha256(const void *data, size_t n, char digest[72]);

/* ---- index.json ---- */

json_t *img_index_load(const struct img_store *s, struct perr *err);
int img_index_save(const struct img_store *s, json_t *index, struct perr *err);
/* Point tag `name` (a full reference) at descriptor `desc` (a manifest
 * descriptor; copied, annotation added), replacing what it named before. */
int img_index_set_tag(json_t *index, const char *name, const json_t *desc);
/* Remove tag `name`; 1 when it was there, 0 when not. */
int img_index_untag(json_t *index, const char *name);
/* The manifest descriptor named by `ref`: a full reference (tag), a
 * manifest digest "sha256:...", or "name@sha256:..." (by manifest
 * digest), or a unique prefix of at least 12 hex digits of a manifest
 * digest (the IMAGE ID `persona images` shows).  Borrowed reference or
 * NULL. */
json_t *img_index_find(json_t *index, const char *ref);

/* Remove blobs no manifest in index.json reaches (call with the lock). */
int img_store_gc(const struct img_store *s, struct perr *err);
/* The same, adding the bytes and number of blobs removed to *bytes and
 * *count (either may be NULL). */
int img_store_gc_count(const struct img_store *s, uint64_t *bytes, unsigned *count, struct perr *err);

#endif
