/* persona winapi-shim: kernel32 structures shared by its source files. */
#ifndef PERSONA_WINAPI_KERNEL32_H
#define PERSONA_WINAPI_KERNEL32_H

#include <stdbool.h>

#include "winapi-shim/wintypes.h"

/* CRITICAL_SECTION (winnt.h RTL_CRITICAL_SECTION, 40 bytes).  persona uses
 * LockCount as a futex word (0 free, 1 locked, 2 locked with waiters). */
typedef struct _RTL_CRITICAL_SECTION {
	void *DebugInfo;
	LONG LockCount;
	LONG RecursionCount;
	HANDLE OwningThread;
	HANDLE LockSemaphore;
	ULONG_PTR SpinCount;
} CRITICAL_SECTION, *LPCRITICAL_SECTION;

_Static_assert(sizeof(CRITICAL_SECTION) == 40, "CRITICAL_SECTION");

void WINAPI InitializeCriticalSection(LPCRITICAL_SECTION cs);
void WINAPI EnterCriticalSection(LPCRITICAL_SECTION cs);
void WINAPI LeaveCriticalSection(LPCRITICAL_SECTION cs);
void WINAPI DeleteCriticalSection(LPCRITICAL_SECTION cs);
DWORD WINAPI GetLastError(void);
void WINAPI SetLastError(DWORD code);

/* MEMORY_BASIC_INFORMATION (winnt.h, 48 bytes on x64). */
typedef struct _MEMORY_BASIC_INFORMATION {
	PVOID BaseAddress;
	PVOID AllocationBase;
	DWORD AllocationProtect;
	WORD PartitionId;
	SIZE_T RegionSize;
	DWORD State;
	DWORD Protect;
	DWORD Type;
} MEMORY_BASIC_INFORMATION, *PMEMORY_BASIC_INFORMATION;

_Static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 48, "MEMORY_BASIC_INFORMATION");

typedef DWORD *PDWORD;
typedef union _LARGE_INTEGER {
	LONGLONG QuadPart;
} LARGE_INTEGER;
typedef struct _FILETIME {
	DWORD dwLowDateTime, dwHighDateTime;
} FILETIME;
typedef union _ULARGE_INTEGER {
	ULONGLONG QuadPart;
} ULARGE_INTEGER;

typedef struct _SYSTEMTIME {
	WORD wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds;
} SYSTEMTIME;

/* learn.microsoft.com: "BY_HANDLE_FILE_INFORMATION structure" */
typedef struct _BY_HANDLE_FILE_INFORMATION {
	DWORD dwFileAttributes;
	FILETIME ftCreationTime, ftLastAccessTime, ftLastWriteTime;
	DWORD dwVolumeSerialNumber;
	DWORD nFileSizeHigh, nFileSizeLow;
	DWORD nNumberOfLinks;
	DWORD nFileIndexHigh, nFileIndexLow;
} BY_HANDLE_FILE_INFORMATION;

_Static_assert(sizeof(BY_HANDLE_FILE_INFORMATION) == 52, "BY_HANDLE_FILE_INFORMATION");

/* learn.microsoft.com: "TIME_ZONE_INFORMATION structure" */
typedef struct _TIME_ZONE_INFORMATION {
	LONG Bias;
	WCHAR StandardName[32];
	SYSTEMTIME StandardDate;
	LONG StandardBias;
	WCHAR DaylightName[32];
	SYSTEMTIME DaylightDate;
	LONG DaylightBias;
} TIME_ZONE_INFORMATION;

_Static_assert(sizeof(TIME_ZONE_INFORMATION) == 172, "TIME_ZONE_INFORMATION");

/* sync.c */
BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION cs, DWORD spin);
BOOL WINAPI InitializeCriticalSectionEx(LPCRITICAL_SECTION cs, DWORD spin, DWORD flags);
BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION cs);
void WINAPI Sleep(DWORD ms);
DWORD WINAPI TlsAlloc(void);
BOOL WINAPI TlsFree(DWORD i);
LPVOID WINAPI TlsGetValue(DWORD i);
BOOL WINAPI TlsSetValue(DWORD i, LPVOID v);

