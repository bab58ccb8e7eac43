/* persona images: registry pull (see registry.h); the HTTP session is in
 * registry_http.c, push and login in registry_push.c. */
#include "images/registry_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/stage.h"

#define ACCEPT "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " \
	       "application/vnd.docker.distribution.manifest.list.v2+json, " \
	       "application/vnd.docker.distribution.manifest.v2+json"
/* docker pulls three layers at once (max-concurrent-downloads). */
#define PARALLEL 3

/* ---- progress ---- */

double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void fmt_size(double v, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* One blob's line: "sha256:0123456789ab  Downloading  1.2 MiB / 3.4 MiB  800.0 KiB/s". */
static void dl_line(const struct dl *d, char *out, size_t len)
{
	char done[32], total[32], rate[32];
	double t = (d->t1 > 0 ? d->t1 : now_s()) - d->t0;

	fmt_size((double)d->k.wlen, done, sizeof(done));
	fmt_size((double)d->size, total, sizeof(total));
	fmt_size(t > 0.05 ? (double)d->k.wlen / t : 0, rate, sizeof(rate));
	switch (d->state) {
	case DL_WAIT: snprintf(out, len, "%.19s  Waiting", d->digest); break;
	case DL_RUN:
		snprintf(out, len, "%.19s  Downloading  %s / %s  %s/s", d->digest, done, total, rate);
		break;
	case DL_DONE:
		snprintf(out, len, "%.19s  Download complete  %s%s%s%s", d->digest, total, t > 0.05 ? "  " : "",
			 t > 0.05 ? rate : "", t > 0.05 ? "/s" : "");
		break;
	default: snprintf(out, len, "%.19s  Already exists", d->digest); break;
	}
}

static void progress(struct dl *dls, size_t n, int *drawn, double *last, bool force)
{
	char line[256];

	if (dls[0].mode != IMG_PROGRESS_TTY)
		return;
	if (!force && now_s() - *last < 0.1)
		return;
	*last = now_s();
	if (*drawn)
		fprintf(stderr, "\033[%dA", *drawn);
	for (size_t i = 0; i < n; i++) {
		dl_line(&dls[i], line, sizeof(line));
		fprintf(stderr, "\r\033[K%s\n", line);
	}
	*drawn = (int)n;
	fflush(stderr);
}

/* A finished blob, for scripts: "Copying blob sha256:0123456789ab done". */
static void progress_line(const struct dl *d)
{
	if (d->mode != IMG_PROGRESS_LINES)
		return;
	fprintf(stderr, "Copying %s %.19s %s\n", d->kind, d->digest,
		d->state == DL_DONE ? "done" : "skipped: already exists");
}

/* ---- pull ---- */

/* A blob the store already holds (by a finished or an earlier, killed
 * pull) is hard-linked into the stage instead of downloaded, once its
 * size and SHA-256 are checked.  One whose content does not match its
 * own name (a damaged store) is removed, to be downloaded again; a size
 * that differs from the descriptor's is the descriptor's fault and leaves
 * the store alone. */
static bool reuse_blob(const struct img_store *s, struct stage *st, const char *digest, json_int_t size)
{
	char from[PATH_MAX], to[PATH_MAX], got[72];
	uint64_t n;
	struct stat sb;

	if (img_blob_path(s, digest, from, sizeof(from), NULL) < 0 || lstat(from, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size != size || img_file_digest(from, got, &n, NULL) < 0)
		return false;
	if (strcmp(got, digest)) {
		unlink(from);
		return false;
	}
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

static int dl_start(struct reg *r, struct stage *st, CURLM *m, struct dl *d)
{
	if (blob_writer_begin(&d->w, st->dir, r->err) < 0)
		return -1;
	d->k = (struct sink){ .w = &d->w, .wcap = (uint64_t)d->size };
	snprintf(d->url, sizeof(d->url), "%s://%s/v2/%s/blobs/%s", r->scheme, r->host, r->repo, d->digest);
	d->c = reg_easy(r, "GET", d->url, NULL, NULL, NULL, &d->k, &d->h, d->ebuf);
	if (!d->c) {
		blob_writer_abort(&d->w);
		return perr_set(r->err, 0, "libcurl cannot start");
	}
	curl_easy_setopt(d->c, CURLOPT_PRIVATE, d);
	d->token_tries = r->token_tries; /* the token this request carries */
	curl_multi_add_handle(m, d->c);
	if (d->t0 == 0)
		d->t0 = now_s();
	d->state = DL_RUN;
	return 0;
}

static void dl_stop(CURLM *m, struct dl *d)
{
	if (d->c) {
		curl_multi_remove_handle(m, d->c);
		curl_easy_cleanup(d->c);
		curl_slist_free_all(d->h);
		d->c = NULL;
		d->h = NULL;
	}
	free(d->k.buf);
	d->k.buf = NULL;
}

/* A transfer ended: 0 done, 1 to start again (after a token), -1 + err. */
static int dl_finish(struct reg *r, const struct img_store *s, struct stage *st, CURLM *m, struct dl *d,
		     CURLcode rc)
{
	char got[72], ch[1024];
	long code = reg_result(r, d->c, rc, d->url, &d->k, d->ebuf, NULL);

	snprintf(ch, sizeof(ch), "%s", d->k.www_auth);
	if (code == 401 && !d->authed && ch[0]) {
		dl_stop(m, d);
		blob_writer_abort(&d->w);
		d->authed = true;
		/* tokens expire: renew it, unless another transfer already has */
		if (d->token_tries == r->token_tries && reg_authenticate(r, ch) < 0)
			return -1;
		return 1;
	}
	if (code >= 0 && code != 200)
		reg_http_error(r, d->url, code, &d->k);
	dl_stop(m, d);
	if (code != 200) {
		blob_writer_abort(&d->w);
		return -1;
	}
	if (blob_writer_finish(&d->w, d->digest, got, r->err) < 0)
		return perr_prefix(r->err, "blob %s", d->digest);
	publish_blob(s, st, d->digest);
	d->state = DL_DONE;
	d->t1 = now_s();
	return 0;
}

/* Download the blobs of `dls` not in the store, PARALLEL at a time. */
static int download(struct reg *r, const struct img_store *s, struct stage *st, struct dl *dls, size_t n)
{
	CURLM *m = curl_multi_init();
	size_t next = 0, running = 0;
	int drawn = 0, ret = 0;
	double last = 0;

	if (!m)
		return perr_set(r->err, 0, "libcurl cannot start");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(dls[j].digest, dls[i].digest))
				dls[i].state = DL_SAME;
		if (dls[i].state == DL_WAIT && reuse_blob(s, st, dls[i].digest, dls[i].size))
			dls[i].state = DL_EXISTS;
		if (dls[i].state != DL_WAIT && dls[i].state != DL_SAME)
			progress_line(&dls[i]);
	}
	progress(dls, n, &drawn, &last, true);
	for (;;) {
		while (running < PARALLEL && next < n) {
			struct dl *d = &dls[next++];
			if (d->state != DL_WAIT)
				continue;
			if (dl_start(r, st, m, d) < 0)
				goto fail;
			running++;
		}
		if (!running)
			break;
		int still;
		CURLMsg *msg;
		curl_multi_perform(m, &still);
		while ((msg = curl_multi_info_read(m, &still))) {
			struct dl *d;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
			int f = dl_finish(r, s, st, m, d, msg->data.result);
			if (f < 0)
				goto fail;
			if (f == 1 && dl_start(r, st, m, d) < 0)
				goto fail;
			if (f == 0) {
				running--;
				progress_line(d);
			}
		}
		progress(dls, n, &drawn, &last, false);
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	goto out;
fail:
	ret = -1;
	for (size_t i = 0; i < n; i++) {
		if (dls[i].c) {
			dl_stop(m, &dls[i]);
			blob_writer_abort(&dls[i].w);
		}
	}
out:
	progress(dls, n, &drawn, &last, true);
	curl_multi_cleanup(m);
	return ret;
}

/* Fetch a manifest or index by tag or digest and stage it; its digest
 * (checked when `ref` is one) goes to `digest`, its media type to `mt`. */
static json_t *fetch_manifest(struct reg *r, struct stage *st, const char *ref, char digest[72], char *mt,
			      size_t mtlen)
{
	struct sink k = { .cap = IMG_JSON_MAX };
	char path[IMG_REF_MAX * 2 + 128];
	json_error_t je;
	json_t *j;
	const char *m;
	long code;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", r->repo, ref);
	code = reg_call(r, "GET", path, ACCEPT, NULL, NULL, &k);
	if (code != 200) {
		if (code > 0)
			reg_http_error(r, path, code, &k);
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
		k.ctype[strcspn(k.ctype, "; ")] = '\0';
		m = k.ctype;
	}
	snprintf(mt, mtlen, "%s", m);
	return j;
}

/* The linux/amd64 entry of an index. */
static const char *pick_platform(json_t *index)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		json_t *pl = json_object_get(d, "platform");
		if (json_str(pl, "os") && !strcmp(json_str(pl, "os"), "linux") && json_str(pl, "architecture") &&
		    !strcmp(json_str(pl, "architecture"), "amd64"))
			return json_str(d, "digest") ? json_str(d, "digest") : "";
	}
	return NULL;
}

