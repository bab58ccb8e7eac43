/* persona images, private to registry.c and registry_push.c: one registry
 * session (host, repository, credentials, token) and its HTTP requests. */
#ifndef PERSONA_IMAGES_REGISTRY_INT_H
#define PERSONA_IMAGES_REGISTRY_INT_H

#include <stdint.h>
#include <curl/curl.h>
#include <jansson.h>

#include "images/ref.h"
#include "images/registry.h"

struct reg {
	const struct img_reg_opts *o;
	char key[300];            /* the registry as the user names it: docker.io, host:port */
	char host[300];           /* where it is served: registry-1.docker.io, host:port */
	char repo[IMG_REF_MAX];   /* repository path, "" for none (login) */
	const char *actions;      /* token scope actions: "pull", "pull,push" */
	const char *scheme;       /* "https", or "http" after an insecure fallback */
	bool scheme_known;        /* a request got through: no more fallback */
	bool transport_failed;    /* the last request failed below HTTP */
	char *creds;              /* "USER:PASS" or NULL, malloc'd */
	bool basic;               /* the registry asked for basic auth */
	char *token;              /* bearer token, malloc'd */
	unsigned token_tries;     /* tokens fetched so far */
	struct perr *err;
};

/* Where a response goes: its status and headers; its body to memory
 * (at most `cap` bytes) or, when 200, to blob writer `w` (at most `wcap`). */
struct sink {
	long status;
	char *buf;
	size_t len, cap;
	struct blob_writer *w;
	uint64_t wlen, wcap;
	bool overflow, write_failed;
	char www_auth[1024];
	char ctype[256];
	char location[4096];
	char dcd[80];             /* Docker-Content-Digest */
};

/* A request body: `mem`, else file `fd`; `size` bytes.  With `expect`, it
 * is hashed while read and the request aborted when it does not match. */
struct body {
	const char *mem;
	int fd;
	uint64_t size, pos;
	const char *expect;
	void *md;                 /* EVP_MD_CTX */
	bool checked, mismatch;
	uint64_t *progress;       /* bytes read so far, or NULL */
};
void body_free(struct body *b);

/* One blob download of a pull. */
enum { DL_WAIT, DL_RUN, DL_DONE, DL_EXISTS, DL_SAME };
struct dl {
	const char *digest;
	json_int_t size;
	const char *kind;         /* "config" or "blob" */
	enum img_progress mode;
	int state;
	bool authed;
	unsigned token_tries;
	struct blob_writer w;
	struct sink k;
	CURL *c;
	struct curl_slist *h;
	char ebuf[CURL_ERROR_SIZE];
	char url[IMG_REF_MAX * 2 + 512];
	double t0, t1;
};

/* A session for repository `repo` of registry `domain` (ref.h's domain),
 * credentials from o->creds or the auth files.  reg_end() always. */
int reg_init(struct reg *r, const char *domain, const char *repo, const char *actions, const struct img_reg_opts *o,
	     struct perr *err);
void reg_end(struct reg *r);
/* `path` ("/v2/...", or a full URL) with `method`, answering one auth
 * challenge and falling back to HTTP when allowed.  The HTTP status, or
 * -1 + err. */
long reg_call(struct reg *r, const char *method, const char *path, const char *accept, const char *ctype,
	      struct body *b, struct sink *k);
/* An easy handle for one request (reg_call's parts, for the multi interface). */
CURL *reg_easy(struct reg *r, const char *method, const char *url, const char *accept, const char *ctype,
	       struct body *b, struct sink *k, struct curl_slist **h, char *ebuf);
long reg_result(struct reg *r, CURL *c, CURLcode rc, const char *url, struct sink *k, const char *ebuf,
		const struct body *b);
int reg_authenticate(struct reg *r, const char *challenge);
/* -1 + err for an unexpected HTTP status, with the registry's error text;
 * `what` is a URL, or a path on the registry. */
int reg_http_error(struct reg *r, const char *what, long code, const struct sink *k);
void sink_reset(struct sink *k);

double now_s(void);
void fmt_size(double v, char *out, size_t len);

#endif
