/* persona winapi-shim: msvcrt stdio (learn.microsoft.com: "Stream I/O",
 * __iob_func, fopen, fwrite, printf...).  Every msvcrt FILE stands for a
 * glibc FILE.  Text mode does not turn "\n" into "\r\n": output matches
 * what the same program prints when built for Linux. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winapi-shim/msvcrt/msvcrt.h"
#include "winapi-shim/unicode.h"

static MS_FILE iob[_IOB_ENTRIES];

#define PERSONA_FILE_MAGIC 0x70667365  /* in _charbuf of fopen'd FILEs */

FILE *msvcrt_host_file(MS_FILE *f)
{
	if (!f)
		return NULL;
	if (f >= iob && f < iob + _IOB_ENTRIES) {
		switch (f - iob) {
		case 0: return stdin;
		case 1: return stdout;
		case 2: return stderr;
		}
		return NULL;
	}
	if (f->_charbuf != PERSONA_FILE_MAGIC)
		return NULL;
	return (FILE *)f->_tmpfname;
}

MS_FILE *CDECL msvcrt___iob_func(void)
{
	if (iob[1]._file == 0) {
		for (int i = 0; i < 3; i++)
			iob[i]._file = i;
		iob[1]._file = 1;
	}
	return iob;
}

/* "rt", "w+b", "r, ccs=UTF-8": keep what glibc understands. */
static void host_mode(const char *mode, char out[8])
{
	size_t n = 0;
	for (const char *m = mode; *m && *m != ',' && n < 7; m++)
		if (strchr("rwa+bx", *m))
			out[n++] = *m;
	out[n] = 0;
}

/* A Windows path as kernel32 maps it ("C:\\dir\\file" under drive C's
 * folder, "dir\\file" relative, names in another case found). */
static char *host_path(const char *path)
{
	return win_host_path(path);
}

MS_FILE *msvcrt_wrap(FILE *hf)
{
	struct ms_file_ex *x;

	if (!hf)
		return NULL;
	x = calloc(1, sizeof *x);
	if (!x) {
		fclose(hf);
		errno = ENOMEM;
		return NULL;
	}
	x->f._file = fileno(hf);
	x->f._charbuf = PERSONA_FILE_MAGIC;
	x->f._tmpfname = (char *)hf;
	InitializeCriticalSection(&x->lock);
	return &x->f;
}

MS_FILE *CDECL msvcrt_fopen(const char *path, const char *mode)
{
	char m[8];
	char *hp = host_path(path);

	if (!hp)
		return NULL;
	host_mode(mode, m);
	FILE *hf = fopen(hp, m);
	free(hp);
	return msvcrt_wrap(hf);
}

MS_FILE *CDECL msvcrt__fdopen(int fd, const char *mode)
{
	char m[8];
	host_mode(mode, m);
	return msvcrt_wrap(fdopen(fd, m));
}

int CDECL msvcrt_fclose(MS_FILE *f)
{
	FILE *hf = msvcrt_host_file(f);
	if (!hf) {
		errno = EINVAL;
		return EOF;
	}
	int r = fclose(hf);
	if (f >= iob && f < iob + _IOB_ENTRIES)
		return r;
	f->_charbuf = 0;
	free(f);
	return r;
}

#define HOST_OR(f, fail)                  \
	FILE *hf = msvcrt_host_file(f);   \
	if (!hf) {                        \
		errno = EINVAL;           \
		return fail;              \
	}

int CDECL msvcrt_fflush(MS_FILE *f)
{
	if (!f)
		return fflush(NULL);
	HOST_OR(f, EOF);
	return fflush(hf);
}

int CDECL msvcrt_fputc(int c, MS_FILE *f)
{
	HOST_OR(f, EOF);
	return fputc(c, hf);
}

int CDECL msvcrt_fputs(const char *s, MS_FILE *f)
{
	HOST_OR(f, EOF);
	return fputs(s, hf) < 0 ? EOF : 0;
}

int CDECL msvcrt_puts(const char *s)
{
	return puts(s) < 0 ? EOF : 0;
}

int CDECL msvcrt_putchar(int c)
{
	return putchar(c);
}

size_t CDECL msvcrt_fwrite(const void *p, size_t size, size_t n, MS_FILE *f)
{
	HOST_OR(f, 0);
	return fwrite(p, size, n, hf);
}

