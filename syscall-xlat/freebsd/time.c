/* persona syscall-xlat: FreeBSD clocks and sleeping.
 * Sources: FreeBSD clock_gettime(2), nanosleep(2), sys/sys/time.h
 * (clock ids; struct timespec and timeval are laid out as on Linux). */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include <sys/syscall.h>
#include <time.h>

#define A(i) (c->args[i])

BSD_HANDLER(clock_gettime)
{
	int id = bsd_to_linux_clockid((int)A(0));
	struct timespec ts;
	if (id < 0)
		return -22;
	long r = RAW2(SYS_clock_gettime, id, &ts);
	if (r < 0)
		return r;
	if ((int)A(0) == 13) /* CLOCK_SECOND */
		ts.tv_nsec = 0;
	return guest_copyout(A(1), &ts, sizeof(ts));
}

BSD_HANDLER(clock_getres)
{
	int id = bsd_to_linux_clockid((int)A(0));
	if (id < 0)
		return -22;
	return RAW2(SYS_clock_getres, id, A(1));
}

BSD_HANDLER(nanosleep) { return RAW2(SYS_nanosleep, A(0), A(1)); }
BSD_HANDLER(gettimeofday) { return RAW2(SYS_gettimeofday, A(0), A(1)); }
