/* persona winapi-shim: the scanf family (learn.microsoft.com: "scanf,
 * _scanf_l, wscanf, _wscanf_l", "sscanf, swscanf", "fscanf, fwscanf",
 * "Format specification fields: scanf and wscanf functions", "scanf
 * width specification"), for msvcrt and ucrtbase.
 *
 * The format is rewritten into glibc's (msvcrt's l is 32 bits for
 * integers, I64/ll/I/z 64; L on a float is a double) and glibc's sscanf
 * or fscanf does the scanning, given the program's pointers from the
 * Microsoft x64 variadic area (one 8-byte slot each; at most
 * MAX_CONVERSIONS of them).  Wide targets (%ls, %lc, %S, %C, and %s, %c
 * in the wide functions) are scanned as UTF-8 into a buffer glibc
 * allocates (%m) and stored as UTF-16 afterwards.  The secure forms
 * (sscanf_s; ucrtbase's _CRT_INTERNAL_SCANF_SECURECRT) take a buffer size
 * after each %s, %c and %[ pointer, which limits the field width. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

#define MAX_CONVERSIONS 32

struct wide_target {
	char *tmp;        /* glibc's %m buffer */
	WCHAR *dst;       /* the program's buffer */
	bool is_char;     /* %lc: no terminating NUL */
	size_t count;     /* %lc's width */
};

struct scan {
	char *fmt;                                /* glibc's format */
	void *ptrs[MAX_CONVERSIONS];
	int nptrs;
	struct wide_target wide[MAX_CONVERSIONS];
	int nwide;
};

static bool append(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		while (c < *len + n + 1)
			c *= 2;
		char *p = realloc(*out, c);
		if (!p)
			return false;
		*out = p;
		*cap = c;
	}
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = 0;
	return true;
}

/* Rewrite `fmt` and take the pointers from `args`.  false: out of memory
 * or more than MAX_CONVERSIONS conversions (errno set). */
static bool translate(const char *fmt, const uint64_t *args, bool wide_fmt, bool secure, struct scan *sc)
{
	size_t len = 0, cap = 0;
	char *out = NULL;
	const char *p = fmt;

	memset(sc, 0, sizeof *sc);
	if (!append(&out, &len, &cap, "", 0))
		goto nomem;
	while (*p) {
		if (*p != '%') {
			if (!append(&out, &len, &cap, p++, 1))
				goto nomem;
			continue;
		}
		p++;
		if (*p == '%') {
			if (!append(&out, &len, &cap, "%%", 2))
				goto nomem;
			p++;
			continue;
		}
		bool suppress = false;
		if (*p == '*')
			suppress = true, p++;
		long width = -1;
		if (*p >= '1' && *p <= '9')
			width = strtol(p, (char **)&p, 10);
		enum { SZ_NONE, SZ_HH, SZ_H, SZ_L, SZ_64, SZ_LD, SZ_WIDE_H } sz = SZ_NONE;
		if (p[0] == 'h' && p[1] == 'h')
			sz = SZ_HH, p += 2;
		else if (*p == 'h')
			sz = SZ_H, p++;
		else if ((p[0] == 'l' && p[1] == 'l') || (p[0] == 'I' && p[1] == '6' && p[2] == '4'))
			sz = SZ_64, p += p[0] == 'l' ? 2 : 3;
		else if (p[0] == 'I' && p[1] == '3' && p[2] == '2')
			p += 3;
		else if (*p == 'l' || *p == 'w')
			sz = SZ_L, p++;
		else if (*p == 'L')
			sz = SZ_LD, p++;
		else if (*p == 'I' || *p == 'z' || *p == 'j' || *p == 't')
			sz = SZ_64, p++;
		char conv = *p;
		if (!conv)
			break;
		p++;

		char spec[64];
		int n = snprintf(spec, sizeof spec, "%%%s", suppress ? "*" : "");
		const char *set = NULL;
		size_t setlen = 0;
		if (conv == '[') {
			set = p;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			setlen = (size_t)(p - set);
			if (*p)
				p++;
		}
		bool stringish = conv == 's' || conv == 'c' || conv == '[' || conv == 'S' || conv == 'C';
		bool wide = false;
		if (stringish) {
			bool upper = conv == 'S' || conv == 'C';
			wide = sz == SZ_L || (sz != SZ_H && (upper != wide_fmt));
			if (upper)
				conv = (char)(conv + 32);
		}
		void *ptr = NULL;
		size_t bufsize = 0;
		if (!suppress) {
			if (sc->nptrs >= MAX_CONVERSIONS) {
				errno = E2BIG;
				goto fail;
			}
			ptr = (void *)(uintptr_t)*args++;
			if (secure && stringish)
				bufsize = (size_t)(uint32_t)*args++;
		}
		if (secure && stringish && !suppress) {
			/* the buffer's size bounds the field (less its NUL) */
			long lim = conv == 'c' ? (long)bufsize : (long)bufsize - 1;
			if (lim < 1)
				lim = 1;
			if (width < 0 || width > lim)
				width = conv == 'c' && width < 0 ? 1 : lim;
		}
		if (width > 0)
			n += snprintf(spec + n, sizeof spec - (size_t)n, "%ld", width);
		if (stringish) {
			if (wide && !suppress) {
				struct wide_target *w = &sc->wide[sc->nwide++];
				w->dst = ptr;
				w->is_char = conv == 'c';
				w->count = width > 0 ? (size_t)width : 1;
				ptr = &w->tmp;
				n += snprintf(spec + n, sizeof spec - (size_t)n, "m");
			}
			n += snprintf(spec + n, sizeof spec - (size_t)n, "%c", conv);
		} else {
			const char *mod = "";
			switch (conv) {
			case 'd': case 'i': case 'o': case 'u': case 'x': case 'X': case 'n':
				mod = sz == SZ_HH ? "hh" : sz == SZ_H ? "h" : sz == SZ_64 ? "ll" : "";
				break;
			case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
				mod = sz == SZ_L || sz == SZ_LD || sz == SZ_64 ? "l" : "";
				break;
			}
			n += snprintf(spec + n, sizeof spec - (size_t)n, "%s%c", mod, conv);
		}
		if (!append(&out, &len, &cap, spec, (size_t)n) || (set && !append(&out, &len, &cap, set, setlen)))
			goto nomem;
		if (set && !append(&out, &len, &cap, "]", 1))
			goto nomem;
		if (!suppress)
			sc->ptrs[sc->nptrs++] = ptr;
	}
	sc->fmt = out;
	return true;
nomem:
	errno = ENOMEM;
fail:
	free(out);
	return false;
}

