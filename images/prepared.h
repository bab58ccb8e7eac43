/* persona images: the prepared-root cache that lets `persona run IMAGE`
 * start without the persona-image helper.
 *
 * `persona-image prepare REF` answers with a JSON object (lowerdirs, top
 * layer first; passwd_layer; config: the image config's "config").  The
 * answer depends only on the manifest (content-addressed, so immutable)
 * and on the layer directories existing, so the helper keeps it in
 * LAYERS/.prepared/<manifest hex>.json, and `persona run` reads it back:
 * index.json (written by rename, so never torn) names the manifest, the
 * file gives the answer, and a stat of each layer directory proves it
 * still holds.  Any miss falls back to the helper.
 *
 * No libcrypto or libarchive here: this file is linked into the static
 * persona binary. */
#ifndef PERSONA_IMAGES_PREPARED_H
#define PERSONA_IMAGES_PREPARED_H

#include <jansson.h>
#include "common/error.h"

/* The manifest digest ("sha256:<hex>", into `digest`) that image
 * reference `ref` names in the store at `store` (NULL: $PERSONA_STORE or
 * the default): a tag (any form docker accepts, e.g. "busybox"), or
 * NAME@DIGEST / a bare manifest digest.  1 found, 0 not found (also: no
 * store, unreadable index, a reference that does not parse, an ID prefix:
 * the helper then decides and reports). */
int img_prepared_manifest(const char *store, const char *ref, char digest[72]);

/* The cached answer for the image `ref` names, when it holds: a new
 * reference to the JSON object described above, else NULL. */
json_t *img_prepared_lookup(const char *store, const char *ref);

/* Keep `answer` for the manifest `digest` in the store at `store` (temp
 * file + rename).  -1 + err (the caller may ignore it: only speed is lost). */
int img_prepared_save(const char *store, const char *digest, json_t *answer, struct perr *err);

#endif
