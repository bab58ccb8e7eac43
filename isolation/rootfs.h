/* persona: the container's root filesystem and mounts.
 *
 * Follows the OCI runtime-spec config.md "Root" and "Mounts",
 * config-linux.md "Devices", "Default Devices", "Masked Paths",
 * "Readonly Paths", "Rootfs Mount Propagation", and pivot_root(2).
 */
#ifndef PERSONA_ISOLATION_ROOTFS_H
#define PERSONA_ISOLATION_ROOTFS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "common/error.h"

/* Build the container's root and enter it.  Runs in the container's init
 * process, inside its new mount namespace (and after the cgroup
 * namespace was made, so cgroup mounts show the container's own cgroup).
 *
 *   spec     the OCI config (root, mounts, linux.devices, maskedPaths,
 *            readonlyPaths, linux.rootfsPropagation)
 *   bundle   absolute path of the bundle directory; relative root.path
 *            and relative mount sources are taken from here
 *   overlay  when true, root.path is a read-only lower directory and the
 *            root is an overlay whose upper and work directories are
 *            BUNDLE/upper and BUNDLE/work, mounted at BUNDLE/rootfs.merged;
 *            root.path itself is never written
 *   cgroups  the v1 hierarchies to show at a "cgroup" mount, as their
 *            /proc/self/cgroup controller fields ("memory", "cpu,cpuacct"),
 *            NULL-terminated: those the container joined (the others would
 *            show the caller's cgroup tree); NULL shows every hierarchy
 *
 * On return the process's root and working directory are the container's
 * root.  Bind sources are opened before pivot_root and attached after it,
 * so every destination is resolved inside the new root and a symlink in
 * the image cannot point a mount outside it.  -1 + err naming the mount
 * on failure (the mount namespace is then simply discarded). */
int rootfs_setup(const json_t *spec, const char *bundle, bool overlay, const char *const *cgroups,
		 struct perr *err);

/* mkdir -p `path` with `mode` for the directories it makes, resolved
 * against the calling process's root (after rootfs_setup(), the
 * container's).  0 or -errno. */
int rootfs_mkdir_p(const char *path, mode_t mode);

/* Parse an OCI mount "options" array into mount(2) flags, propagation
 * flags and the filesystem-specific data string (comma-joined leftovers).
 * `data` is malloc'd (NULL when none).  Unknown options go to data, as the
 * kernel is the judge of filesystem options.  -1 + err on a non-string. */
int rootfs_parse_options(const json_t *options, unsigned long *flags, unsigned long *propagation,
			 bool *bind, bool *recursive, char **data, struct perr *err);

#endif