/* The blobs of manifest `man`: config first, then the layers. */
static struct dl *blob_list(struct reg *r, json_t *man, enum img_progress mode, size_t *n)
{
	json_t *layers = json_object_get(man, "layers");
	size_t i, count = 1 + json_array_size(layers);
	struct dl *dls;

	/* overlayfs stacks at most 127 layers (check_image says so too) */
	if (count > 128)
		return perr_set(r->err, 0, "manifest: %zu layers, more than overlayfs can stack", count - 1), NULL;
	dls = calloc(count, sizeof(*dls));
	if (!dls)
		return perr_set(r->err, ENOMEM, "blob list"), NULL;
	for (i = 0; i < count; i++) {
		const json_t *desc = i ? json_array_get(layers, i - 1) : json_object_get(man, "config");
		const char *digest = json_str(desc, "digest");
		json_int_t size = json_int(desc, "size", -1);
		if (!img_digest_valid(digest) || size < 0) {
			free(dls);
			return perr_set(r->err, 0, "manifest: %s %zu: digest \"%.80s\" is not sha256, or no size",
					i ? "layer" : "config", i, digest ? digest : ""), NULL;
		}
		if (!i && size > (json_int_t)IMG_JSON_MAX) {
			free(dls);
			return perr_set(r->err, 0, "manifest: config %s of %lld bytes, more than 4 MiB", digest,
					(long long)size), NULL;
		}
		dls[i] = (struct dl){ .digest = digest, .size = size, .kind = i ? "blob" : "config", .mode = mode };
		dls[i].w.fd = -1;
	}
	*n = count;
	return dls;
}

