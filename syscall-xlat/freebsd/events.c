/* persona syscall-xlat: FreeBSD kqueue/kevent on Linux epoll.
 * Supported: EVFILT_READ and EVFILT_WRITE with EV_ADD, EV_DELETE,
 * EV_ENABLE, EV_DISABLE, EV_CLEAR (edge-triggered), EV_ONESHOT; results
 * carry EV_EOF on hang-up and EV_ERROR on error.  Registrations are kept
 * per descriptor in one table shared by all kqueues (enough for Go's
 * single netpoller).  Other filters return EINVAL.
 * Sources: FreeBSD kqueue(2), sys/sys/event.h (struct freebsd11_kevent,
 * 32 bytes: ident, filter, flags, fflags, data, udata). */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/trap/raw.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>

#define A(i) (c->args[i])

struct bsd_kevent11 {
	uint64_t ident;
	int16_t filter;
	uint16_t flags;
	uint32_t fflags;
	int64_t data;
	uint64_t udata;
};

enum { EVFILT_READ_ = -1, EVFILT_WRITE_ = -2 };
#define EV_ADD_ 0x0001
#define EV_DELETE_ 0x0002
#define EV_ENABLE_ 0x0004
#define EV_DISABLE_ 0x0008
#define EV_ONESHOT_ 0x0010
#define EV_CLEAR_ 0x0020
#define EV_EOF_ 0x8000
#define EV_ERROR_ 0x4000

#define MAX_FDS 4096

struct kev_reg {
	unsigned char active[2];   /* read, write registered and enabled */
	unsigned char oneshot[2];
	unsigned char clear;
	unsigned char in_epoll;
	uint64_t udata[2];
};

static struct kev_reg regs[MAX_FDS];

BSD_HANDLER(kqueue) { return RAW1(SYS_epoll_create1, EPOLL_CLOEXEC); }

static long apply(int kq, int fd, int changed)
{
	struct kev_reg *r = &regs[fd];
	struct epoll_event ev = { 0 };
	ev.data.u64 = (uint64_t)fd;
	if (r->active[0])
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (r->active[1])
		ev.events |= EPOLLOUT;
	if (r->clear)
		ev.events |= EPOLLET;
	if (!ev.events) {
		if (r->in_epoll) {
			r->in_epoll = 0;
			long rc = RAW4(SYS_epoll_ctl, kq, EPOLL_CTL_DEL, fd, &ev);
			return rc == -2 ? 0 : rc;
		}
		return 0;
	}
	long rc = RAW4(SYS_epoll_ctl, kq, r->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
	if (rc == -17) /* EEXIST: registered through another path */
		rc = RAW4(SYS_epoll_ctl, kq, EPOLL_CTL_MOD, fd, &ev);
	if (rc == -2 && changed >= 0) {
		/* ENOENT: the descriptor was closed (which drops a FreeBSD
		 * knote too) and its number reused; forget the old filter. */
		r->active[!changed] = 0;
		r->in_epoll = 0;
		return apply(kq, fd, -1);
	}
	if (rc == 0)
		r->in_epoll = 1;
	return rc;
}

static long change(int kq, const struct bsd_kevent11 *k)
{
	int idx;
	if (k->filter == EVFILT_READ_)
		idx = 0;
	else if (k->filter == EVFILT_WRITE_)
		idx = 1;
	else
		return -22;
	if (k->ident >= MAX_FDS)
		return -9; /* EBADF */
	struct kev_reg *r = &regs[k->ident];
	if (k->flags & EV_DELETE_) {
		r->active[idx] = 0;
	} else {
		if (k->flags & (EV_ADD_ | EV_ENABLE_))
			r->active[idx] = 1;
		if (k->flags & EV_DISABLE_)
			r->active[idx] = 0;
		if (k->flags & EV_ADD_) {
			r->udata[idx] = k->udata;
			r->oneshot[idx] = (k->flags & EV_ONESHOT_) != 0;
			r->clear = (k->flags & EV_CLEAR_) != 0;
		}
	}
	return apply(kq, (int)k->ident, idx);
}

BSD_HANDLER(freebsd11_kevent)
{
	int kq = (int)A(0);
	int nchanges = (int)A(2);
	int nevents = (int)A(4);
	if (nchanges < 0 || nevents < 0)
		return -22;
	for (int i = 0; i < nchanges; i++) {
		struct bsd_kevent11 k;
		int e = guest_copyin(&k, A(1) + (uint64_t)i * sizeof(k), sizeof(k));
		if (e < 0)
			return e;
		long r = change(kq, &k);
		if (r < 0)
			return r;
	}
	if (nevents == 0)
		return 0;

	int timeout_ms = -1;
	if (A(5)) {
		struct timespec ts;
		int e = guest_copyin(&ts, A(5), sizeof(ts));
		if (e < 0)
			return e;
		long long ms = (long long)ts.tv_sec * 1000 + (ts.tv_nsec + 999999) / 1000000;
		timeout_ms = ms > 0x7fffffff ? 0x7fffffff : (int)ms;
	}
	struct epoll_event evs[64];
	int max = nevents / 2 > 0 ? nevents / 2 : 1;
	if (max > 64)
		max = 64;
	long n = RAW6(SYS_epoll_pwait, kq, evs, max, timeout_ms, 0, 8);
	if (n < 0)
		return n;
	int out = 0;
	for (long i = 0; i < n && out < nevents; i++) {
		int fd = (int)evs[i].data.u64;
		struct kev_reg *r = &regs[fd];
		for (int idx = 0; idx < 2 && out < nevents; idx++) {
			uint32_t want = idx == 0 ? (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)
						 : (EPOLLOUT | EPOLLHUP | EPOLLERR);
			if (!r->active[idx] || !(evs[i].events & want))
				continue;
			struct bsd_kevent11 k = { 0 };
			k.ident = (uint64_t)fd;
			k.filter = idx == 0 ? EVFILT_READ_ : EVFILT_WRITE_;
			k.udata = r->udata[idx];
			if (evs[i].events & (EPOLLHUP | (idx == 0 ? EPOLLRDHUP : 0)))
				k.flags |= EV_EOF_;
			if (r->oneshot[idx]) {
				r->active[idx] = 0;
				apply(kq, fd, -1);
			}
			int e = guest_copyout(A(3) + (uint64_t)out * sizeof(k), &k, sizeof(k));
			if (e < 0)
				return e;
			out++;
		}
	}
	return out;
}
