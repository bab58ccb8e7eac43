/* persona: where a value of a JSON document is, as a line and column.
 *
 * For errors found after parsing (a value of the wrong type or range, not
 * bad syntax), so that they point into the file as jansson's syntax
 * errors do: `profile.json: line 3 column 17: syscalls[2].action: ...`.
 *
 * A path names a value by object keys joined with '.' and array indexes in
 * brackets, e.g. "syscalls[2].args[0].op"; "" names the whole document.
 * Keys are compared byte for byte with the text between the quotes (no
 * unescaping), so a key holding '.', '[' or an escape cannot be named.
 */
#ifndef PERSONA_COMMON_JSON_LOCATE_H
#define PERSONA_COMMON_JSON_LOCATE_H

#include <stddef.h>

/* The position, in `text` (`len` bytes, not NUL-terminated), of the value
 * `path` names; when the path goes further than the document (a missing
 * field, an index past the end), of the deepest enclosing value that
 * exists.  `text` must be valid JSON: parse it first (json_loadb).  A
 * repeated key finds its first occurrence.  *line and *column are 1-based;
 * columns count UTF-8 characters, not bytes, as jansson's json_error_t. */
void json_locate(const char *text, size_t len, const char *path, unsigned *line, unsigned *column);

#endif