/* SRWLOCK, CONDITION_VARIABLE, INIT_ONCE (synchapi.h): one pointer each. */
typedef struct _RTL_SRWLOCK {
	PVOID Ptr;
} SRWLOCK, *PSRWLOCK;
typedef struct _RTL_CONDITION_VARIABLE {
	PVOID Ptr;
} CONDITION_VARIABLE, *PCONDITION_VARIABLE;
typedef union _RTL_RUN_ONCE {
	PVOID Ptr;
} INIT_ONCE, *PINIT_ONCE, *LPINIT_ONCE;
typedef BOOL(WINAPI *PINIT_ONCE_FN)(PINIT_ONCE InitOnce, PVOID Parameter, PVOID *Context);
typedef void(WINAPI *PFLS_CALLBACK_FUNCTION)(PVOID lpFlsData);
#define CONDITION_VARIABLE_LOCKMODE_SHARED 0x1
#define INIT_ONCE_CHECK_ONLY 0x1
#define INIT_ONCE_ASYNC 0x2
#define INIT_ONCE_INIT_FAILED 0x4

void WINAPI InitializeSRWLock(PSRWLOCK l);
void WINAPI AcquireSRWLockExclusive(PSRWLOCK l);
void WINAPI AcquireSRWLockShared(PSRWLOCK l);
void WINAPI ReleaseSRWLockExclusive(PSRWLOCK l);
void WINAPI ReleaseSRWLockShared(PSRWLOCK l);
BOOLEAN WINAPI TryAcquireSRWLockExclusive(PSRWLOCK l);
BOOLEAN WINAPI TryAcquireSRWLockShared(PSRWLOCK l);
void WINAPI InitializeConditionVariable(PCONDITION_VARIABLE cv);
void WINAPI WakeConditionVariable(PCONDITION_VARIABLE cv);
void WINAPI WakeAllConditionVariable(PCONDITION_VARIABLE cv);
BOOL WINAPI SleepConditionVariableCS(PCONDITION_VARIABLE cv, LPCRITICAL_SECTION cs, DWORD ms);
BOOL WINAPI SleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK l, DWORD ms, ULONG flags);
void WINAPI InitOnceInitialize(PINIT_ONCE o);
BOOL WINAPI InitOnceBeginInitialize(PINIT_ONCE o, DWORD flags, PBOOL pending, LPVOID *context);
BOOL WINAPI InitOnceComplete(PINIT_ONCE o, DWORD flags, LPVOID context);
BOOL WINAPI InitOnceExecuteOnce(PINIT_ONCE o, PINIT_ONCE_FN fn, PVOID param, LPVOID *context);
DWORD WINAPI FlsAlloc(PFLS_CALLBACK_FUNCTION cb);
PVOID WINAPI FlsGetValue(DWORD i);
BOOL WINAPI FlsSetValue(DWORD i, PVOID v);
BOOL WINAPI FlsFree(DWORD i);
/* Run the calling thread's FLS callbacks (a thread made by CreateThread
 * ending). */
void win_fls_thread_exit(void);

/* memory.c */
SIZE_T WINAPI VirtualQuery(LPCVOID addr, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len);
BOOL WINAPI VirtualProtect(LPVOID addr, SIZE_T size, DWORD newprot, PDWORD oldprot);
LPVOID WINAPI VirtualAlloc(LPVOID addr, SIZE_T size, DWORD type, DWORD protect);
BOOL WINAPI VirtualFree(LPVOID addr, SIZE_T size, DWORD type);
HANDLE WINAPI GetProcessHeap(void);
LPVOID WINAPI HeapAlloc(HANDLE heap, DWORD flags, SIZE_T size);
LPVOID WINAPI HeapReAlloc(HANDLE heap, DWORD flags, LPVOID mem, SIZE_T size);
BOOL WINAPI HeapFree(HANDLE heap, DWORD flags, LPVOID mem);
SIZE_T WINAPI HeapSize(HANDLE heap, DWORD flags, LPCVOID mem);
HANDLE WINAPI LocalFree(HANDLE mem);
HANDLE WINAPI LocalAlloc(UINT flags, SIZE_T size);
HANDLE WINAPI GlobalAlloc(UINT flags, SIZE_T size);
HANDLE WINAPI GlobalFree(HANDLE mem);
HANDLE WINAPI HeapCreate(DWORD options, SIZE_T initial, SIZE_T maximum);
BOOL WINAPI HeapDestroy(HANDLE heap);
BOOL WINAPI HeapValidate(HANDLE heap, DWORD flags, LPCVOID mem);
SIZE_T WINAPI HeapCompact(HANDLE heap, DWORD flags);
LPVOID WINAPI LocalLock(HANDLE mem);
BOOL WINAPI LocalUnlock(HANDLE mem);
SIZE_T WINAPI LocalSize(HANDLE mem);
HANDLE WINAPI LocalReAlloc(HANDLE mem, SIZE_T size, UINT flags);
LPVOID WINAPI GlobalLock(HANDLE mem);
BOOL WINAPI GlobalUnlock(HANDLE mem);
SIZE_T WINAPI GlobalSize(HANDLE mem);
HANDLE WINAPI GlobalReAlloc(HANDLE mem, SIZE_T size, UINT flags);

