/* persona: a JSON path -> line and column (see json_locate.h).  The text
 * has been parsed already, so the walk can trust its syntax and only
 * skips strings, nesting and whitespace. */
#include "common/json_locate.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote; returns just past the closing one. */
static const char *skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return e;
}

/* Past one JSON value (the text is known to be valid JSON). */
static const char *skip_value(const char *p, const char *e)
{
	int depth = 0;

	while (p < e) {
		if (*p == '"') {
			p = skip_string(p, e);
			if (depth == 0)
				return p;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return p;
			p++;
			if (--depth == 0)
				return p;
		} else if (*p == ',' && depth == 0) {
			return p;
		} else {
			p++;
		}
	}
	return e;
}

/* The value a field path ("syscalls[2].args[0].op") names in the text, or
 * the deepest enclosing value that exists (for a missing field). */
static const char *locate(const char *text, size_t len, const char *field)
{
	const char *p = skip_ws(text, text + len), *e = text + len, *f = field;

	while (*f) {
		if (*f == '.')
			f++;
		if (*f == '[') {
			char *end;
			unsigned long idx = strtoul(f + 1, &end, 10);
			const char *q;

			if (p >= e || *p != '[')
				return p;
			q = skip_ws(p + 1, e);
			for (unsigned long i = 0; i < idx; i++) {
				q = skip_ws(skip_value(q, e), e);
				if (q >= e || *q != ',')
					return p;
				q = skip_ws(q + 1, e);
			}
			p = q;
			f = *end == ']' ? end + 1 : end;
		} else {
			size_t klen = strcspn(f, ".[");
			const char *q;

			if (p >= e || *p != '{')
				return p;
			for (q = skip_ws(p + 1, e);;) {
				const char *key = q + 1, *kend;
				int match;

				if (q >= e || *q != '"')
					return p;
				kend = skip_string(q, e) - 1;
				match = (size_t)(kend - key) == klen && memcmp(key, f, klen) == 0;
				q = skip_ws(kend + 1, e);
				if (q >= e || *q != ':')
					return p;
				q = skip_ws(q + 1, e);
				if (match)
					break;
				q = skip_ws(skip_value(q, e), e);
				if (q >= e || *q != ',')
					return p;
				q = skip_ws(q + 1, e);
			}
			p = q;
			f += klen;
		}
	}
	return p;
}

void json_locate(const char *text, size_t len, const char *path, unsigned *line, unsigned *column)
{
	const char *at = locate(text, len, path);

	*line = 1;
	*column = 1;
	for (const char *p = text; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*column = 1;
		} else if ((*p & 0xc0) != 0x80) {   /* columns count characters, as jansson's */
			(*column)++;
		}
	}
}
