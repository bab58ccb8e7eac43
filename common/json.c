#include "common/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

json_t *json_load_path(const char *path, struct perr *err)
{
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (!j) {
		if (je.line < 1) {
			perr_set(err, errno, "%s: %s", path, je.text);
			return NULL;
		}
		perr_set(err, 0, "%s: line %d column %d: %s", path, je.line, je.column, je.text);
	}
	return j;
}

int json_dump_path_atomic(const json_t *j, const char *path, struct perr *err)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return perr_set(err, ENAMETOOLONG, "%s", path);
	if (json_dump_file(j, tmp, JSON_COMPACT) < 0) {
		int e = errno;
		unlink(tmp);
		return perr_set(err, e, "write %s", path);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return perr_set(err, e, "rename %s", path);
	}
	return 0;
}

const char *json_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool json_bool(const json_t *obj, const char *key, bool def)
{
	json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : def;
}

json_int_t json_int(const json_t *obj, const char *key, json_int_t def)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? json_integer_value(v) : def;
}

int json_strv(const json_t *arr, const char *what, const char ***out, size_t *n, struct perr *err)
{
	size_t len = json_is_array(arr) ? json_array_size(arr) : 0, i;
	const char **v;

	if (arr && !json_is_array(arr) && !json_is_null(arr))
		return perr_set(err, 0, "%s: not an array", what);
	v = calloc(len + 1, sizeof(*v));
	if (!v)
		return perr_set(err, ENOMEM, "%s", what);
	for (i = 0; i < len; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s)) {
			free(v);
			return perr_set(err, 0, "%s[%zu]: not a string", what, i);
		}
		v[i] = json_string_value(s);
	}
	*out = v;
	if (n)
		*n = len;
	return 0;
}
