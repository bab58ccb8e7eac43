/* persona syscall-xlat: FreeBSD sockets.
 * FreeBSD's sockaddr starts with a length byte and a one-byte family
 * (AF_INET 2, AF_INET6 28, AF_UNIX 1); Linux's with a 16-bit family.
 * SOL_SOCKET is 0xffff and the SO_* numbers differ; SOCK_CLOEXEC is
 * 0x10000000 and SOCK_NONBLOCK 0x20000000; MSG_* flags differ above 4.
 * Sources: FreeBSD socket(2), accept(2), getsockopt(2), sys/sys/socket.h,
 * netinet/in.h, netinet/tcp.h, netinet6/in6.h, sys/un.h. */
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/freebsd/convert.h"
#include "syscall-xlat/trap/raw.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define A(i) (c->args[i])
#define E_INVAL 22
#define E_AFNOSUPPORT 97
#define E_NOPROTOOPT 92

#define B_AF_UNIX 1
#define B_AF_INET 2
#define B_AF_INET6 28
#define B_SOCK_CLOEXEC 0x10000000
#define B_SOCK_NONBLOCK 0x20000000

int bsd_to_linux_af(int af)
{
	switch (af) {
	case 0: return AF_UNSPEC;
	case B_AF_UNIX: return AF_UNIX;
	case B_AF_INET: return AF_INET;
	case B_AF_INET6: return AF_INET6;
	default: return -1;
	}
}

static int linux_to_bsd_af(int af)
{
	switch (af) {
	case AF_UNIX: return B_AF_UNIX;
	case AF_INET: return B_AF_INET;
	case AF_INET6: return B_AF_INET6;
	default: return af;
	}
}

/* Guest sockaddr (FreeBSD) -> Linux; returns the Linux length or -errno. */
static long sockaddr_in(uint64_t guest, uint64_t len, struct sockaddr_storage *ss)
{
	unsigned char b[sizeof(struct sockaddr_storage)];
	if (len < 2 || len > sizeof(b))
		return -E_INVAL;
	int e = guest_copyin(b, guest, len);
	if (e < 0)
		return e;
	int af = bsd_to_linux_af(b[1]);
	if (af < 0)
		return -E_AFNOSUPPORT;
	unsigned char *o = (unsigned char *)ss;
	__builtin_memset(ss, 0, sizeof(*ss));
	uint16_t f = (uint16_t)af;
	__builtin_memcpy(o, &f, 2);
	__builtin_memcpy(o + 2, b + 2, len - 2);
	if (af == AF_INET)
		return sizeof(struct sockaddr_in);
	if (af == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return (long)len;
}

/* Linux sockaddr -> guest buffer `guest` of *guest_len bytes (FreeBSD),
 * updating the guest length. */
static long sockaddr_out(const struct sockaddr_storage *ss, socklen_t llen, uint64_t guest,
			 uint64_t guest_lenp)
{
	uint32_t glen;
	if (!guest || !guest_lenp)
		return 0;
	int e = guest_copyin(&glen, guest_lenp, sizeof(glen));
	if (e < 0)
		return e;
	unsigned char b[sizeof(struct sockaddr_storage)];
	const unsigned char *in = (const unsigned char *)ss;
	uint32_t blen = llen;
	if (blen > sizeof(b))
		blen = sizeof(b);
	__builtin_memset(b, 0, sizeof(b));
	if (blen >= 2)
		__builtin_memcpy(b + 2, in + 2, blen - 2);
	if (ss->ss_family == AF_UNIX && blen > 2 + 104)
		blen = 2 + 104;
	b[0] = (unsigned char)blen;
	b[1] = (unsigned char)linux_to_bsd_af(ss->ss_family);
	uint32_t n = blen < glen ? blen : glen;
	e = guest_copyout(guest, b, n);
	if (e < 0)
		return e;
	return guest_copyout(guest_lenp, &blen, sizeof(blen));
}

static int sock_flags(int bsd)
{
	return ((bsd & B_SOCK_CLOEXEC) ? SOCK_CLOEXEC : 0) | ((bsd & B_SOCK_NONBLOCK) ? SOCK_NONBLOCK : 0);
}

static int msg_flags(int b)
{
	int l = b & 7; /* OOB PEEK DONTROUTE */
	if (b & 0x8) l |= MSG_EOR;
	if (b & 0x10) l |= MSG_TRUNC;
	if (b & 0x20) l |= MSG_CTRUNC;
	if (b & 0x40) l |= MSG_WAITALL;
	if (b & 0x80) l |= MSG_DONTWAIT;
	if (b & 0x20000) l |= MSG_NOSIGNAL;
	if (b & 0x40000) l |= MSG_CMSG_CLOEXEC;
	return l;
}

/* The flags recvmsg reports, Linux -> FreeBSD. */
static int bsd_msg_flags(int l)
{
	int b = l & 7;
	if (l & MSG_EOR) b |= 0x8;
	if (l & MSG_TRUNC) b |= 0x10;
	if (l & MSG_CTRUNC) b |= 0x20;
	return b;
}

BSD_HANDLER(socket)
{
	int af = bsd_to_linux_af((int)A(0));
	if (af < 0)
		return -E_AFNOSUPPORT;
	int type = (int)A(1);
	return RAW3(SYS_socket, af, (type & 0xffff) | sock_flags(type), (int)A(2));
}

BSD_HANDLER(socketpair)
{
	int af = bsd_to_linux_af((int)A(0));
	int sv[2];
	if (af < 0)
		return -E_AFNOSUPPORT;
	int type = (int)A(1);
	long r = RAW4(SYS_socketpair, af, (type & 0xffff) | sock_flags(type), (int)A(2), sv);
	if (r < 0)
		return r;
	return guest_copyout(A(3), sv, sizeof(sv));
}

BSD_HANDLER(bind)
{
	struct sockaddr_storage ss;
	long n = sockaddr_in(A(1), A(2), &ss);
	return n < 0 ? n : RAW3(SYS_bind, A(0), &ss, n);
}

BSD_HANDLER(connect)
{
	struct sockaddr_storage ss;
	long n = sockaddr_in(A(1), A(2), &ss);
	return n < 0 ? n : RAW3(SYS_connect, A(0), &ss, n);
}

BSD_HANDLER(listen) { return RAW2(SYS_listen, A(0), A(1)); }
BSD_HANDLER(shutdown) { return RAW2(SYS_shutdown, A(0), A(1)); }

static long accept_common(struct xlat_call *c, int flags)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	long fd = RAW4(SYS_accept4, A(0), &ss, &len, flags);
	if (fd < 0)
		return fd;
	long e = sockaddr_out(&ss, len, A(1), A(2));
	if (e < 0) {
		RAW1(SYS_close, fd);
		return e;
	}
	return fd;
}

