/* persona micro-VM: the workload's root file system as an ext2 disk
 * image for virtio-blk (see microvm.h).  The image is made by mke2fs(8)
 * from e2fsprogs (`-d DIR` copies a directory tree: regular files, links,
 * hard links, devices, FIFOs, owners, modes, times and extended
 * attributes), in a sparse file without a name (O_TMPFILE). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolation/microvm/microvm.h"

#define BLOCK ((uint64_t)4096)

/* What nftw() found: blocks the files need, inodes. */
static uint64_t tree_blocks, tree_inodes;

static int count_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	tree_inodes++;
	/* What the file holds, not its length: mke2fs keeps holes, and a
	 * sparse file (lastlog for a high UID) may be terabytes long. */
	uint64_t bytes = (uint64_t)sb->st_size;
	if (S_ISREG(sb->st_mode) && (uint64_t)sb->st_blocks * 512 < bytes)
		bytes = (uint64_t)sb->st_blocks * 512;
	if (S_ISREG(sb->st_mode) || S_ISDIR(sb->st_mode) || S_ISLNK(sb->st_mode))
		tree_blocks += (bytes + BLOCK - 1) / BLOCK;
	return 0;
}

/* mke2fs: in PATH, else where Debian installs it (root's PATH may lack
 * /sbin when persona runs from a script). */
static const char *find_mke2fs(void)
{
	static const char *const dirs[] = { "/usr/sbin/mke2fs", "/sbin/mke2fs" };
	const char *path = getenv("PATH");
	static char buf[4096];

	if (path) {
		char *copy = strdup(path), *save = NULL;
		for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
			snprintf(buf, sizeof(buf), "%s/mke2fs", d);
			if (access(buf, X_OK) == 0) {
				free(copy);
				return buf;
			}
		}
		free(copy);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], X_OK) == 0)
			return dirs[i];
	return NULL;
}

/* Run argv with stdout and stderr into `out` (at most len-1 bytes kept,
 * NUL-terminated).  Returns the wait status, -1 + errno when it could not
 * run. */
static int run_capture(char *const argv[], char *out, size_t len)
{
	int pipefd[2];
	size_t used = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char chunk[512];
		ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
		memcpy(out + used, chunk, take);
		used += take;
	}
	out[used] = '\0';
	close(pipefd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

int microvm_root_disk(const char *rootfs, const char *tmpdir, uint64_t room, int *out_fd, struct perr *err)
{
	char root[PATH_MAX], file[64], size[32], inodes[32], output[2048];
	struct stat sb;
	const char *mke2fs;

	/* The tree mke2fs copies: a symbolic link named as the root is
	 * followed, so count what it points to. */
	if (!realpath(rootfs, root))
		return perr_set(err, errno, "root filesystem %s", rootfs);
	if (stat(root, &sb) < 0)
		return perr_set(err, errno, "root filesystem %s", rootfs);
	if (!S_ISDIR(sb.st_mode))
		return perr_set(err, ENOTDIR, "root filesystem %s", rootfs);
	mke2fs = find_mke2fs();
	if (!mke2fs)
		return perr_set(err, ENOENT, "mke2fs not found: the guest's root disk is made with it "
				"(apt-get install e2fsprogs)");
	tree_blocks = tree_inodes = 0;
	if (nftw(root, count_one, 32, FTW_PHYS) != 0)
		return perr_set(err, errno, "root filesystem %s: walking it", rootfs);
	/* The files' blocks, a tenth more for directories' and indirect
	 * blocks, the inode tables (128 bytes an inode), then the room; an
	 * inode per 64 KiB of room. */
	uint64_t ninodes = tree_inodes + 1024 + room / 65536;
	uint64_t blocks = tree_blocks + tree_blocks / 10 + 256 + ninodes / (BLOCK / 128) + room / BLOCK;
	snprintf(size, sizeof(size), "%" PRIu64 "k", blocks * (BLOCK / 1024));
	snprintf(inodes, sizeof(inodes), "%" PRIu64, ninodes);

	/* A file without a name (O_TMPFILE): nothing of it stays on disk,
	 * whenever and however persona ends.  mke2fs writes it through
	 * /proc/self/fd/N, the descriptor left open across its exec. */
	int fd = open(tmpdir, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0)
		return perr_set(err, errno, "root disk: cannot create a file in %s", tmpdir);
	snprintf(file, sizeof(file), "/proc/self/fd/%d", fd);
	/* -I 128: Linux's ext2 reads extended attributes (file capabilities
	 * among them) from a block of their own only, never from inside a
	 * larger inode, where mke2fs puts small ones. */
	char *argv[] = { (char *)mke2fs, "-q", "-F", "-t", "ext2", "-b", "4096", "-I", "128", "-m", "0", "-N", inodes,
			 "-E", "root_owner=0:0,nodiscard", "-d", root, file, size, NULL };
	int st = run_capture(argv, output, sizeof(output));
	if (st < 0) {
		perr_set(err, errno, "root disk: running %s", mke2fs);
		close(fd);
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		size_t n = strlen(output);
		while (n && (output[n - 1] == '\n' || output[n - 1] == ' '))
			output[--n] = '\0';
		perr_set(err, 0, "root disk: %s -d %s failed (%s %d)%s%s", mke2fs, rootfs,
			 WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			 n ? ": " : "", output);
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		perr_set(err, errno, "root disk");
		close(fd);
		return -1;
	}
	*out_fd = fd;
	return 0;
}
