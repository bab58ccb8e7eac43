/* persona images: registry credentials in the containers-auth.json(5)
 * format that podman, buildah and skopeo share:
 *   {"auths": {"REGISTRY": {"auth": base64("USER:PASS")}, ...}}
 * A key is a registry host ("docker.io", "127.0.0.1:5000") or a namespace
 * of one ("quay.io/user/image"); the most specific key wins.
 *
 * Files, after containers-auth.json(5):
 *  - the read/write file: --authfile, else $REGISTRY_AUTH_FILE, else
 *    ${XDG_RUNTIME_DIR}/containers/auth.json, else (no XDG_RUNTIME_DIR)
 *    /run/containers/UID/auth.json as containers/image does;
 *  - looked up after it, read-only: ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json
 *    and ~/.docker/config.json (docker's format, the same "auths" object; keys
 *    like "https://index.docker.io/v1/" are read as "docker.io").
 * Entries with only an identity token or credential helpers are not used. */
#ifndef PERSONA_IMAGES_AUTH_H
#define PERSONA_IMAGES_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include "common/error.h"

/* The read/write auth file: `given` when not NULL, else the default above.
 * Into `out` (`len` bytes). */
void img_auth_path(const char *given, char *out, size_t len);

/* Credentials for repository `path` ("" for none) on registry `domain`
 * ("docker.io", "host:port"): "USER:PASS" into *creds (malloc'd; NULL
 * when no file has an entry).  `authfile` as for img_auth_path().  A file
 * that exists but is not JSON, or an entry whose "auth" is not base64 of
 * "USER:PASS", is -1 + err naming the file and the key. */
int img_auth_lookup(const char *authfile, const char *domain, const char *path, char **creds, struct perr *err);

/* Store "USER:PASS" for `key` in the read/write file, keeping the other
 * entries and keys: written to a temp file (mode 0600) and renamed;
 * directories made (0700) when missing.  -1 + err naming the file. */
int img_auth_store(const char *authfile, const char *key, const char *user, const char *pass, struct perr *err);

/* Remove `key` (or, with `all`, every entry) from the read/write file,
 * as above.  Returns 1 when something was removed, 0 when `key` had no
 * entry (or the file does not exist), -1 + err. */
int img_auth_remove(const char *authfile, const char *key, bool all, struct perr *err);

/* The key for a registry named on the command line: "https://" or
 * "http://" and a trailing "/" dropped, "index.docker.io" and
 * "registry-1.docker.io" read as "docker.io".  Into `out`.  -1 + err
 * for an empty name or one with spaces or control characters. */
int img_auth_key(const char *given, char *out, size_t len, struct perr *err);

#endif
