/* persona: the container's root filesystem and mounts (see rootfs.h). */
#include "isolation/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"

struct mount_flag {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct mount_flag mount_flags[] = {
	{ "async", true, MS_SYNCHRONOUS },   { "atime", true, MS_NOATIME },
	{ "bind", false, MS_BIND },          { "defaults", false, 0 },
	{ "dev", true, MS_NODEV },           { "diratime", true, MS_NODIRATIME },
	{ "dirsync", false, MS_DIRSYNC },    { "exec", true, MS_NOEXEC },
	{ "mand", false, MS_MANDLOCK },      { "noatime", false, MS_NOATIME },
	{ "nodev", false, MS_NODEV },        { "nodiratime", false, MS_NODIRATIME },
	{ "noexec", false, MS_NOEXEC },      { "nomand", true, MS_MANDLOCK },
	{ "norelatime", true, MS_RELATIME }, { "nostrictatime", true, MS_STRICTATIME },
	{ "nosuid", false, MS_NOSUID },      { "rbind", false, MS_BIND | MS_REC },
	{ "relatime", false, MS_RELATIME },  { "remount", false, MS_REMOUNT },
	{ "ro", false, MS_RDONLY },          { "rw", true, MS_RDONLY },
	{ "silent", false, MS_SILENT },      { "strictatime", false, MS_STRICTATIME },
	{ "suid", true, MS_NOSUID },         { "sync", false, MS_SYNCHRONOUS },
};

static const struct mount_flag propagation_flags[] = {
	{ "private", false, MS_PRIVATE },   { "rprivate", false, MS_PRIVATE | MS_REC },
	{ "shared", false, MS_SHARED },     { "rshared", false, MS_SHARED | MS_REC },
	{ "slave", false, MS_SLAVE },       { "rslave", false, MS_SLAVE | MS_REC },
	{ "unbindable", false, MS_UNBINDABLE }, { "runbindable", false, MS_UNBINDABLE | MS_REC },
};

int rootfs_parse_options(const json_t *options, unsigned long *flags, unsigned long *propagation,
			 bool *bind, bool *recursive, char **data, struct perr *err)
{
	size_t i, dlen = 0;
	json_t *o;
	char *d = NULL;

	*flags = 0;
	*propagation = 0;
	*bind = false;
	*recursive = false;
	*data = NULL;
	json_array_foreach(options, i, o) {
		const char *s = json_string_value(o);
		bool known = false;

		if (!s) {
			free(d);
			return perr_set(err, 0, "options[%zu]: not a string", i);
		}
		for (size_t k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++) {
			if (strcmp(s, mount_flags[k].name))
				continue;
			if (mount_flags[k].clear)
				*flags &= ~mount_flags[k].flag;
			else
				*flags |= mount_flags[k].flag;
			if (mount_flags[k].flag & MS_BIND) {
				*bind = true;
				*recursive = (mount_flags[k].flag & MS_REC) != 0;
			}
			known = true;
		}
		for (size_t k = 0; k < sizeof(propagation_flags) / sizeof(propagation_flags[0]); k++) {
			if (!strcmp(s, propagation_flags[k].name)) {
				*propagation = propagation_flags[k].flag;
				known = true;
			}
		}
		if (known)
			continue;
		size_t n = strlen(s);
		char *nd = realloc(d, dlen + n + 2);
		if (!nd) {
			free(d);
			return perr_set(err, ENOMEM, "mount options");
		}
		d = nd;
		if (dlen)
			d[dlen++] = ',';
		memcpy(d + dlen, s, n + 1);
		dlen += n;
	}
	*flags &= ~(MS_BIND | MS_REC);
	*data = d;
	return 0;
}

int rootfs_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Make `path` exist as a directory or as an empty file, for a mount. */
static int make_mountpoint(const char *path, bool dir)
{
	char parent[PATH_MAX];
	char *slash;
	int fd, r;

	if (dir)
		return rootfs_mkdir_p(path, 0755);
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		r = rootfs_mkdir_p(parent, 0755);
		if (r < 0)
			return r;
	}
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		struct stat st;
		/* An existing directory or other node is fine; move_mount checks the type. */
		if (stat(path, &st) == 0)
			return 0;
		return -errno;
	}
	close(fd);
	return 0;
}

struct pending_bind {
	int fd;          /* detached mount tree from open_tree(2), -1 when unused */
	bool dir;
};

