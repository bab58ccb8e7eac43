/* persona images: whole images in the store: load, import, tag, remove,
 * list, and the root filesystem of `persona run IMAGE`.
 *
 * Follows image-spec manifest.md (schemaVersion 2, one config and an
 * ordered list of layers, base first), image-index.md (the platform
 * linux/amd64 is picked from an index), config.md (rootfs.diff_ids: one
 * per layer, the SHA-256 of the uncompressed layer; the chain ID of layer
 * N is sha256(chainid(N-1) + " " + diffid(N)), of the first its diff ID)
 * and the docker-archive format of `docker save` (manifest.json with
 * Config, RepoTags, Layers).  Media types accepted: OCI and docker schema 2
 * manifests and configs; layers tar, tar+gzip, tar+zstd.
 *
 * Every input (the archive, its JSON, its layers) is untrusted: any fault
 * gives -1 + err naming the file and the part at fault, and the store is
 * left as it was (blobs are staged in a temp directory in the store and
 * moved in, and index.json written, only when the whole image checked
 * out and its layers unpacked). */
#ifndef PERSONA_IMAGES_IMAGE_H
#define PERSONA_IMAGES_IMAGE_H

#include <jansson.h>
#include <stddef.h>
#include "common/error.h"
#include "images/store.h"
#include "images/unpack.h"

/* Load an oci-archive or docker-archive tarball (uncompressed, gzip or
 * zstd).  Each image is tagged with its own names (OCI:
 * org.opencontainers.image.ref.name when a full reference; docker:
 * RepoTags), or with `name` when given (then the archive must hold one
 * image).  The tags made go to *names (malloc'd NULL-terminated vector,
 * free with each string). */
int img_load_archive(const struct img_store *s, const char *file, const char *name,
		     const struct img_unpack_opts *uo, char ***names, struct perr *err);

/* A root filesystem tarball becomes a one-layer image named `name`
 * (linux/amd64, PATH set as docker does).  Its manifest digest goes to
 * `digest`. */
int img_import_rootfs(const struct img_store *s, const char *file, const char *name,
		      const struct img_unpack_opts *uo, char digest[72], struct perr *err);

/* Tag `dst` names the image `src` names. */
int img_tag(const struct img_store *s, const char *src, const char *dst, struct perr *err);

/* Remove the tag `ref` (or, for a digest or ID, every tag of that image)
 * and the blobs nothing references any more. */
int img_remove(const struct img_store *s, const char *ref, struct perr *err);

/* One object per tag: Repository, Tag, Name, Id (manifest digest),
 * Digest, Created, Size (bytes of config and layers, as stored). */
json_t *img_list(const struct img_store *s, struct perr *err);

/* The layers of image `ref` in the store at `store` (NULL: see
 * img_store_default), unpacked when not yet in the layer cache.
 * *lowerdirs: malloc'd vector of *n malloc'd absolute paths, top layer
 * first (overlayfs lowerdir order: lowerdir=L[0]:L[1]:...), NULL-terminated.
 * *image_config: the "config" object of the image configuration
 * (config.md: Entrypoint, Cmd, Env, WorkingDir, User, StopSignal, Labels,
 * ...; an empty object when absent), new reference.
 * -1 + err "image \"REF\": not found in store DIR" or naming the fault. */
int images_prepare_rootfs(const char *ref, const char *store, char ***lowerdirs, size_t *n,
			  json_t **image_config, struct perr *err);

/* Which layer of a stack (as images_prepare_rootfs gives it, top first)
 * provides the path `rel` ("etc/passwd") in the merged view overlayfs
 * will show: the index of the topmost layer holding it, or -1 when no
 * layer does or a whiteout (character device 0/0) or an opaque directory
 * above hides it.  Never follows symlinks (an intermediate symlink gives
 * -1).  For reading files of an image before its overlay exists, e.g. the
 * user database for `run -u NAME`: open lowerdirs[i] and read below it
 * with openat2(RESOLVE_IN_ROOT). */
int images_layer_with(char *const *lowerdirs, size_t n, const char *rel);

#endif
