/* persona: what the cgroup files share (cgroup.c, cgroup_resources.c,
 * cgroup_v1.c, cgroup_v2.c); private to isolation/cgroup*.c.
 *
 * cgroup.c owns the host's hierarchies and the container's directories;
 * cgroup_resources.c turns linux.resources into `struct limits`;
 * cgroup_v1.c and cgroup_v2.c write those limits.  Names carry pcg_ (not
 * libcgroup's cgroup_ or cg_), as they are global in libpersona.a.
 * Errors: as in cgroup.h, -1 and `err` filled, naming file and value.
 */
#ifndef PERSONA_ISOLATION_CGROUP_PRIVATE_H
#define PERSONA_ISOLATION_CGROUP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "isolation/cgroup.h"

#define MAX_HIER 16

/* One mounted hierarchy of this host, found once per process. */
struct hier {
	char *key;   /* controller field of /proc/self/cgroup ("memory", "cpu,cpuacct"); "unified" for v2 */
	char *ctrl;  /* v1: libcgroup's name for the hierarchy (a controller in it); NULL: v2 */
	char *mount; /* mount point */
	char *root;  /* the hierarchy path mounted there (mountinfo field 4), usually "/" */
};

/* The container's directory in one hierarchy. */
struct cgdir {
	const struct hier *h;
	char *rel;  /* below the mount, no leading '/': libcgroup's group name */
	char *path; /* mount + "/" + rel */
	bool made;  /* made by pcgroup_create: removed again when it fails */
};

struct pcgroup {
	int n;
	struct cgdir d[MAX_HIER];
};

/* OCI linux.resources, with runc's conventions: 0 = not set, -1 = unlimited. */
struct limits {
	long long mem, swap, shares, quota, period, pids;
	const char *cpus, *mems;
	const json_t *devices;
};

static inline bool is_number(const char *s)
{
	return s[strspn(s, "-0123456789")] == '\0';
}

/* ---- cgroup.c ---- */

/* Write `s` to dir/file (one write); -1 with errno on failure. */
int pcg_write_str(const char *dir, const char *file, const char *s);

/* Read dir/file into buf (NUL-terminated, trailing newline cut); -1 on error. */
int pcg_read_str(const char *dir, const char *file, char *buf, size_t len);

/* Is `tok` one of the `sep`-separated items of `list`? */
bool pcg_has_token(const char *list, const char *tok, char sep);

/* The container's v1 directory in the hierarchy holding controller `ctrl`;
 * NULL when it has none. */
struct cgdir *pcg_dir_with(const struct pcgroup *cg, const char *ctrl);

/* ---- cgroup_resources.c ---- */

/* Check `res` (OCI linux.resources; NULL or JSON null: no limits) into *l. */
int pcg_parse_limits(const json_t *res, struct limits *l, struct perr *err);

/* ---- cgroup_v1.c ---- */

/* Write `value` to d/file; the error names the hierarchy, file and value. */
int pcg_v1_set(const struct cgdir *d, const char *file, const char *value, struct perr *err);

/* Apply `l` to the container's v1 directories. */
int pcg_v1_apply(const struct pcgroup *cg, const struct limits *l, struct perr *err);

/* ---- cgroup_v2.c ---- */

/* Apply `l` to `d`, the container's unified directory on a pure v2 host. */
int pcg_v2_apply(const struct cgdir *d, const struct limits *l, struct perr *err);

#endif