/* Store the wide targets glibc scanned as UTF-8. */
static void finish(struct scan *sc)
{
	for (int i = 0; i < sc->nwide; i++) {
		struct wide_target *w = &sc->wide[i];
		if (!w->tmp)
			continue;
		/* glibc's %mc buffer holds `count` bytes and no NUL */
		size_t n = w->is_char ? strnlen(w->tmp, w->count) : strlen(w->tmp);
		size_t units = win_utf8_to_utf16(w->tmp, n, NULL, 0);
		if (w->is_char) {
			/* %lc: exactly `count` characters, no NUL */
			win_utf8_to_utf16(w->tmp, n, w->dst, w->count);
		} else {
			win_utf8_to_utf16(w->tmp, n, w->dst, units);
			w->dst[units] = 0;
		}
		free(w->tmp);
	}
	free(sc->fmt);
}

#define P(i) sc.ptrs[i]
#define ALL_PTRS                                                                                                 \
	P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7), P(8), P(9), P(10), P(11), P(12), P(13), P(14), P(15), P(16), \
		P(17), P(18), P(19), P(20), P(21), P(22), P(23), P(24), P(25), P(26), P(27), P(28), P(29), P(30), P(31)

int msvcrt_scan(const char *input, MS_FILE *f, const char *fmt, const uint64_t *args, bool wide_fmt, bool secure)
{
	struct scan sc;
	FILE *hf = NULL;

	if (!fmt || (!input && !(hf = msvcrt_host_file(f)))) {
		errno = EINVAL;
		return -1;
	}
	if (!translate(fmt, args, wide_fmt, secure, &sc))
		return -1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	int r = input ? sscanf(input, sc.fmt, ALL_PTRS) : fscanf(hf, sc.fmt, ALL_PTRS);
#pragma GCC diagnostic pop
	finish(&sc);
	return r;
}

/* The wide functions: the input and the format as UTF-8. */
int msvcrt_scan_wide(const WCHAR *input, MS_FILE *f, const WCHAR *fmt, const uint64_t *args, bool secure)
{
	char *u8 = input ? win_utf8_dup(input) : NULL, *f8 = fmt ? win_utf8_dup(fmt) : NULL;
	int r = -1;
	if ((input && !u8) || !f8)
		errno = fmt ? ENOMEM : EINVAL;
	else
		r = msvcrt_scan(u8, f, f8, args, true, secure);
	free(u8);
	free(f8);
	return r;
}

int CDECL msvcrt_sscanf(const char *s, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = s ? msvcrt_scan(s, NULL, fmt, (const uint64_t *)ap, false, false) : -1;
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_fscanf(MS_FILE *f, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_scan(NULL, f, fmt, (const uint64_t *)ap, false, false);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_scanf(const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_scan(NULL, msvcrt___iob_func(), fmt, (const uint64_t *)ap, false, false);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_swscanf(const WCHAR *s, const WCHAR *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = s ? msvcrt_scan_wide(s, NULL, fmt, (const uint64_t *)ap, false) : -1;
	__builtin_ms_va_end(ap);
	return r;
}
