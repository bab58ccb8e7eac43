/* persona winapi-shim: UTF-8 <-> UTF-16 (RFC 3629, RFC 2781). */
#include <stdlib.h>

#include "winapi-shim/unicode.h"

static void put16(WCHAR *out, size_t cap, size_t *n, WCHAR u)
{
	if (*n < cap)
		out[*n] = u;
	(*n)++;
}

size_t win_utf8_to_utf16(const char *str, size_t len, WCHAR *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n = 0;

	while (i < len) {
		uint32_t c = s[i], min;
		int extra;
		if (c < 0x80) {
			extra = 0, min = 0;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3, min = 0x10000, c &= 0x07;
		} else {
			put16(out, cap, &n, 0xfffd);
			i++;
			continue;
		}
		if (i + (size_t)extra >= len) {
			put16(out, cap, &n, 0xfffd);
			i = len;
			continue;
		}
		int k;
		for (k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				break;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (k <= extra || c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) {
			put16(out, cap, &n, 0xfffd);
			i += (size_t)k;
			continue;
		}
		i += (size_t)extra + 1;
		if (c >= 0x10000) {
			c -= 0x10000;
			put16(out, cap, &n, (WCHAR)(0xd800 | (c >> 10)));
			put16(out, cap, &n, (WCHAR)(0xdc00 | (c & 0x3ff)));
		} else {
			put16(out, cap, &n, (WCHAR)c);
		}
	}
	return n;
}

static void put8(char *out, size_t cap, size_t *n, uint32_t b)
{
	if (*n < cap)
		out[*n] = (char)b;
	(*n)++;
}

size_t win_utf16_to_utf8(const WCHAR *s, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t c = s[i];
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < len && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (s[i + 1] - 0xdc00);
			i++;
		} else if (c >= 0xd800 && c < 0xe000) {
			c = 0xfffd;
		}
		if (c < 0x80) {
			put8(out, cap, &n, c);
		} else if (c < 0x800) {
			put8(out, cap, &n, 0xc0 | (c >> 6));
			put8(out, cap, &n, 0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			put8(out, cap, &n, 0xe0 | (c >> 12));
			put8(out, cap, &n, 0x80 | ((c >> 6) & 0x3f));
			put8(out, cap, &n, 0x80 | (c & 0x3f));
		} else {
			put8(out, cap, &n, 0xf0 | (c >> 18));
			put8(out, cap, &n, 0x80 | ((c >> 12) & 0x3f));
			put8(out, cap, &n, 0x80 | ((c >> 6) & 0x3f));
			put8(out, cap, &n, 0x80 | (c & 0x3f));
		}
	}
	return n;
}

size_t win_wcslen(const WCHAR *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

WCHAR *win_utf16_dup(const char *s)
{
	size_t len = 0;
	while (s[len])
		len++;
	size_t n = win_utf8_to_utf16(s, len, NULL, 0);
	WCHAR *w = malloc((n + 1) * sizeof *w);
	if (!w)
		return NULL;
	win_utf8_to_utf16(s, len, w, n);
	w[n] = 0;
	return w;
}

char *win_utf8_dup(const WCHAR *s)
{
	size_t len = win_wcslen(s);
	size_t n = win_utf16_to_utf8(s, len, NULL, 0);
	char *u = malloc(n + 1);
	if (!u)
		return NULL;
	win_utf16_to_utf8(s, len, u, n);
	u[n] = 0;
	return u;
}
