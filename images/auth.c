/* persona images: registry credentials (see auth.h). */
#include "images/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/json.h"

/* An auth file is a few entries; anything larger is not one. */
#define AUTH_FILE_MAX (1u << 20)

void img_auth_path(const char *given, char *out, size_t len)
{
	const char *env = getenv("REGISTRY_AUTH_FILE"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (given && *given)
		snprintf(out, len, "%s", given);
	else if (env && *env)
		snprintf(out, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/containers/auth.json", xdg);
	else
		snprintf(out, len, "/run/containers/%u/auth.json", (unsigned)getuid());
}

int img_auth_key(const char *given, char *out, size_t len, struct perr *err)
{
	const char *p = given;
	size_t n;

	if (!strncmp(p, "https://", 8))
		p += 8;
	else if (!strncmp(p, "http://", 7))
		p += 7;
	n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	/* docker's keys name the v1 API: "https://index.docker.io/v1/" */
	if (n > 3 && (!strncmp(p + n - 3, "/v1", 3) || !strncmp(p + n - 3, "/v2", 3)))
		n -= 3;
	if (!n || n >= len)
		return perr_set(err, 0, "registry \"%s\": empty or too long", given);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return perr_set(err, 0, "registry \"%s\": holds a space or control character", given);
	if ((n == 15 && !strncmp(p, "index.docker.io", 15)) || (n == 20 && !strncmp(p, "registry-1.docker.io", 20)))
		snprintf(out, len, "docker.io");
	else
		snprintf(out, len, "%.*s", (int)n, p);
	return 0;
}

/* The file as JSON; NULL with *missing when it does not exist. */
static json_t *auth_load(const char *file, bool *missing, struct perr *err)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	json_error_t je;
	struct stat sb;
	json_t *j;

	*missing = false;
	if (fd < 0 && errno == ENOENT) {
		*missing = true;
		return NULL;
	}
	if (fd < 0 || fstat(fd, &sb) < 0)
		return perr_set(err, errno, "auth file %s", file), NULL;
	if (!S_ISREG(sb.st_mode) || sb.st_size > (off_t)AUTH_FILE_MAX)
		return perr_set(err, 0, "auth file %s: not a regular file of at most 1 MiB", file), NULL;
	j = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return perr_set(err, 0, "auth file %s: not JSON (line %d: %s)", file, je.line, je.text), NULL;
	if (!json_is_object(j) || (json_object_get(j, "auths") && !json_is_object(json_object_get(j, "auths")))) {
		json_decref(j);
		return perr_set(err, 0, "auth file %s: not an object with an \"auths\" object", file), NULL;
	}
	return j;
}

/* Strict base64 (RFC 4648, padded) of "USER:PASS"; malloc'd or NULL. */
static char *decode_auth(const char *b64)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(b64), pad = 0;
	unsigned char *out;
	int got;

	if (!n || n % 4 || n > 16384)
		return NULL;
	while (pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	if (strspn(b64, alpha) != n - pad)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return NULL;
	}
	got -= (int)pad;
	out[got] = '\0';
	/* a NUL inside, or no user before the colon, is not USER:PASS */
	if (strlen((char *)out) != (size_t)got || !strchr((char *)out, ':') || out[0] == ':') {
		free(out);
		return NULL;
	}
	return (char *)out;
}

/* Look `domain`/`path` up in one file: 1 found, 0 not, -1 + err. */
static int lookup_file(const char *file, const char *domain, const char *path, char **creds, struct perr *err)
{
	bool missing;
	_cleanup_json_ json_t *j = auth_load(file, &missing, err);
	json_t *auths, *v, *best = NULL;
	const char *key, *best_key = NULL;
	size_t best_len = 0, dl = strlen(domain);

	if (!j)
		return missing ? 0 : -1;
	auths = json_object_get(j, "auths");
	json_object_foreach(auths, key, v) {
		char k[1024];
		size_t kl;
		if (img_auth_key(key, k, sizeof(k), NULL) < 0)
			continue;
		kl = strlen(k);
		/* "host" or "host/ns[/...]" naming a prefix of the repository, at a '/' */
		if (strncmp(k, domain, dl) || (k[dl] && k[dl] != '/'))
			continue;
		if (k[dl] == '/') {
			size_t nl = kl - dl - 1;
			if (strncmp(k + dl + 1, path, nl) || (path[nl] && path[nl] != '/'))
				continue;
		}
		if (!best || kl > best_len) {
			best = v;
			best_key = key;
			best_len = kl;
		}
	}
	if (!best)
		return 0;
	if (!json_is_object(best))
		return perr_set(err, 0, "auth file %s: entry \"%s\" is not an object", file, best_key);
	if (!json_str(best, "auth") || !*json_str(best, "auth"))
		return 0; /* an identity token or a helper: not for us */
	*creds = decode_auth(json_str(best, "auth"));
	if (!*creds)
		return perr_set(err, 0, "auth file %s: entry \"%s\": \"auth\" is not base64 of USER:PASS", file,
				best_key);
	return 1;
}

