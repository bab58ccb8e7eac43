/* persona images: the prepared-root cache (see prepared.h). */
#include "images/prepared.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "images/ref.h"
#include "images/store.h"

/* Here rather than in store.c, which needs libcrypto. */
const char *img_store_default(const char *dir)
{
	const char *env = getenv("PERSONA_STORE");
	if (dir && *dir)
		return dir;
	if (env && *env)
		return env;
	return IMG_STORE_DEFAULT;
}

/* The layout directory and the layer cache next to it, as img_store_open
 * names them; -1 for a store path img_store_open would refuse. */
static int store_dirs(const char *store, char *dir, size_t dlen, char *layers, size_t llen)
{
	char parent[PATH_MAX], *slash;

	store = img_store_default(store);
	if (store[0] != '/' || strlen(store) > 512)
		return -1;
	snprintf(dir, dlen, "%s", store);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	snprintf(layers, llen, "%s%slayers", parent, parent[1] ? "/" : "");
	return 0;
}

int img_prepared_manifest(const char *store, const char *ref, char digest[72])
{
	char dir[PATH_MAX], layers[PATH_MAX], path[PATH_MAX + 16];
	struct img_ref r;
	struct perr err = { 0 };
	_cleanup_json_ json_t *index = NULL;
	json_t *d;
	size_t i;

	if (store_dirs(store, dir, sizeof(dir), layers, sizeof(layers)) < 0)
		return 0;
	if (img_digest_valid(ref)) {
		snprintf(digest, 72, "%s", ref);
		return 1;
	}
	if (img_ref_parse(ref, &r, &err) < 0)
		return 0;
	if (r.digest[0]) {
		snprintf(digest, 72, "%s", r.digest);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/index.json", dir);
	index = json_load_path(path, &err);
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *name = json_str(json_object_get(d, "annotations"), IMG_REF_ANNOTATION);
		const char *dg = json_str(d, "digest");
		if (name && dg && !strcmp(name, r.full) && img_digest_valid(dg)) {
			snprintf(digest, 72, "%s", dg);
			return 1;
		}
	}
	return 0;
}

json_t *img_prepared_lookup(const char *store, const char *ref)
{
	char dir[PATH_MAX], layers[PATH_MAX], path[PATH_MAX + 128], digest[72];
	struct perr err = { 0 };
	json_t *answer, *l;
	size_t i, n;
	struct stat sb;

	if (store_dirs(store, dir, sizeof(dir), layers, sizeof(layers)) < 0 ||
	    !img_prepared_manifest(store, ref, digest))
		return NULL;
	snprintf(path, sizeof(path), "%s/.prepared/%s.json", layers, digest + 7);
	answer = json_load_path(path, &err);
	n = json_array_size(json_object_get(answer, "lowerdirs"));
	if (!n || !json_is_object(json_object_get(answer, "config")))
		goto miss;
	json_array_foreach(json_object_get(answer, "lowerdirs"), i, l) {
		const char *p = json_string_value(l);
		size_t ll = strlen(layers);
		/* only directories of this store's layer cache, still there */
		if (!p || strncmp(p, layers, ll) || p[ll] != '/' || strchr(p + ll + 1, '/') ||
		    stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
			goto miss;
	}
	return answer;
miss:
	json_decref(answer);
	return NULL;
}

int img_prepared_save(const char *store, const char *digest, json_t *answer, struct perr *err)
{
	char dir[PATH_MAX], layers[PATH_MAX], path[PATH_MAX + 128];

	if (store_dirs(store, dir, sizeof(dir), layers, sizeof(layers)) < 0 || !img_digest_valid(digest))
		return perr_set(err, EINVAL, "prepared cache: bad store or digest");
	snprintf(path, sizeof(path), "%s/.prepared", layers);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return perr_set(err, errno, "prepared cache \"%s\"", path);
	snprintf(path, sizeof(path), "%s/.prepared/%s.json", layers, digest + 7);
	return json_dump_path_atomic(answer, path, err);
}