/* delayload.c: learn.microsoft.com "ResolveDelayLoadedAPI function".
 * Loads the DLL of a delay-load descriptor of the module at `parent`
 * (like LoadLibraryA), finds the function of the import address table
 * slot `thunk`, writes its address there and returns it.  When either is
 * missing, FailureDllHook(dliFailLoadLib or dliFailGetProc, DELAYLOAD_INFO)
 * then FailureSystemHook(dll, name) may supply an address; without one it
 * raises 0xC06D007E (module) or 0xC06D007F (procedure), as delayimp does. */
struct _IMAGE_DELAYLOAD_DESCRIPTOR;
PVOID WINAPI ResolveDelayLoadedAPI(PVOID parent, const struct _IMAGE_DELAYLOAD_DESCRIPTOR *desc, void *dll_hook,
				   void *system_hook, ULONGLONG *thunk, ULONG flags);

/* process.c */
BOOL WINAPI GetModuleHandleExA(DWORD flags, LPCSTR name, HMODULE *out);
BOOL WINAPI GetModuleHandleExW(DWORD flags, LPCWSTR name, HMODULE *out);
DWORD WINAPI GetModuleFileNameW(HMODULE m, LPWSTR buf, DWORD size);
__attribute__((noreturn)) void WINAPI ExitProcess(unsigned code);
LPSTR WINAPI GetCommandLineA(void);
LPWSTR WINAPI GetCommandLineW(void);
void WINAPI GetStartupInfoA(void *si);
void WINAPI GetStartupInfoW(void *si);
void *WINAPI SetUnhandledExceptionFilter(void *filter);
HMODULE WINAPI GetModuleHandleA(LPCSTR name);
HMODULE WINAPI GetModuleHandleW(LPCWSTR name);
HMODULE WINAPI LoadLibraryA(LPCSTR name);
HMODULE WINAPI LoadLibraryW(LPCWSTR name);
BOOL WINAPI FreeLibrary(HMODULE m);
void *WINAPI GetProcAddress(HMODULE m, LPCSTR name);
DWORD WINAPI GetModuleFileNameA(HMODULE m, LPSTR buf, DWORD size);
DWORD WINAPI GetCurrentProcessId(void);
DWORD WINAPI GetCurrentThreadId(void);
HANDLE WINAPI GetCurrentProcess(void);
HANDLE WINAPI GetCurrentThread(void);
DWORD WINAPI GetEnvironmentVariableA(LPCSTR name, LPSTR buf, DWORD size);
/* environ.c */
LPSTR WINAPI GetEnvironmentStringsA(void);
LPWSTR WINAPI GetEnvironmentStringsW(void);
BOOL WINAPI FreeEnvironmentStringsA(LPSTR block);
BOOL WINAPI FreeEnvironmentStringsW(LPWSTR block);
DWORD WINAPI GetEnvironmentVariableW(LPCWSTR name, LPWSTR buf, DWORD size);
BOOL WINAPI SetEnvironmentVariableA(LPCSTR name, LPCSTR value);
BOOL WINAPI SetEnvironmentVariableW(LPCWSTR name, LPCWSTR value);
DWORD WINAPI GetTickCount(void);
ULONGLONG WINAPI GetTickCount64(void);
BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *c);
BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *f);
void WINAPI GetSystemTimeAsFileTime(FILETIME *ft);