static unsigned long long ms_to_attr(unsigned long flags)
{
	unsigned long long a = 0;

	if (flags & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	return a;
}

/* Clone the bind source now, while the host's tree is still reachable. */
static int open_bind_source(const char *bundle, const json_t *m, size_t idx, struct pending_bind *pb,
			    struct perr *err)
{
	const char *src = json_str(m, "source"), *dst = json_str(m, "destination");
	unsigned long flags, prop;
	bool bind, rec;
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (!src)
		return perr_set(err, 0, "mounts[%zu] (%s): bind mount without a source", idx, dst);
	if (rootfs_parse_options(json_object_get(m, "options"), &flags, &prop, &bind, &rec, &data, err) < 0)
		return perr_prefix(err, "mounts[%zu]", idx);
	if (src[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", bundle, src);
	else
		snprintf(path, sizeof(path), "%s", src);
	fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (fd < 0)
		return perr_set(err, errno, "bind mount source \"%s\"", src);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return perr_set(err, e, "bind mount source \"%s\"", src);
	}
	unsigned long long set = ms_to_attr(flags);
	if (set) {
		struct mount_attr attr = { .attr_set = set };
		if (mount_setattr(fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0) {
			int e = errno;
			close(fd);
			return perr_set(err, e, "bind mount \"%s\": set attributes", src);
		}
	}
	pb->fd = fd;
	pb->dir = S_ISDIR(st.st_mode);
	return 0;
}

static bool is_bind(const json_t *m)
{
	const char *type = json_str(m, "type");
	size_t i;
	json_t *o;

	if (type && !strcmp(type, "bind"))
		return true;
	json_array_foreach(json_object_get(m, "options"), i, o) {
		const char *s = json_string_value(o);
		if (s && (!strcmp(s, "bind") || !strcmp(s, "rbind")))
			return true;
	}
	return false;
}

/* cgroup v1 (or hybrid): a tmpfs with one mount per hierarchy, as the
 * container's cgroup namespace shows it; pure v2: cgroup2 itself. */
static bool listed(const char *const *list, const char *s)
{
	if (!list)
		return true;
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static int mount_cgroups(const char *dst, unsigned long flags, const char *const *joined, struct perr *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024], dir[PATH_MAX];
	bool v1 = false, v2 = false;
	unsigned long cgflags = (flags | MS_NOSUID | MS_NODEV | MS_NOEXEC) & ~MS_RDONLY;
	unsigned long roflags = flags & MS_RDONLY;

	if (!f)
		return perr_set(err, errno, "/proc/self/cgroup");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3))
			v2 = true;
		else
			v1 = true;
	}
	if (!v1) {
		if (mount("cgroup2", dst, "cgroup2", cgflags | roflags, NULL) < 0)
			return perr_set(err, errno, "mount cgroup2 on %s", dst);
		return 0;
	}
	if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k") < 0)
		return perr_set(err, errno, "mount tmpfs on %s", dst);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *end;
		if (!ctrls)
			continue;
		ctrls++;
		end = strchr(ctrls, ':');
		if (!end)
			continue;
		*end = '\0';
		if (!*ctrls) {
			/* Hybrid: persona does not place the container in the
			 * controller-less unified hierarchy, so it is not shown. */
			if (!v2 || joined)
				continue;
			snprintf(dir, sizeof(dir), "%s/unified", dst);
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return perr_set(err, errno, "mkdir %s", dir);
			if (mount("cgroup2", dir, "cgroup2", cgflags | roflags, NULL) < 0)
				return perr_set(err, errno, "mount cgroup2 on %s", dir);
			continue;
		}
		const char *name = ctrls;
		char opts[256];
		if (!listed(joined, ctrls))
			continue;
		if (!strncmp(ctrls, "name=", 5)) {
			name = ctrls + 5;
			snprintf(opts, sizeof(opts), "none,%s", ctrls);
		} else {
			snprintf(opts, sizeof(opts), "%s", ctrls);
		}
		snprintf(dir, sizeof(dir), "%s/%s", dst, name);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return perr_set(err, errno, "mkdir %s", dir);
		if (mount("cgroup", dir, "cgroup", cgflags | roflags, opts) < 0)
			return perr_set(err, errno, "mount cgroup (%s) on %s", opts, dir);
	}
	if (roflags && mount(NULL, dst, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     "mode=755,size=64k") < 0)
		return perr_set(err, errno, "remount %s read-only", dst);
	return 0;
}

static int mount_one(const json_t *m, size_t idx, struct pending_bind *pb, const char *const *cgroups,
		     struct perr *err)
{
	const char *dst = json_str(m, "destination");
	const char *type = json_str(m, "type");
	const char *src = json_str(m, "source");
	unsigned long flags, prop;
	bool bind, rec;
	_cleanup_free_ char *data = NULL;
	int r;

