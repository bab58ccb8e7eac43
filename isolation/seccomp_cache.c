/* persona: compiled seccomp programs, cached by their OCI JSON (see
 * seccomp_prog_cached in seccomp.h).  The file name is a 64-bit FNV-1a
 * hash of the canonical JSON; the file holds that JSON too, and a hit
 * needs it equal byte for byte, so a hash collision is only a miss. */
#include "isolation/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

#define CACHE_MAGIC 0x32465042534e5250ULL   /* "PRNSBPF2" */
#define CACHE_MAX_TEXT (4u << 20)

/* File layout: header, the JSON text (text_len bytes), the program. */
struct cache_header {
	unsigned long long magic;
	unsigned flags, len, text_len, pad;
};

static unsigned long long fnv1a64(const char *s, size_t n)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static bool cache_read(const char *path, const char *text, size_t text_len, struct seccomp_prog *p)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *stored = NULL;
	struct cache_header h;

	if (fd < 0 || !read_full(fd, &h, sizeof(h)))
		return false;
	if (h.magic != CACHE_MAGIC || h.len == 0 || h.len > BPF_MAXINSNS || h.text_len != text_len)
		return false;
	stored = malloc(text_len);
	if (!stored || !read_full(fd, stored, text_len) || memcmp(stored, text, text_len))
		return false;
	if (!read_full(fd, p->insns, h.len * sizeof(p->insns[0])))
		return false;
	p->flags = h.flags;
	p->len = h.len;
	return true;
}

static void cache_write(const char *dir, const char *path, const char *text, size_t text_len,
			const struct seccomp_prog *p)
{
	char tmp[PATH_MAX];
	struct cache_header h = { CACHE_MAGIC, p->flags, p->len, (unsigned)text_len, 0 };
	size_t bytes = p->len * sizeof(p->insns[0]);
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || write(fd, text, text_len) != (ssize_t)text_len ||
	    write(fd, p->insns, bytes) != (ssize_t)bytes || close(fd) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

int seccomp_prog_cached(const json_t *oci, const char *cache_dir, struct seccomp_prog **out, struct perr *err)
{
	struct seccomp_prog *p = malloc(sizeof(*p));
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	size_t text_len = 0;
	scmp_filter_ctx ctx;

	*out = NULL;
	if (!p)
		return perr_set(err, ENOMEM, "seccomp filter");
	if (cache_dir) {
		text = json_dumps(oci, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text) {
			free(p);
			return perr_set(err, ENOMEM, "seccomp filter");
		}
		text_len = strlen(text);
		if (text_len > CACHE_MAX_TEXT)
			cache_dir = NULL;
	}
	if (cache_dir) {
		snprintf(path, sizeof(path), "%s/%016llx.bpf", cache_dir, fnv1a64(text, text_len));
		if (cache_read(path, text, text_len, p)) {
			*out = p;
			return 0;
		}
	}
	ctx = seccomp_compile_oci(oci, err);
	if (!ctx || seccomp_export(ctx, p, err) < 0) {
		free(p);
		return -1;
	}
	if (cache_dir)
		cache_write(cache_dir, path, text, text_len, p);
	*out = p;
	return 0;
}
