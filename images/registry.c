/* persona images: registry pull (see registry.h). */
#include "images/registry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"
#include "images/stage.h"

#define ACCEPT "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " \
	       "application/vnd.docker.distribution.manifest.list.v2+json, " \
	       "application/vnd.docker.distribution.manifest.v2+json"

struct reg {
	const struct img_pull_opts *o;
	struct img_ref ref;
	char host[300];
	const char *scheme;       /* "https" or "http" */
	char *token;              /* bearer token, malloc'd */
	bool transport_failed;    /* the last GET failed below HTTP (connect, TLS, timeout) */
	struct perr *err;
};

/* Where a response body goes: memory (capped) or a blob writer. */
struct sink {
	char *buf;
	size_t len, cap;
	struct blob_writer *w;
	bool overflow, write_failed;
	char www_auth[1024];
	char ctype[256];
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct sink *k = ud;
	size_t len = sz * n;

	if (k->w) {
		/* No more than the descriptor's size: a hostile registry cannot fill the disk. */
		if (k->len + len > k->cap) {
			k->overflow = true;
			return 0;
		}
		k->len += len;
		if (blob_writer_write(k->w, p, len, NULL) < 0) {
			k->write_failed = true;
			return 0;
		}
		return len;
	}
	if (k->len + len > k->cap) {
		k->overflow = true;
		return 0;
	}
	char *nb = realloc(k->buf, k->len + len + 1);
	if (!nb)
		return 0;
	k->buf = nb;
	memcpy(k->buf + k->len, p, len);
	k->len += len;
	k->buf[k->len] = '\0';
	return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct sink *k = ud;
	size_t len = sz * n;

	if (len > 17 && !strncasecmp(p, "WWW-Authenticate:", 17))
		snprintf(k->www_auth, sizeof(k->www_auth), "%.*s", (int)(len - 17), p + 17);
	if (len > 13 && !strncasecmp(p, "Content-Type:", 13))
		snprintf(k->ctype, sizeof(k->ctype), "%.*s", (int)(len - 13), p + 13);
	return len;
}

/* One GET.  Returns the HTTP status, or -1 + err on a transport failure. */
static long get(struct reg *r, const char *url, const char *accept, const char *bearer, bool basic,
		struct sink *k)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char auth[8192], ebuf[CURL_ERROR_SIZE] = "";
	long timeout = r->o->timeout_s > 0 ? r->o->timeout_s : 30, code = 0;
	CURLcode rc;

	if (!c)
		return perr_set(r->err, 0, "libcurl cannot start");
	if (accept)
		h = curl_slist_append(h, accept);
	if (bearer) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);   /* blobs redirect to storage */
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "persona/0.1");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, k);
	if (!r->o->tls_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->o->cert_dir)
		curl_easy_setopt(c, CURLOPT_CAPATH, r->o->cert_dir);
	if (basic && r->o->creds) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, r->o->creds);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (rc == CURLE_WRITE_ERROR && k->overflow)
		return perr_set(r->err, 0, "%s: reply larger than %zu bytes", url, k->cap);
	if (rc == CURLE_WRITE_ERROR && k->write_failed)
		return perr_set(r->err, errno, "%s: writing the blob", url);
	if (rc != CURLE_OK) {
		r->transport_failed = true;
		return perr_set(r->err, 0, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	}
	return code;
}

/* The value of `key` in a WWW-Authenticate challenge, e.g. realm="...". */
static bool challenge_param(const char *ch, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	for (const char *p = ch; (p = strcasestr(p, key)); p += kl) {
		if ((p != ch && isalnum((unsigned char)p[-1])) || p[kl] != '=')
			continue;
		p += kl + 1;
		if (*p == '"') {
			const char *e = strchr(p + 1, '"');
			if (!e)
				return false;
			snprintf(out, len, "%.*s", (int)(e - p - 1), p + 1);
		} else {
			snprintf(out, len, "%.*s", (int)strcspn(p, ", \r\n"), p);
		}
		return true;
	}
	return false;
}

