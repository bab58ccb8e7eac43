/* persona winapi-shim: user32.dll without windows (see user32.h). */
#include <stdio.h>
#include <stdlib.h>

#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/unicode.h"
#include "winapi-shim/user32/user32.h"

HWND WINAPI GetActiveWindow(void) { return NULL; }
HWND WINAPI GetCapture(void) { return NULL; }
HWND WINAPI GetClipboardOwner(void) { return NULL; }
HWND WINAPI GetClipboardViewer(void) { return NULL; }
HWND WINAPI GetDesktopWindow(void) { return NULL; }
HWND WINAPI GetFocus(void) { return NULL; }
HWND WINAPI GetOpenClipboardWindow(void) { return NULL; }
HANDLE WINAPI GetProcessWindowStation(void) { return NULL; }
BOOL WINAPI GetInputState(void) { return FALSE; }
DWORD WINAPI GetMessagePos(void) { return 0; }
LONG WINAPI GetMessageTime(void) { return 0; }
BOOL WINAPI AllowSetForegroundWindow(DWORD pid) { return TRUE; }

static BOOL origin(POINT *p)
{
	if (!p)
		return FALSE;
	p->x = p->y = 0;
	return TRUE;
}

BOOL WINAPI GetCursorPos(POINT *p) { return origin(p); }
BOOL WINAPI GetCaretPos(POINT *p) { return origin(p); }

#define IDOK 1

int WINAPI MessageBoxA(HWND owner, LPCSTR text, LPCSTR caption, UINT type)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", caption ? caption : "Error", text ? text : "");
	return IDOK;
}

int WINAPI MessageBoxW(HWND owner, LPCWSTR text, LPCWSTR caption, UINT type)
{
	char *t = text ? win_utf8_dup(text) : NULL, *c = caption ? win_utf8_dup(caption) : NULL;
	int r = MessageBoxA(owner, t, c, type);
	free(t);
	free(c);
	return r;
}

/* sorted by strcmp */
static const struct win_export user32_exports[] = {
	WIN_EXPORT(AllowSetForegroundWindow),
	WIN_EXPORT(GetActiveWindow),
	WIN_EXPORT(GetCapture),
	WIN_EXPORT(GetCaretPos),
	WIN_EXPORT(GetClipboardOwner),
	WIN_EXPORT(GetClipboardViewer),
	WIN_EXPORT(GetCursorPos),
	WIN_EXPORT(GetDesktopWindow),
	WIN_EXPORT(GetFocus),
	WIN_EXPORT(GetInputState),
	WIN_EXPORT(GetMessagePos),
	WIN_EXPORT(GetMessageTime),
	WIN_EXPORT(GetOpenClipboardWindow),
	WIN_EXPORT(GetProcessWindowStation),
	WIN_EXPORT(MessageBoxA),
	WIN_EXPORT(MessageBoxW),
};

const struct win_dll win_dll_user32 = { "user32.dll", WIN_EXPORTS(user32_exports) };
