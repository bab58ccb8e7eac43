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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* The index entry (borrowed) `ref` names in `index`: what
 * img_index_find() accepts (a tag, a manifest digest, NAME@DIGEST, a
 * manifest-digest prefix), or else the image's config digest, docker's
 * image ID ("sha256:<hex>" or a unique prefix of at least 12 hex digits),
 * which `persona images` and `image inspect` show.  NULL when none or
 * ambiguous. */
json_t *img_find(const struct img_store *s, json_t *index, const char *ref);

/* Tag `dst` names the image `src` names. */
int img_tag(const struct img_store *s, const char *src, const char *dst, struct perr *err);

/* Remove the tag `ref` (or, for a digest or ID, every tag of that image)
 * and the blobs nothing references any more. */
int img_remove(const struct img_store *s, const char *ref, struct perr *err);

/* One object per tag: Repository, Tag, Name, Id (the config digest's
 * hex: docker's IMAGE ID), Digest (the manifest digest), Created, Size
 * (bytes of config and layers, as stored). */
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

/* ---- save, inspect, prune, seed (save.c, prune.c, seed.c) ---- */

enum img_save_format {
	IMG_SAVE_DOCKER,   /* docker-archive, podman save's default */
	IMG_SAVE_OCI,      /* oci-archive */
};

/* Write the images `refs` (n >= 1; names, digests, IDs: see
 * img_index_find; also a config digest or a prefix of it, docker's image
 * ID) as one tar archive to the file `out`, or to standard output when
 * `out` is NULL or "-".
 *   IMG_SAVE_OCI: an OCI image layout (image-spec image-layout.md):
 *     oci-layout, index.json with one manifest descriptor per ref, named
 *     by org.opencontainers.image.ref.name = the full reference when the
 *     ref is a tag, and blobs/sha256/<hex> exactly as stored.
 *   IMG_SAVE_DOCKER: the docker-archive of `docker save` / `podman save`
 *     (containers-transports(5)): manifest.json [{Config: "<hex>.json",
 *     RepoTags, Layers: ["<diff_id hex>.tar", ...]}], one entry per image
 *     with all the tags given for it; layers uncompressed, so each layer
 *     file's SHA-256 is the config's diff_id.
 * Entries have owner 0:0, mode 0644 and mtime 0.  Every image is found
 * and read before anything is written; blobs are checked against their
 * digests while copied.  A file `out` appears only complete (an unnamed
 * temp file in its directory is linked and renamed over it): on any
 * error nothing is left.  -1 + err ("image \"X\": not found in store
 * DIR", "save to FILE: ...") otherwise. */
int img_save(const struct img_store *s, char *const *refs, size_t n, enum img_save_format format, const char *out,
	     struct perr *err);

/* One image as `docker image inspect` shows it (new reference): Id (the
 * config digest, docker's image ID), Digest (the manifest digest, as
 * podman), RepoTags (full names), RepoDigests (NAME@manifest-digest, one
 * per repository), Created, Author, Architecture, Os, Variant (when set),
 * Config (the config's "config" object: Env, Cmd, Labels, ...), RootFS
 * {Type, Layers: diff_ids}, History, Size (bytes of config and layers as
 * stored, compressed or not, as `persona images`), ManifestMediaType.
 * NULL + err "image \"REF\": not found in store DIR" or naming the fault. */
json_t *img_inspect(const struct img_store *s, const char *ref, struct perr *err);

/* What img_prune removed. */
struct img_prune_result {
	uint64_t bytes;            /* disk space freed (st_blocks of what was removed) */
	unsigned blobs, layers, stages, images;
};

struct img_prune_opts {
	bool all;                  /* also images no container uses (prune -a) */
	const char *state_root;    /* whose bundles count as containers; NULL: none */
	int min_age;               /* seconds a leftover must exist (ctime) before it is
				    * removed; 0: the default, 60; < 0: no minimum (tests) */
};

/* Remove what no image needs, under the store lock:
 *   - blobs that no manifest in index.json reaches;
 *   - unpacked layers in the layer cache (s->layers) whose chain ID no
 *     image in index.json has, unless a container may still use them: a
 *     layer is in use when its directory is a lowerdir of an overlay
 *     mounted in any mount namespace of the host (/proc/PID/mountinfo of
 *     every process) or is named by the annotation
 *     io.persona.rootfs.lowerdirs of a bundle's config.json under
 *     o->state_root (stopped containers); such layers are kept, and so
 *     are all when an image's manifest or config cannot be read;
 *   - staging directories (STORE/.stage-*) that no live command holds
 *     (stage_begin flock()s its own), and temp files and unpack temp
 *     directories no process has open: leftovers of killed commands.
 * Layers and leftovers younger than o->min_age are kept: a load may have
 * unpacked a layer it has not yet committed.
 * With o->all, first every image (all its tags) whose layer stack no
 * container uses (by the rule above) is removed, as `docker image prune
 * -a` removes images without containers.  The removed images' names go
 * to *removed (malloc'd NULL-terminated vector; `removed` may be NULL).
 * -1 + err when the store cannot be locked or its index read or written. */
int img_prune(const struct img_store *s, const struct img_prune_opts *o, struct img_prune_result *res,
	      char ***removed, struct perr *err);

/* The default image `busybox` as a real image in the store: one layer,
 * made here from the host's static busybox at `busybox_path`
 * (Debian's busybox-static): bin/busybox, a symlink bin/APPLET -> busybox
 * for every applet `busybox --list` names, etc/passwd (root, daemon,
 * nobody), etc/group (root, daemon, tty, nogroup), tmp (1777), root
 * (0700), home, run, sbin, usr/bin, var, and the mount points dev, proc,
 * sys.
 * Config: Cmd ["sh"], Env PATH, label io.persona.embedded=true.  Tagged
 * docker.io/library/busybox:latest.  Reproducible: fixed owners, modes and
 * mtimes (0) and a fixed created date, so the same busybox gives the same
 * manifest digest.  -1 + err naming busybox_path and the fault (missing,
 * not executable, odd applet list), the store unchanged.  The _digest
 * form also gives the manifest digest. */
int img_seed_busybox(const struct img_store *s, const char *busybox_path, struct perr *err);
int img_seed_busybox_digest(const struct img_store *s, const char *busybox_path, char digest[72],
			    struct perr *err);

#endif