/* Answer a 401's challenge: a bearer token from the realm, or basic. */
static int authenticate(struct reg *r, const char *challenge, bool *basic)
{
	char realm[1024], service[512] = "", url[4096], scope[IMG_REF_MAX + 32];
	struct sink k = { .cap = 1 << 20 };
	_cleanup_json_ json_t *j = NULL;
	const char *tok;
	long code;

	while (*challenge == ' ')
		challenge++;
	if (!strncasecmp(challenge, "Basic", 5)) {
		if (!r->o->creds)
			return perr_set(r->err, 0, "registry %s asks for a user name and password (--creds USER:PASS)",
					r->host);
		*basic = true;
		return 0;
	}
	if (strncasecmp(challenge, "Bearer", 6) || !challenge_param(challenge, "realm", realm, sizeof(realm)))
		return perr_set(r->err, 0, "registry %s: unsupported authentication challenge \"%.100s\"", r->host,
				challenge);
	if (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7))
		return perr_set(r->err, 0, "registry %s: token realm \"%.200s\" is not an http(s) URL", r->host, realm);
	challenge_param(challenge, "service", service, sizeof(service));
	snprintf(scope, sizeof(scope), "repository:%s:pull", r->ref.path);
	{
		CURL *c = curl_easy_init();
		char *es = curl_easy_escape(c, service, 0), *esc = curl_easy_escape(c, scope, 0);
		snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?", es, esc);
		curl_free(es);
		curl_free(esc);
		curl_easy_cleanup(c);
	}
	code = get(r, url, NULL, NULL, r->o->creds != NULL, &k);
	if (code < 0) {
		free(k.buf);
		return perr_prefix(r->err, "token");
	}
	if (code != 200) {
		free(k.buf);
		return perr_set(r->err, 0, "registry %s: token server %s answered HTTP %ld", r->host, realm, code);
	}
	j = k.buf ? json_loads(k.buf, 0, NULL) : NULL;
	free(k.buf);
	tok = json_str(j, "token") ? json_str(j, "token") : json_str(j, "access_token");
	if (!tok || !*tok || strlen(tok) > 6000 || strpbrk(tok, "\r\n"))
		return perr_set(r->err, 0, "registry %s: token server %s gave no usable token", r->host, realm);
	free(r->token);
	r->token = strdup(tok);
	return 0;
}

/* GET /v2/NAME/KIND/REF into `k`, answering one auth challenge. */
static int fetch(struct reg *r, const char *kind, const char *what, const char *accept, struct sink *k)
{
	char url[IMG_REF_MAX * 2 + 512];
	bool basic = false;
	long code;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct blob_writer *w = k->w;
		snprintf(url, sizeof(url), "%s://%s/v2/%s/%s/%s", r->scheme, r->host, r->ref.path, kind, what);
		code = get(r, url, accept, r->token, basic, k);
		if (code < 0)
			return -1;
		if (code == 401 && attempt == 0 && k->www_auth[0]) {
			char ch[1024];
			snprintf(ch, sizeof(ch), "%s", k->www_auth);
			free(k->buf);
			*k = (struct sink){ .cap = k->cap, .w = w };
			if (w) {
				/* the 401's body went in: start the blob and its digest again */
				char dir[sizeof(w->dir)];
				snprintf(dir, sizeof(dir), "%s", w->dir);
				blob_writer_abort(w);
				if (blob_writer_begin(w, dir, r->err) < 0)
					return -1;
			}
			if (authenticate(r, ch, &basic) < 0)
				return -1;
			continue;
		}
		break;
	}
	if (code == 404)
		return perr_set(r->err, 0, "%s: not found (HTTP 404)", url);
	if (code == 401 || code == 403)
		return perr_set(r->err, 0, "%s: access denied (HTTP %ld)", url, code);
	if (code != 200)
		return perr_set(r->err, 0, "%s: HTTP %ld", url, code);
	return 0;
}

/* Fetch a manifest or index by tag or digest and stage it; its digest
 * (checked when `ref` is one) goes to `digest`, its media type to `mt`. */
