/* persona winapi-shim: winmm.dll (see winmm.h). */
#include <time.h>

#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/winmm/winmm.h"

#define TIMERR_NOERROR 0

UINT WINAPI timeBeginPeriod(UINT ms)
{
	return TIMERR_NOERROR;
}

UINT WINAPI timeEndPeriod(UINT ms)
{
	return TIMERR_NOERROR;
}

DWORD WINAPI timeGetTime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (DWORD)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* sorted by strcmp */
static const struct win_export winmm_exports[] = {
	WIN_EXPORT(timeBeginPeriod),
	WIN_EXPORT(timeEndPeriod),
	WIN_EXPORT(timeGetTime),
};

const struct win_dll win_dll_winmm = { "winmm.dll", WIN_EXPORTS(winmm_exports) };
