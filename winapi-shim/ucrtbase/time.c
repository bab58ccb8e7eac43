/* persona winapi-shim: ucrtbase's time-zone globals, which the UCRT
 * exports as functions returning their addresses (learn.microsoft.com:
 * "_daylight, _dstbias, _timezone, and _tzname", "_tzset").  _tzset reads
 * the host's zone (TZ, /etc/localtime). */
#include <time.h>

#include "winapi-shim/wintypes.h"

static int daylight_v;
static LONG timezone_v;
static char std_name[64] = "UTC", dst_name[64] = "UTC";
static char *tzname_v[2] = { std_name, dst_name };

void CDECL ucrtbase__tzset(void)
{
	tzset();
	daylight_v = daylight;
	timezone_v = (LONG)timezone; /* seconds west of UTC, as on Windows */
	for (int i = 0; i < 2; i++) {
		const char *s = tzname[i] ? tzname[i] : "";
		size_t n = 0;
		for (; s[n] && n < sizeof std_name - 1; n++)
			tzname_v[i][n] = s[n];
		tzname_v[i][n] = 0;
	}
}

int *CDECL ucrtbase___daylight(void)
{
	return &daylight_v;
}

LONG *CDECL ucrtbase___timezone(void)
{
	return &timezone_v;
}

char **CDECL ucrtbase___tzname(void)
{
	return tzname_v;
}