/* object.c */
typedef DWORD(WINAPI *LPTHREAD_START_ROUTINE)(LPVOID);
bool win_close_object(HANDLE h);
HANDLE WINAPI CreateSemaphoreA(void *attr, LONG initial, LONG max, LPCSTR name);
HANDLE WINAPI CreateSemaphoreW(void *attr, LONG initial, LONG max, LPCWSTR name);
BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG n, LONG *prev);
HANDLE WINAPI CreateEventA(void *attr, BOOL manual, BOOL initial, LPCSTR name);
HANDLE WINAPI CreateEventW(void *attr, BOOL manual, BOOL initial, LPCWSTR name);
BOOL WINAPI SetEvent(HANDLE h);
BOOL WINAPI ResetEvent(HANDLE h);
DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms);
DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD ms, BOOL alertable);
HANDLE WINAPI CreateThread(void *attr, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
			   LPDWORD tid);
BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code);
void WINAPI ExitThread(DWORD code);
BOOL WINAPI DuplicateHandle(HANDLE sproc, HANDLE src, HANDLE dproc, HANDLE *dst, DWORD access, BOOL inherit,
			    DWORD options);
BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD flags);
DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL wait_all, DWORD ms);
HANDLE WINAPI CreateMutexA(void *attr, BOOL owned, LPCSTR name);
HANDLE WINAPI CreateMutexW(void *attr, BOOL owned, LPCWSTR name);
BOOL WINAPI ReleaseMutex(HANDLE h);
/* Named objects (learn.microsoft.com: CreateMutexW, OpenMutexW,
 * CreateEventExW...): see object.c. */
HANDLE WINAPI CreateMutexExW(void *attr, LPCWSTR name, DWORD flags, DWORD access);
HANDLE WINAPI OpenMutexA(DWORD access, BOOL inherit, LPCSTR name);
HANDLE WINAPI OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name);
HANDLE WINAPI CreateEventExW(void *attr, LPCWSTR name, DWORD flags, DWORD access);
HANDLE WINAPI OpenEventA(DWORD access, BOOL inherit, LPCSTR name);
HANDLE WINAPI OpenEventW(DWORD access, BOOL inherit, LPCWSTR name);
HANDLE WINAPI CreateSemaphoreExW(void *attr, LONG initial, LONG max, LPCWSTR name, DWORD flags, DWORD access);
HANDLE WINAPI OpenSemaphoreA(DWORD access, BOOL inherit, LPCSTR name);
HANDLE WINAPI OpenSemaphoreW(DWORD access, BOOL inherit, LPCWSTR name);

/* thread.c */
BOOL WINAPI GetProcessAffinityMask(HANDLE p, DWORD_PTR *proc, DWORD_PTR *sys);
BOOL WINAPI SetProcessAffinityMask(HANDLE p, DWORD_PTR mask);
int WINAPI GetThreadPriority(HANDLE t);
BOOL WINAPI SetThreadPriority(HANDLE t, int prio);
BOOL WINAPI GetThreadContext(HANDLE t, void *ctx);
BOOL WINAPI SetThreadContext(HANDLE t, const void *ctx);
DWORD WINAPI SuspendThread(HANDLE t);
DWORD WINAPI ResumeThread(HANDLE t);
BOOL WINAPI IsDebuggerPresent(void);
void WINAPI OutputDebugStringA(LPCSTR s);
HANDLE WINAPI OpenProcess(DWORD access, BOOL inherit, DWORD pid);

/* file.c */
HANDLE WINAPI GetStdHandle(DWORD which);
BOOL WINAPI WriteFile(HANDLE h, LPCVOID buf, DWORD n, LPDWORD written, void *overlapped);
BOOL WINAPI ReadFile(HANDLE h, LPVOID buf, DWORD n, LPDWORD got, void *overlapped);
BOOL WINAPI CloseHandle(HANDLE h);
DWORD WINAPI GetFileType(HANDLE h);

DWORD WINAPI FormatMessageA(DWORD flags, LPCVOID source, DWORD id, DWORD lang, LPSTR buf, DWORD size, void *args);

/* path.c: Windows path (UTF-8 or UTF-16) to a malloc'd Linux path, NULL
 * with errno set; Linux errno to a Win32 error code. */
char *win_host_path(const char *wpath);
char *win_host_path_w(LPCWSTR wpath);
DWORD win_error_from_errno(int e);

/* learn.microsoft.com: "SYSTEM_INFO structure" (x64 layout) */
typedef struct _SYSTEM_INFO {
	WORD wProcessorArchitecture;
	WORD wReserved;
	DWORD dwPageSize;
	LPVOID lpMinimumApplicationAddress;
	LPVOID lpMaximumApplicationAddress;
	DWORD_PTR dwActiveProcessorMask;
	DWORD dwNumberOfProcessors;
	DWORD dwProcessorType;
	DWORD dwAllocationGranularity;
	WORD wProcessorLevel;
	WORD wProcessorRevision;
} SYSTEM_INFO;

