/* persona winapi-shim: kernel32 system information (learn.microsoft.com:
 * GetSystemInfo, GetNativeSystemInfo, GetVersionExW, GetVersion,
 * GlobalMemoryStatusEx, GetComputerNameW, IsProcessorFeaturePresent,
 * lstrlenW).  The machine is x64 with Linux's processor count, memory
 * and host name.  GetVersionEx and GetVersion answer as Windows 10 does
 * for a program without a compatibility manifest: 6.2, build 9200 (the
 * PEB keeps the real 10.0.19045, as on Windows). */
#include <cpuid.h>
#include <ctype.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/unicode.h"

#define PROCESSOR_ARCHITECTURE_AMD64 9
#define PROCESSOR_AMD_X8664 8664
#define VER_PLATFORM_WIN32_NT 2
#define VER_NT_WORKSTATION 1
#define ERROR_BUFFER_OVERFLOW 111
#define MAX_COMPUTERNAME_LENGTH 15

void WINAPI GetSystemInfo(SYSTEM_INFO *si)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	memset(si, 0, sizeof *si);
	si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
	si->dwPageSize = 4096;
	si->lpMinimumApplicationAddress = (void *)0x10000;
	si->lpMaximumApplicationAddress = (void *)0x7ffffffeffffull;
	si->dwActiveProcessorMask = n >= 64 ? ~(DWORD_PTR)0 : ((DWORD_PTR)1 << n) - 1;
	si->dwNumberOfProcessors = (DWORD)n;
	si->dwProcessorType = PROCESSOR_AMD_X8664;
	si->dwAllocationGranularity = 65536;
	si->wProcessorLevel = 6;
}

void WINAPI GetNativeSystemInfo(SYSTEM_INFO *si)
{
	GetSystemInfo(si);
}

static BOOL version_ex(void *v, DWORD size, DWORD base, DWORD ex, size_t csd_bytes)
{
	OSVERSIONINFOEXW *o = v; /* the fields before szCSDVersion are the same in A and W */
	if (!v || (size != base && size != ex)) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return FALSE;
	}
	memset((char *)v + sizeof(DWORD), 0, size - sizeof(DWORD));
	o->dwMajorVersion = 6;
	o->dwMinorVersion = 2;
	o->dwBuildNumber = 9200;
	o->dwPlatformId = VER_PLATFORM_WIN32_NT;
	if (size == ex) {
		/* wProductType follows the two service-pack WORDs and the suite mask */
		BYTE *after = (BYTE *)v + 5 * sizeof(DWORD) + csd_bytes;
		after[6] = VER_NT_WORKSTATION;
	}
	return TRUE;
}

BOOL WINAPI GetVersionExA(OSVERSIONINFOA *v)
{
	return version_ex(v, v ? v->dwOSVersionInfoSize : 0, sizeof(OSVERSIONINFOA), sizeof(OSVERSIONINFOA) + 8, 128);
}

BOOL WINAPI GetVersionExW(OSVERSIONINFOEXW *v)
{
	return version_ex(v, v ? v->dwOSVersionInfoSize : 0, sizeof(OSVERSIONINFOEXW) - 8, sizeof(OSVERSIONINFOEXW),
			  256);
}

/* major in the low byte, minor in the next, the build in the high word */
DWORD WINAPI GetVersion(void)
{
	return 6u | 2u << 8 | 9200u << 16;
}

BOOL WINAPI GlobalMemoryStatusEx(MEMORYSTATUSEX *m)
{
	struct sysinfo si;
	if (!m || m->dwLength != sizeof *m || sysinfo(&si) < 0) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	ULONGLONG unit = si.mem_unit ? si.mem_unit : 1;
	m->ullTotalPhys = si.totalram * unit;
	m->ullAvailPhys = (si.freeram + si.bufferram) * unit;
	m->dwMemoryLoad = m->ullTotalPhys ? (DWORD)(100 - m->ullAvailPhys * 100 / m->ullTotalPhys) : 0;
	m->ullTotalPageFile = m->ullTotalPhys + si.totalswap * unit;
	m->ullAvailPageFile = m->ullAvailPhys + si.freeswap * unit;
	m->ullTotalVirtual = 0x7ffffffe0000ull; /* 128 TiB less 64 KiB, the x64 user space */
	m->ullAvailVirtual = m->ullTotalVirtual;
	m->ullAvailExtendedVirtual = 0;
	return TRUE;
}

