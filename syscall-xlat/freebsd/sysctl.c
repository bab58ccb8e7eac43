/* persona syscall-xlat: FreeBSD __sysctl for the MIBs programs read.
 * Numeric MIBs follow FreeBSD's sys/sys/sysctl.h (CTL_KERN 1, CTL_HW 6,
 * KERN_OSTYPE 1, ..., HW_PAGESIZE 7); names without a fixed number get
 * persona's own OIDs (FreeBSD assigns them dynamically, from 0x100) and
 * are found through the undocumented name2oid MIB {0, 3} that libc's
 * sysctlnametomib(3) uses.  Source: sysctl(3), sys/kern/kern_sysctl.c. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/loader.h"
#include "syscall-xlat/trap/raw.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#define A(i) (c->args[i])
#define E_NOENT 2
#define E_NOMEM 12
#define E_INVAL 22
#define E_PERM 1

char bsd_execpath[4096];

enum kind { K_INT, K_ULONG, K_STR, K_RANDOM, K_HOSTNAME, K_EXECPATH, K_NCPU, K_PHYSMEM };

struct mib {
	const char *name;
	int oid[4];
	int len;
	enum kind kind;
	long ival;
	const char *sval;
};

static const struct mib mibs[] = {
	{ "kern.ostype", { 1, 1 }, 2, K_STR, 0, "FreeBSD" },
	{ "kern.osrelease", { 1, 2 }, 2, K_STR, 0, "13.2-RELEASE" },
	{ "kern.osrevision", { 1, 3 }, 2, K_INT, 199506, 0 },
	{ "kern.version", { 1, 4 }, 2, K_STR, 0, "FreeBSD 13.2-RELEASE (persona)\n" },
	{ "kern.hostname", { 1, 10 }, 2, K_HOSTNAME, 0, 0 },
	{ "kern.osreldate", { 1, 24 }, 2, K_INT, XLAT_FREEBSD_OSRELDATE, 0 },
	{ "kern.arandom", { 1, 37 }, 2, K_RANDOM, 0, 0 },
	{ "kern.proc.pathname", { 1, 14, 12, -1 }, 4, K_EXECPATH, 0, 0 },
	{ "kern.smp.maxcpus", { 1, 0x100, 0x101 }, 3, K_INT, 256, 0 },
	{ "kern.smp.cpus", { 1, 0x100, 0x102 }, 3, K_NCPU, 0, 0 },
	{ "hw.machine", { 6, 1 }, 2, K_STR, 0, "amd64" },
	{ "hw.ncpu", { 6, 3 }, 2, K_NCPU, 0, 0 },
	{ "hw.physmem", { 6, 5 }, 2, K_PHYSMEM, 0, 0 },
	{ "hw.pagesize", { 6, 7 }, 2, K_INT, 4096, 0 },
	{ "hw.machine_arch", { 6, 11 }, 2, K_STR, 0, "amd64" },
};
#define NMIBS (sizeof(mibs) / sizeof(mibs[0]))

static int str_eq_n(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	for (; i < n; i++)
		if (a[i] != b[i] || !a[i])
			return 0;
	return a[i] == 0;
}

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int ncpus(void)
{
	unsigned char m[128];
	long r = RAW3(SYS_sched_getaffinity, 0, sizeof(m), m);
	int n = 0;
	for (long i = 0; i < r; i++)
		n += __builtin_popcount(m[i]);
	return n > 0 ? n : 1;
}

/* Copy `len` bytes of value out as sysctl does: size query when old is
 * NULL, ENOMEM (after a partial copy) when the buffer is short. */
static long copy_value(struct xlat_call *c, const void *val, uint64_t len)
{
	uint64_t oldlen = 0;
	if (A(3) && guest_copyin(&oldlen, A(3), sizeof(oldlen)) < 0)
		return -14;
	if (!A(2)) {
		if (A(3))
			return guest_copyout(A(3), &len, sizeof(len));
		return 0;
	}
	if (!A(3))
		return -14;
	uint64_t n = len < oldlen ? len : oldlen;
	int e = guest_copyout(A(2), val, n);
	if (e < 0)
		return e;
	e = guest_copyout(A(3), &n, sizeof(n));
	if (e < 0)
		return e;
	return n < len ? -E_NOMEM : 0;
}

