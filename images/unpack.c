/* persona images: layer unpacking (see unpack.h; image-spec layer.md). */
#include "images/unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
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

/* The parent directories of the last entry, open: tar streams list a
 * directory's entries together, so most entries need no lookup at all.
 * fd[0] is the layer root, fd[i] the directory named by the first i
 * components of `path` (end[i] bytes of it); each was opened from the one
 * before with open_comp, as open_dir does.  The cache holds exactly the
 * current entry's parent chain, and an entry only ever unlinks its own
 * name, a child of the deepest one: what the cached names refer to cannot
 * change under it. */
struct dcache {
	int depth;
	int fd[MAX_COMPONENTS + 1];
	size_t end[MAX_COMPONENTS + 1];
	char path[MAX_PATH_BYTES + 1];
};

struct ctx {
	struct archive *a;
	int root;
	uint64_t max, written;
	const char *what;
	bool is_root;
	struct perr *err;
	struct dcache dirs;
};

static uint64_t cap_of(const struct img_unpack_opts *o)
{
	return o && o->max_bytes ? o->max_bytes : IMG_UNPACK_MAX_BYTES_DEFAULT;
}

/* Open the blob at `path` decompressed, as libarchive's raw format; the
 * caller closes *fd after archive_read_free (libarchive leaves it open). */
static struct archive *open_stream(const char *path, int *fd, struct perr *err)
{
	struct archive *a = archive_read_new();

