/* persona winapi-shim: ntdll.dll (learn.microsoft.com: RtlGetVersion,
 * RtlGetLastWin32Error, NtWaitForSingleObject; RtlGetNtVersionNumbers and
 * RtlGetCurrentPeb, which Go's runtime asks for).  Only what programs
 * call directly so far. */
#include <string.h>

#include "winapi-shim/kernel32/kernel32.h"
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

/* RtlGetNtVersionNumbers (used by Go's runtime, documented by its
 * callers): the PEB's version; the build number's top four bits set,
 * as a release build of Windows reports it. */
static void WINAPI RtlGetNtVersionNumbers(DWORD *major, DWORD *minor, DWORD *build)
{
	PEB *peb = NtCurrentTeb()->ProcessEnvironmentBlock;
	if (major)
		*major = peb->OSMajorVersion;
	if (minor)
		*minor = peb->OSMinorVersion;
	if (build)
		*build = 0xF0000000u | peb->OSBuildNumber;
}

static PEB *WINAPI RtlGetCurrentPeb(void)
{
	return NtCurrentTeb()->ProcessEnvironmentBlock;
}

#define STATUS_TIMEOUT ((NTSTATUS)0x00000102)
#define STATUS_ABANDONED ((NTSTATUS)0x00000080)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008)

/* learn.microsoft.com: NtWaitForSingleObject (ZwWaitForSingleObject).
 * `timeout`: NULL for none, negative 100 ns units relative (absolute
 * times are taken as already passed). */
static NTSTATUS WINAPI NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, const LARGE_INTEGER *timeout)
{
	DWORD ms = INFINITE;
	if (timeout)
		ms = timeout->QuadPart < 0 ? (DWORD)((-timeout->QuadPart + 9999) / 10000) : 0;
	DWORD r = WaitForSingleObject(h, ms);
	switch (r) {
	case 0: return STATUS_SUCCESS;
	case 0x80: return STATUS_ABANDONED;
	case 258: return STATUS_TIMEOUT;
	}
	return STATUS_INVALID_HANDLE;
}

/* sorted by strcmp */
static const struct win_export ntdll_exports[] = {
	WIN_EXPORT(NtWaitForSingleObject),
	WIN_EXPORT(RtlCaptureContext),
	WIN_EXPORT(RtlGetCurrentPeb),
	WIN_EXPORT(RtlGetLastWin32Error),
	WIN_EXPORT(RtlGetNtVersionNumbers),
	WIN_EXPORT(RtlGetVersion),
	WIN_EXPORT(RtlLookupFunctionEntry),
	WIN_EXPORT(RtlSetLastWin32Error),
	WIN_EXPORT(RtlUnwindEx),
	WIN_EXPORT(RtlVirtualUnwind),
};

const struct win_dll win_dll_ntdll = { "ntdll.dll", WIN_EXPORTS(ntdll_exports) };
