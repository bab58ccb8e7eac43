/* persona images: one registry session over libcurl: requests, response
 * sinks, request bodies, and the auth challenge (see registry_int.h). */
#include "images/registry_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/auth.h"

/* What is kept of an error reply's body. */
#define ERROR_BODY_MAX (64u << 10)

/* ---- responses ---- */

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct sink *k = ud;
	size_t len = sz * n;

	if (k->w && k->status == 200) {
		/* No more than the descriptor's size: a hostile registry cannot fill the disk. */
		if (k->wlen + len > k->wcap) {
			k->overflow = true;
			return 0;
		}
		if (blob_writer_write(k->w, p, len, NULL) < 0) {
			k->write_failed = true;
			return 0;
		}
		k->wlen += len;
		return len;
	}
	if (k->len + len > (k->w ? ERROR_BODY_MAX : k->cap)) {
		if (k->w)
			return len; /* the rest of an error page */
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

static void header_value(char *out, size_t outlen, const char *p, size_t len, size_t skip)
{
	p += skip;
	len -= skip;
	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	snprintf(out, outlen, "%.*s", (int)len, p);
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct sink *k = ud;
	size_t len = sz * n;

	if (len > 8 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after a redirect): its own headers */
		const char *sp = memchr(p, ' ', len);
		k->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		k->www_auth[0] = k->ctype[0] = k->location[0] = k->dcd[0] = '\0';
	} else if (len > 17 && !strncasecmp(p, "WWW-Authenticate:", 17)) {
		header_value(k->www_auth, sizeof(k->www_auth), p, len, 17);
	} else if (len > 13 && !strncasecmp(p, "Content-Type:", 13)) {
		header_value(k->ctype, sizeof(k->ctype), p, len, 13);
	} else if (len > 9 && !strncasecmp(p, "Location:", 9)) {
		header_value(k->location, sizeof(k->location), p, len, 9);
	} else if (len > 22 && !strncasecmp(p, "Docker-Content-Digest:", 22)) {
		header_value(k->dcd, sizeof(k->dcd), p, len, 22);
	}
	return len;
}

/* All of `b` read: does it differ from its digest?  (Then the request is
 * never completed, and the registry drops the upload.) */
static bool body_mismatch(struct body *b)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[72] = "sha256:";

	if (!b->expect || b->checked)
		return b->mismatch;
	b->checked = true;
	EVP_DigestFinal_ex(b->md, md, &mdlen);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
	b->mismatch = strcmp(hex, b->expect) != 0;
	return b->mismatch;
}

/* The body of a PUT: memory or a file, hashed as it is read. */
static size_t on_read(char *p, size_t sz, size_t n, void *ud)
{
	struct body *b = ud;
	size_t want = sz * n, got;

	if (b->pos >= b->size)
		return body_mismatch(b) ? CURL_READFUNC_ABORT : 0;
	if (want > b->size - b->pos)
		want = (size_t)(b->size - b->pos);
	if (b->mem) {
		memcpy(p, b->mem + b->pos, want);
		got = want;
	} else {
		ssize_t r = pread(b->fd, p, want, (off_t)b->pos);
		if (r <= 0)
			return CURL_READFUNC_ABORT;
		got = (size_t)r;
	}
	if (b->md)
		EVP_DigestUpdate(b->md, p, got);
	b->pos += got;
	if (b->progress)
		*b->progress = b->pos;
	/* curl asks for no more than the size: decide on the last bytes */
	if (b->pos >= b->size && body_mismatch(b))
		return CURL_READFUNC_ABORT;
	return got;
}

static void body_rewind(struct body *b)
{
	b->pos = 0;
	b->checked = b->mismatch = false;
	if (b->expect) {
		if (!b->md)
			b->md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(b->md, EVP_sha256(), NULL);
	}
}

void body_free(struct body *b)
{
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}

/* ---- requests ---- */

CURL *reg_easy(struct reg *r, const char *method, const char *url, const char *accept, const char *ctype,
	       struct body *b, struct sink *k, struct curl_slist **h, char *ebuf)
{
	CURL *c = curl_easy_init();
	long timeout = r->o->timeout_s > 0 ? r->o->timeout_s : 30;
	char line[8192];

