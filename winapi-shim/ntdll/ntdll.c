/* persona winapi-shim: ntdll.dll (learn.microsoft.com: RtlGetVersion,
 * RtlGetLastWin32Error).  Only what programs call directly so far. */
#include <string.h>

#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/ntdll/ntdll.h"
#include "winapi-shim/teb.h"

#define STATUS_SUCCESS 0
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)

typedef struct _OSVERSIONINFOW {
	ULONG dwOSVersionInfoSize, dwMajorVersion, dwMinorVersion, dwBuildNumber, dwPlatformId;
	WCHAR szCSDVersion[128];
} OSVERSIONINFOW;

static NTSTATUS WINAPI RtlGetVersion(OSVERSIONINFOW *v)
{
	PEB *peb = NtCurrentTeb()->ProcessEnvironmentBlock;

	if (!v || v->dwOSVersionInfoSize < sizeof *v)
		return STATUS_INVALID_PARAMETER;
	v->dwMajorVersion = peb->OSMajorVersion;
	v->dwMinorVersion = peb->OSMinorVersion;
	v->dwBuildNumber = peb->OSBuildNumber;
	v->dwPlatformId = peb->OSPlatformId;
	memset(v->szCSDVersion, 0, sizeof v->szCSDVersion);
	return STATUS_SUCCESS;
}

static DWORD WINAPI RtlGetLastWin32Error(void)
{
	return NtCurrentTeb()->LastErrorValue;
}

static void WINAPI RtlSetLastWin32Error(DWORD e)
{
	NtCurrentTeb()->LastErrorValue = e;
}

/* sorted by strcmp */
static const struct win_export ntdll_exports[] = {
	WIN_EXPORT(RtlCaptureContext),
	WIN_EXPORT(RtlGetLastWin32Error),
	WIN_EXPORT(RtlGetVersion),
	WIN_EXPORT(RtlLookupFunctionEntry),
	WIN_EXPORT(RtlSetLastWin32Error),
	WIN_EXPORT(RtlUnwindEx),
	WIN_EXPORT(RtlVirtualUnwind),
};

const struct win_dll win_dll_ntdll = { "ntdll.dll", WIN_EXPORTS(ntdll_exports) };