_Static_assert(sizeof(SYSTEM_INFO) == 48, "SYSTEM_INFO");

/* "OSVERSIONINFOA", "OSVERSIONINFOEXW" */
typedef struct _OSVERSIONINFOA {
	DWORD dwOSVersionInfoSize, dwMajorVersion, dwMinorVersion, dwBuildNumber, dwPlatformId;
	char szCSDVersion[128];
} OSVERSIONINFOA;

typedef struct _OSVERSIONINFOEXW {
	DWORD dwOSVersionInfoSize, dwMajorVersion, dwMinorVersion, dwBuildNumber, dwPlatformId;
	WCHAR szCSDVersion[128];
	WORD wServicePackMajor, wServicePackMinor, wSuiteMask;
	BYTE wProductType, wReserved;
} OSVERSIONINFOEXW;

_Static_assert(sizeof(OSVERSIONINFOA) == 148, "OSVERSIONINFOA");
_Static_assert(sizeof(OSVERSIONINFOEXW) == 284, "OSVERSIONINFOEXW");

/* "MEMORYSTATUSEX structure" */
typedef struct _MEMORYSTATUSEX {
	DWORD dwLength, dwMemoryLoad;
	ULONGLONG ullTotalPhys, ullAvailPhys, ullTotalPageFile, ullAvailPageFile;
	ULONGLONG ullTotalVirtual, ullAvailVirtual, ullAvailExtendedVirtual;
} MEMORYSTATUSEX;

_Static_assert(sizeof(MEMORYSTATUSEX) == 64, "MEMORYSTATUSEX");

/* learn.microsoft.com: "STARTUPINFOW structure" (x64), "PROCESS_INFORMATION" */
typedef struct _STARTUPINFOW {
	DWORD cb;
	LPWSTR lpReserved, lpDesktop, lpTitle;
	DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute, dwFlags;
	WORD wShowWindow, cbReserved2;
	BYTE *lpReserved2;
	HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOW;

typedef struct _PROCESS_INFORMATION {
	HANDLE hProcess, hThread;
	DWORD dwProcessId, dwThreadId;
} PROCESS_INFORMATION;

_Static_assert(sizeof(STARTUPINFOW) == 104, "STARTUPINFOW");
_Static_assert(__builtin_offsetof(STARTUPINFOW, hStdInput) == 80, "STARTUPINFOW.hStdInput");

/* compat.c: what the Visual C++ runtime asks at start-up and exit */
PVOID WINAPI EncodePointer(PVOID p);
PVOID WINAPI DecodePointer(PVOID p);
PVOID WINAPI EncodeSystemPointer(PVOID p);
PVOID WINAPI DecodeSystemPointer(PVOID p);
BOOL WINAPI HeapSetInformation(HANDLE heap, int cls, PVOID info, SIZE_T len);
UINT WINAPI SetHandleCount(UINT n);
unsigned WINAPI GetOEMCP(void);
BOOL WINAPI IsValidCodePage(UINT cp);
BOOL WINAPI GetCPInfo(UINT cp, void *info);
BOOL WINAPI GetStringTypeW(DWORD type, LPCWSTR s, int n, WORD *out);
int WINAPI LCMapStringW(DWORD lcid, DWORD flags, LPCWSTR s, int n, LPWSTR out, int cap);
int WINAPI CompareStringW(DWORD lcid, DWORD flags, LPCWSTR a, int na, LPCWSTR b, int nb);
LONG WINAPI UnhandledExceptionFilter(void *pointers);
BOOL WINAPI SetHandleInformation(HANDLE h, DWORD mask, DWORD flags);
DWORD WINAPI FormatMessageW(DWORD flags, LPCVOID source, DWORD id, DWORD lang, LPWSTR buf, DWORD size, void *args);
DWORD WINAPI SearchPathW(LPCWSTR path, LPCWSTR file, LPCWSTR ext, DWORD size, LPWSTR buf, LPWSTR *filepart);
HANDLE WINAPI CreateJobObjectW(void *attr, LPCWSTR name);
HANDLE WINAPI CreateJobObjectA(void *attr, LPCSTR name);
BOOL WINAPI AssignProcessToJobObject(HANDLE job, HANDLE process);
BOOL WINAPI SetInformationJobObject(HANDLE job, int cls, void *info, DWORD len);
BOOL WINAPI QueryInformationJobObject(HANDLE job, int cls, void *info, DWORD len, LPDWORD ret);
BOOL WINAPI SetStdHandle(DWORD which, HANDLE h);

UINT WINAPI SetErrorMode(UINT mode);
UINT WINAPI GetErrorMode(void);
BOOL WINAPI SetProcessPriorityBoost(HANDLE process, BOOL disable);
UINT WINAPI GetSystemDirectoryA(LPSTR buf, UINT size);
UINT WINAPI GetSystemDirectoryW(LPWSTR buf, UINT size);
BOOL WINAPI SwitchToThread(void);
HMODULE WINAPI LoadLibraryExA(LPCSTR name, HANDLE file, DWORD flags);
HMODULE WINAPI LoadLibraryExW(LPCWSTR name, HANDLE file, DWORD flags);

/* mapping.c: file mappings */
HANDLE WINAPI CreateFileMappingW(HANDLE file, void *attr, DWORD protect, DWORD max_high, DWORD max_low, LPCWSTR name);
HANDLE WINAPI CreateFileMappingA(HANDLE file, void *attr, DWORD protect, DWORD max_high, DWORD max_low, LPCSTR name);
HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name);
LPVOID WINAPI MapViewOfFileEx(HANDLE h, DWORD access, DWORD off_high, DWORD off_low, SIZE_T bytes, LPVOID at);
LPVOID WINAPI MapViewOfFile(HANDLE h, DWORD access, DWORD off_high, DWORD off_low, SIZE_T bytes);
BOOL WINAPI UnmapViewOfFile(LPCVOID base);
BOOL WINAPI FlushViewOfFile(LPCVOID base, SIZE_T bytes);