BSD_HANDLER(accept) { return accept_common(c, 0); }
BSD_HANDLER(accept4) { return accept_common(c, sock_flags((int)A(3))); }

static long name_common(struct xlat_call *c, long nr)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	long r = RAW3(nr, A(0), &ss, &len);
	return r < 0 ? r : sockaddr_out(&ss, len, A(1), A(2));
}

BSD_HANDLER(getsockname) { return name_common(c, SYS_getsockname); }
BSD_HANDLER(getpeername) { return name_common(c, SYS_getpeername); }

BSD_HANDLER(sendto)
{
	struct sockaddr_storage ss;
	long n = 0;
	if (A(4)) {
		n = sockaddr_in(A(4), A(5), &ss);
		if (n < 0)
			return n;
	}
	return RAW6(SYS_sendto, A(0), A(1), A(2), msg_flags((int)A(3)), A(4) ? &ss : 0, n);
}

BSD_HANDLER(recvfrom)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	long r = RAW6(SYS_recvfrom, A(0), A(1), A(2), msg_flags((int)A(3)), &ss, &len);
	if (r < 0)
		return r;
	if (A(4) && len > 0) {
		long e = sockaddr_out(&ss, len, A(4), A(5));
		if (e < 0)
			return e;
	}
	return r;
}

/* struct msghdr, FreeBSD's (sys/sys/socket.h): socklen_t and int where
 * Linux has size_t, so 48 bytes against Linux's 56. */
struct bsd_msghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov;
	int32_t iovlen, pad1;
	uint64_t control;
	uint32_t controllen;
	int32_t flags;
};
_Static_assert(sizeof(struct bsd_msghdr) == 48, "FreeBSD struct msghdr is 48 bytes");

/* Control messages: FreeBSD's cmsghdr is {socklen_t len; int level; int
 * type;}, its data at _ALIGN(12) = 16, each message padded to 8 bytes;
 * Linux's is {size_t len; int level; int type;}, data at 16, padded to 8.
 * So only the header changes: SOL_SOCKET 0xffff -> 1, SCM_RIGHTS 1 -> 1.
 * Other kinds (SCM_TIMESTAMP, SCM_CREDS, IP options) are refused when sent
 * and dropped, with MSG_CTRUNC, when received. */
#define B_SOL_SOCKET 0xffff
#define CMSG_MAX 4096
#define ALIGN8(x) (((x) + 7UL) & ~7UL)