	if (rootfs_parse_options(json_object_get(m, "options"), &flags, &prop, &bind, &rec, &data, err) < 0)
		return perr_prefix(err, "mounts[%zu]", idx);
	r = make_mountpoint(dst, pb->fd >= 0 ? pb->dir : true);
	if (r < 0)
		return perr_set(err, -r, "mount destination \"%s\"", dst);
	/* A destination that is a symlink in the image (Debian's /var/run)
	 * mounts where it points; after pivot_root that is inside the root. */
	char resolved[PATH_MAX];
	if (!realpath(dst, resolved))
		return perr_set(err, errno, "mount destination \"%s\"", dst);
	dst = resolved;
	if (pb->fd >= 0) {
		if (move_mount(pb->fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return perr_set(err, errno, "bind mount on \"%s\"", dst);
		close(pb->fd);
		pb->fd = -1;
	} else {
		if (type && !strcmp(type, "cgroup")) {
			if (mount_cgroups(dst, flags, cgroups, err) < 0)
				return -1;
		} else if (mount(src ? src : type, dst, type, flags, data) < 0) {
			return perr_set(err, errno, "mount %s on \"%s\"", type ? type : "(none)", dst);
		}
	}
	if (prop && mount(NULL, dst, NULL, prop, NULL) < 0)
		return perr_set(err, errno, "mount propagation of \"%s\"", dst);
	return 0;
}

struct default_dev {
	const char *path;
	unsigned maj, min;
};

static const struct default_dev default_devs[] = {
	{ "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static int make_device(const char *path, mode_t type, unsigned maj, unsigned min, mode_t perm, uid_t uid,
		       gid_t gid, struct perr *err)
{
	if (path[0] != '/' || strncmp(path, "/dev/", 5))
		return perr_set(err, 0, "device \"%s\": not below /dev", path);
	if (mknod(path, type | perm, makedev(maj, min)) < 0 && errno != EEXIST)
		return perr_set(err, errno, "mknod %s", path);
	if (chmod(path, perm) < 0 || chown(path, uid, gid) < 0)
		return perr_set(err, errno, "device %s", path);
	return 0;
}

static int make_devices(const json_t *spec, struct perr *err)
{
	const json_t *devs = json_object_get(json_object_get(spec, "linux"), "devices");
	size_t i;
	json_t *d;
	mode_t old = umask(0);
	int r = 0;

	for (i = 0; i < sizeof(default_devs) / sizeof(default_devs[0]) && r == 0; i++)
		r = make_device(default_devs[i].path, S_IFCHR, default_devs[i].maj, default_devs[i].min, 0666, 0, 0,
				err);
	json_array_foreach(devs, i, d) {
		const char *path = json_str(d, "path"), *type = json_str(d, "type");
		mode_t t;
		if (r < 0)
			break;
		if (!path || !type) {
			r = perr_set(err, 0, "linux.devices[%zu]: path and type are required", i);
			break;
		}
		if (!strcmp(type, "c") || !strcmp(type, "u"))
			t = S_IFCHR;
		else if (!strcmp(type, "b"))
			t = S_IFBLK;
		else if (!strcmp(type, "p"))
			t = S_IFIFO;
		else {
			r = perr_set(err, 0, "linux.devices[%zu]: unknown type \"%s\"", i, type);
			break;
		}
		r = make_device(path, t, (unsigned)json_int(d, "major", 0), (unsigned)json_int(d, "minor", 0),
				(mode_t)json_int(d, "fileMode", 0666) & 07777, (uid_t)json_int(d, "uid", 0),
				(gid_t)json_int(d, "gid", 0), err);
	}
	umask(old);
	if (r < 0)
		return r;

	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },    { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
		{ "pts/ptmx", "/dev/ptmx" },
	};
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
			return perr_set(err, errno, "symlink %s", links[i][1]);
	return 0;
}

static int mask_paths(const json_t *spec, struct perr *err)
{
	const json_t *lin = json_object_get(spec, "linux");
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(lin, "maskedPaths"), i, p) {
		const char *path = json_string_value(p);
		struct stat st;
		if (!path || stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0,mode=755") < 0)
				return perr_set(err, errno, "mask %s", path);
		} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
			return perr_set(err, errno, "mask %s", path);
		}
	}
	json_array_foreach(json_object_get(lin, "readonlyPaths"), i, p) {
		const char *path = json_string_value(p);
		if (!path || access(path, F_OK) < 0)
			continue;
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			return perr_set(err, errno, "make %s read-only", path);
	}
	return 0;
}