/* timer.c: waitable timers */
HANDLE WINAPI CreateWaitableTimerExW(void *attr, LPCWSTR name, DWORD flags, DWORD access);
HANDLE WINAPI CreateWaitableTimerW(void *attr, BOOL manual, LPCWSTR name);
HANDLE WINAPI CreateWaitableTimerA(void *attr, BOOL manual, LPCSTR name);
BOOL WINAPI SetWaitableTimer(HANDLE h, const LARGE_INTEGER *due, LONG period, void *routine, void *arg, BOOL resume);
BOOL WINAPI CancelWaitableTimer(HANDLE h);

/* iocp.c: completion ports of posted packets */
HANDLE WINAPI CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key, DWORD threads);
BOOL WINAPI PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, void *overlapped);
BOOL WINAPI GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, ULONG_PTR *key, void **overlapped, DWORD ms);
BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE port, void *entries, ULONG count, ULONG *removed, DWORD ms, BOOL alertable);

/* createprocess.c */
BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmdline, void *pattr, void *tattr, BOOL inherit, DWORD flags,
			   void *env, LPCWSTR cwd, STARTUPINFOW *si, PROCESS_INFORMATION *pi);
BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmdline, void *pattr, void *tattr, BOOL inherit, DWORD flags, void *env,
			   LPCSTR cwd, STARTUPINFOW *si, PROCESS_INFORMATION *pi);
BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code);
BOOL WINAPI TerminateProcess(HANDLE h, UINT code);
DWORD WINAPI GetProcessId(HANDLE h);

/* sysinfo.c */
void WINAPI GetSystemInfo(SYSTEM_INFO *si);
void WINAPI GetNativeSystemInfo(SYSTEM_INFO *si);
BOOL WINAPI GetVersionExA(OSVERSIONINFOA *v);
BOOL WINAPI GetVersionExW(OSVERSIONINFOEXW *v);
DWORD WINAPI GetVersion(void);
BOOL WINAPI GlobalMemoryStatusEx(MEMORYSTATUSEX *m);
BOOL WINAPI GetComputerNameA(LPSTR buf, LPDWORD size);
BOOL WINAPI GetComputerNameW(LPWSTR buf, LPDWORD size);
BOOL WINAPI IsProcessorFeaturePresent(DWORD feature);
int WINAPI lstrlenA(LPCSTR s);
int WINAPI lstrlenW(LPCWSTR s);

