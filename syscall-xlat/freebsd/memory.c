/* persona syscall-xlat: FreeBSD memory calls.
 * Sources: FreeBSD mmap(2), madvise(2), sys/sys/mman.h. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#define A(i) (c->args[i])

BSD_HANDLER(mmap)
{
	int flags = bsd_to_linux_mmap_flags((int)A(3));
	if (flags < 0)
		return -22;
	/* FreeBSD accepts fd -1 or any fd with MAP_ANON; Linux wants -1. */
	long fd = (flags & MAP_ANONYMOUS) ? -1 : (long)(int)A(4);
	return RAW6(SYS_mmap, A(0), A(1), A(2), flags, fd, A(5));
}

BSD_HANDLER(munmap) { return RAW2(SYS_munmap, A(0), A(1)); }
BSD_HANDLER(mprotect) { return RAW3(SYS_mprotect, A(0), A(1), A(2) & 7); }

BSD_HANDLER(madvise)
{
	switch ((int)A(2)) {
	case 0: case 1: case 2: case 3: case 4: /* NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED */
		return RAW3(SYS_madvise, A(0), A(1), A(2));
	case 5: /* MADV_FREE */
		return RAW3(SYS_madvise, A(0), A(1), MADV_FREE);
	case 6: case 7: case 8: case 9: case 10: /* NOSYNC AUTOSYNC NOCORE CORE PROTECT */
		return 0;
	default:
		return -22;
	}
}