/* FreeBSD control data `in` (n bytes) -> Linux `out`; the Linux length or -errno. */
static long cmsgs_to_linux(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t off = 0, o = 0;
	while (off + 16 <= n) {
		uint32_t len;
		int32_t level, type;
		__builtin_memcpy(&len, in + off, 4);
		__builtin_memcpy(&level, in + off + 4, 4);
		__builtin_memcpy(&type, in + off + 8, 4);
		if (len < 16 || len > n - off)
			return -E_INVAL;
		if (level != B_SOL_SOCKET || type != SCM_RIGHTS)
			return -E_INVAL;
		uint64_t llen = len;
		int32_t llevel = SOL_SOCKET;
		__builtin_memcpy(out + o, &llen, 8);
		__builtin_memcpy(out + o + 8, &llevel, 4);
		__builtin_memcpy(out + o + 12, &type, 4);
		__builtin_memcpy(out + o + 16, in + off + 16, len - 16);
		o += ALIGN8(len);
		off += ALIGN8(len);
	}
	return (long)o;
}

/* Linux control data `in` (n bytes) -> FreeBSD `out` of `cap` bytes;
 * the FreeBSD length; *trunc set when something did not fit or was not
 * converted. */
static size_t cmsgs_to_bsd(const unsigned char *in, size_t n, unsigned char *out, size_t cap, int *trunc)
{
	size_t off = 0, o = 0;
	while (off + 16 <= n) {
		uint64_t len;
		int32_t level, type;
		__builtin_memcpy(&len, in + off, 8);
		__builtin_memcpy(&level, in + off + 8, 4);
		__builtin_memcpy(&type, in + off + 12, 4);
		if (len < 16 || len > n - off)
			break;
		if (level == SOL_SOCKET && type == SCM_RIGHTS && o + len <= cap) {
			uint32_t blen = (uint32_t)len;
			int32_t blevel = B_SOL_SOCKET;
			__builtin_memset(out + o, 0, 16);
			__builtin_memcpy(out + o, &blen, 4);
			__builtin_memcpy(out + o + 4, &blevel, 4);
			__builtin_memcpy(out + o + 8, &type, 4);
			__builtin_memcpy(out + o + 16, in + off + 16, len - 16);
			o += ALIGN8(len) <= cap ? ALIGN8(len) : len;
		} else {
			*trunc = 1;
		}
		off += ALIGN8(len);
	}
	return o;
}

BSD_HANDLER(sendmsg)
{
	struct bsd_msghdr bm;
	struct sockaddr_storage ss;
	unsigned char ctl[CMSG_MAX], lctl[CMSG_MAX];
	struct msghdr lm;
	long e = guest_copyin(&bm, A(1), sizeof(bm));

	if (e < 0)
		return e;
	__builtin_memset(&lm, 0, sizeof(lm));
	if (bm.name && bm.namelen) {
		long n = sockaddr_in(bm.name, bm.namelen, &ss);
		if (n < 0)
			return n;
		lm.msg_name = &ss;
		lm.msg_namelen = (socklen_t)n;
	}
	if (bm.iovlen < 0)
		return -E_INVAL;
	lm.msg_iov = (struct iovec *)(uintptr_t)bm.iov;   /* same layout; the kernel checks it */
	lm.msg_iovlen = (size_t)bm.iovlen;
	if (bm.control && bm.controllen) {
		if (bm.controllen > CMSG_MAX)
			return -E_INVAL;
		e = guest_copyin(ctl, bm.control, bm.controllen);
		if (e < 0)
			return e;
		long n = cmsgs_to_linux(ctl, bm.controllen, lctl);
		if (n < 0)
			return n;
		lm.msg_control = lctl;
		lm.msg_controllen = (size_t)n;
	}
	return RAW3(SYS_sendmsg, A(0), &lm, msg_flags((int)A(2)));
}