/* timeconv.c */
BOOL WINAPI FileTimeToSystemTime(const FILETIME *ft, SYSTEMTIME *st);
BOOL WINAPI SystemTimeToFileTime(const SYSTEMTIME *st, FILETIME *ft);
void WINAPI GetSystemTimePreciseAsFileTime(FILETIME *ft);
void WINAPI GetSystemTime(SYSTEMTIME *st);
void WINAPI GetLocalTime(SYSTEMTIME *st);
BOOL WINAPI FileTimeToLocalFileTime(const FILETIME *utc, FILETIME *local);
BOOL WINAPI LocalFileTimeToFileTime(const FILETIME *local, FILETIME *utc);
LONG WINAPI CompareFileTime(const FILETIME *a, const FILETIME *b);
BOOL WINAPI GetFileTime(HANDLE h, FILETIME *creation, FILETIME *access, FILETIME *write);
BOOL WINAPI SetFileTime(HANDLE h, const FILETIME *creation, const FILETIME *access, const FILETIME *write);

/* console.c */
BOOL WINAPI GetConsoleMode(HANDLE h, LPDWORD mode);
BOOL WINAPI SetConsoleMode(HANDLE h, DWORD mode);
BOOL WINAPI WriteConsoleA(HANDLE h, const void *buf, DWORD n, LPDWORD written, void *reserved);
BOOL WINAPI WriteConsoleW(HANDLE h, const void *buf, DWORD n, LPDWORD written, void *reserved);
unsigned WINAPI GetConsoleCP(void);
BOOL WINAPI SetConsoleCP(unsigned cp);
BOOL WINAPI SetConsoleOutputCP(unsigned cp);
BOOL WINAPI SetConsoleCtrlHandler(void *handler, BOOL add);

/* fileinfo.c: file, volume and time zone information (see there). */
BOOL WINAPI GetFileInformationByHandle(HANDLE h, BY_HANDLE_FILE_INFORMATION *info);
BOOL WINAPI GetFileInformationByHandleEx(HANDLE h, int cls, void *out, DWORD size);
BOOL WINAPI GetFileAttributesExA(LPCSTR name, int level, void *out);
BOOL WINAPI GetFileAttributesExW(LPCWSTR name, int level, void *out);
DWORD WINAPI GetTempPathA(DWORD size, LPSTR buf);
DWORD WINAPI GetTempPathW(DWORD size, LPWSTR buf);
BOOL WINAPI GetDiskFreeSpaceExA(LPCSTR dir, ULARGE_INTEGER *avail, ULARGE_INTEGER *total, ULARGE_INTEGER *free_);
BOOL WINAPI GetDiskFreeSpaceExW(LPCWSTR dir, ULARGE_INTEGER *avail, ULARGE_INTEGER *total, ULARGE_INTEGER *free_);
BOOL WINAPI CreateHardLinkA(LPCSTR name, LPCSTR existing, void *sa);
BOOL WINAPI CreateHardLinkW(LPCWSTR name, LPCWSTR existing, void *sa);
BOOL WINAPI GetVolumeInformationW(LPCWSTR root, LPWSTR name, DWORD name_size, LPDWORD serial, LPDWORD max_component,
				  LPDWORD flags, LPWSTR fs_name, DWORD fs_name_size);
HANDLE WINAPI FindFirstVolumeW(LPWSTR buf, DWORD size);
BOOL WINAPI FindNextVolumeW(HANDLE h, LPWSTR buf, DWORD size);
BOOL WINAPI FindVolumeClose(HANDLE h);
DWORD WINAPI GetTimeZoneInformation(TIME_ZONE_INFORMATION *tzi);
BOOL WINAPI GetProcessTimes(HANDLE h, FILETIME *creation, FILETIME *exit_time, FILETIME *kernel, FILETIME *user);
BOOL WINAPI GetThreadTimes(HANDLE h, FILETIME *creation, FILETIME *exit_time, FILETIME *kernel, FILETIME *user);

/* files.c: helpers for the other file functions.  The attributes
 * Windows would give a file with Linux status `st` (directory, archive,
 * read-only when no one may write it); a Linux time as a FILETIME (100 ns
 * since 1601); a Linux path as Windows shows it ("C:\\dir", malloc'd,
 * NULL on ENOMEM). */
struct stat;
struct timespec;
DWORD win_stat_attributes(const struct stat *st);
void win_filetime_from_timespec(const struct timespec *ts, FILETIME *ft);
char *win_windows_path(const char *host);

