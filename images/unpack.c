/* persona images: layer unpacking (see unpack.h; image-spec layer.md). */
#include "images/unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "common/cleanup.h"

#define MAX_PATH_BYTES 4095
#define MAX_COMPONENTS 256
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct ctx {
	struct archive *a;
	int root;
	uint64_t max, written;
	const char *what;
	bool is_root;
	struct perr *err;
};

static uint64_t cap_of(const struct img_unpack_opts *o)
{
	return o && o->max_bytes ? o->max_bytes : IMG_UNPACK_MAX_BYTES_DEFAULT;
}

static struct archive *open_layer(const char *path, bool raw, struct perr *err)
{
	struct archive *a = archive_read_new();

	if (!a)
		return perr_set(err, ENOMEM, "libarchive"), NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	if (raw)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		perr_set(err, 0, "%s", archive_error_string(a) ? archive_error_string(a) : "cannot open");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int img_layer_diff_id(const char *path, const struct img_unpack_opts *o, char diff_id[72], struct perr *err)
{
	struct archive *a = open_layer(path, true, err);
	struct archive_entry *e;
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	uint64_t total = 0, cap = cap_of(o);
	EVP_MD_CTX *md;
	char buf[1 << 16];
	la_ssize_t k;

	if (!a)
		return -1;
	if (archive_read_next_header(a, &e) != ARCHIVE_OK) {
		perr_set(err, 0, "%s", archive_error_string(a) ? archive_error_string(a) : "empty layer");
		archive_read_free(a);
		return -1;
	}
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((k = archive_read_data(a, buf, sizeof(buf))) > 0) {
		total += (uint64_t)k;
		if (total > cap) {
			EVP_MD_CTX_free(md);
			archive_read_free(a);
			return perr_set(err, 0, "expands to more than %llu bytes (the cap on one layer)",
					(unsigned long long)cap);
		}
		EVP_DigestUpdate(md, buf, (size_t)k);
	}
	if (k < 0) {
		perr_set(err, 0, "corrupt or truncated: %s", archive_error_string(a));
		EVP_MD_CTX_free(md);
		archive_read_free(a);
		return -1;
	}
	EVP_DigestFinal_ex(md, bin, &n);
	EVP_MD_CTX_free(md);
	archive_read_free(a);
	memcpy(diff_id, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++)
		snprintf(diff_id + 7 + 2 * i, 3, "%02x", bin[i]);
	return 0;
}

/* ---- removal without paths ---- */

int img_remove_tree_at(int at, const char *name)
{
	struct stat sb;
	int fd;
	DIR *d;
	struct dirent *de;

	if (fstatat(at, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(at, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (img_remove_tree_at(dirfd(d), de->d_name) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

/* ---- paths ---- */

/* Normalise a path from the archive: "./a//b/" -> "a/b"; "" is the root.
 * Absolute paths and ".." components are refused, not rewritten. */
static char *clean_path(const char *in, const char *kind, struct ctx *c)
{
	size_t n = strlen(in), comps = 0;
	char *out, *o;
	const char *p = in;

	if (in[0] == '/')
		return perr_set(c->err, 0, "%s \"%s\": absolute path", kind, in), NULL;
	if (n > MAX_PATH_BYTES)
		return perr_set(c->err, 0, "%s \"%.64s...\": path longer than %d bytes", kind, in,
				MAX_PATH_BYTES), NULL;
	out = o = malloc(n + 2);   /* +1: split_base may shift it right */
	if (!out)
		return perr_set(c->err, ENOMEM, "%s", kind), NULL;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return perr_set(c->err, 0, "%s \"%s\": \"..\" in path", kind, in), NULL;
		}
		if (len > NAME_MAX) {
			free(out);
			return perr_set(c->err, 0, "%s \"%.64s...\": a component longer than %d bytes", kind, in,
					NAME_MAX), NULL;
		}
		if (len && !(len == 1 && p[0] == '.')) {
			if (++comps > MAX_COMPONENTS) {
				free(out);
				return perr_set(c->err, 0, "%s \"%.64s...\": deeper than %d components", kind, in,
						MAX_COMPONENTS), NULL;
			}
			if (o != out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	*o = '\0';
	return out;
}

static int open_beneath(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

/* Open the directory `rel` (components separated by '/') below the root,
 * one component at a time, never through a symlink; with `create`, make
 * missing directories (0755, as tar does).  O_PATH fd or -1 + err. */
static int open_dir(struct ctx *c, const char *rel, bool create, const char *entry)
{
	int fd = open_beneath(c->root, ".", O_PATH | O_DIRECTORY);
	char comp[NAME_MAX + 1];
	const char *p = rel;
	struct stat sb;

	if (fd < 0)
		return perr_set(c->err, errno, "layer root");
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int next;

		memcpy(comp, p, len);
		comp[len] = '\0';
		next = open_beneath(fd, comp, O_PATH | O_DIRECTORY);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int er = errno;
				close(fd);
				return perr_set(c->err, er, "entry \"%s\": mkdir \"%s\"", entry, comp);
			}
			next = open_beneath(fd, comp, O_PATH | O_DIRECTORY);
		}
		if (next < 0) {
			int er = errno;
			if (er == ENOTDIR && fstatat(fd, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
				er = ELOOP;
			close(fd);
			if (er == ELOOP || er == EXDEV)
				return perr_set(c->err, 0, "entry \"%s\": \"%s\" is a symlink; refusing to write "
						"through it", entry, comp);
			if (er == ENOTDIR)
				return perr_set(c->err, 0, "entry \"%s\": \"%s\" is not a directory", entry, comp);
			return perr_set(c->err, er, "entry \"%s\": \"%s\"", entry, comp);
		}
		close(fd);
		fd = next;
		p += len;
		if (*p == '/')
			p++;
	}
	return fd;
}

/* Split "a/b/c" into parent "a/b" (in place) and base "c". */
static const char *split_base(char *rel)
{
	char *s = strrchr(rel, '/');
	if (!s) {
		memmove(rel + 1, rel, strlen(rel) + 1);
		rel[0] = '\0';
		return rel + 1;
	}
	*s = '\0';
	return s + 1;
}

/* ---- entries ---- */

static int check_xattrs(struct ctx *c, struct archive_entry *e, const char *path)
{
	const char *name;
	const void *val;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &size) == ARCHIVE_OK)
		if (!strncmp(name, "trusted.overlay.", 16))
			return perr_set(c->err, 0, "entry \"%s\": xattr \"%s\" refused (it would steer overlayfs)",
					path, name);
	return 0;
}

static int apply_xattrs(struct ctx *c, struct archive_entry *e, int fd, const char *path)
{
	const char *name;
	const void *val;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &size) == ARCHIVE_OK) {
		if (strcmp(name, "security.capability") && strncmp(name, "user.", 5))
			continue;
		if (fsetxattr(fd, name, val, size, 0) < 0 && errno != ENOTSUP)
			return perr_set(c->err, errno, "entry \"%s\": xattr \"%s\"", path, name);
	}
	return 0;
}

/* Owner, xattrs, mode, mtime, in that order: chown clears setuid bits and
 * security.capability, so those come after it. */
static int apply_meta(struct ctx *c, struct archive_entry *e, int fd, const char *path, bool xattrs)
{
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2] = { { archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
				  { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };

	if (c->is_root && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return perr_set(c->err, errno, "entry \"%s\": chown", path);
	if (xattrs && apply_xattrs(c, e, fd, path) < 0)
		return -1;
	if (fchmod(fd, mode) < 0)
		return perr_set(c->err, errno, "entry \"%s\": chmod", path);
	if (futimens(fd, ts) < 0)
		return perr_set(c->err, errno, "entry \"%s\": times", path);
	return 0;
}

static int write_data(struct ctx *c, int fd, const char *path, int64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(c->a, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;
		c->written += len;
		if (c->written > c->max)
			return perr_set(c->err, 0, "entry \"%s\": layer expands to more than %llu bytes (the cap "
					"on one layer)", path, (unsigned long long)c->max);
		if (len && lseek(fd, off, SEEK_SET) < 0)
			return perr_set(c->err, errno, "entry \"%s\": seek", path);
		while (len) {
			ssize_t k = write(fd, p, len);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return perr_set(c->err, k < 0 ? errno : EIO, "entry \"%s\": write", path);
			p += k;
			len -= (size_t)k;
		}
	}
	if (r != ARCHIVE_EOF)
		return perr_set(c->err, 0, "entry \"%s\": %s", path, archive_error_string(c->a));
	/* Holes at the end of a sparse file. */
	if (ftruncate(fd, size) < 0)
		return perr_set(c->err, errno, "entry \"%s\": truncate", path);
	return 0;
}

static int whiteout(struct ctx *c, int pfd, const char *base, const char *path)
{
	const char *name = base + strlen(WH_PREFIX);
	struct stat sb;

	if (!strcmp(base, WH_OPAQUE)) {
		_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return perr_set(c->err, errno, "entry \"%s\": opaque directory (trusted.overlay.opaque)", path);
		return 0;
	}
	if (!strncmp(name, WH_PREFIX, strlen(WH_PREFIX)))
		return 0;   /* other .wh..wh. meta files (aufs' .wh..wh.plnk): ignored, as docker does */
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return perr_set(c->err, 0, "entry \"%s\": invalid whiteout", path);
	if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;   /* an entry of this same layer: a whiteout only hides lower layers */
	if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		return perr_set(c->err, errno, "entry \"%s\": whiteout (character device 0/0)", path);
	return 0;
}

static int make_node(struct ctx *c, struct archive_entry *e, int pfd, const char *base, const char *path)
{
	mode_t type = archive_entry_filetype(e);
	const char *hl = archive_entry_hardlink(e);
	_cleanup_close_ int fd = -1;

	if (hl) {
		_cleanup_free_ char *t = clean_path(hl, "hard link target", c);
		_cleanup_close_ int tpfd = -1;
		const char *tbase;
		struct stat sb;

		if (!t)
			return perr_prefix(c->err, "entry \"%s\"", path);
		if (!*t)
			return perr_set(c->err, 0, "entry \"%s\": hard link to the layer root", path);
		tbase = split_base(t);
		tpfd = open_dir(c, t, false, path);
		if (tpfd < 0)
			return -1;
		if (fstatat(tpfd, tbase, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return perr_set(c->err, 0, "entry \"%s\": hard link to \"%s\", which is not an earlier "
					"entry of the layer", path, hl);
		if (S_ISDIR(sb.st_mode))
			return perr_set(c->err, 0, "entry \"%s\": hard link to a directory", path);
		if (linkat(tpfd, tbase, pfd, base, 0) < 0)
			return perr_set(c->err, errno, "entry \"%s\": hard link", path);
		return 0;
	}
	switch (type) {
	case AE_IFREG:
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return perr_set(c->err, errno, "entry \"%s\"", path);
		if (write_data(c, fd, path, archive_entry_size(e)) < 0)
			return -1;
		return apply_meta(c, e, fd, path, true);
	case AE_IFDIR:
		if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			return perr_set(c->err, errno, "entry \"%s\"", path);
		fd = open_beneath(pfd, base, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return perr_set(c->err, errno, "entry \"%s\"", path);
		return apply_meta(c, e, fd, path, true);
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		struct timespec ts[2] = { { archive_entry_mtime(e), 0 }, { archive_entry_mtime(e), 0 } };
		if (!target || !*target)
			return perr_set(c->err, 0, "entry \"%s\": symlink without a target", path);
		/* The target is stored, never followed by this code. */
		if (symlinkat(target, pfd, base) < 0)
			return perr_set(c->err, errno, "entry \"%s\": symlink", path);
		if (c->is_root && fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
					   AT_SYMLINK_NOFOLLOW) < 0)
			return perr_set(c->err, errno, "entry \"%s\": chown", path);
		utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		if (type != AE_IFIFO && !c->is_root)
			return perr_set(c->err, 0, "entry \"%s\": device node, and persona is not running as root",
					path);
		if (mknodat(pfd, base, type | 0600, type == AE_IFIFO ? 0 : archive_entry_rdev(e)) < 0)
			return perr_set(c->err, errno, "entry \"%s\": mknod", path);
		/* O_PATH cannot fchmod: a read-only open of a FIFO would block, of a
		 * device would open it; the node is ours, made just now, in a
		 * directory no one else writes. */
		if (c->is_root && fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
					   AT_SYMLINK_NOFOLLOW) < 0)
			return perr_set(c->err, errno, "entry \"%s\": chown", path);
		if (fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
			return perr_set(c->err, errno, "entry \"%s\": chmod", path);
		return 0;
	default:
		return perr_set(c->err, 0, "entry \"%s\": unsupported file type 0%o", path, (unsigned)type);
	}
}

static int apply_entry(struct ctx *c, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *base;
	_cleanup_free_ char *rel = NULL;
	_cleanup_close_ int pfd = -1;
	struct stat sb;
	bool is_dir = archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e);

	if (!raw)
		return perr_set(c->err, 0, "an entry without a name");
	rel = clean_path(raw, "entry", c);
	if (!rel)
		return -1;
	if (check_xattrs(c, e, raw) < 0)
		return -1;
	if (!*rel) {
		if (!is_dir)
			return perr_set(c->err, 0, "entry \"%s\": the layer root must be a directory", raw);
		return 0;   /* the layer root itself: ours, left as made */
	}
	base = split_base(rel);
	pfd = open_dir(c, rel, true, raw);
	if (pfd < 0)
		return -1;
	if (!strncmp(base, WH_PREFIX, strlen(WH_PREFIX)))
		return whiteout(c, pfd, base, raw);
	if (fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A later entry replaces an earlier one of the same layer; a directory
		 * stays a directory (its metadata updated), and is only replaced
		 * when empty. */
		if (S_ISDIR(sb.st_mode) && !is_dir) {
			if (unlinkat(pfd, base, AT_REMOVEDIR) < 0)
				return perr_set(c->err, errno, "entry \"%s\": replaces a directory", raw);
		} else if (!S_ISDIR(sb.st_mode) && unlinkat(pfd, base, 0) < 0) {
			return perr_set(c->err, errno, "entry \"%s\": replaces an earlier entry", raw);
		}
	}
	return make_node(c, e, pfd, base, raw);
}

static int unpack_into(struct ctx *c)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(c->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (apply_entry(c, e) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return perr_set(c->err, 0, "corrupt or truncated tar: %s", archive_error_string(c->a));
	return 0;
}

int img_unpack_layer(const char *blob, const char *dest, const struct img_unpack_opts *o, const char *what,
		     struct perr *err)
{
	char tmp[PATH_MAX], parent[PATH_MAX], *slash;
	struct ctx c = { .max = cap_of(o), .what = what, .is_root = geteuid() == 0, .err = err, .root = -1 };
	_cleanup_close_ int pdir = -1;
	int r;

	if (access(dest, F_OK) == 0)
		return 0;
	snprintf(parent, sizeof(parent), "%s", dest);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return perr_set(err, 0, "layer directory \"%s\": not below a directory", dest);
	*slash = '\0';
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-XXXXXX", parent, slash + 1);
	if (!mkdtemp(tmp))
		return perr_set(err, errno, "%s: temp directory", parent);
	chmod(tmp, 0755);
	pdir = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c.root = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	c.a = c.root >= 0 ? open_layer(blob, false, err) : NULL;
	if (c.root < 0 && err)
		perr_set(err, errno, "%s", tmp);
	r = c.a ? unpack_into(&c) : -1;
	if (c.a)
		archive_read_free(c.a);
	if (c.root >= 0)
		close(c.root);
	if (r == 0 && rename(tmp, dest) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			r = perr_set(err, errno, "%s", dest);
	}
	if (access(tmp, F_OK) == 0 && pdir >= 0)
		img_remove_tree_at(pdir, strrchr(tmp, '/') + 1);
	if (r < 0)
		return perr_prefix(err, "%s", what);
	return 0;
}
