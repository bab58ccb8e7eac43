/* persona micro-VM: an initramfs from a root filesystem directory, for
 * `persona run --isolation vm`: an uncompressed cpio "newc" archive
 * (Documentation/driver-api/early-userspace/buffer-format.rst) in a
 * memfd, so that nothing is written to the host's file systems.
 * Uncompressed because the guest kernel's decompressor is costly where
 * guest kernel code is emulated (kvm_pvm). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"
#include "isolation/microvm/microvm.h"

struct cpio {
	int fd;
	uint64_t off;
	uint32_t ino;
	struct perr *err;
	size_t root_len;
	int failed;
};

/* nftw() takes no context pointer: one archive at a time per process. */
static struct cpio *cur;

static int put(struct cpio *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len) {
		ssize_t n = write(c->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return perr_set(c->err, errno, "initramfs: write");
		p += n;
		len -= (size_t)n;
		c->off += (uint64_t)n;
	}
	return 0;
}

static int pad4(struct cpio *c)
{
	static const uint8_t zero[4];
	size_t n = (4 - c->off % 4) % 4;
	return n ? put(c, zero, n) : 0;
}

static int header(struct cpio *c, const char *name, uint32_t mode, uint32_t uid, uint32_t gid, uint32_t mtime,
		  uint32_t size, uint32_t rmaj, uint32_t rmin)
{
	char h[111];
	size_t nlen = strlen(name) + 1;

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++c->ino, mode, uid,
		 gid, 1U, mtime, size, 0U, 0U, rmaj, rmin, (uint32_t)nlen, 0U);
	if (put(c, h, 110) < 0 || put(c, name, nlen) < 0 || pad4(c) < 0)
		return -1;
	return 0;
}

static int add_file_data(struct cpio *c, const char *path, uint64_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[65536];
	uint64_t done = 0;

	if (fd < 0)
		return perr_set(c->err, errno, "initramfs: %s", path);
	while (done < size) {
		ssize_t n = read(fd, buf, sizeof(buf) < size - done ? sizeof(buf) : size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return perr_set(c->err, n < 0 ? errno : 0, "initramfs: %s: changed while read", path);
		if (put(c, buf, (size_t)n) < 0)
			return -1;
		done += (uint64_t)n;
	}
	return pad4(c);
}

static int add_entry(struct cpio *c, const char *path, const char *name, const struct stat *sb)
{
	uint32_t mode = sb->st_mode, uid = sb->st_uid, gid = sb->st_gid, mtime = (uint32_t)sb->st_mtime;

	if (S_ISREG(sb->st_mode)) {
		if ((uint64_t)sb->st_size > UINT32_MAX)
			return perr_set(c->err, 0, "initramfs: %s: larger than 4 GiB", path);
		if (header(c, name, mode, uid, gid, mtime, (uint32_t)sb->st_size, 0, 0) < 0)
			return -1;
		return add_file_data(c, path, (uint64_t)sb->st_size);
	}
	if (S_ISLNK(sb->st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof(target));
		if (n < 0 || n >= (ssize_t)sizeof(target))
			return perr_set(c->err, n < 0 ? errno : ENAMETOOLONG, "initramfs: %s", path);
		if (header(c, name, mode, uid, gid, mtime, (uint32_t)n, 0, 0) < 0 || put(c, target, (size_t)n) < 0)
			return -1;
		return pad4(c);
	}
	if (S_ISDIR(sb->st_mode) || S_ISFIFO(sb->st_mode))
		return header(c, name, mode, uid, gid, mtime, 0, 0, 0);
	if (S_ISCHR(sb->st_mode) || S_ISBLK(sb->st_mode))
		return header(c, name, mode, uid, gid, mtime, 0, major(sb->st_rdev), minor(sb->st_rdev));
	return 0; /* sockets: nothing to carry */
}

static int walk_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct cpio *c = cur;
	const char *name = path + c->root_len;

	(void)type;
	(void)ftw;
	while (*name == '/')
		name++;
	if (!*name)
		return 0; /* the root itself: the kernel's rootfs */
	if (add_entry(c, path, name, sb) < 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

int microvm_initramfs(const char *rootfs, const char *init, const char *init_name, const void *extra,
		      size_t extra_len, const char *extra_name, int *out_fd, struct perr *err)
{
	struct cpio c = { .fd = -1, .err = err };
	struct stat sb;
	int rc = -1;

	if (rootfs && stat(rootfs, &sb) < 0)
		return perr_set(err, errno, "root filesystem %s", rootfs);
	if (rootfs && !S_ISDIR(sb.st_mode))
		return perr_set(err, ENOTDIR, "root filesystem %s", rootfs);
	c.fd = memfd_create("persona-initramfs", MFD_CLOEXEC);
	if (c.fd < 0)
		return perr_set(err, errno, "initramfs: memfd_create");
	c.root_len = rootfs ? strlen(rootfs) : 0;
	cur = &c;
	if (rootfs && (nftw(rootfs, walk_one, 32, FTW_PHYS) != 0 || c.failed)) {
		if (!c.failed)
			perr_set(err, errno, "initramfs: walking %s", rootfs);
		goto out;
	}
	/* /dev/console, so the kernel gives init its console as stdio. */
	struct stat console = { .st_mode = S_IFCHR | 0600, .st_rdev = makedev(5, 1) };
	struct stat dev = { .st_mode = S_IFDIR | 0755 };
	struct stat init_sb;
	if (add_entry(&c, "dev", "dev", &dev) < 0 || add_entry(&c, "dev/console", "dev/console", &console) < 0)
		goto out;
	if (stat(init, &init_sb) < 0) {
		perr_set(err, errno, "guest init %s", init);
		goto out;
	}
	/* Later entries replace earlier ones of the same name. */
	if (add_entry(&c, init, init_name, &init_sb) < 0)
		goto out;
	if (extra) {
		if (extra_len > UINT32_MAX) {
			perr_set(err, 0, "initramfs: %s: larger than 4 GiB", extra_name);
			goto out;
		}
		if (header(&c, extra_name, S_IFREG | 0400, 0, 0, 0, (uint32_t)extra_len, 0, 0) < 0 ||
		    put(&c, extra, extra_len) < 0 || pad4(&c) < 0)
			goto out;
	}
	if (header(&c, "TRAILER!!!", 0, 0, 0, 0, 0, 0, 0) < 0)
		goto out;
	*out_fd = c.fd;
	c.fd = -1;
	rc = 0;
out:
	cur = NULL;
	if (c.fd >= 0)
		close(c.fd);
	return rc;
}