/* files.c (learn.microsoft.com: "WIN32_FIND_DATAW structure") */
typedef struct _WIN32_FIND_DATAW {
	DWORD dwFileAttributes;
	FILETIME ftCreationTime, ftLastAccessTime, ftLastWriteTime;
	DWORD nFileSizeHigh, nFileSizeLow, dwReserved0, dwReserved1;
	WCHAR cFileName[260];
	WCHAR cAlternateFileName[14];
} WIN32_FIND_DATAW;

typedef struct _WIN32_FIND_DATAA {
	DWORD dwFileAttributes;
	FILETIME ftCreationTime, ftLastAccessTime, ftLastWriteTime;
	DWORD nFileSizeHigh, nFileSizeLow, dwReserved0, dwReserved1;
	char cFileName[260];
	char cAlternateFileName[14];
} WIN32_FIND_DATAA;

_Static_assert(sizeof(WIN32_FIND_DATAW) == 592, "WIN32_FIND_DATAW");
_Static_assert(sizeof(WIN32_FIND_DATAA) == 320, "WIN32_FIND_DATAA");

HANDLE WINAPI CreateFileA(LPCSTR name, DWORD access, DWORD share, void *sa, DWORD disp, DWORD flags, HANDLE tmpl);
HANDLE WINAPI CreateFileW(LPCWSTR name, DWORD access, DWORD share, void *sa, DWORD disp, DWORD flags, HANDLE tmpl);
BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER dist, LARGE_INTEGER *newpos, DWORD method);
DWORD WINAPI SetFilePointer(HANDLE h, LONG low, LONG *high, DWORD method);
BOOL WINAPI GetFileSizeEx(HANDLE h, LARGE_INTEGER *size);
DWORD WINAPI GetFileSize(HANDLE h, LPDWORD high);
BOOL WINAPI SetEndOfFile(HANDLE h);
BOOL WINAPI FlushFileBuffers(HANDLE h);
BOOL WINAPI DeleteFileA(LPCSTR name);
BOOL WINAPI DeleteFileW(LPCWSTR name);
BOOL WINAPI RemoveDirectoryA(LPCSTR name);
BOOL WINAPI RemoveDirectoryW(LPCWSTR name);
BOOL WINAPI CreateDirectoryA(LPCSTR name, void *sa);
BOOL WINAPI CreateDirectoryW(LPCWSTR name, void *sa);
BOOL WINAPI MoveFileExA(LPCSTR from, LPCSTR to, DWORD flags);
BOOL WINAPI MoveFileExW(LPCWSTR from, LPCWSTR to, DWORD flags);
DWORD WINAPI GetFileAttributesA(LPCSTR name);
DWORD WINAPI GetFileAttributesW(LPCWSTR name);
DWORD WINAPI GetCurrentDirectoryA(DWORD size, LPSTR buf);
DWORD WINAPI GetCurrentDirectoryW(DWORD size, LPWSTR buf);
BOOL WINAPI SetCurrentDirectoryA(LPCSTR name);
BOOL WINAPI SetCurrentDirectoryW(LPCWSTR name);
DWORD WINAPI GetFullPathNameA(LPCSTR name, DWORD size, LPSTR buf, LPSTR *filepart);
DWORD WINAPI GetFullPathNameW(LPCWSTR name, DWORD size, LPWSTR buf, LPWSTR *filepart);
BOOL WINAPI FindClose(HANDLE h);
HANDLE WINAPI FindFirstFileA(LPCSTR path, struct _WIN32_FIND_DATAA *d);
HANDLE WINAPI FindFirstFileW(LPCWSTR path, struct _WIN32_FIND_DATAW *d);
BOOL WINAPI FindNextFileA(HANDLE h, struct _WIN32_FIND_DATAA *d);
BOOL WINAPI FindNextFileW(HANDLE h, struct _WIN32_FIND_DATAW *d);

/* nls.c */
unsigned WINAPI GetACP(void);
unsigned WINAPI GetConsoleOutputCP(void);
BOOL WINAPI IsDBCSLeadByteEx(unsigned cp, BYTE c);
int WINAPI MultiByteToWideChar(unsigned cp, DWORD flags, LPCSTR s, int n, LPWSTR out, int cap);
int WINAPI WideCharToMultiByte(unsigned cp, DWORD flags, LPCWSTR s, int n, LPSTR out, int cap,
			       LPCSTR defchar, BOOL *useddef);

#endif