size_t CDECL msvcrt_fread(void *p, size_t size, size_t n, MS_FILE *f)
{
	HOST_OR(f, 0);
	return fread(p, size, n, hf);
}

int CDECL msvcrt_fgetc(MS_FILE *f)
{
	HOST_OR(f, EOF);
	return fgetc(hf);
}

int CDECL msvcrt_getchar(void)
{
	return getchar();
}

char *CDECL msvcrt_fgets(char *s, int n, MS_FILE *f)
{
	HOST_OR(f, NULL);
	return fgets(s, n, hf);
}

int CDECL msvcrt_ungetc(int c, MS_FILE *f)
{
	HOST_OR(f, EOF);
	return ungetc(c, hf);
}

int CDECL msvcrt_feof(MS_FILE *f)
{
	HOST_OR(f, 0);
	return feof(hf);
}

int CDECL msvcrt_ferror(MS_FILE *f)
{
	HOST_OR(f, 0);
	return ferror(hf);
}

void CDECL msvcrt_clearerr(MS_FILE *f)
{
	FILE *hf = msvcrt_host_file(f);
	if (hf)
		clearerr(hf);
}

int CDECL msvcrt_fseek(MS_FILE *f, LONG off, int whence)
{
	HOST_OR(f, -1);
	return fseeko(hf, off, whence);
}

int CDECL msvcrt__fseeki64(MS_FILE *f, LONGLONG off, int whence)
{
	HOST_OR(f, -1);
	return fseeko(hf, off, whence);
}

LONG CDECL msvcrt_ftell(MS_FILE *f)
{
	HOST_OR(f, -1);
	off_t o = ftello(hf);
	if (o > 0x7fffffff) {
		errno = EINVAL;
		return -1;
	}
	return (LONG)o;
}

LONGLONG CDECL msvcrt__ftelli64(MS_FILE *f)
{
	HOST_OR(f, -1);
	return ftello(hf);
}

void CDECL msvcrt_rewind(MS_FILE *f)
{
	FILE *hf = msvcrt_host_file(f);
	if (hf)
		rewind(hf);
}

int CDECL msvcrt_setvbuf(MS_FILE *f, char *buf, int mode, size_t size)
{
	/* msvcrt: _IOFBF 0, _IOLBF 0x40, _IONBF 4 */
	int m = mode == 4 ? _IONBF : mode == 0x40 ? _IOLBF : _IOFBF;
	HOST_OR(f, -1);
	return setvbuf(hf, NULL, m, size > 1 ? size : BUFSIZ);
}

int CDECL msvcrt__fileno(MS_FILE *f)
{
	HOST_OR(f, -1);
	return fileno(hf);
}

int CDECL msvcrt__setmode(int fd, int mode)
{
	return 0x4000; /* _O_TEXT was the mode */
}

int CDECL msvcrt__isatty(int fd)
{
	return isatty(fd);
}

int CDECL msvcrt__write(int fd, const void *p, unsigned n)
{
	return (int)write(fd, p, n);
}

int CDECL msvcrt__read(int fd, void *p, unsigned n)
{
	return (int)read(fd, p, n);
}

int CDECL msvcrt__close(int fd)
{
	return close(fd);
}

void CDECL msvcrt_perror(const char *s)
{
	fflush(stdout);
	perror(s);
}

int CDECL msvcrt_remove(const char *path)
{
	char *hp = host_path(path);
	int r = hp ? remove(hp) : -1;
	free(hp);
	return r;
}

int CDECL msvcrt_rename(const char *from, const char *to)
{
	char *a = host_path(from), *b = host_path(to);
	int r = a && b ? rename(a, b) : -1;
	free(a);
	free(b);
	return r;
}

/* ---- the printf family ---- */

static int out_file(FILE *hf, const char *fmt, const uint64_t *args)
{
	size_t len;
	char *s = msvcrt_format(fmt, args, &len);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	size_t w = fwrite(s, 1, len, hf);
	free(s);
	return w == len ? (int)len : -1;
}

int CDECL msvcrt_vfprintf(MS_FILE *f, const char *fmt, const uint64_t *args)
{
	HOST_OR(f, -1);
	return out_file(hf, fmt, args);
}

int CDECL msvcrt_vprintf(const char *fmt, const uint64_t *args)
{
	return out_file(stdout, fmt, args);
}

