/* persona: small helpers over jansson shared by the components. */
#ifndef PERSONA_COMMON_JSON_H
#define PERSONA_COMMON_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include "common/error.h"

static inline void cleanup_jsonp(json_t **j)
{
	if (*j)
		json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

/* Parse the JSON file `path`.  NULL + err naming the file, line and
 * column on failure.  New reference. */
json_t *json_load_path(const char *path, struct perr *err);

/* Write `j` to `path` atomically, compact (temp file in the same
 * directory, fsync skipped: state lives on /run, then rename).  -1 + err
 * on failure. */
int json_dump_path_atomic(const json_t *j, const char *path, struct perr *err);

/* obj[key] as a string, or NULL when absent or not a string. */
const char *json_str(const json_t *obj, const char *key);
/* obj[key] as a boolean; `def` when absent. */
bool json_bool(const json_t *obj, const char *key, bool def);
/* obj[key] as an integer; `def` when absent or not an integer. */
json_int_t json_int(const json_t *obj, const char *key, json_int_t def);

/* A JSON array of strings as a malloc'd NULL-terminated vector of
 * borrowed pointers (the strings stay owned by `arr`).  NULL-terminated
 * empty vector when `arr` is absent.  Non-string items give -1 + err
 * naming `what`. */
int json_strv(const json_t *arr, const char *what, const char ***out, size_t *n, struct perr *err);

#endif
