/* persona syscall-xlat: FreeBSD _umtx_op on Linux futexes.
 * Sources: FreeBSD _umtx_op(2), sys/sys/umtx.h. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

#define A(i) (c->args[i])

enum { UMTX_OP_WAKE = 3, UMTX_OP_WAIT_UINT = 11, UMTX_OP_WAIT_UINT_PRIVATE = 15,
       UMTX_OP_WAKE_PRIVATE = 16 };
#define UMTX_ABSTIME 1

struct bsd_umtx_time {
	struct timespec timeout;
	uint32_t flags;
	uint32_t clockid;
};

static long umtx_wait(struct xlat_call *c, int private)
{
	int op = private ? FUTEX_PRIVATE_FLAG : 0;
	struct bsd_umtx_time ut = { { 0, 0 }, 0, 4 };
	struct timespec *tp = 0;
	long r;

	if (A(4)) {
		/* uaddr1 carries the size of the timeout object. */
		size_t sz = A(3) > sizeof(struct timespec) ? sizeof(ut) : sizeof(struct timespec);
		int e = guest_copyin(&ut, A(4), sz);
		if (e < 0)
			return e;
		tp = &ut.timeout;
	}
	if (tp && (ut.flags & UMTX_ABSTIME)) {
		int clk = bsd_to_linux_clockid((int)ut.clockid);
		int fop = FUTEX_WAIT_BITSET | op;
		if (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)
			fop |= FUTEX_CLOCK_REALTIME;
		r = RAW6(SYS_futex, A(0), fop, (uint32_t)A(2), tp, 0, FUTEX_BITSET_MATCH_ANY);
	} else {
		r = RAW4(SYS_futex, A(0), FUTEX_WAIT | op, (uint32_t)A(2), tp);
	}
	/* FreeBSD returns 0 when the value no longer matches. */
	if (r == -11)
		return 0;
	return r;
}

BSD_HANDLER(_umtx_op)
{
	switch ((int)A(1)) {
	case UMTX_OP_WAIT_UINT:
		return umtx_wait(c, 0);
	case UMTX_OP_WAIT_UINT_PRIVATE:
		return umtx_wait(c, 1);
	case UMTX_OP_WAKE:
	case UMTX_OP_WAKE_PRIVATE: {
		long r = RAW3(SYS_futex, A(0),
			      FUTEX_WAKE | ((int)A(1) == UMTX_OP_WAKE_PRIVATE ? FUTEX_PRIVATE_FLAG : 0),
			      A(2) > 0x7fffffff ? 0x7fffffff : A(2));
		return r < 0 ? r : 0;
	}
	default:
		return -22;
	}
}
