/* persona images: registry push and the login check (see registry.h). */
#include "images/registry_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/stage.h"

static void say(const struct reg *r, const char *fmt, const char *a, const char *b)
{
	if (r->o->progress == IMG_PROGRESS_NONE)
		return;
	fprintf(stderr, fmt, a, b);
}

/* A blob of the store, opened and checked for its size; its path for errors. */
static int open_blob(struct reg *r, const struct img_store *s, const char *digest, json_int_t size)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd;

	if (!img_digest_valid(digest))
		return perr_set(r->err, 0, "descriptor digest \"%.80s\" is not sha256", digest ? digest : "");
	if (img_blob_path(s, digest, path, sizeof(path), r->err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return perr_set(r->err, errno, "blob %s is not in the store (%s)", digest, path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size >= 0 && sb.st_size != size)) {
		close(fd);
		return perr_set(r->err, 0, "blob %s in the store: %lld bytes, its descriptor says %lld", digest,
				(long long)sb.st_size, (long long)size);
	}
	return fd;
}

/* The upload URL from a POST's Location (absolute, or relative to the
 * registry), with digest=DIGEST added to its query. */
static int upload_url(struct reg *r, const char *loc, const char *digest, char *out, size_t len)
{
	char base[8192];

	if (!loc[0])
		return perr_set(r->err, 0, "registry %s: upload started without a Location", r->host);
	if (strpbrk(loc, " \"<>\\^`{|}#"))
		return perr_set(r->err, 0, "registry %s: upload Location \"%.200s\" is not a URL", r->host, loc);
	if (!strncmp(loc, "https://", 8) || !strncmp(loc, "http://", 7))
		snprintf(base, sizeof(base), "%s", loc);
	else if (loc[0] == '/')
		snprintf(base, sizeof(base), "%s://%s%s", r->scheme, r->host, loc);
	else
		snprintf(base, sizeof(base), "%s://%s/v2/%s/blobs/uploads/%s", r->scheme, r->host, r->repo, loc);
	/* sha256:HEX, the colon escaped */
	if ((size_t)snprintf(out, len, "%s%sdigest=sha256%%3A%s", base, strchr(base, '?') ? "&" : "?", digest + 7) >=
	    len)
		return perr_set(r->err, 0, "registry %s: upload Location too long", r->host);
	return 0;
}