BSD_HANDLER(recvmsg)
{
	struct bsd_msghdr bm;
	struct sockaddr_storage ss;
	unsigned char lctl[CMSG_MAX], ctl[CMSG_MAX];
	struct msghdr lm;
	long e = guest_copyin(&bm, A(1), sizeof(bm)), r;
	int trunc = 0;

	if (e < 0)
		return e;
	if (bm.iovlen < 0)
		return -E_INVAL;
	__builtin_memset(&lm, 0, sizeof(lm));
	if (bm.name) {
		lm.msg_name = &ss;
		lm.msg_namelen = sizeof(ss);
	}
	lm.msg_iov = (struct iovec *)(uintptr_t)bm.iov;
	lm.msg_iovlen = (size_t)bm.iovlen;
	if (bm.control && bm.controllen) {
		lm.msg_control = lctl;
		lm.msg_controllen = bm.controllen < CMSG_MAX ? bm.controllen : CMSG_MAX;
	}
	r = RAW3(SYS_recvmsg, A(0), &lm, msg_flags((int)A(2)));
	if (r < 0)
		return r;
	if (bm.name) {
		if (lm.msg_namelen > 0) {
			e = sockaddr_out(&ss, lm.msg_namelen, bm.name, A(1) + 8);
			if (e < 0)
				return e;
		} else {
			bm.namelen = 0;
			e = guest_copyout(A(1) + 8, &bm.namelen, 4);
			if (e < 0)
				return e;
		}
	}
	size_t n = 0;
	if (bm.control && bm.controllen) {
		n = cmsgs_to_bsd(lctl, lm.msg_controllen, ctl, bm.controllen, &trunc);
		e = guest_copyout(bm.control, ctl, n);
		if (e < 0)
			return e;
	}
	uint32_t cl = (uint32_t)n;
	int32_t fl = bsd_msg_flags(lm.msg_flags) | (trunc ? 0x20 : 0);
	e = guest_copyout(A(1) + 40, &cl, 4);
	if (e >= 0)
		e = guest_copyout(A(1) + 44, &fl, 4);
	return e < 0 ? e : r;
}

/* (level, name) FreeBSD -> Linux; returns 0 or -ENOPROTOOPT. */
static int sockopt(int level, int name, int *llevel, int *lname)
{
	if (level == 0xffff) { /* SOL_SOCKET */
		*llevel = SOL_SOCKET;
		switch (name) {
		case 0x0002: *lname = SO_ACCEPTCONN; return 0;
		case 0x0004: *lname = SO_REUSEADDR; return 0;
		case 0x0008: *lname = SO_KEEPALIVE; return 0;
		case 0x0010: *lname = SO_DONTROUTE; return 0;
		case 0x0020: *lname = SO_BROADCAST; return 0;
		case 0x0080: *lname = SO_LINGER; return 0;
		case 0x0100: *lname = SO_OOBINLINE; return 0;
		case 0x0200: *lname = SO_REUSEPORT; return 0;
		case 0x1001: *lname = SO_SNDBUF; return 0;
		case 0x1002: *lname = SO_RCVBUF; return 0;
		case 0x1003: *lname = SO_SNDLOWAT; return 0;
		case 0x1004: *lname = SO_RCVLOWAT; return 0;
		case 0x1005: *lname = SO_SNDTIMEO; return 0;
		case 0x1006: *lname = SO_RCVTIMEO; return 0;
		case 0x1007: *lname = SO_ERROR; return 0;
		case 0x1008: *lname = SO_TYPE; return 0;
		default: return -E_NOPROTOOPT;
		}
	}
	*llevel = level;
	if (level == IPPROTO_TCP) {
		switch (name) {
		case 1: *lname = TCP_NODELAY; return 0;
		case 2: *lname = TCP_MAXSEG; return 0;
		case 256: *lname = TCP_KEEPIDLE; return 0;
		case 512: *lname = TCP_KEEPINTVL; return 0;
		case 1024: *lname = TCP_KEEPCNT; return 0;
		default: return -E_NOPROTOOPT;
		}
	}
	if (level == IPPROTO_IPV6) {
		switch (name) {
		case 27: *lname = IPV6_V6ONLY; return 0;
		case 4: *lname = IPV6_UNICAST_HOPS; return 0;
		default: return -E_NOPROTOOPT;
		}
	}
	if (level == IPPROTO_IP) {
		switch (name) {
		case 3: *lname = IP_TOS; return 0;
		case 4: *lname = IP_TTL; return 0;
		default: return -E_NOPROTOOPT;
		}
	}
	return -E_NOPROTOOPT;
}

BSD_HANDLER(setsockopt)
{
	int level, name;
	int e = sockopt((int)A(1), (int)A(2), &level, &name);
	if (e < 0)
		return e;
	return RAW5(SYS_setsockopt, A(0), level, name, A(3), A(4));
}

BSD_HANDLER(getsockopt)
{
	int level, name;
	int e = sockopt((int)A(1), (int)A(2), &level, &name);
	if (e < 0)
		return e;
	long r = RAW5(SYS_getsockopt, A(0), level, name, A(3), A(4));
	if (r < 0)
		return r;
	if (level == SOL_SOCKET && name == SO_ERROR && A(3)) {
		int v;
		if (guest_copyin(&v, A(3), sizeof(v)) == 0 && v > 0) {
			v = linux_to_bsd_errno(v);
			guest_copyout(A(3), &v, sizeof(v));
		}
	}
	if (level == SOL_SOCKET && name == SO_TYPE && A(3)) {
		int v;
		if (guest_copyin(&v, A(3), sizeof(v)) == 0)
			guest_copyout(A(3), &v, sizeof(v)); /* SOCK_* values agree */
	}
	return 0;
}
