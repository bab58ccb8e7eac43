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
	return l;
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
