/* persona winapi-shim: msvcrt wide characters, locale-dependent string
 * functions and time formatting (learn.microsoft.com: towupper, iswctype,
 * wcscoll, strxfrm, strftime, wcsftime).  wchar_t and wint_t are 16 bits;
 * the locale is always "C". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

typedef uint16_t ms_wint_t;

ms_wint_t CDECL msvcrt_towlower(ms_wint_t c) { return (ms_wint_t)towlower(c); }
ms_wint_t CDECL msvcrt_towupper(ms_wint_t c) { return (ms_wint_t)towupper(c); }

/* ctype.h bits of msvcrt */
#define _UPPER 0x1
#define _LOWER 0x2
#define _DIGIT 0x4
#define _SPACE 0x8
#define _PUNCT 0x10
#define _CONTROL 0x20
#define _BLANK 0x40
#define _HEX 0x80
#define _ALPHA 0x100

int CDECL msvcrt_iswctype(ms_wint_t c, uint16_t mask)
{
	int r = 0;
	if (iswupper(c)) r |= _UPPER;
	if (iswlower(c)) r |= _LOWER;
	if (iswdigit(c)) r |= _DIGIT;
	if (iswspace(c)) r |= _SPACE;
	if (iswpunct(c)) r |= _PUNCT;
	if (iswcntrl(c)) r |= _CONTROL;
	if (c == ' ' || c == '\t') r |= _BLANK;
	if (iswxdigit(c)) r |= _HEX;
	if (iswalpha(c)) r |= _ALPHA;
	return r & mask;
}

int CDECL msvcrt_wcscoll(const WCHAR *a, const WCHAR *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a < *b ? -1 : *a > *b;
}

/* In the "C" locale the transformed string is the string. */
size_t CDECL msvcrt_strxfrm(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);
	if (len < n)
		memcpy(d, s, len + 1);
	return len;
}

size_t CDECL msvcrt_wcsxfrm(WCHAR *d, const WCHAR *s, size_t n)
{
	size_t len = win_wcslen(s);
	if (len < n)
		memcpy(d, s, (len + 1) * sizeof *s);
	return len;
}

/* msvcrt's struct tm: the nine ints of C's, nothing after. */
struct ms_tm {
	int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
};

static void to_host_tm(const struct ms_tm *m, struct tm *t)
{
	memset(t, 0, sizeof *t);
	t->tm_sec = m->tm_sec;
	t->tm_min = m->tm_min;
	t->tm_hour = m->tm_hour;
	t->tm_mday = m->tm_mday;
	t->tm_mon = m->tm_mon;
	t->tm_year = m->tm_year;
	t->tm_wday = m->tm_wday;
	t->tm_yday = m->tm_yday;
	t->tm_isdst = m->tm_isdst;
}

size_t CDECL msvcrt_strftime(char *s, size_t n, const char *fmt, const struct ms_tm *m)
{
	struct tm t;
	to_host_tm(m, &t);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return strftime(s, n, fmt, &t);
#pragma GCC diagnostic pop
}

size_t CDECL msvcrt_wcsftime(WCHAR *s, size_t n, const WCHAR *fmt, const struct ms_tm *m)
{
	char *f = win_utf8_dup(fmt);
	char buf[1024];
	size_t r = 0;

	if (!f)
		return 0;
	size_t len = msvcrt_strftime(buf, sizeof buf, f, m);
	free(f);
	if (len == 0)
		return 0;
	r = win_utf8_to_utf16(buf, len, NULL, 0);
	if (r >= n)
		return 0;
	win_utf8_to_utf16(buf, len, s, n);
	s[r] = 0;
	return r;
}

/* _gmtime64, _localtime64 (learn.microsoft.com: "gmtime, _gmtime32,
 * _gmtime64", "localtime, _localtime32, _localtime64"): a 64-bit time_t
 * into a per-thread struct tm; NULL (errno EINVAL) before 1970, as
 * Windows refuses negative times. */
static __thread struct ms_tm tm_buf;

static struct ms_tm *from_host_tm(const struct tm *t)
{
	tm_buf = (struct ms_tm){ t->tm_sec, t->tm_min, t->tm_hour, t->tm_mday, t->tm_mon,
				 t->tm_year, t->tm_wday, t->tm_yday, t->tm_isdst };
	return &tm_buf;
}

struct ms_tm *CDECL msvcrt__gmtime64(const LONGLONG *t)
{
	struct tm tm;
	time_t v;
	if (!t || *t < 0) {
		errno = EINVAL;
		return NULL;
	}
	v = (time_t)*t;
	return gmtime_r(&v, &tm) ? from_host_tm(&tm) : NULL;
}

struct ms_tm *CDECL msvcrt__localtime64(const LONGLONG *t)
{
	struct tm tm;
	time_t v;
	if (!t || *t < 0) {
		errno = EINVAL;
		return NULL;
	}
	v = (time_t)*t;
	return localtime_r(&v, &tm) ? from_host_tm(&tm) : NULL;
}

LONGLONG CDECL msvcrt__mktime64(struct ms_tm *m)
{
	struct tm t;
	to_host_tm(m, &t);
	time_t v = mktime(&t);
	if (v != (time_t)-1)
		from_host_tm(&t), *m = tm_buf;
	return v;
}