static json_t *fetch_manifest(struct reg *r, struct stage *st, const char *ref, char digest[72], char *mt,
			      size_t mtlen)
{
	struct sink k = { .cap = IMG_JSON_MAX };
	json_error_t je;
	json_t *j;
	const char *m;
	char *p;

	if (fetch(r, "manifests", ref, ACCEPT, &k) < 0) {
		free(k.buf);
		return NULL;
	}
	if (!k.buf || strlen(k.buf) != k.len) {
		free(k.buf);
		return perr_set(r->err, 0, "manifest %s: empty or binary reply", ref), NULL;
	}
	j = json_loadb(k.buf, k.len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		free(k.buf);
		json_decref(j);
		return perr_set(r->err, 0, "manifest %s: not a JSON object (line %d: %s)", ref, je.line, je.text), NULL;
	}
	if (stage_put(st, k.buf, digest, r->err) < 0) {
		free(k.buf);
		json_decref(j);
		return NULL;
	}
	free(k.buf);
	if (img_digest_valid(ref) && strcmp(ref, digest)) {
		json_decref(j);
		return perr_set(r->err, 0, "manifest %s: content has digest %s", ref, digest), NULL;
	}
	m = json_str(j, "mediaType");
	if (!m) {
		for (p = k.ctype; *p == ' '; p++)
			;
		p[strcspn(p, "; \r\n")] = '\0';
		m = p;
	}
	snprintf(mt, mtlen, "%s", m);
	return j;
}

/* A blob the store already holds (by a finished or an earlier, killed
 * pull) is hard-linked into the stage instead of downloaded: the store
 * renames blobs in only after checking their digest, and the size is
 * checked here; stage_manifest() checks the content again where it
 * matters (manifests, configs, layer diff_ids). */
static bool reuse_blob(const struct img_store *s, struct stage *st, const char *digest, json_int_t size)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct stat sb;

	if (img_blob_path(s, digest, from, sizeof(from), NULL) < 0 || stat(from, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size != size)
		return false;
	stage_blob_path(st, digest, to, sizeof(to));
	return link(from, to) == 0 || errno == EEXIST;
}

/* A verified staged blob goes into the store's blobs at once (a second
 * link; the stage keeps its own), so a pull killed later still leaves it
 * for the next one.  Content-addressed, and no tag names it until
 * stage_commit(), so nothing partial becomes visible; `persona image
 * prune` removes it if no pull ever claims it. */
static void publish_blob(const struct img_store *s, struct stage *st, const char *digest)
{
	char from[PATH_MAX], to[PATH_MAX];

	stage_blob_path(st, digest, from, sizeof(from));
	if (img_blob_path(s, digest, to, sizeof(to), NULL) == 0 && link(from, to) < 0 && errno != EEXIST)
		return; /* only a cache: the commit still moves it in */
}

static int fetch_blob(struct reg *r, const struct img_store *s, struct stage *st, const json_t *desc)
{
	const char *digest = json_str(desc, "digest");
	json_int_t size = json_int(desc, "size", -1);
	struct blob_writer w;
	struct sink k = { .cap = size >= 0 ? (size_t)size : 0 };
	char got[72];

	if (!img_digest_valid(digest))
		return perr_set(r->err, 0, "blob digest \"%s\" is not sha256", digest ? digest : "");
	if (size < 0)
		return perr_set(r->err, 0, "blob %s: descriptor without a size", digest);
	if (reuse_blob(s, st, digest, size))
		return 0;
	if (blob_writer_begin(&w, st->dir, r->err) < 0)
		return -1;
	k.w = &w;
	if (fetch(r, "blobs", digest, NULL, &k) < 0) {
		blob_writer_abort(&w);
		return -1;
	}
	if (blob_writer_finish(&w, digest, got, r->err) < 0)
		return perr_prefix(r->err, "blob %s", digest);
	publish_blob(s, st, digest);
	return 0;
}

/* ---- staging directories of pulls: owned while flock()ed ---- */

#define STAGE_LOCK "pull.lock"

/* Mark the stage as this process's: STAGE/pull.lock, flock()ed for as long
 * as the process lives.  Made under a temporary name and renamed, so a
 * cleaner never finds the lock file before it is locked.  The fd is kept
 * (close-on-exec) and dies with the process. */
