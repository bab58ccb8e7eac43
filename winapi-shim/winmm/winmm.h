/* persona winapi-shim: winmm.dll's timer functions (learn.microsoft.com:
 * timeBeginPeriod, timeEndPeriod, timeGetTime), which Go's runtime asks
 * for.  Linux timers are precise already: the period calls succeed and
 * change nothing (TIMERR_NOERROR, 0); timeGetTime is milliseconds of the
 * monotonic clock, wrapping at 2^32. */
#ifndef PERSONA_WINAPI_WINMM_H
#define PERSONA_WINAPI_WINMM_H

#include "winapi-shim/wintypes.h"

UINT WINAPI timeBeginPeriod(UINT ms);
UINT WINAPI timeEndPeriod(UINT ms);
DWORD WINAPI timeGetTime(void);

#endif