/* The NetBIOS form of the host name: at most 15 characters, upper case. */
static void computer_name(char out[MAX_COMPUTERNAME_LENGTH + 1])
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	size_t i = 0;
	for (; host[i] && host[i] != '.' && i < MAX_COMPUTERNAME_LENGTH; i++)
		out[i] = (char)toupper((unsigned char)host[i]);
	out[i] = 0;
}

/* *size: the buffer's characters; set to the name's length, or to the
 * size needed with its NUL (ERROR_BUFFER_OVERFLOW). */
BOOL WINAPI GetComputerNameA(LPSTR buf, LPDWORD size)
{
	char name[MAX_COMPUTERNAME_LENGTH + 1];
	computer_name(name);
	DWORD n = (DWORD)strlen(name);
	if (!size || !buf || *size <= n) {
		if (size)
			*size = n + 1;
		SetLastError(ERROR_BUFFER_OVERFLOW);
		return FALSE;
	}
	memcpy(buf, name, n + 1);
	*size = n;
	return TRUE;
}

BOOL WINAPI GetComputerNameW(LPWSTR buf, LPDWORD size)
{
	char name[MAX_COMPUTERNAME_LENGTH + 1];
	computer_name(name);
	DWORD n = (DWORD)strlen(name);
	if (!size || !buf || *size <= n) {
		if (size)
			*size = n + 1;
		SetLastError(ERROR_BUFFER_OVERFLOW);
		return FALSE;
	}
	for (DWORD i = 0; i <= n; i++)
		buf[i] = (unsigned char)name[i];
	*size = n;
	return TRUE;
}

static bool cpuid_bit(unsigned leaf, unsigned sub, int reg, int bit)
{
	unsigned r[4] = { 0, 0, 0, 0 };
	if (!__get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]))
		return false;
	return r[reg] >> bit & 1;
}

enum { EAX, EBX, ECX, EDX };

/* PF_* of winnt.h; what x64 always has, or cpuid says. */
BOOL WINAPI IsProcessorFeaturePresent(DWORD f)
{
	switch (f) {
	case 2: case 3: case 6: case 8: case 9: case 10: case 12: case 23:
		return TRUE; /* cmpxchg8b, MMX, SSE, rdtsc, PAE, SSE2, NX, fast fail */
	case 13: return cpuid_bit(1, 0, ECX, 0);    /* SSE3 */
	case 14: return cpuid_bit(1, 0, ECX, 13);   /* cmpxchg16b */
	case 17: return cpuid_bit(1, 0, ECX, 27);   /* XSAVE enabled */
	case 28: return cpuid_bit(1, 0, ECX, 30);   /* rdrand */
	case 32: return cpuid_bit(0x80000001, 0, EDX, 27); /* rdtscp */
	case 36: return cpuid_bit(1, 0, ECX, 9);    /* SSSE3 */
	case 37: return cpuid_bit(1, 0, ECX, 19);   /* SSE4.1 */
	case 38: return cpuid_bit(1, 0, ECX, 20);   /* SSE4.2 */
	case 39: return cpuid_bit(1, 0, ECX, 28) && cpuid_bit(1, 0, ECX, 27); /* AVX */
	case 40: return cpuid_bit(7, 0, EBX, 5) && cpuid_bit(1, 0, ECX, 27);  /* AVX2 */
	case 41: return cpuid_bit(7, 0, EBX, 16) && cpuid_bit(1, 0, ECX, 27); /* AVX-512F */
	}
	return FALSE;
}

int WINAPI lstrlenA(LPCSTR s)
{
	return s ? (int)strlen(s) : 0;
}

int WINAPI lstrlenW(LPCWSTR s)
{
	return s ? (int)win_wcslen(s) : 0;
}
