/* persona images: image references, parsed by docker's rules
 * (distribution/reference, "normalized named"):
 *   busybox                     -> docker.io/library/busybox:latest
 *   localhost:5000/a/b:tag      -> domain localhost:5000, path a/b, tag "tag"
 *   name@sha256:<64 hex>        -> by digest (tag empty)
 * A first component holding '.' or ':' or equal to "localhost" is a
 * registry domain; index.docker.io is docker.io.  Path components are
 * [a-z0-9]+ joined by '.', '_', '__' or '-'s; a tag is
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
#ifndef PERSONA_IMAGES_REF_H
#define PERSONA_IMAGES_REF_H

#include "common/error.h"

#define IMG_REF_MAX 512

struct img_ref {
	char domain[256];         /* docker.io, localhost:5000, ... */
	char path[IMG_REF_MAX];   /* library/busybox */
	char tag[129];            /* "" when only a digest was given */
	char digest[72];          /* "sha256:<hex>" or "" */
	char full[IMG_REF_MAX + 512]; /* domain/path:tag or domain/path@digest: the store's ref.name */
};

/* Parse `s` into `out`.  -1 + err naming `s` and the part at fault. */
int img_ref_parse(const char *s, struct img_ref *out, struct perr *err);

/* Is `s` "sha256:" followed by exactly 64 lowercase hex digits? */
int img_digest_valid(const char *s);

#endif