	if (!c)
		return NULL;
	*h = NULL;
	if (accept)
		*h = curl_slist_append(*h, accept);
	if (ctype) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		*h = curl_slist_append(*h, line);
	}
	*h = curl_slist_append(*h, "Expect:");
	if (r->token && !r->basic) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", r->token);
		*h = curl_slist_append(*h, line);
	}
	ebuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *h);
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L); /* blobs redirect to storage */
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	}
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (!strcmp(method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b->size);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, b);
		body_rewind(b);
	}
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
	if (r->basic && r->creds) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, r->creds);
	}
	return c;
}

/* The outcome of a finished request: its HTTP status, or -1 + err. */
long reg_result(struct reg *r, CURL *c, CURLcode rc, const char *url, struct sink *k, const char *ebuf,
		const struct body *b)
{
	long code = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_WRITE_ERROR && k->overflow)
		return perr_set(r->err, 0, "%s: reply larger than %llu bytes", url,
				(unsigned long long)(k->w ? k->wcap : k->cap));
	if (rc == CURLE_WRITE_ERROR && k->write_failed)
		return perr_set(r->err, errno, "%s: writing the blob", url);
	if (rc == CURLE_ABORTED_BY_CALLBACK && b && b->mismatch)
		return perr_set(r->err, 0, "%s: the content read does not match digest %s; upload abandoned", url,
				b->expect);
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
		r->transport_failed = true;
		return perr_set(r->err, 0, "%s: %s (give the registry's CA certificate with --cert-dir DIR, or use "
				"--tls-verify=false)", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	}
	if (rc != CURLE_OK) {
		r->transport_failed = true;
		return perr_set(r->err, 0, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	}
	return code;
}

/* One request, no retry. */
static long request(struct reg *r, const char *method, const char *url, const char *accept, const char *ctype,
		    struct body *b, struct sink *k)
{
	struct curl_slist *h;
	char ebuf[CURL_ERROR_SIZE];
	CURL *c = reg_easy(r, method, url, accept, ctype, b, k, &h, ebuf);
	long code;

