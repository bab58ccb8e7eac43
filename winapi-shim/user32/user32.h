/* persona winapi-shim: user32.dll for console programs: there is no
 * window station, desktop, window, clipboard, cursor or message queue.
 * What libraries built with mingw ask of it (Debian's libgcrypt-20.dll
 * reads these as entropy; libgpg-error-0.dll calls
 * AllowSetForegroundWindow) answers as a session without windows would
 * (learn.microsoft.com, each function's page):
 *   GetActiveWindow, GetCapture, GetClipboardOwner, GetClipboardViewer,
 *   GetDesktopWindow, GetFocus, GetOpenClipboardWindow,
 *   GetProcessWindowStation: NULL;
 *   GetInputState: FALSE; GetMessagePos, GetMessageTime: 0;
 *   GetCursorPos, GetCaretPos: (0, 0) and TRUE;
 *   AllowSetForegroundWindow: TRUE.
 * MessageBoxA/W print "caption: text" on stderr and return IDOK (1).
 */
#ifndef PERSONA_WINAPI_USER32_H
#define PERSONA_WINAPI_USER32_H

#include "winapi-shim/wintypes.h"

typedef void *HWND;
typedef struct tagPOINT {
	LONG x, y;
} POINT;

HWND WINAPI GetActiveWindow(void);
HWND WINAPI GetCapture(void);
HWND WINAPI GetClipboardOwner(void);
HWND WINAPI GetClipboardViewer(void);
HWND WINAPI GetDesktopWindow(void);
HWND WINAPI GetFocus(void);
HWND WINAPI GetOpenClipboardWindow(void);
HANDLE WINAPI GetProcessWindowStation(void);
BOOL WINAPI GetInputState(void);
DWORD WINAPI GetMessagePos(void);
LONG WINAPI GetMessageTime(void);
BOOL WINAPI GetCursorPos(POINT *p);
BOOL WINAPI GetCaretPos(POINT *p);
BOOL WINAPI AllowSetForegroundWindow(DWORD pid);
int WINAPI MessageBoxA(HWND owner, LPCSTR text, LPCSTR caption, UINT type);
int WINAPI MessageBoxW(HWND owner, LPCWSTR text, LPCWSTR caption, UINT type);

#endif