static int stage_own(struct stage *st, struct perr *err)
{
	char tmp[PATH_MAX], lock[PATH_MAX];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/" STAGE_LOCK ".new", st->dir);
	snprintf(lock, sizeof(lock), "%s/" STAGE_LOCK, st->dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || rename(tmp, lock) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return perr_set(err, e, "staging directory %s", st->dir);
	}
	return fd;
}

/* Remove STORE/.stage-* directories of pulls whose process is gone (their
 * pull.lock can be locked).  Stages without a pull.lock belong to other
 * writers (persona load) and are left alone. */
static void clean_dead_stages(const struct img_store *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char lock[PATH_MAX];
		int fd;
		if (strncmp(e->d_name, ".stage-", 7))
			continue;
		snprintf(lock, sizeof(lock), "%s/%s/" STAGE_LOCK, s->dir, e->d_name);
		fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			img_remove_tree_at(dirfd(d), e->d_name);
		close(fd);
	}
	closedir(d);
}

int img_pull(const struct img_store *s, const char *refstr, const struct img_pull_opts *o, char *name,
	     struct perr *err)
{
	struct reg r = { .o = o, .scheme = "https", .err = err };
	struct stage st;
	_cleanup_json_ json_t *top = NULL, *man = NULL, *desc = NULL;
	char dg[72], mt[256], what[IMG_REF_MAX + 8];
	json_t *l;
	size_t i;
	int ret = -1;
	_cleanup_close_ int owner = -1;

	if (img_ref_parse(refstr, &r.ref, err) < 0)
		return -1;
	snprintf(name, IMG_REF_MAX + 512, "%s", r.ref.full);
	snprintf(r.host, sizeof(r.host), "%s", strcmp(r.ref.domain, "docker.io") ? r.ref.domain : "registry-1.docker.io");
	snprintf(what, sizeof(what), "%s", r.ref.digest[0] ? r.ref.digest : r.ref.tag);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	clean_dead_stages(s);
	if (stage_begin(&st, s, r.ref.full, &o->uo, err) < 0)
		return -1;
	owner = stage_own(&st, err);
	if (owner < 0)
		goto out;
	top = fetch_manifest(&r, &st, what, dg, mt, sizeof(mt));
	if (!top && !o->tls_verify && r.transport_failed) {
		/* docker's insecure registry: plain HTTP when TLS does not answer */
		r.scheme = "http";
		r.transport_failed = false;
		top = fetch_manifest(&r, &st, what, dg, mt, sizeof(mt));
	}
	if (!top)
		goto out;
	if (is_index_type(mt)) {
		json_t *d, *pick = NULL;
		json_array_foreach(json_object_get(top, "manifests"), i, d) {
			json_t *pl = json_object_get(d, "platform");
			if (json_str(pl, "os") && !strcmp(json_str(pl, "os"), "linux") && json_str(pl, "architecture") &&
			    !strcmp(json_str(pl, "architecture"), "amd64")) {
				pick = d;
				break;
			}
		}
		if (!pick) {
			perr_set(err, 0, "no linux/amd64 image in the index");
			goto out;
		}
		man = fetch_manifest(&r, &st, json_str(pick, "digest") ? json_str(pick, "digest") : "", dg, mt,
				     sizeof(mt));
		if (!man)
			goto out;
	} else {
		man = json_incref(top);
	}
	if (!is_manifest_type(mt)) {
		perr_set(err, 0, "manifest: unsupported media type \"%s\"", mt);
		goto out;
	}
	if (fetch_blob(&r, s, &st, json_object_get(man, "config")) < 0)
		goto out;
	json_array_foreach(json_object_get(man, "layers"), i, l)
		if (fetch_blob(&r, s, &st, l) < 0)
			goto out;
	{
		char path[PATH_MAX];
		struct stat sb;
		stage_blob_path(&st, dg, path, sizeof(path));
		stat(path, &sb);
		desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", dg, "size", (json_int_t)sb.st_size);
	}
	/* Pulled by digest only, it is named NAME@DIGEST in index.json. */
	if (stage_manifest(&st, desc, r.ref.full, 0, err) < 0 || stage_commit(&st, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		perr_prefix(err, "pull %s", r.ref.full);
	stage_end(&st);
	free(r.token);
	return ret;
}
