/* persona images: pulling from a registry over the OCI distribution API
 * (distribution-spec spec.md: GET /v2/NAME/manifests/REF,
 * GET /v2/NAME/blobs/DIGEST) with libcurl.
 *
 * HTTPS; with tls_verify off, certificates are not checked and plain
 * HTTP is tried when TLS fails (docker's "insecure registry").  Auth:
 * anonymous, basic (creds "USER:PASS"), and bearer tokens (the
 * WWW-Authenticate challenge: realm, service, scope
 * repository:NAME:pull).  Accepts OCI image index and docker manifest
 * list (linux/amd64 picked), OCI manifest and docker schema 2.  Manifests
 * are capped at 4 MiB; every blob is verified against its digest while it
 * streams into the staging area; layers are then checked and unpacked as
 * for `persona load`.  docker.io is served by registry-1.docker.io. */
#ifndef PERSONA_IMAGES_REGISTRY_H
#define PERSONA_IMAGES_REGISTRY_H

#include <stdbool.h>
#include "common/error.h"
#include "images/store.h"
#include "images/unpack.h"

struct img_pull_opts {
	bool tls_verify;          /* true unless --tls-verify=false */
	const char *creds;        /* "USER:PASS" or NULL */
	const char *cert_dir;     /* CA certificates (CURLOPT_CAPATH) or NULL */
	long timeout_s;           /* connect timeout, and the longest stall; 0 = 30 s */
	struct img_unpack_opts uo;
};

/* Pull `ref` into the store; its full name goes to `name` (IMG_REF_MAX +
 * 512 bytes).  -1 + err naming the reference, the URL and the fault. */
int img_pull(const struct img_store *s, const char *ref, const struct img_pull_opts *o, char *name,
	     struct perr *err);

#endif