int img_pull(const struct img_store *s, const char *refstr, const struct img_pull_opts *o, char *name,
	     struct perr *err)
{
	struct reg r;
	struct img_ref ref;
	struct stage st;
	_cleanup_json_ json_t *top = NULL, *man = NULL, *desc = NULL;
	_cleanup_free_ struct dl *dls = NULL;
	char dg[72], mt[256], what[IMG_REF_MAX + 8];
	size_t n = 0;
	int ret = -1;

	if (img_ref_parse(refstr, &ref, err) < 0)
		return -1;
	snprintf(name, IMG_REF_MAX + 512, "%s", ref.full);
	snprintf(what, sizeof(what), "%s", ref.digest[0] ? ref.digest : ref.tag);
	if (reg_init(&r, ref.domain, ref.path, "pull", &o->reg, err) < 0) {
		reg_end(&r);
		return perr_prefix(err, "pull %s", ref.full);
	}
	if (stage_begin(&st, s, ref.full, &o->uo, err) < 0) {
		reg_end(&r);
		return -1;
	}
	top = fetch_manifest(&r, &st, what, dg, mt, sizeof(mt));
	if (!top)
		goto out;
	if (is_index_type(mt)) {
		const char *pick = pick_platform(top);
		if (!pick) {
			perr_set(err, 0, "no linux/amd64 image in the index");
			goto out;
		}
		if (!img_digest_valid(pick)) {
			perr_set(err, 0, "index: the linux/amd64 entry's digest \"%.80s\" is not sha256", pick);
			goto out;
		}
		man = fetch_manifest(&r, &st, pick, dg, mt, sizeof(mt));
		if (!man)
			goto out;
	} else {
		man = json_incref(top);
	}
	if (!is_manifest_type(mt)) {
		perr_set(err, 0, "manifest: unsupported media type \"%s\"", mt);
		goto out;
	}
	dls = blob_list(&r, man, o->reg.progress, &n);
	if (!dls || download(&r, s, &st, dls, n) < 0)
		goto out;
	{
		char path[PATH_MAX];
		struct stat sb;
		stage_blob_path(&st, dg, path, sizeof(path));
		stat(path, &sb);
		desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", dg, "size", (json_int_t)sb.st_size);
	}
	/* Pulled by digest only, it is named NAME@DIGEST in index.json. */
	if (stage_manifest(&st, desc, ref.full, 0, err) < 0 || stage_commit(&st, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		perr_prefix(err, "pull %s", ref.full);
	stage_end(&st);
	reg_end(&r);
	return ret;
}
