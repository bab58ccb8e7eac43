/* persona: compiled seccomp programs, cached by the SHA-256 of their
 * OCI JSON (see seccomp_prog_cached in seccomp.h). */
#include "isolation/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

#define CACHE_MAGIC 0x31465042534e5250ULL   /* "PRNSBPF1" */

struct cache_header {
	unsigned long long magic;
	unsigned flags, len;
};

static int key_of(const json_t *oci, char hex[65], struct perr *err)
{
	_cleanup_free_ char *text = json_dumps(oci, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!text)
		return perr_set(err, ENOMEM, "seccomp filter");
	if (!EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return perr_set(err, 0, "seccomp filter: SHA-256 failed");
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static bool cache_read(const char *path, struct seccomp_prog *p)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct cache_header h;
	size_t bytes;

	if (fd < 0 || read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		return false;
	if (h.magic != CACHE_MAGIC || h.len == 0 || h.len > BPF_MAXINSNS)
		return false;
	bytes = h.len * sizeof(p->insns[0]);
	if (read(fd, p->insns, bytes) != (ssize_t)bytes)
		return false;
	p->flags = h.flags;
	p->len = h.len;
	return true;
}

static void cache_write(const char *dir, const char *path, const struct seccomp_prog *p)
{
	char tmp[PATH_MAX];
	struct cache_header h = { CACHE_MAGIC, p->flags, p->len };
	size_t bytes = p->len * sizeof(p->insns[0]);
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || write(fd, p->insns, bytes) != (ssize_t)bytes ||
	    close(fd) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

int seccomp_prog_cached(const json_t *oci, const char *cache_dir, struct seccomp_prog **out, struct perr *err)
{
	struct seccomp_prog *p = malloc(sizeof(*p));
	char hex[65], path[PATH_MAX];
	scmp_filter_ctx ctx;

	*out = NULL;
	if (!p)
		return perr_set(err, ENOMEM, "seccomp filter");
	if (cache_dir) {
		if (key_of(oci, hex, err) < 0) {
			free(p);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s.bpf", cache_dir, hex);
		if (cache_read(path, p)) {
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
		cache_write(cache_dir, path, p);
	*out = p;
	return 0;
}
