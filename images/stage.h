/* persona images, private to images/: the staging area an image is
 * checked in before it enters the store (used by image.c and registry.c). */
#ifndef PERSONA_IMAGES_STAGE_H
#define PERSONA_IMAGES_STAGE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include "common/error.h"
#include "images/ref.h"
#include "images/store.h"
#include "images/unpack.h"

struct stage {
	const struct img_store *s;
	const struct img_unpack_opts *uo;
	const char *file;           /* what the user named (file, reference), for errors */
	char dir[PATH_MAX];         /* STORE/.stage-XXXXXX: blobs by hex */
	json_t *paths;              /* archive path -> "sha256:..." */
	json_t *keep;               /* hex -> true: blobs to move into the store */
	json_t *tags;               /* full name -> manifest descriptor */
	int lockfd;                 /* dir, flock()ed while the stage lives: prune leaves it alone */
};

/* A staging directory in the store; stage_end() removes it. */
int stage_begin(struct stage *st, const struct img_store *s, const char *file, const struct img_unpack_opts *uo,
		struct perr *err);
void stage_end(struct stage *st);
/* Remove the staging directories of dead commands: STORE/.stage-*
 * directories whose flock (held by their command from stage_begin to
 * stage_end) can be taken. */
void stage_sweep(const struct img_store *s);
/* STAGE/<hex> of `digest`. */
void stage_blob_path(const struct stage *st, const char *digest, char *out, size_t len);
/* Stage a string as a blob (kept). */
int stage_put(struct stage *st, const char *text, char digest[72], struct perr *err);
/* Check the manifest (or index: linux/amd64 picked) `desc` names and its
 * staged blobs, unpack its layers, and plan tag `name` for it. */
int stage_manifest(struct stage *st, json_t *desc, const char *name, int depth, struct perr *err);
/* Move the kept blobs into the store and write the tags, under the lock. */
int stage_commit(struct stage *st, char ***names, struct perr *err);

/* The staged layer blob `ldg` becomes the one-layer image `full` (config
 * "config" object `cconf`, stolen, NULL for PATH only; `created`,
 * `created_by` for the config and its history) and is committed; the
 * manifest digest goes to `digest` (image.c: import and seed). */
int stage_import_layer(struct stage *st, const char *full, const char *ldg, json_t *cconf, const char *created,
		       const char *created_by, char digest[72], struct perr *err);

/* The layer media type of the blob at `path` by its first bytes: tar,
 * tar+gzip or tar+zstd (OCI names). */
const char *stage_layer_media_type(const char *path);

/* The next chain ID (image-spec config.md "Layer ChainID"): `chain` ""
 * for the first layer becomes its diff ID; after that sha256(chain + " " +
 * diff_id).  In place. */
void img_chain_next(char chain[72], const char *diff_id);

bool is_manifest_type(const char *mt);
bool is_index_type(const char *mt);
/* The full reference of `given`, which must carry a tag. */
int full_name(const char *given, char out[IMG_REF_MAX + 512], const char *file, struct perr *err);

#endif
