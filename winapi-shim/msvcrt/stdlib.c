/* persona winapi-shim: msvcrt memory, string, character and conversion
 * functions (learn.microsoft.com: "C runtime library reference").  Most
 * are glibc's behind a Microsoft x64 calling convention; the exceptions
 * are noted (wchar_t is 16 bits, long is 32 bits). */
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/process.h"

void *CDECL msvcrt_malloc(size_t n) { return malloc(n); }
void *CDECL msvcrt_calloc(size_t n, size_t m) { return calloc(n, m); }
void *CDECL msvcrt_realloc(void *p, size_t n) { return realloc(p, n); }
void CDECL msvcrt_free(void *p) { free(p); }
size_t CDECL msvcrt__msize(void *p) { return malloc_usable_size(p); }

void *CDECL msvcrt__aligned_malloc(size_t n, size_t align)
{
	void *p = NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	return posix_memalign(&p, align, n ? n : 1) ? NULL : p;
}

void CDECL msvcrt__aligned_free(void *p) { free(p); }

void *CDECL msvcrt_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
void *CDECL msvcrt_memmove(void *d, const void *s, size_t n) { return memmove(d, s, n); }
void *CDECL msvcrt_memset(void *d, int c, size_t n) { return memset(d, c, n); }
int CDECL msvcrt_memcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }
void *CDECL msvcrt_memchr(const void *s, int c, size_t n) { return memchr(s, c, n); }
size_t CDECL msvcrt_strlen(const char *s) { return strlen(s); }
size_t CDECL msvcrt_strnlen(const char *s, size_t n) { return strnlen(s, n); }
int CDECL msvcrt_strcmp(const char *a, const char *b) { return strcmp(a, b); }
int CDECL msvcrt_strncmp(const char *a, const char *b, size_t n) { return strncmp(a, b, n); }
int CDECL msvcrt__stricmp(const char *a, const char *b) { return strcasecmp(a, b); }
int CDECL msvcrt__strnicmp(const char *a, const char *b, size_t n) { return strncasecmp(a, b, n); }
int CDECL msvcrt_strcoll(const char *a, const char *b) { return strcmp(a, b); }
char *CDECL msvcrt_strcpy(char *d, const char *s) { return strcpy(d, s); }
char *CDECL msvcrt_strncpy(char *d, const char *s, size_t n) { return strncpy(d, s, n); }
char *CDECL msvcrt_strcat(char *d, const char *s) { return strcat(d, s); }
char *CDECL msvcrt_strncat(char *d, const char *s, size_t n) { return strncat(d, s, n); }
char *CDECL msvcrt_strchr(const char *s, int c) { return strchr(s, c); }
char *CDECL msvcrt_strrchr(const char *s, int c) { return strrchr(s, c); }
char *CDECL msvcrt_strstr(const char *h, const char *n) { return strstr(h, n); }
size_t CDECL msvcrt_strspn(const char *s, const char *a) { return strspn(s, a); }
size_t CDECL msvcrt_strcspn(const char *s, const char *a) { return strcspn(s, a); }
char *CDECL msvcrt_strpbrk(const char *s, const char *a) { return strpbrk(s, a); }
char *CDECL msvcrt__strdup(const char *s) { return strdup(s); }
char *CDECL msvcrt_strtok(char *s, const char *d)
{
	static char *save;
	return strtok_r(s, d, &save);
}

/* msvcrt's strerror texts differ from glibc's; glibc's are given. */
char *CDECL msvcrt_strerror(int e) { return strerror(e); }

int CDECL msvcrt_atoi(const char *s) { return atoi(s); }
LONG CDECL msvcrt_atol(const char *s) { return (LONG)atol(s); }
LONGLONG CDECL msvcrt__atoi64(const char *s) { return atoll(s); }

/* long is 32 bits on Windows: clamp as msvcrt does, with ERANGE. */
LONG CDECL msvcrt_strtol(const char *s, char **end, int base)
{
	long v = strtol(s, end, base);
	if (v > INT32_MAX) {
		errno = ERANGE;
		return INT32_MAX;
	}
	if (v < INT32_MIN) {
		errno = ERANGE;
		return INT32_MIN;
	}
	return (LONG)v;
}

