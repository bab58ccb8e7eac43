/* persona: the container's user from its own /etc/passwd and /etc/group
 * (see user.h). */
#include "isolation/user.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/* runc's limits for ids from a user spec or a database line. */
#define ID_MAX 2147483647u
/* A real /etc/group with thousands of members is well under 1 MiB. */
#define DB_MAX_BYTES (32u << 20)

struct span {
	const char *p;
	size_t n;
};

/* A passwd or group database read whole from the root filesystem. */
struct db {
	const char *path;  /* "/etc/passwd", for messages */
	char *buf;
	size_t len;
	bool present;
};

static void db_free(struct db *db)
{
	free(db->buf);
	db->buf = NULL;
}

static int open_in_root(int rootfd, const char *rel, int *fd_out, struct perr *err)
{
	/* O_NONBLOCK: a FIFO planted at etc/passwd must not hang us. */
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int tries = 0;

	do {
		/* EAGAIN: a concurrent rename inside the root; try again. */
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN && ++tries < 16);
	if (fd < 0 && errno == ENOSYS)
		return perr_set(err, 0, "open /%s in the root filesystem: openat2 needs Linux 5.6 or later", rel);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		*fd_out = -1;
		return 0;
	}
	if (fd < 0)
		return perr_set(err, errno, "open /%s in the root filesystem", rel);
	*fd_out = (int)fd;
	return 0;
}

