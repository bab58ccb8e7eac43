/* persona: the container's user, from docker's -u/--user (or the image's
 * "User") and the container's own /etc/passwd and /etc/group.
 *
 * Follows runc's libcontainer/user GetExecUser, which dockerd and runc
 * both use, so `persona run -u X` gets the ids `docker run -u X` gets.
 */
#ifndef PERSONA_ISOLATION_USER_H
#define PERSONA_ISOLATION_USER_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* The ids and home directory the workload runs with. */
struct user_ids {
	uid_t uid;
	gid_t gid;           /* primary group */
	gid_t *groups;       /* supplementary groups, malloc'd; NULL when none */
	size_t ngroups;
	char *home;          /* for $HOME: malloc'd, never NULL after success */
};

/* Resolve a user spec against the root filesystem.
 *
 * rootfd: a directory fd (O_PATH is enough) of the root filesystem.
 * Its etc/passwd and etc/group are opened with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS): symlinks (even "/etc/passwd -> /../../x") stay
 * inside the root.  A missing file is an empty database; one that is not
 * a regular file, or is larger than 32 MiB, is an error.
 *
 * spec: "user[:group]", each part a name or a decimal id (0..2^31-1);
 * NULL or "" means root.  An empty user part ("" or ":group") means uid 0.
 * The user part:
 *   - a number matches the first passwd line with that uid; with no such
 *     line it is used as is, with gid 0 and home "/";
 *   - a name must match a passwd line (first match wins);
 *   the passwd line gives uid, gid and home (an empty home field is "/").
 * The group part, when present, replaces the gid: a number is used as is
 * (or the first group line with it), a name must match a group line; and
 * then there are no supplementary groups.
 * Without a group part, and when a passwd line matched, the supplementary
 * groups are every group line whose member list names that user, in file
 * order, without duplicates (the primary gid is not added).
 *
 * Bad lines are skipped: fewer fields than uid:gid (passwd) or gid
 * (group), an empty name, a non-numeric or out-of-range id, a NUL byte.
 * Blank lines and lines starting with '#', '+' or '-' are skipped too.
 *
 * Out: *out filled; release with user_ids_free().  On error *out is
 * left zeroed.
 * Errors: malformed spec ("a:b:c", id out of range); a user or group name
 * that is not found (the message names it and the file); I/O errors. */
int user_resolve(int rootfd, const char *spec, struct user_ids *out, struct perr *err);

/* Release what user_resolve() allocated; safe on a zeroed struct. */
void user_ids_free(struct user_ids *u);

#endif
