/* persona images: a registry client over the OCI distribution API
 * (distribution-spec spec.md) with libcurl:
 *   pull  GET  /v2/NAME/manifests/REF, GET /v2/NAME/blobs/DIGEST
 *   push  HEAD /v2/NAME/blobs/DIGEST, POST /v2/NAME/blobs/uploads/ then
 *         PUT LOCATION?digest=DIGEST (monolithic upload), PUT /v2/NAME/manifests/REF
 *   login GET  /v2/ (the API version check)
 *
 * HTTPS; with tls_verify off, certificates are not checked and plain
 * HTTP is tried when TLS fails (docker's "insecure registry").  Auth:
 * anonymous, basic, and bearer tokens (the WWW-Authenticate challenge:
 * realm, service, scope repository:NAME:pull, or :pull,push to push), with
 * the credentials given, else those of the auth files (auth.h).
 *
 * Pull accepts OCI image index and docker manifest list (linux/amd64
 * picked), OCI manifest and docker schema 2; manifests are capped at 4 MiB.
 * Blobs download three at a time, each verified against its digest while
 * it streams into the staging area; a verified blob enters the store's
 * blobs at once and one the store already has is not downloaded again, so
 * a pull that is killed loses only the blobs in flight.  The tag is
 * written last (stage_commit), after the layers are checked and unpacked
 * as for `persona load`.  docker.io is served by registry-1.docker.io. */
#ifndef PERSONA_IMAGES_REGISTRY_H
#define PERSONA_IMAGES_REGISTRY_H

#include <stdbool.h>
#include "common/error.h"
#include "images/store.h"
#include "images/unpack.h"

/* What goes to stderr while blobs move. */
enum img_progress {
	IMG_PROGRESS_NONE,        /* nothing (-q) */
	IMG_PROGRESS_LINES,       /* one line per blob when it is done, for scripts and logs */
	IMG_PROGRESS_TTY,         /* one line per blob, redrawn in place: bytes done/total, rate */
};

struct img_reg_opts {
	bool tls_verify;          /* true unless --tls-verify=false */
	const char *creds;        /* "USER:PASS", or NULL: the auth files' entry, else anonymous */
	const char *authfile;     /* the read/write auth file (auth.h), NULL for the default */
	const char *cert_dir;     /* CA certificates, hashed names (CURLOPT_CAPATH), or NULL */
	long timeout_s;           /* connect timeout, and the longest stall; 0 = 30 s */
	enum img_progress progress;
};

struct img_pull_opts {
	struct img_reg_opts reg;
	struct img_unpack_opts uo;
};

/* Pull `ref` into the store; its full name goes to `name` (IMG_REF_MAX +
 * 512 bytes).  -1 + err naming the reference, the URL and the fault; the
 * store then has no new tag (blobs verified so far stay, untagged). */
int img_pull(const struct img_store *s, const char *ref, const struct img_pull_opts *o, char *name,
	     struct perr *err);

/* Push image `src` of the store (a name, digest or ID as
 * img_index_find() takes) to reference `dest` (NULL: src's own name,
 * which then must be a name), podman push's form.  Blobs the registry has
 * are skipped; each one sent is hashed as it is read and the upload is
 * abandoned when it does not match its digest; the manifest goes last,
 * with its media type as Content-Type, and the digest the registry
 * reports must be ours.  The pushed name goes to `name` (IMG_REF_MAX + 512
 * bytes).  -1 + err naming the image, the URL and the fault. */
int img_push(const struct img_store *s, const char *src, const char *dest, const struct img_reg_opts *o,
	     char *name, struct perr *err);

/* Check credentials o->creds (required, "USER:PASS") against `registry`
 * (a host[:port]) as podman login does: GET /v2/, answering its
 * challenge (basic, or a bearer token asked for without a scope).
 * 0 when the registry accepts them; -1 + err (wrong credentials, TLS or
 * connection fault) otherwise. */
int img_login_check(const char *registry, const struct img_reg_opts *o, struct perr *err);

#endif