int CDECL msvcrt_fprintf(MS_FILE *f, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_vfprintf(f, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_printf(const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = out_file(stdout, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

/* _vsnprintf: at most `n` bytes; -1 and no terminating NUL when the
 * output does not fit (msvcrt's rule, unlike C99 vsnprintf). */
int CDECL msvcrt__vsnprintf(char *buf, size_t n, const char *fmt, const uint64_t *args)
{
	size_t len;
	char *s = msvcrt_format(fmt, args, &len);
	if (!s)
		return -1;
	if (len > n) {
		memcpy(buf, s, n);
		free(s);
		return -1;
	}
	memcpy(buf, s, len);
	if (len < n)
		buf[len] = 0;
	free(s);
	return (int)len;
}

int CDECL msvcrt_vsprintf(char *buf, const char *fmt, const uint64_t *args)
{
	size_t len;
	char *s = msvcrt_format(fmt, args, &len);
	if (!s)
		return -1;
	memcpy(buf, s, len + 1);
	free(s);
	return (int)len;
}

int CDECL msvcrt__snprintf(char *buf, size_t n, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt__vsnprintf(buf, n, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_sprintf(char *buf, const char *fmt, ...)
{
	__builtin_ms_va_list ap;
	__builtin_ms_va_start(ap, fmt);
	int r = msvcrt_vsprintf(buf, fmt, (const uint64_t *)ap);
	__builtin_ms_va_end(ap);
	return r;
}

int CDECL msvcrt_putc(int c, MS_FILE *f)
{
	return msvcrt_fputc(c, f);
}

int CDECL msvcrt_getc(MS_FILE *f)
{
	return msvcrt_fgetc(f);
}

/* Wide characters on a byte stream: UTF-8 out, bytes in. */
uint16_t CDECL msvcrt_putwc(uint16_t c, MS_FILE *f)
{
	char b[4];
	WCHAR w = c;
	size_t n = win_utf16_to_utf8(&w, 1, b, sizeof b);
	HOST_OR(f, 0xffff);
	return fwrite(b, 1, n, hf) == n ? c : 0xffff;
}

uint16_t CDECL msvcrt_getwc(MS_FILE *f)
{
	HOST_OR(f, 0xffff);
	int c = fgetc(hf);
	return c == EOF ? 0xffff : (uint16_t)c;
}

uint16_t CDECL msvcrt_ungetwc(uint16_t c, MS_FILE *f)
{
	HOST_OR(f, 0xffff);
	return c < 0x100 && ungetc(c, hf) != EOF ? c : 0xffff;
}

/* fpos_t is a 64-bit offset in msvcrt. */
int CDECL msvcrt_fgetpos(MS_FILE *f, LONGLONG *pos)
{
	HOST_OR(f, -1);
	off_t o = ftello(hf);
	if (o < 0)
		return -1;
	*pos = o;
	return 0;
}

int CDECL msvcrt_fsetpos(MS_FILE *f, const LONGLONG *pos)
{
	HOST_OR(f, -1);
	return fseeko(hf, *pos, SEEK_SET);
}

MS_FILE *CDECL msvcrt__wfopen(const WCHAR *path, const WCHAR *mode)
{
	char *p = win_utf8_dup(path), *m = win_utf8_dup(mode);
	MS_FILE *f = p && m ? msvcrt_fopen(p, m) : NULL;
	free(p);
	free(m);
	return f;
}

LONGLONG CDECL msvcrt__lseeki64(int fd, LONGLONG off, int whence)
{
	return lseek(fd, off, whence);
}

LONGLONG CDECL msvcrt__filelengthi64(int fd)
{
	struct stat st;
	return fstat(fd, &st) < 0 ? -1 : st.st_size;
}


void msvcrt_fill_stat64(const struct stat *st_, struct ms_stat64 *ms)
{
	const struct stat st = *st_;
	memset(ms, 0, sizeof *ms);
	ms->st_dev = (unsigned)st.st_dev;
	/* the S_IF* and permission bits have the same values */
	ms->st_mode = (uint16_t)(st.st_mode & 0xf1c0);
	ms->st_nlink = (int16_t)st.st_nlink;
	ms->st_size = st.st_size;
	ms->st_atime_ = st.st_atim.tv_sec;
	ms->st_mtime_ = st.st_mtim.tv_sec;
	ms->st_ctime_ = st.st_ctim.tv_sec;
}

int CDECL msvcrt__fstat64(int fd, struct ms_stat64 *ms)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	msvcrt_fill_stat64(&st, ms);
	return 0;
}