int img_auth_lookup(const char *authfile, const char *domain, const char *path, char **creds, struct perr *err)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char files[3][PATH_MAX];
	int n = 0, r;

	*creds = NULL;
	img_auth_path(authfile, files[n++], sizeof(files[0]));
	if (xdg && *xdg)
		snprintf(files[n++], sizeof(files[0]), "%s/containers/auth.json", xdg);
	else if (home && *home)
		snprintf(files[n++], sizeof(files[0]), "%s/.config/containers/auth.json", home);
	if (home && *home)
		snprintf(files[n++], sizeof(files[0]), "%s/.docker/config.json", home);
	for (int i = 0; i < n; i++) {
		r = lookup_file(files[i], domain, path, creds, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return 0;
}

static int mkdirs(const char *file)
{
	char d[PATH_MAX];
	snprintf(d, sizeof(d), "%s", file);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Write `j` to `file`: temp file 0600 in the same directory, renamed. */
static int auth_save(const char *file, const json_t *j, struct perr *err)
{
	char tmp[PATH_MAX + 16];
	int fd;

	if (mkdirs(file) < 0)
		return perr_set(err, errno, "auth file %s: directory", file);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file);
	fd = mkstemp(tmp);
	if (fd < 0)
		return perr_set(err, errno, "auth file %s", file);
	if (fchmod(fd, 0600) < 0 || json_dumpfd(j, fd, JSON_INDENT(1)) < 0 || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return perr_set(err, e, "auth file %s: writing", file);
	}
	close(fd);
	if (rename(tmp, file) < 0) {
		int e = errno;
		unlink(tmp);
		return perr_set(err, e, "auth file %s", file);
	}
	return 0;
}

int img_auth_store(const char *authfile, const char *key, const char *user, const char *pass, struct perr *err)
{
	char file[PATH_MAX], plain[8192], b64[8192 / 3 * 4 + 8];
	_cleanup_json_ json_t *j = NULL;
	json_t *auths;
	bool missing;
	int n;

	img_auth_path(authfile, file, sizeof(file));
	n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);
	if (n < 0 || (size_t)n >= sizeof(plain))
		return perr_set(err, 0, "credentials for %s: longer than 8 KiB", key);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, n);
	explicit_bzero(plain, sizeof(plain));
	j = auth_load(file, &missing, err);
	if (!j && !missing)
		return -1;
	if (!j)
		j = json_object();
	auths = json_object_get(j, "auths");
	if (!auths) {
		auths = json_object();
		json_object_set_new(j, "auths", auths);
	}
	json_object_set_new(auths, key, json_pack("{s:s}", "auth", b64));
	explicit_bzero(b64, sizeof(b64));
	return auth_save(file, j, err);
}

int img_auth_remove(const char *authfile, const char *key, bool all, struct perr *err)
{
	char file[PATH_MAX];
	_cleanup_json_ json_t *j = NULL;
	json_t *auths;
	bool missing;

	img_auth_path(authfile, file, sizeof(file));
	j = auth_load(file, &missing, err);
	if (!j)
		return missing ? 0 : -1;
	auths = json_object_get(j, "auths");
	if (!auths || (!all && !json_object_get(auths, key)))
		return 0;
	if (all) {
		if (!json_object_size(auths))
			return 0;
		json_object_clear(auths);
	} else {
		json_object_del(auths, key);
	}
	if (auth_save(file, j, err) < 0)
		return -1;
	return 1;
}
