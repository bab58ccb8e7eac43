/* persona: the embedded default image, `busybox` (see commands.h). */
#include "runtime/commands.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"

#define BUSYBOX_DIR "/var/lib/persona/busybox"

static const char *const busybox_paths[] = { "/bin/busybox", "/usr/bin/busybox", NULL };

static int write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	struct stat sb;
	int r = -1;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out >= 0 && fstat(in, &sb) == 0) {
		off_t off = 0;
		r = 0;
		while (off < sb.st_size) {
			ssize_t n = sendfile(out, in, &off, (size_t)(sb.st_size - off));
			if (n <= 0) {
				r = -1;
				break;
			}
		}
	}
	close(in);
	if (out >= 0 && close(out) < 0)
		r = -1;
	return r;
}

/* The applet names, from `busybox --list`. */
static int link_applets(const char *bin, const char *dir)
{
	int p[2];
	pid_t pid;
	FILE *f;
	char name[256], path[PATH_MAX];
	int st;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(bin, "busybox", "--list", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (f && fgets(name, sizeof(name), f)) {
		name[strcspn(name, "\n")] = '\0';
		if (!*name || strchr(name, '/') || !strcmp(name, "busybox"))
			continue;
		snprintf(path, sizeof(path), "%s/bin/%s", dir, name);
		symlink("busybox", path);
	}
	if (f)
		fclose(f);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int busybox_rootfs(char *out, unsigned long len, struct perr *err)
{
	static const char *const dirs[] = { "bin", "sbin", "etc", "root", "tmp", "proc", "sys", "dev",
					    "home", "var", "usr", "usr/bin", "run", NULL };
	const char *bin = NULL;
	char tmp[PATH_MAX], path[PATH_MAX];

	snprintf(out, len, "%s", BUSYBOX_DIR);
	if (access(BUSYBOX_DIR "/bin/busybox", X_OK) == 0)
		return 0;
	for (int i = 0; busybox_paths[i]; i++)
		if (access(busybox_paths[i], X_OK) == 0) {
			bin = busybox_paths[i];
			break;
		}
	if (!bin)
		return perr_set(err, 0, "image \"busybox\": the host has no busybox; install Debian's busybox-static");
	if (mkdir("/var/lib/persona", 0755) < 0 && errno != EEXIST)
		return perr_set(err, errno, "/var/lib/persona");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", BUSYBOX_DIR, getpid());
	if (mkdir(tmp, 0755) < 0)
		return perr_set(err, errno, "%s", tmp);
	for (int i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, dirs[i]);
		mkdir(path, !strcmp(dirs[i], "tmp") ? 01777 : 0755);
	}
	snprintf(path, sizeof(path), "%s/tmp", tmp);
	chmod(path, 01777);
	snprintf(path, sizeof(path), "%s/bin/busybox", tmp);
	if (copy_file(bin, path) < 0 || link_applets(path, tmp) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/etc/passwd", tmp);
	if (write_text(path, "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0644) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/etc/group", tmp);
	if (write_text(path, "root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n", 0644) < 0)
		goto fail;
	if (rename(tmp, BUSYBOX_DIR) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		goto fail;
	if (access(BUSYBOX_DIR "/bin/busybox", X_OK) < 0)
		goto fail;
	/* Another persona may have won the race: ours is then surplus. */
	remove_tree(tmp);
	return 0;
fail:
	perr_set(err, errno, "image \"busybox\": make %s from %s", BUSYBOX_DIR, bin);
	remove_tree(tmp);
	return -1;
}