static int db_read(int rootfd, const char *rel, struct db *db, struct perr *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t cap = 0;

	db->path = rel;
	db->buf = NULL;
	db->len = 0;
	db->present = false;
	if (open_in_root(rootfd, rel, &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return perr_set(err, errno, "stat /%s in the root filesystem", rel);
	if (!S_ISREG(st.st_mode))
		return perr_set(err, 0, "/%s in the root filesystem is not a regular file", rel);
	for (;;) {
		ssize_t n;
		if (cap - db->len < 4096) {
			char *nb;
			cap = cap ? cap * 2 : 16384;
			nb = realloc(db->buf, cap);
			if (!nb) {
				db_free(db);
				return perr_set(err, ENOMEM, "read /%s", rel);
			}
			db->buf = nb;
		}
		n = read(fd, db->buf + db->len, cap - db->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			db_free(db);
			return perr_set(err, errno, "read /%s in the root filesystem", rel);
		}
		if (n == 0)
			break;
		db->len += (size_t)n;
		if (db->len > DB_MAX_BYTES) {
			db_free(db);
			return perr_set(err, 0, "/%s in the root filesystem is larger than %u MiB",
					rel, DB_MAX_BYTES >> 20);
		}
	}
	db->present = true;
	return 0;
}

/* Next line of the database, trimmed of surrounding white space (as runc
 * does); false at the end. */
static bool db_next_line(const struct db *db, size_t *pos, struct span *line)
{
	while (*pos < db->len) {
		const char *start = db->buf + *pos;
		const char *nl = memchr(start, '\n', db->len - *pos);
		size_t n = nl ? (size_t)(nl - start) : db->len - *pos;

		*pos += n + (nl ? 1 : 0);
		while (n > 0 && (*start == ' ' || *start == '\t')) {
			start++;
			n--;
		}
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t' || start[n - 1] == '\r'))
			n--;
		/* NIS "+"/"-" entries refer to another database; we do not
		 * follow them.  A NUL would cut a name short in C strings. */
		if (n == 0 || *start == '#' || *start == '+' || *start == '-' || memchr(start, '\0', n))
			continue;
		line->p = start;
		line->n = n;
		return true;
	}
	return false;
}

/* Split a line at ':' into at most `max` fields; returns the count. */
static size_t split_fields(struct span line, struct span *f, size_t max)
{
	size_t k = 0;
	const char *p = line.p, *end = line.p + line.n;

	while (k < max) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		f[k].p = p;
		f[k].n = c ? (size_t)(c - p) : (size_t)(end - p);
		k++;
		if (!c)
			break;
		p = c + 1;
	}
	return k;
}

/* A decimal id 0..ID_MAX; false for anything else. */
static bool span_id(struct span s, uint32_t *id)
{
	uint64_t v = 0;

	if (s.n == 0 || s.n > 10)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > ID_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

static bool span_eq(struct span s, const char *str)
{
	return strlen(str) == s.n && !memcmp(s.p, str, s.n);
}

struct pw_entry {
	struct span name, home;
	uint32_t uid, gid;
};

/* passwd(5): name:password:UID:GID:GECOS:directory:shell */
static bool pw_parse(struct span line, struct pw_entry *e)
{
	struct span f[7] = { 0 };
	size_t n = split_fields(line, f, 7);

	if (n < 4 || f[0].n == 0 || !span_id(f[2], &e->uid) || !span_id(f[3], &e->gid))
		return false;
	e->name = f[0];
	e->home = n > 5 ? f[5] : (struct span){ "", 0 };
	return true;
}

struct gr_entry {
	struct span name, members;
	uint32_t gid;
};

/* group(5): group_name:password:GID:user_list */
static bool gr_parse(struct span line, struct gr_entry *e)
{
	struct span f[4] = { 0 };
	size_t n = split_fields(line, f, 4);

	if (n < 3 || f[0].n == 0 || !span_id(f[2], &e->gid))
		return false;
	e->name = f[0];
	e->members = n > 3 ? f[3] : (struct span){ "", 0 };
	return true;
}

static bool members_include(struct span list, struct span name)
{
	const char *p = list.p, *end = list.p + list.n;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t n = c ? (size_t)(c - p) : (size_t)(end - p);
		if (n == name.n && !memcmp(p, name.p, n))
			return true;
		p += n + 1;
	}
	return false;
}

/* A spec part as an id: 1 when numeric, 0 when a name, -1 on a number
 * out of range (error filled). */
static int spec_id(const char *spec, const char *part, const char *what, uint32_t *id,
		   struct perr *err)
{
	size_t n = strlen(part);

	if (n == 0 || strspn(part, "0123456789") != n)
		return 0;
	if (!span_id((struct span){ part, n }, id))
		return perr_set(err, 0, "user \"%s\": %s %s out of range (0 to %u)",
				spec, what, part, ID_MAX);
	return 1;
}

static int add_group(struct user_ids *out, gid_t gid, struct perr *err)
{
	gid_t *g;

	for (size_t i = 0; i < out->ngroups; i++)
		if (out->groups[i] == gid)
			return 0;
	g = realloc(out->groups, (out->ngroups + 1) * sizeof(*g));
	if (!g)
		return perr_set(err, ENOMEM, "supplementary groups");
	out->groups = g;
	out->groups[out->ngroups++] = gid;
	return 0;
}

static int resolve_group(int rootfd, const char *spec, const char *group_arg,
			 struct user_ids *out, struct perr *err)
{
	struct db db;
	struct span line;
	size_t pos = 0;
	uint32_t gid = 0;
	int numeric = spec_id(spec, group_arg, "gid", &gid, err);

	if (numeric < 0 || db_read(rootfd, "etc/group", &db, err) < 0)
		return -1;
	while (db_next_line(&db, &pos, &line)) {
		struct gr_entry e;
		if (!gr_parse(line, &e))
			continue;
		if (numeric ? e.gid == gid : span_eq(e.name, group_arg)) {
			out->gid = e.gid;
			db_free(&db);
			return 0;
		}
	}
	db_free(&db);
	if (!numeric)
		return perr_set(err, 0, "user \"%s\": group \"%s\" not found in the container's /etc/group%s",
				spec, group_arg, db.present ? "" : " (there is no /etc/group)");
	out->gid = gid;
	return 0;
}

static int supplementary_groups(int rootfd, struct span user, struct user_ids *out,
				struct perr *err)
{
	struct db db;
	struct span line;
	size_t pos = 0;
	int ret = 0;

	if (db_read(rootfd, "etc/group", &db, err) < 0)
		return -1;
	while (ret == 0 && db_next_line(&db, &pos, &line)) {
		struct gr_entry e;
		if (gr_parse(line, &e) && members_include(e.members, user))
			ret = add_group(out, e.gid, err);
	}
	db_free(&db);
	return ret;
}

static int resolve(int rootfd, const char *spec, const char *user_arg, const char *group_arg,
		   struct user_ids *out, struct perr *err)
{
	struct db pw;
	struct span line, home = { "", 0 };
	_cleanup_free_ char *name = NULL;
	size_t pos = 0;
	uint32_t uid = 0;
	bool found = false;
	int numeric = *user_arg ? spec_id(spec, user_arg, "uid", &uid, err) : 1;

	if (numeric < 0 || db_read(rootfd, "etc/passwd", &pw, err) < 0)
		return -1;
	while (!found && db_next_line(&pw, &pos, &line)) {
		struct pw_entry e;
		if (!pw_parse(line, &e))
			continue;
		if (numeric ? e.uid == uid : span_eq(e.name, user_arg)) {
			found = true;
			out->uid = e.uid;
			out->gid = e.gid;
			home = e.home;
			name = strndup(e.name.p, e.name.n);
			out->home = home.n ? strndup(home.p, home.n) : strdup("/");
			if (!name || !out->home) {
				db_free(&pw);
				return perr_set(err, ENOMEM, "user \"%s\"", spec);
			}
		}
	}
	db_free(&pw);
	if (!found) {
		if (!numeric)
			return perr_set(err, 0, "user \"%s\" not found in the container's /etc/passwd%s",
					user_arg, pw.present ? "" : " (there is no /etc/passwd)");
		out->uid = uid;
		out->gid = 0;
		out->home = strdup("/");
		if (!out->home)
			return perr_set(err, ENOMEM, "user \"%s\"", spec);
	}
	/* runc: an explicit group replaces the gid and means no
	 * supplementary groups; those come only with the implicit form. */
	if (*group_arg)
		return resolve_group(rootfd, spec, group_arg, out, err);
	if (found)
		return supplementary_groups(rootfd, (struct span){ name, strlen(name) }, out, err);
	return 0;
}

int user_resolve(int rootfd, const char *spec, struct user_ids *out, struct perr *err)
{
	_cleanup_free_ char *user_arg = NULL;
	const char *colon, *group_arg = "";

	memset(out, 0, sizeof(*out));
	if (!spec)
		spec = "";
	colon = strchr(spec, ':');
	if (colon) {
		group_arg = colon + 1;
		if (strchr(group_arg, ':'))
			return perr_set(err, 0, "user \"%s\": too many ':' (want user[:group])", spec);
	}
	user_arg = strndup(spec, colon ? (size_t)(colon - spec) : strlen(spec));
	if (!user_arg)
		return perr_set(err, ENOMEM, "user \"%s\"", spec);
	if (resolve(rootfd, spec, user_arg, group_arg, out, err) < 0) {
		user_ids_free(out);
		return -1;
	}
	return 0;
}

void user_ids_free(struct user_ids *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof(*u));
}
