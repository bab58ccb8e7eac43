/* persona images: the default image `busybox`, made from the host's
 * static busybox (see img_seed_busybox in image.h). */
#include "images/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/stage.h"

#define SEED_NAME "docker.io/library/busybox:latest"
#define SEED_CREATED "1970-01-01T00:00:00Z"
#define APPLETS_MAX (256 << 10)

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
				  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group_text[] = "root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n";

/* `busybox --list`: one applet name a line.  Malloc'd text or NULL + err. */
static char *applet_list(const char *bb, struct perr *err)
{
	int p[2], status;
	size_t len = 0;
	char *buf = malloc(APPLETS_MAX + 1);
	pid_t pid;

	if (!buf)
		return perr_set(err, ENOMEM, "busybox \"%s\"", bb), NULL;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(buf);
		return perr_set(err, errno, "busybox \"%s\": pipe", bb), NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		free(buf);
		return perr_set(err, errno, "busybox \"%s\": fork", bb), NULL;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(p[1], STDOUT_FILENO);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execl(bb, "busybox", "--list", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + len, APPLETS_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == APPLETS_MAX)
			break;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == APPLETS_MAX) {
		free(buf);
		return perr_set(err, 0, "busybox \"%s\": `busybox --list` failed or said too much", bb), NULL;
	}
	return buf;
}

static int applet_ok(const char *a)
{
	return a[0] && strlen(a) <= 64 && !strchr(a, '/') && strcmp(a, ".") && strcmp(a, "..") &&
	       strcmp(a, "busybox");
}

struct tarw {
	struct blob_writer *w;
	struct perr *err;
	int failed;
};

static la_ssize_t tar_write(struct archive *a, void *data, const void *buf, size_t n)
{
	struct tarw *t = data;
	(void)a;
	if (blob_writer_write(t->w, buf, n, t->err) < 0) {
		t->failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

static int entry(struct archive *a, const char *path, mode_t type, mode_t perm, const char *link,
		 const void *data, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, 0, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_entry_set_size(e, type == AE_IFREG ? size : 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return -1;
	if (data && size && archive_write_data(a, data, (size_t)size) != size)
		return -1;
	return 0;
}

/* Copy the busybox binary (already open as `fd`, `size` bytes). */
static int entry_file(struct archive *a, const char *path, int fd, int64_t size)
{
	static char buf[1 << 16];
	int64_t left = size;

	if (entry(a, path, AE_IFREG, 0755, NULL, NULL, size) < 0)
		return -1;
	while (left > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(a, buf, (size_t)n) != n)
			return -1;
		left -= n;
	}
	return 0;
}

/* Write the layer, a plain tar, into `w`. */
static int write_layer(struct blob_writer *w, const char *bb, int bbfd, int64_t bbsize, char *applets,
		       struct perr *err)
{
	struct tarw t = { .w = w, .err = err };
	struct archive *a = archive_write_new();
	static const struct {
		const char *path;
		mode_t perm;
	} dirs[] = { { "bin", 0755 },  { "dev", 0755 },  { "etc", 0755 },     { "home", 0755 },
		     { "proc", 0555 }, { "root", 0700 }, { "run", 0755 },     { "sbin", 0755 },
		     { "sys", 0555 },  { "tmp", 01777 }, { "usr", 0755 },     { "usr/bin", 0755 },
		     { "var", 0755 } };
	char *save = NULL, path[96];
	int r = -1;

	archive_write_set_format_ustar(a);
	archive_write_add_filter_none(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, &t, NULL, tar_write, NULL) != ARCHIVE_OK)
		goto out;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (entry(a, dirs[i].path, AE_IFDIR, dirs[i].perm, NULL, NULL, 0) < 0)
			goto out;
	if (entry_file(a, "bin/busybox", bbfd, bbsize) < 0)
		goto out;
	for (char *ap = strtok_r(applets, "\n", &save); ap; ap = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(ap, "busybox"))
			continue;
		if (!applet_ok(ap)) {
			archive_write_free(a);
			return perr_set(err, 0, "busybox \"%s\": `busybox --list` names an odd applet \"%.64s\"", bb, ap);
		}
		snprintf(path, sizeof(path), "bin/%s", ap);
		if (entry(a, path, AE_IFLNK, 0777, "busybox", NULL, 0) < 0)
			goto out;
	}
	if (entry(a, "etc/passwd", AE_IFREG, 0644, NULL, passwd_text, (int64_t)strlen(passwd_text)) < 0 ||
	    entry(a, "etc/group", AE_IFREG, 0644, NULL, group_text, (int64_t)strlen(group_text)) < 0)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK)
		goto out;
	r = 0;
out:
	if (r < 0 && !t.failed)
		perr_set(err, 0, "busybox \"%s\": layer: %s", bb,
			 archive_error_string(a) ? archive_error_string(a) : "write error");
	archive_write_free(a);
	return r;
}

int img_seed_busybox_digest(const struct img_store *s, const char *busybox_path, char digest[72], struct perr *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *applets = NULL;
	struct stage st;
	struct blob_writer w;
	struct stat sb;
	char ldg[72], by[PATH_MAX + 64];
	json_t *cconf;
	int r = -1;

	fd = open(busybox_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perr_set(err, errno, "busybox \"%s\"", busybox_path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || !(sb.st_mode & 0111))
		return perr_set(err, 0, "busybox \"%s\": not an executable file", busybox_path);
	applets = applet_list(busybox_path, err);
	if (!applets)
		return -1;
	if (stage_begin(&st, s, busybox_path, NULL, err) < 0)
		return -1;
	if (blob_writer_begin(&w, st.dir, err) < 0)
		goto out;
	if (write_layer(&w, busybox_path, fd, sb.st_size, applets, err) < 0) {
		blob_writer_abort(&w);
		goto out;
	}
	if (blob_writer_finish(&w, NULL, ldg, err) < 0)
		goto out;
	cconf = json_pack("{s:[s], s:[s], s:{s:s}}", "Env",
			  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "Cmd", "sh", "Labels",
			  "io.persona.embedded", "true");
	snprintf(by, sizeof(by), "persona: the embedded busybox, from %s", busybox_path);
	r = stage_import_layer(&st, SEED_NAME, ldg, cconf, SEED_CREATED, by, digest, err);
out:
	stage_end(&st);
	return r;
}

int img_seed_busybox(const struct img_store *s, const char *busybox_path, struct perr *err)
{
	char digest[72];
	return img_seed_busybox_digest(s, busybox_path, digest, err);
}