	if (!a)
		return perr_set(err, ENOMEM, "libarchive"), NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_raw(a);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		archive_read_free(a);
		return perr_set(err, errno, "cannot open"), NULL;
	}
	/* Read once, front to back: a larger read-ahead, and no use keeping it cached. */
	posix_fadvise(*fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (archive_read_open_fd(a, *fd, 1 << 17) != ARCHIVE_OK) {
		perr_set(err, 0, "%s", archive_error_string(a) ? archive_error_string(a) : "cannot open");
		archive_read_free(a);
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return a;
}

int img_layer_diff_id(const char *path, const struct img_unpack_opts *o, char diff_id[72], struct perr *err)
{
	_cleanup_close_ int fd = -1;
	struct archive *a = open_stream(path, &fd, err);
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

/* Open the directory `comp` (one component) below `fd`, never through a
 * symlink; with `create`, make it when missing (0755, as tar does).
 * O_PATH fd or -1 + err naming `entry`. */
static int open_comp(struct ctx *c, int fd, const char *comp, bool create, const char *entry)
{
	struct stat sb;
	int next = open_beneath(fd, comp, O_PATH | O_DIRECTORY), er;

	if (next < 0 && errno == ENOENT && create) {
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
			return perr_set(c->err, errno, "entry \"%s\": mkdir \"%s\"", entry, comp);
		next = open_beneath(fd, comp, O_PATH | O_DIRECTORY);
	}
	if (next >= 0)
		return next;
	er = errno;
	if (er == ENOTDIR && fstatat(fd, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
		er = ELOOP;
	if (er == ELOOP || er == EXDEV)
		return perr_set(c->err, 0, "entry \"%s\": \"%s\" is a symlink; refusing to write through it", entry,
				comp);
	if (er == ENOTDIR)
		return perr_set(c->err, 0, "entry \"%s\": \"%s\" is not a directory", entry, comp);
	return perr_set(c->err, er, "entry \"%s\": \"%s\"", entry, comp);
}

/* Open the directory `rel` (components separated by '/') below the root,
 * one component at a time (open_comp).  O_PATH fd (the caller's) or
 * -1 + err. */
static int open_dir(struct ctx *c, const char *rel, bool create, const char *entry)
{
	int fd = open_beneath(c->root, ".", O_PATH | O_DIRECTORY);
	char comp[NAME_MAX + 1];
	const char *p = rel;

	if (fd < 0)
		return perr_set(c->err, errno, "layer root");
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int next;

		memcpy(comp, p, len);
		comp[len] = '\0';
		next = open_comp(c, fd, comp, create, entry);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
		p += len;
		if (*p == '/')
			p++;
	}
	return fd;
}

static void dcache_drop(struct dcache *d, int depth)
{
	while (d->depth > depth)
		close(d->fd[d->depth--]);
}

/* open_dir with create, through the cache: the fd stays the cache's (valid
 * until the next call or dcache_drop). */
static int open_parent(struct ctx *c, const char *rel, const char *entry)
{
	struct dcache *d = &c->dirs;
	size_t n = strlen(rel), at;
	int k = 0;
	char comp[NAME_MAX + 1];

	/* The deepest cached directory that is a prefix of `rel`, whole components. */
	while (k < d->depth && d->end[k + 1] <= n && !memcmp(d->path, rel, d->end[k + 1]) &&
	       (rel[d->end[k + 1]] == '/' || rel[d->end[k + 1]] == '\0'))
		k++;
	dcache_drop(d, k);
	at = d->end[k];
	memcpy(d->path, rel, n + 1);
	while (at < n) {
		size_t start = at ? at + 1 : 0;
		const char *e = strchr(rel + start, '/');
		size_t len = e ? (size_t)(e - rel - start) : n - start;
		int next;

		memcpy(comp, rel + start, len);
		comp[len] = '\0';
		next = open_comp(c, d->fd[d->depth], comp, true, entry);
		if (next < 0) {
			dcache_drop(d, 0);
			return -1;
		}
		at = start + len;
		d->fd[++d->depth] = next;
		d->end[d->depth] = at;
	}
	return d->fd[d->depth];
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
	la_int64_t off, end = 0;
	int r;

	/* Blocks come at their offsets in the file: a sparse entry skips its holes. */
	while ((r = archive_read_data_block(c->a, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;
		c->written += len;
		if (c->written > c->max)
			return perr_set(c->err, 0, "entry \"%s\": layer expands to more than %llu bytes (the cap "
					"on one layer)", path, (unsigned long long)c->max);
		if (off < 0)
			return perr_set(c->err, 0, "entry \"%s\": negative offset", path);
		while (len) {
			ssize_t k = pwrite(fd, p, len, off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return perr_set(c->err, k < 0 ? errno : EIO, "entry \"%s\": write", path);
			p += k;
			off += k;
			len -= (size_t)k;
		}
		if (off > end)
			end = off;
	}
	if (r != ARCHIVE_EOF)
		return perr_set(c->err, 0, "entry \"%s\": %s", path, archive_error_string(c->a));
	/* Holes at the end of a sparse file. */
	if (end != size && ftruncate(fd, size) < 0)
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
	int pfd;   /* the cache's */
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
	pfd = open_parent(c, rel, raw);
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

/* ---- the layer stream ----
 *
 * A second thread reads the blob, decompresses it (libarchive's raw format
 * over the gzip or zstd filter) and hashes it for the diff ID, handing
 * buffers to the tar reader of the unpacking thread.  So the layer is
 * decompressed once, not once for img_layer_diff_id and again for the
 * unpack, and decompression overlaps file creation, the larger cost (tar
 * -xzf gets the same from its gzip child).  The tar reader reads exactly
 * the bytes that are hashed. */

#define FEED_SLOTS 4
#define FEED_SLOT_BYTES (1 << 20)

struct feed {
	struct archive *raw;          /* the thread's until it ends */
	int fd;                       /* raw's */
	EVP_MD_CTX *md;
	uint64_t cap, total;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	char *buf[FEED_SLOTS];
	size_t len[FEED_SLOTS];
	unsigned head, tail;          /* slots filled by the thread, released by the reader */
	bool held;                    /* the reader holds slot tail % FEED_SLOTS */
	bool done, stop;
	bool failed;                  /* the reader was told the stream failed */
	char error[512];              /* with done: why the stream ended early */
};

static void *feed_main(void *arg)
{
	struct feed *f = arg;
	char error[sizeof(f->error)] = "";
	bool end = false;

	while (!end && !error[0]) {
		unsigned slot;
		size_t len = 0;
		la_ssize_t k = 0;

		pthread_mutex_lock(&f->lock);
		while (f->head - f->tail == FEED_SLOTS && !f->stop)
			pthread_cond_wait(&f->room, &f->lock);
		slot = f->head % FEED_SLOTS;
		end = f->stop;
		pthread_mutex_unlock(&f->lock);
		if (end)
			break;
		while (len < FEED_SLOT_BYTES && (k = archive_read_data(f->raw, f->buf[slot] + len,
									FEED_SLOT_BYTES - len)) > 0)
			len += (size_t)k;
		if (k < 0)
			snprintf(error, sizeof(error), "corrupt or truncated: %s",
				 archive_error_string(f->raw) ? archive_error_string(f->raw) : "read error");
		end = k == 0;
		f->total += len;
		if (f->total > f->cap)
			snprintf(error, sizeof(error), "layer expands to more than %llu bytes (the cap on one layer)",
				 (unsigned long long)f->cap);
		else if (f->md)
			EVP_DigestUpdate(f->md, f->buf[slot], len);
		pthread_mutex_lock(&f->lock);
		if (!error[0] && len) {
			f->len[slot] = len;
			f->head++;
		}
		pthread_cond_signal(&f->more);
		pthread_mutex_unlock(&f->lock);
	}
	pthread_mutex_lock(&f->lock);
	memcpy(f->error, error, sizeof(error));
	f->done = true;
	pthread_cond_signal(&f->more);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* The next buffer of the stream, releasing the one before: its length,
 * 0 at the end, -1 when the stream failed (f->error says why). */
static la_ssize_t feed_next(struct feed *f, const void **out)
{
	la_ssize_t n = 0;

	pthread_mutex_lock(&f->lock);
	if (f->held) {
		f->tail++;
		f->held = false;
		pthread_cond_signal(&f->room);
	}
	while (f->tail == f->head && !f->done)
		pthread_cond_wait(&f->more, &f->lock);
	if (f->tail != f->head) {
		*out = f->buf[f->tail % FEED_SLOTS];
		n = (la_ssize_t)f->len[f->tail % FEED_SLOTS];
		f->held = true;
	} else if (f->error[0]) {
		n = -1;
		f->failed = true;
	}
	pthread_mutex_unlock(&f->lock);
	return n;
}

static la_ssize_t feed_read(struct archive *a, void *arg, const void **out)
{
	struct feed *f = arg;
	la_ssize_t n = feed_next(f, out);

	if (n < 0)
		archive_set_error(a, EIO, "%s", f->error);
	return n;
}

static int feed_start(struct feed *f, const char *blob, uint64_t cap, bool hash, struct perr *err)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->cap = cap;
	for (int i = 0; i < FEED_SLOTS; i++) {
		f->buf[i] = malloc(FEED_SLOT_BYTES);
		if (!f->buf[i])
			return perr_set(err, ENOMEM, "stream buffers");
	}
	f->raw = open_stream(blob, &f->fd, err);
	if (!f->raw)
		return -1;
	if (archive_read_next_header(f->raw, &(struct archive_entry *){ NULL }) != ARCHIVE_OK)
		return perr_set(err, 0, "corrupt or truncated: %s",
				archive_error_string(f->raw) ? archive_error_string(f->raw) : "empty layer");
	if (hash) {
		f->md = EVP_MD_CTX_new();
		if (!f->md || EVP_DigestInit_ex(f->md, EVP_sha256(), NULL) != 1)
			return perr_set(err, ENOMEM, "SHA-256");
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->more, NULL);
	pthread_cond_init(&f->room, NULL);
	errno = pthread_create(&f->thread, NULL, feed_main, f);
	if (errno) {
		pthread_cond_destroy(&f->room);
		pthread_cond_destroy(&f->more);
		pthread_mutex_destroy(&f->lock);
		return perr_set(err, errno, "decompression thread");
	}
	return 0;
}

/* Stop the thread (after feed_start succeeded) and free everything. */
static void feed_end(struct feed *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->room);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->room);
	pthread_cond_destroy(&f->more);
	pthread_mutex_destroy(&f->lock);
}

static void feed_free(struct feed *f)
{
	if (f->raw)
		archive_read_free(f->raw);
	if (f->fd >= 0)
		close(f->fd);
	EVP_MD_CTX_free(f->md);
	for (int i = 0; i < FEED_SLOTS; i++)
		free(f->buf[i]);
}

/* Unpack the tar stream of `f` into c->root, then read the stream to its
 * end: the diff ID covers what follows the tar's end blocks too. */
static int unpack_into(struct ctx *c, struct feed *f)
{
	struct archive_entry *e;
	const void *buf;
	la_ssize_t n;
	int r;

	c->a = archive_read_new();
	if (!c->a)
		return perr_set(c->err, ENOMEM, "libarchive");
	archive_read_support_format_tar(c->a);
	if (archive_read_open(c->a, f, NULL, feed_read, NULL) != ARCHIVE_OK)
		return perr_set(c->err, 0, "corrupt or truncated tar: %s", archive_error_string(c->a));
	c->dirs.fd[0] = open_beneath(c->root, ".", O_PATH | O_DIRECTORY);
	if (c->dirs.fd[0] < 0)
		return perr_set(c->err, errno, "layer root");
	while ((r = archive_read_next_header(c->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (apply_entry(c, e) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return perr_set(c->err, 0, "corrupt or truncated tar: %s", archive_error_string(c->a));
	while ((n = feed_next(f, &buf)) > 0)
		;
	return n < 0 ? perr_set(c->err, 0, "%s", f->error) : 0;
}

/* Check the diff ID the stream hashed against `want`. */
static int check_diff_id(struct feed *f, const char *want, struct perr *err)
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char got[72] = "sha256:";

	EVP_DigestFinal_ex(f->md, bin, &n);
	for (unsigned i = 0; i < 32; i++)
		snprintf(got + 7 + 2 * i, 3, "%02x", bin[i]);
	if (strcmp(got, want))
		return perr_set(err, 0, "uncompressed digest %s, but the config's diff_id says %s", got, want);
	return 0;
}

int img_unpack_layer(const char *blob, const char *dest, const struct img_unpack_opts *o, const char *what,
		     struct perr *err)
{
	return img_unpack_layer_verified(blob, dest, NULL, o, what, err);
}

int img_unpack_layer_verified(const char *blob, const char *dest, const char *diff_id,
			      const struct img_unpack_opts *o, const char *what, struct perr *err)
{
	char tmp[PATH_MAX], parent[PATH_MAX], *slash;
	struct ctx c = { .max = cap_of(o), .what = what, .is_root = geteuid() == 0, .err = err, .root = -1,
			 .dirs = { .fd = { -1 } } };
	struct feed f;
	_cleanup_close_ int pdir = -1;
	int r = -1;

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
	if (c.root < 0) {
		perr_set(err, errno, "%s", tmp);
	} else if (feed_start(&f, blob, c.max, diff_id != NULL, err) == 0) {
		r = unpack_into(&c, &f);
		feed_end(&f);
		/* A failed stream (corrupt, or over the cap) is the cause of what the reader hit. */
		if (r < 0 && f.failed)
			r = perr_set(err, 0, "%s", f.error);
		if (r == 0 && diff_id)
			r = check_diff_id(&f, diff_id, err);
		feed_free(&f);
	} else {
		feed_free(&f);
	}
	if (c.a)
		archive_read_free(c.a);
	dcache_drop(&c.dirs, 0);
	if (c.dirs.fd[0] >= 0)
		close(c.dirs.fd[0]);
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
