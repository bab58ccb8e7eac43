/* persona winapi-shim: kernel32 console functions for programs whose
 * standard handles are Linux terminals, pipes or files
 * (learn.microsoft.com: GetConsoleMode, SetConsoleMode, WriteConsoleA,
 * WriteConsoleW, GetConsoleCP, SetConsoleCP, SetConsoleOutputCP,
 * SetConsoleCtrlHandler).  A handle is a console when its descriptor is
 * a terminal: the mode functions fail with ERROR_INVALID_HANDLE for any
 * other, as Windows does for a redirected handle.  Text is UTF-8 (code
 * page 65001); Ctrl+C reaches no handler (the Linux default applies). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"
#include "winapi-shim/unicode.h"

/* ENABLE_PROCESSED_INPUT | ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT, and
 * ENABLE_PROCESSED_OUTPUT | ENABLE_WRAP_AT_EOL_OUTPUT: the defaults. */
#define DEFAULT_INPUT_MODE 0x7
#define DEFAULT_OUTPUT_MODE 0x3
#define CP_UTF8 65001

static int console_fd(HANDLE h)
{
	int fd = win_fd_from_handle(h);
	if (fd < 0 || !isatty(fd)) {
		SetLastError(ERROR_INVALID_HANDLE);
		return -1;
	}
	return fd;
}

BOOL WINAPI GetConsoleMode(HANDLE h, LPDWORD mode)
{
	int fd = console_fd(h);
	if (fd < 0)
		return FALSE;
	if (mode)
		*mode = fd == 0 ? DEFAULT_INPUT_MODE : DEFAULT_OUTPUT_MODE;
	return TRUE;
}

/* Accepted and not kept: the terminal keeps Linux's settings. */
BOOL WINAPI SetConsoleMode(HANDLE h, DWORD mode)
{
	return console_fd(h) >= 0;
}

static BOOL write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			SetLastError(win_error_from_errno(errno));
			return FALSE;
		}
		s += w;
		n -= (size_t)w;
	}
	return TRUE;
}

BOOL WINAPI WriteConsoleA(HANDLE h, const void *buf, DWORD n, LPDWORD written, void *reserved)
{
	int fd = console_fd(h);
	if (fd < 0 || !write_all(fd, buf, n))
		return FALSE;
	if (written)
		*written = n;
	return TRUE;
}

/* `n` UTF-16 units, written as UTF-8; *written counts units. */
BOOL WINAPI WriteConsoleW(HANDLE h, const void *buf, DWORD n, LPDWORD written, void *reserved)
{
	int fd = console_fd(h);
	if (fd < 0)
		return FALSE;
	size_t len = win_utf16_to_utf8(buf, n, NULL, 0);
	char *u = malloc(len + 1);
	if (!u) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return FALSE;
	}
	win_utf16_to_utf8(buf, n, u, len);
	BOOL ok = write_all(fd, u, len);
	free(u);
	if (ok && written)
		*written = n;
	return ok;
}

unsigned WINAPI GetConsoleCP(void)
{
	return CP_UTF8;
}

/* Every code page is converted as UTF-8 (nls.c): any is accepted. */
BOOL WINAPI SetConsoleCP(unsigned cp)
{
	return TRUE;
}

BOOL WINAPI SetConsoleOutputCP(unsigned cp)
{
	return TRUE;
}

static void *ctrl_handlers[16];

/* Kept (a NULL handler with add TRUE: ignore Ctrl+C, also accepted). */
BOOL WINAPI SetConsoleCtrlHandler(void *handler, BOOL add)
{
	for (size_t i = 0; i < sizeof ctrl_handlers / sizeof ctrl_handlers[0]; i++) {
		if (add && !ctrl_handlers[i]) {
			ctrl_handlers[i] = handler;
			return TRUE;
		}
		if (!add && ctrl_handlers[i] == handler) {
			ctrl_handlers[i] = NULL;
			return TRUE;
		}
	}
	SetLastError(add ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER);
	return FALSE;
}