	if (!c)
		return perr_set(r->err, 0, "libcurl cannot start");
	code = reg_result(r, c, curl_easy_perform(c), url, k, ebuf, b);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
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

static int need_creds(struct reg *r)
{
	return perr_set(r->err, 0, "registry %s asks for credentials: give --creds USER:PASS, or run "
			"'persona login %s' first", r->host, r->key);
}

int reg_authenticate(struct reg *r, const char *challenge)
{
	char realm[1024], service[512] = "", url[4096], scope[IMG_REF_MAX + 64] = "";
	struct sink k = { .cap = 1 << 20 };
	_cleanup_json_ json_t *j = NULL;
	const char *tok;
	long code;

	while (*challenge == ' ')
		challenge++;
	if (!strncasecmp(challenge, "Basic", 5)) {
		if (!r->creds)
			return need_creds(r);
		if (r->basic)
			return perr_set(r->err, 0, "registry %s refuses the user name and password", r->host);
		r->basic = true;
		return 0;
	}
	if (strncasecmp(challenge, "Bearer", 6) || !challenge_param(challenge, "realm", realm, sizeof(realm)))
		return perr_set(r->err, 0, "registry %s: unsupported authentication challenge \"%.100s\"", r->host,
				challenge);
	if (strncmp(realm, "https://", 8) && strncmp(realm, "http://", 7))
		return perr_set(r->err, 0, "registry %s: token realm \"%.200s\" is not an http(s) URL", r->host, realm);
	challenge_param(challenge, "service", service, sizeof(service));
	if (r->repo[0])
		snprintf(scope, sizeof(scope), "repository:%s:%s", r->repo, r->actions);
	{
		CURL *c = curl_easy_init();
		char *es = curl_easy_escape(c, service, 0), *esc = curl_easy_escape(c, scope, 0);
		snprintf(url, sizeof(url), "%s%sservice=%s%s%s", realm, strchr(realm, '?') ? "&" : "?", es,
			 scope[0] ? "&scope=" : "", esc);
		curl_free(es);
		curl_free(esc);
		curl_easy_cleanup(c);
	}
	/* the token server takes the credentials as basic auth */
	bool was_basic = r->basic;
	char *tok_saved = r->token;
	r->basic = r->creds != NULL;
	r->token = NULL;
	code = request(r, "GET", url, NULL, NULL, NULL, &k);
	r->basic = was_basic;
	r->token = tok_saved;
	if (code < 0) {
		free(k.buf);
		return perr_prefix(r->err, "token");
	}
	if (code == 401 || code == 403) {
		free(k.buf);
		if (!r->creds)
			return need_creds(r);
		return perr_set(r->err, 0, "registry %s: token server %s refuses the user name and password (HTTP %ld)",
				r->host, realm, code);
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
	r->token_tries++;
	return 0;
}

void sink_reset(struct sink *k)
{
	free(k->buf);
	k->buf = NULL;
	k->len = k->wlen = 0;
	k->overflow = k->write_failed = false;
	k->status = 0;
	k->www_auth[0] = k->ctype[0] = k->location[0] = k->dcd[0] = '\0';
}

long reg_call(struct reg *r, const char *method, const char *path, const char *accept, const char *ctype,
	      struct body *b, struct sink *k)
{
	char url[8192];
	bool authed = false;
	long code = -1;

	for (int attempt = 0; attempt < 3; attempt++) {
		if (!strncmp(path, "https://", 8) || !strncmp(path, "http://", 7))
			snprintf(url, sizeof(url), "%s", path);
		else
			snprintf(url, sizeof(url), "%s://%s%s", r->scheme, r->host, path);
		sink_reset(k);
		if (k->w) {
			/* an earlier attempt's body went in: start the blob and its digest again */
			char dir[sizeof(k->w->dir)];
			snprintf(dir, sizeof(dir), "%s", k->w->dir);
			blob_writer_abort(k->w);
			if (blob_writer_begin(k->w, dir, r->err) < 0)
				return -1;
		}
		r->transport_failed = false;
		code = request(r, method, url, accept, ctype, b, k);
		if (code < 0) {
			if (!r->scheme_known && !r->o->tls_verify && r->transport_failed && !strcmp(r->scheme, "https")) {
				/* docker's insecure registry: plain HTTP when TLS does not answer */
				r->scheme = "http";
				continue;
			}
			return -1;
		}
		r->scheme_known = true;
		if (code == 401 && authed)
			return r->creds ? perr_set(r->err, 0, "registry %s refuses the user name and password (HTTP 401)",
						   r->host)
					: need_creds(r);
		if (code == 401 && !authed && k->www_auth[0]) {
			char ch[1024];
			snprintf(ch, sizeof(ch), "%s", k->www_auth);
			authed = true;
			if (reg_authenticate(r, ch) < 0)
				return -1;
			continue;
		}
		break;
	}
	return code;
}

/* The registry's own words from an error body ({"errors": [{"code", "message"}]}). */
static void registry_says(const struct sink *k, char *out, size_t len)
{
	_cleanup_json_ json_t *j = k->buf ? json_loads(k->buf, 0, NULL) : NULL;
	json_t *e = json_array_get(json_object_get(j, "errors"), 0);

	out[0] = '\0';
	if (json_str(e, "code") || json_str(e, "message"))
		snprintf(out, len, ": %.40s %.200s", json_str(e, "code") ? json_str(e, "code") : "",
			 json_str(e, "message") ? json_str(e, "message") : "");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
}

int reg_http_error(struct reg *r, const char *what, long code, const struct sink *k)
{
	char says[300], url[8192];

	registry_says(k, says, sizeof(says));
	if (what[0] == '/') {
		snprintf(url, sizeof(url), "%s://%s%s", r->scheme, r->host, what);
		what = url;
	}
	if (code == 404)
		return perr_set(r->err, 0, "%s: not found (HTTP 404)%s", what, says);
	if (code == 401 || code == 403)
		return perr_set(r->err, 0, "%s: access denied (HTTP %ld)%s", what, code, says);
	return perr_set(r->err, 0, "%s: HTTP %ld%s", what, code, says);
}

int reg_init(struct reg *r, const char *domain, const char *repo, const char *actions, const struct img_reg_opts *o,
	     struct perr *err)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->err = err;
	r->scheme = "https";
	r->actions = actions;
	snprintf(r->key, sizeof(r->key), "%s", domain);
	snprintf(r->host, sizeof(r->host), "%s", strcmp(domain, "docker.io") ? domain : "registry-1.docker.io");
	snprintf(r->repo, sizeof(r->repo), "%s", repo);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (o->creds) {
		r->creds = strdup(o->creds);
		return 0;
	}
	return img_auth_lookup(o->authfile, domain, repo, &r->creds, err);
}

void reg_end(struct reg *r)
{
	if (r->creds)
		explicit_bzero(r->creds, strlen(r->creds));
	free(r->creds);
	free(r->token);
	r->creds = r->token = NULL;
}

