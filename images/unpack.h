/* persona images: unpacking one layer (image-spec layer.md) into the
 * layer cache, the security-critical part of images/.
 *
 * The layer is read with libarchive (tar: ustar, pax, gnu; uncompressed,
 * gzip or zstd) but every entry is created by this code, one path
 * component at a time, with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV) below the layer's own directory,
 * so nothing can be written outside it.  Refused (the whole layer, with an
 * error naming the entry):
 *   - absolute paths and ".." components (after PAX records are applied);
 *     paths over 4095 bytes or 256 components;
 *   - a path whose parent is a symlink inside the layer (writes through a
 *     symlink, including a directory replaced by a symlink);
 *   - hard links whose target is not an earlier non-directory entry of
 *     the same layer;
 *   - device nodes when not running as root; sockets; unknown types;
 *   - xattrs named trusted.overlay.* (others: security.capability and
 *     user.* are kept; the rest are dropped); whiteouts ".wh.", ".wh..",
 *     ".wh...";
 *   - more than `max_bytes` of uncompressed layer (decompression bombs).
 * Kept as docker does: owners (when root), modes with setuid/setgid/sticky,
 * security.capability, mtimes, holes of sparse files.
 *
 * Whiteouts are converted for overlayfs, which stacks the layers:
 * ".wh.NAME" becomes a character device 0/0 named NAME (unless NAME is an
 * entry of the same layer: a whiteout only hides lower layers), and
 * ".wh..wh..opq" sets trusted.overlay.opaque=y on its directory. */
#ifndef PERSONA_IMAGES_UNPACK_H
#define PERSONA_IMAGES_UNPACK_H

#include <stdint.h>
#include "common/error.h"

#define IMG_UNPACK_MAX_BYTES_DEFAULT (64ULL << 30)

struct img_unpack_opts {
	uint64_t max_bytes;   /* cap on the uncompressed layer; 0 = default (64 GiB) */
};

/* The diff ID (SHA-256 of the uncompressed tar stream) of the layer blob
 * at `path`; -1 + err when it cannot be decompressed or exceeds the cap. */
int img_layer_diff_id(const char *path, const struct img_unpack_opts *o, char diff_id[72], struct perr *err);

/* Unpack the layer blob at `blob` into the directory `dest`, which must
 * not exist: into a temp directory next to it, renamed to `dest` at the
 * end.  When `dest` appears meanwhile (a concurrent unpack of the same
 * chain ID), ours is dropped and that one kept.  On error nothing is left.
 * `what` names the layer in errors (they start with it). */
int img_unpack_layer(const char *blob, const char *dest, const struct img_unpack_opts *o, const char *what,
		     struct perr *err);

/* img_unpack_layer that also checks `diff_id` (image-spec config.md
 * rootfs.diff_ids: "sha256:" and the SHA-256 of the uncompressed tar
 * stream), hashed while the layer is unpacked: one pass over the blob
 * instead of img_layer_diff_id's and then the unpack's.  A mismatch is an
 * error, found at the end, and leaves nothing.  NULL: not checked.  As
 * img_unpack_layer, nothing is checked when `dest` exists already. */
int img_unpack_layer_verified(const char *blob, const char *dest, const char *diff_id,
			      const struct img_unpack_opts *o, const char *what, struct perr *err);

/* Remove the tree `name` below `dirfd` (fd-based: no path-length limit,
 * never follows a symlink).  A missing entry is success. */
int img_remove_tree_at(int dirfd, const char *name);

#endif