/* "/a:/b:/c": absolute, non-empty, no ',' (the mount option separator). */
static bool valid_lowerdirs(const char *s)
{
	if (strchr(s, ','))
		return false;
	for (const char *p = s; *p;) {
		const char *end = strchrnul(p, ':');
		if (*p != '/' || end == p + 1)
			return false;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return false;
	}
	return *s != '\0';
}

static int mount_root(const json_t *spec, const char *bundle, bool overlay, char *merged, size_t len,
		      struct perr *err)
{
	const json_t *root = json_object_get(spec, "root");
	const char *path = json_str(root, "path");
	char lower[PATH_MAX];

	if (!path)
		return perr_set(err, 0, "root.path is required");
	if (path[0] == '/')
		snprintf(lower, sizeof(lower), "%s", path);
	else
		snprintf(lower, sizeof(lower), "%s/%s", bundle, path);
	if (!overlay) {
		snprintf(merged, len, "%s", lower);
		if (mount(lower, lower, NULL, MS_BIND | MS_REC, NULL) < 0)
			return perr_set(err, errno, "root \"%s\"", lower);
		return 0;
	}
	/* An image: its layers, top first, as overlayfs's lowerdir list. */
	const char *layers = json_str(json_object_get(spec, "annotations"), "io.persona.rootfs.lowerdirs");
	if (layers) {
		if (!valid_lowerdirs(layers) || strlen(layers) >= sizeof(lower))
			return perr_set(err, 0, "annotation io.persona.rootfs.lowerdirs \"%.200s\": not a list of "
					"absolute paths that fits a mount", layers);
		snprintf(lower, sizeof(lower), "%s", layers);
	} else if (strchr(lower, ',') || strchr(lower, ':')) {
		return perr_set(err, 0, "root \"%s\": a path with ',' or ':' cannot be an overlay layer", lower);
	}
	char data[3 * PATH_MAX + 64];
	snprintf(merged, len, "%s/rootfs.merged", bundle);
	snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, bundle, bundle);
	if (mount("overlay", merged, "overlay", 0, data) < 0)
		return perr_set(err, errno, "overlay root over \"%s\"", lower);
	return 0;
}

int rootfs_setup(const json_t *spec, const char *bundle, bool overlay, const char *const *cgroups,
		 struct perr *err)
{
	const json_t *mounts = json_object_get(spec, "mounts");
	const char *propagation = json_str(json_object_get(spec, "linux"), "rootfsPropagation");
	size_t n = json_array_size(mounts), i;
	char merged[PATH_MAX];
	int r = -1;
	struct pending_bind *pb = calloc(n + 1, sizeof(*pb));

	if (!pb)
		return perr_set(err, ENOMEM, "mounts");
	for (i = 0; i < n; i++)
		pb[i].fd = -1;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		perr_set(err, errno, "make / a slave mount");
		goto out;
	}
	if (mount_root(spec, bundle, overlay, merged, sizeof(merged), err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *m = json_array_get(mounts, i);
		const char *dst = json_str(m, "destination");
		if (!dst || dst[0] != '/') {
			perr_set(err, 0, "mounts[%zu]: destination \"%s\" is not an absolute path", i,
				 dst ? dst : "");
			goto out;
		}
		if (is_bind(m) && open_bind_source(bundle, m, i, &pb[i], err) < 0)
			goto out;
	}

	if (chdir(merged) < 0) {
		perr_set(err, errno, "chdir %s", merged);
		goto out;
	}
	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * lazy unmount then drops every host mount from this namespace. */
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		perr_set(err, errno, "pivot_root to %s", merged);
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		perr_set(err, errno, "detach the old root");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (mount_one(json_array_get(mounts, i), i, &pb[i], cgroups, err) < 0)
			goto out;
	if (make_devices(spec, err) < 0 || mask_paths(spec, err) < 0)
		goto out;
	if (propagation) {
		unsigned long fl, prop;
		bool b, rec;
		char *d = NULL;
		json_t *a = json_pack("[s]", propagation);
		int pr = rootfs_parse_options(a, &fl, &prop, &b, &rec, &d, err);
		json_decref(a);
		free(d);
		if (pr < 0 || !prop) {
			perr_set(err, 0, "linux.rootfsPropagation \"%s\": unknown", propagation);
			goto out;
		}
		if (mount(NULL, "/", NULL, prop, NULL) < 0) {
			perr_set(err, errno, "rootfs propagation %s", propagation);
			goto out;
		}
	}
	if (json_bool(json_object_get(spec, "root"), "readonly", false) &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
		perr_set(err, errno, "make the root read-only");
		goto out;
	}
	r = 0;
out:
	for (i = 0; i < n; i++)
		if (pb[i].fd >= 0)
			close(pb[i].fd);
	free(pb);
	return r;
}