ULONG CDECL msvcrt_strtoul(const char *s, char **end, int base)
{
	unsigned long v = strtoul(s, end, base);
	/* a negated value wraps within 32 bits, as in C */
	if (v > UINT32_MAX && (long)v < INT32_MIN) {
		errno = ERANGE;
		return UINT32_MAX;
	}
	if (v > UINT32_MAX && (long)v > 0) {
		errno = ERANGE;
		return UINT32_MAX;
	}
	return (ULONG)v;
}

LONGLONG CDECL msvcrt__strtoi64(const char *s, char **end, int base) { return strtoll(s, end, base); }
ULONGLONG CDECL msvcrt__strtoui64(const char *s, char **end, int base) { return strtoull(s, end, base); }
double CDECL msvcrt_strtod(const char *s, char **end) { return strtod(s, end); }
double CDECL msvcrt_atof(const char *s) { return atof(s); }

int CDECL msvcrt_abs(int v) { return abs(v); }
LONG CDECL msvcrt_labs(LONG v) { return v < 0 ? -v : v; }

int CDECL msvcrt_isspace(int c) { return c >= -1 && c < 256 && isspace(c); }
int CDECL msvcrt_isdigit(int c) { return c >= -1 && c < 256 && isdigit(c); }
int CDECL msvcrt_isalpha(int c) { return c >= -1 && c < 256 && isalpha(c); }
int CDECL msvcrt_isalnum(int c) { return c >= -1 && c < 256 && isalnum(c); }
int CDECL msvcrt_isupper(int c) { return c >= -1 && c < 256 && isupper(c); }
int CDECL msvcrt_islower(int c) { return c >= -1 && c < 256 && islower(c); }
int CDECL msvcrt_isprint(int c) { return c >= -1 && c < 256 && isprint(c); }
int CDECL msvcrt_ispunct(int c) { return c >= -1 && c < 256 && ispunct(c); }
int CDECL msvcrt_isxdigit(int c) { return c >= -1 && c < 256 && isxdigit(c); }
int CDECL msvcrt_iscntrl(int c) { return c >= -1 && c < 256 && iscntrl(c); }
int CDECL msvcrt_toupper(int c) { return c >= -1 && c < 256 ? toupper(c) : c; }
int CDECL msvcrt_tolower(int c) { return c >= -1 && c < 256 ? tolower(c) : c; }

/* wchar_t is UTF-16: 16 bits. */
size_t CDECL msvcrt_wcslen(const WCHAR *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t CDECL msvcrt_wcsnlen(const WCHAR *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int CDECL msvcrt_wcscmp(const WCHAR *a, const WCHAR *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a < *b ? -1 : *a > *b;
}

WCHAR *CDECL msvcrt_wcscpy(WCHAR *d, const WCHAR *s)
{
	WCHAR *r = d;
	while ((*d++ = *s++))
		;
	return r;
}

/* qsort calls back into Microsoft x64 code. */
typedef int(CDECL *ms_compar)(const void *, const void *);

static int call_compar(const void *a, const void *b, void *cmp)
{
	return (*(ms_compar *)cmp)(a, b);
}

void CDECL msvcrt_qsort(void *base, size_t n, size_t size, ms_compar cmp)
{
	qsort_r(base, n, size, call_compar, &cmp);
}

/* getenv reads the environment the program was started with. */
char *CDECL msvcrt_getenv(const char *name)
{
	size_t nl = strlen(name);
	for (char **e = win_proc.envp; e && *e; e++)
		if (!strncasecmp(*e, name, nl) && (*e)[nl] == '=')
			return *e + nl + 1;
	return NULL;
}

int CDECL msvcrt_rand(void) { return rand() & 0x7fff; }
void CDECL msvcrt_srand(unsigned s) { srand(s); }

LONGLONG CDECL msvcrt__time64(LONGLONG *t)
{
	time_t now = time(NULL);
	if (t)
		*t = now;
	return now;
}

LONG CDECL msvcrt_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (LONG)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000); /* CLOCKS_PER_SEC is 1000 */
}

/* _ultoa: `v` in `radix` (2..36), lower-case digits. */
char *CDECL msvcrt__ultoa(ULONG v, char *buf, int radix)
{
	char tmp[40];
	int n = 0;

	if (radix < 2 || radix > 36) {
		buf[0] = 0;
		return buf;
	}
	do {
		int d = (int)(v % (ULONG)radix);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= (ULONG)radix;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}
