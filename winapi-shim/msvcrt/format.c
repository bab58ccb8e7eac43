/* persona winapi-shim: msvcrt's printf format engine
 * (learn.microsoft.com: "Format specification syntax: printf and wprintf
 * functions", "Size specification": l is 32-bit, I64/ll/I/z 64-bit).
 * Arguments come from the Microsoft x64 variadic area: every argument one
 * 8-byte slot, doubles as their bit pattern.  Each conversion is handed
 * to glibc's snprintf with an explicit C99 length. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 128;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->oom = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
	char small[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		put(o, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		o->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	put(o, big, (size_t)n);
	free(big);
}

enum size { SZ_DEFAULT, SZ_HH, SZ_H, SZ_32, SZ_64, SZ_WIDE };

char *msvcrt_format_ex(const char *fmt, const uint64_t *args, size_t *len, bool wide_fmt)
{
	struct out o = { 0 };
	const char *p = fmt;

	put(&o, "", 0);
	while (*p) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			put(&o, p, strlen(p));
			break;
		}
		put(&o, p, (size_t)(pct - p));
		p = pct + 1;

		char flags[8];
		size_t nf = 0;
		while (*p && strchr("-+ 0#", *p) && nf < sizeof flags - 1)
			flags[nf++] = *p++;
		while (*p && strchr("-+ 0#", *p))
			p++;
		flags[nf] = 0;

		int width = -1, prec = -1;
		if (*p == '*') {
			width = (int)(uint32_t)*args++;
			p++;
			if (width < 0) {
				/* a negative width means left-justify */
				if (nf < sizeof flags - 1)
					flags[nf++] = '-', flags[nf] = 0;
				width = -width;
			}
		} else {
			for (width = 0; *p >= '0' && *p <= '9'; p++)
				width = width < 100000 ? width * 10 + (*p - '0') : width;
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = (int)(uint32_t)*args++;
				p++;
			} else {
				for (prec = 0; *p >= '0' && *p <= '9'; p++)
					prec = prec < 100000 ? prec * 10 + (*p - '0') : prec;
			}
		}
		if (width > 100000)
			width = 100000;
		if (prec > 100000)
			prec = 100000;

		enum size sz = SZ_DEFAULT;
		if (p[0] == 'h' && p[1] == 'h')
			sz = SZ_HH, p += 2;
		else if (*p == 'h')
			sz = SZ_H, p++;
		else if (p[0] == 'l' && p[1] == 'l')
			sz = SZ_64, p += 2;
		else if (*p == 'l' || *p == 'w')
			sz = SZ_WIDE, p++;  /* 32-bit for integers, wide for s and c */
		else if (p[0] == 'I' && p[1] == '6' && p[2] == '4')
			sz = SZ_64, p += 3;
		else if (p[0] == 'I' && p[1] == '3' && p[2] == '2')
			sz = SZ_32, p += 3;
		else if (*p == 'I' || *p == 'z' || *p == 'j' || *p == 't')
			sz = SZ_64, p++;
		else if (*p == 'L')
			p++;  /* long double is double in msvcrt */

		char conv = *p ? *p++ : 0;
		char spec[48];
		int wp = width, pp = prec;
		if (wp < 0)
			wp = 0;

		switch (conv) {
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': {
			uint64_t raw = *args++;
			long long v;
			bool sgn = conv == 'd' || conv == 'i';
			switch (sz) {
			case SZ_HH: v = sgn ? (long long)(int8_t)raw : (long long)(uint8_t)raw; break;
			case SZ_H: v = sgn ? (long long)(int16_t)raw : (long long)(uint16_t)raw; break;
			case SZ_64: v = (long long)raw; break;
			default: v = sgn ? (long long)(int32_t)raw : (long long)(uint32_t)raw; break;
			}
			if (prec >= 0)
				snprintf(spec, sizeof spec, "%%%s%d.%dll%c", flags, wp, pp, conv);
			else
				snprintf(spec, sizeof spec, "%%%s%dll%c", flags, wp, conv);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			putf(&o, spec, v);
			break;
		}
		case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A': {
			double d;
			memcpy(&d, args++, sizeof d);
			if (prec >= 0)
				snprintf(spec, sizeof spec, "%%%s%d.%d%c", flags, wp, pp, conv);
			else
				snprintf(spec, sizeof spec, "%%%s%d%c", flags, wp, conv);
			putf(&o, spec, d);
			break;
		}
		case 'c': case 'C': {
			uint64_t raw = *args++;
			char ch[8];
			size_t n = 1;
			if ((conv == 'C') != wide_fmt ? sz != SZ_H : sz == SZ_WIDE) {
				WCHAR w = (WCHAR)raw;
				n = win_utf16_to_utf8(&w, 1, ch, sizeof ch);
			} else {
				ch[0] = (char)raw;
			}
			snprintf(spec, sizeof spec, "%%%s%d.*s", flags, wp);
			putf(&o, spec, (int)n, ch);
			break;
		}
		case 's': case 'S': {
			const void *s = (const void *)(uintptr_t)*args++;
			/* in the wide functions %s is wide and %S narrow */
			bool wide = (conv == 'S') != wide_fmt ? sz != SZ_H : sz == SZ_WIDE;
			char *tmp = NULL;
			const char *str;
			if (!s)
				str = "(null)";
			else if (wide)
				str = tmp = win_utf8_dup(s);
			else
				str = s;
			if (!str)
				str = "";
			if (prec >= 0)
				snprintf(spec, sizeof spec, "%%%s%d.%ds", flags, wp, pp);
			else
				snprintf(spec, sizeof spec, "%%%s%ds", flags, wp);
			putf(&o, spec, str);
#pragma GCC diagnostic pop
			free(tmp);
			break;
		}
		case 'p':
			putf(&o, "%016llX", (unsigned long long)*args++);
			break;
		case 'n':
			args++;  /* %n writes nothing: msvcrt disables it by default */
			break;
		case '%':
			put(&o, "%", 1);
			break;
		case 0:
			break;
		default:
			put(&o, p - 1, 1);
			break;
		}
	}
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}

char *msvcrt_format(const char *fmt, const uint64_t *args, size_t *len)
{
	return msvcrt_format_ex(fmt, args, len, false);
}