/* One blob: skipped when the registry has it (HEAD), else POST + PUT. */
static int push_blob(struct reg *r, const struct img_store *s, const json_t *desc, const char *kind)
{
	const char *digest = json_str(desc, "digest");
	json_int_t size = json_int(desc, "size", -1);
	char path[IMG_REF_MAX + 128], url[8192];
	struct sink k = { .cap = 1 << 16 };
	long code;
	int ret = -1;
	_cleanup_close_ int fd = open_blob(r, s, digest, size);

	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", r->repo, digest);
	code = reg_call(r, "HEAD", path, NULL, NULL, NULL, &k);
	if (code == 200) {
		say(r, "Copying %s %.19s skipped: already exists\n", kind, digest);
		free(k.buf);
		return 0;
	}
	if (code != 404) {
		if (code > 0)
			reg_http_error(r, path, code, &k);
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", r->repo);
	code = reg_call(r, "POST", path, NULL, NULL, NULL, &k);
	if (code != 202) {
		if (code > 0)
			reg_http_error(r, path, code, &k);
		goto out;
	}
	if (upload_url(r, k.location, digest, url, sizeof(url)) < 0)
		goto out;
	struct body b = { .fd = fd, .size = (uint64_t)size, .expect = digest };
	code = reg_call(r, "PUT", url, NULL, "application/octet-stream", &b, &k);
	body_free(&b);
	if (code != 201) {
		if (code > 0)
			reg_http_error(r, url, code, &k);
		goto out;
	}
	say(r, "Copying %s %.19s done\n", kind, digest);
	ret = 0;
out:
	free(k.buf);
	return ret < 0 ? perr_prefix(r->err, "%s %s", kind, digest) : 0;
}

/* A manifest or index blob of the store, its bytes checked against its digest. */
static char *read_manifest(struct reg *r, const struct img_store *s, const char *digest, json_int_t size,
			   size_t *len)
{
	_cleanup_close_ int fd = open_blob(r, s, digest, size);
	char got[72], *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (size < 0 || size > (json_int_t)IMG_JSON_MAX)
		return perr_set(r->err, 0, "manifest %s: size %lld is not 0 to 4 MiB", digest, (long long)size), NULL;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return perr_set(r->err, ENOMEM, "manifest %s", digest), NULL;
	n = read(fd, buf, (size_t)size);
	if (n != (ssize_t)size) {
		free(buf);
		return perr_set(r->err, errno, "manifest %s: short read", digest), NULL;
	}
	buf[size] = '\0';
	img_sha256(buf, (size_t)size, got);
	if (strcmp(got, digest)) {
		free(buf);
		return perr_set(r->err, 0, "manifest %s in the store has content of digest %s", digest, got), NULL;
	}
	*len = (size_t)size;
	return buf;
}

/* Push the manifest (or index: its manifests first) `desc` names as `ref`. */
static int push_manifest(struct reg *r, const struct img_store *s, const json_t *desc, const char *ref, int depth)
{
	const char *digest = json_str(desc, "digest"), *mt = json_str(desc, "mediaType");
	_cleanup_free_ char *raw = NULL;
	_cleanup_json_ json_t *man = NULL;
	char path[IMG_REF_MAX + 256];
	struct sink k = { .cap = 1 << 16 };
	size_t len = 0, i;
	json_t *d;
	long code;

	if (depth > 2)
		return perr_set(r->err, 0, "image indexes nested too deep");
	if (!is_manifest_type(mt) && !is_index_type(mt))
		return perr_set(r->err, 0, "manifest %s: unsupported media type \"%s\"", digest ? digest : "?",
				mt ? mt : "(none)");
	raw = read_manifest(r, s, digest, json_int(desc, "size", -1), &len);
	if (!raw)
		return -1;
	man = json_loadb(raw, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(man))
		return perr_set(r->err, 0, "manifest %s in the store is not a JSON object", digest);
	if (is_index_type(mt)) {
		json_array_foreach(json_object_get(man, "manifests"), i, d)
			if (push_manifest(r, s, d, json_str(d, "digest") ? json_str(d, "digest") : "", depth + 1) < 0)
				return -1;
	} else {
		json_t *l;
		if (push_blob(r, s, json_object_get(man, "config"), "config") < 0)
			return -1;
		json_array_foreach(json_object_get(man, "layers"), i, l)
			if (push_blob(r, s, l, "blob") < 0)
				return -1;
	}
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", r->repo, ref);
	struct body b = { .mem = raw, .size = len };
	code = reg_call(r, "PUT", path, NULL, mt, &b, &k);
	body_free(&b);
	if (code != 201) {
		if (code > 0)
			reg_http_error(r, path, code, &k);
		free(k.buf);
		return perr_prefix(r->err, "manifest %s", digest);
	}
	free(k.buf);
	if (k.dcd[0] && strcmp(k.dcd, digest))
		return perr_set(r->err, 0, "manifest %s: the registry stored it as %.72s", digest, k.dcd);
	if (depth == 0)
		say(r, "Writing manifest %.19s%s\n", digest, "");
	return 0;
}

int img_push(const struct img_store *s, const char *src, const char *dest, const struct img_reg_opts *o,
	     char *name, struct perr *err)
{
	_cleanup_json_ json_t *index = img_index_load(s, err);
	const json_t *desc;
	struct img_ref ref;
	struct reg r;
	int ret;

	if (!index)
		return -1;
	desc = img_index_find(index, src);
	if (!desc)
		return perr_set(err, 0, "push %s: no such image in the store", src);
	if (!dest && (img_digest_valid(src) || strspn(src, "0123456789abcdef") == strlen(src)))
		return perr_set(err, 0, "push %s: an image named by digest or ID needs a destination", src);
	if (img_ref_parse(dest ? dest : src, &ref, err) < 0)
		return perr_prefix(err, "push %s: %s", src, dest ? "destination" : "name a destination");
	if (ref.digest[0] && strcmp(ref.digest, json_str(desc, "digest")))
		return perr_set(err, 0, "push %s: destination %s names another digest", src, ref.full);
	snprintf(name, IMG_REF_MAX + 512, "%s", ref.full);
	if (reg_init(&r, ref.domain, ref.path, "pull,push", o, err) < 0) {
		reg_end(&r);
		return perr_prefix(err, "push %s", ref.full);
	}
	ret = push_manifest(&r, s, desc, ref.tag[0] ? ref.tag : ref.digest, 0);
	reg_end(&r);
	return ret < 0 ? perr_prefix(err, "push %s", ref.full) : 0;
}

int img_login_check(const char *registry, const struct img_reg_opts *o, struct perr *err)
{
	struct reg r;
	struct sink k = { .cap = 1 << 16 };
	long code;

	if (!o->creds)
		return perr_set(err, 0, "login %s: no credentials", registry);
	if (reg_init(&r, registry, "", "", o, err) < 0) {
		reg_end(&r);
		return -1;
	}
	code = reg_call(&r, "GET", "/v2/", NULL, NULL, NULL, &k);
	if (code == 401)
		perr_set(err, 0, "registry %s refuses the user name and password (HTTP 401)", r.host);
	else if (code > 0 && code != 200)
		reg_http_error(&r, "/v2/", code, &k);
	free(k.buf);
	reg_end(&r);
	return code == 200 ? 0 : perr_prefix(err, "login %s", registry);
}