static long name2oid(struct xlat_call *c)
{
	char name[256];
	uint64_t n = A(5);
	if (!A(4) || n == 0 || n >= sizeof(name))
		return -E_NOENT;
	int e = guest_copyin(name, A(4), n);
	if (e < 0)
		return e;
	name[n] = 0;
	for (size_t i = 0; i < NMIBS; i++)
		if (str_eq_n(mibs[i].name, name, n) ||
		    (n > 0 && name[n - 1] == 0 && str_eq_n(mibs[i].name, name, n - 1)))
			return copy_value(c, mibs[i].oid, (uint64_t)mibs[i].len * 4);
	return -E_NOENT;
}

static long get_value(struct xlat_call *c, const struct mib *m)
{
	switch (m->kind) {
	case K_INT: {
		int v = (int)m->ival;
		return copy_value(c, &v, sizeof(v));
	}
	case K_NCPU: {
		int v = ncpus();
		return copy_value(c, &v, sizeof(v));
	}
	case K_ULONG:
		return copy_value(c, &m->ival, sizeof(long));
	case K_PHYSMEM: {
		struct sysinfo si;
		unsigned long v = 0;
		if (RAW1(SYS_sysinfo, &si) == 0)
			v = si.totalram * si.mem_unit;
		return copy_value(c, &v, sizeof(v));
	}
	case K_STR:
		return copy_value(c, m->sval, str_len(m->sval) + 1);
	case K_EXECPATH:
		return copy_value(c, bsd_execpath, str_len(bsd_execpath) + 1);
	case K_HOSTNAME: {
		struct utsname u;
		if (RAW1(SYS_uname, &u) < 0)
			return -E_INVAL;
		return copy_value(c, u.nodename, str_len(u.nodename) + 1);
	}
	case K_RANDOM: {
		unsigned char buf[256];
		uint64_t want = sizeof(buf);
		if (A(3) && guest_copyin(&want, A(3), sizeof(want)) < 0)
			return -14;
		if (want > sizeof(buf))
			want = sizeof(buf);
		long r = RAW3(SYS_getrandom, buf, want, 0);
		if (r < 0)
			return r;
		return copy_value(c, buf, (uint64_t)r);
	}
	}
	return -E_INVAL;
}

BSD_HANDLER(__sysctl)
{
	int oid[24];
	uint64_t len = A(1);
	if (len < 2 || len > 24)
		return -E_INVAL;
	int e = guest_copyin(oid, A(0), len * sizeof(int));
	if (e < 0)
		return e;
	if (oid[0] == 0 && oid[1] == 3 && len == 2)
		return name2oid(c);
	for (size_t i = 0; i < NMIBS; i++) {
		const struct mib *m = &mibs[i];
		if ((uint64_t)m->len != len)
			continue;
		int match = 1;
		for (int j = 0; j < m->len; j++)
			if (m->oid[j] != oid[j])
				match = 0;
		if (!match)
			continue;
		if (A(4))
			return -E_PERM; /* persona's MIBs are read-only */
		return get_value(c, m);
	}
	return -E_NOENT;
}

void freebsd_init(const char *execpath)
{
	size_t n = str_len(execpath);
	if (n >= sizeof(bsd_execpath))
		n = sizeof(bsd_execpath) - 1;
	for (size_t i = 0; i < n; i++)
		bsd_execpath[i] = execpath[i];
	bsd_execpath[n] = 0;
	xlat_trap_set_signal_fn(bsd_deliver_signal);

	const char *t = getenv("PERSONA_XLAT_TRACE");
	if (t && *t) {
		if (!strcmp(t, "1") || !strcmp(t, "stderr"))
			bsd_trace_fd = fcntl(2, F_DUPFD_CLOEXEC, 100);
		else
			bsd_trace_fd = open(t, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
}
