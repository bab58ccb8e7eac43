/* persona winapi-shim: Windows Sockets on Linux sockets
 * (learn.microsoft.com: socket, bind, listen, accept, connect, send,
 * recv, sendto, recvfrom, shutdown, closesocket, setsockopt, getsockopt,
 * getsockname, getpeername, ioctlsocket, select, __WSAFDIsSet,
 * gethostname, gethostbyname, getaddrinfo, freeaddrinfo, inet_ntop,
 * inet_pton, WSAPoll;
 * "Windows Sockets Error Codes").
 *
 * A SOCKET is kernel32's file HANDLE for the Linux descriptor, so
 * ReadFile, WriteFile and CloseHandle work on it too.  What differs is
 * translated: AF_INET6 (23 on Windows, 10 on Linux) in addresses and
 * arguments, SOL_SOCKET and its option numbers, the message flags, the
 * fd_set and timeval of select, struct addrinfo's field order, and
 * errno values into WSAE* codes (WSAGetLastError). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/process.h"
#include "winapi-shim/ws2_32/ws2_32.h"

#define WIN_AF_INET6 23
#define WIN_SOL_SOCKET 0xffff
#define WIN_MSG_WAITALL 0x8
#define WIN_IPV6_V6ONLY 27
#define WIN_AI_NUMERICSERV 0x8
#define WIN_AI_ADDRCONFIG 0x400
#define WIN_FIONBIO 0x8004667Eu
#define WIN_FIONREAD 0x4004667Fu

#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAENOTSOCK 10038
#define WSAENOPROTOOPT 10042
#define WSAEAFNOSUPPORT 10047
#define WSAHOST_NOT_FOUND 11001
#define WSATRY_AGAIN 11002
#define WSANO_RECOVERY 11003
#define WSATYPE_NOT_FOUND 10109
#define WSAESOCKTNOSUPPORT 10044

int ws2_error_from_errno(int e)
{
	switch (e) {
	case EINTR: return WSAEINTR;
	case EBADF: return WSAENOTSOCK;
	case EACCES: case EPERM: return WSAEACCES;
	case EFAULT: return WSAEFAULT;
	case EINVAL: return WSAEINVAL;
	case EMFILE: case ENFILE: return WSAEMFILE;
	case EAGAIN: case EINPROGRESS: return WSAEWOULDBLOCK;
	case EALREADY: return 10037;
	case ENOTSOCK: return WSAENOTSOCK;
	case EDESTADDRREQ: return 10039;
	case EMSGSIZE: return 10040;
	case EPROTOTYPE: return 10041;
	case ENOPROTOOPT: return WSAENOPROTOOPT;
	case EPROTONOSUPPORT: return 10043;
	case ESOCKTNOSUPPORT: return WSAESOCKTNOSUPPORT;
	case EOPNOTSUPP: return 10045;
	case EPFNOSUPPORT: return 10046;
	case EAFNOSUPPORT: return WSAEAFNOSUPPORT;
	case EADDRINUSE: return 10048;
	case EADDRNOTAVAIL: return 10049;
	case ENETDOWN: return 10050;
	case ENETUNREACH: return 10051;
	case ENETRESET: return 10052;
	case ECONNABORTED: return 10053;
	case ECONNRESET: case EPIPE: return 10054;
	case ENOBUFS: case ENOMEM: return 10055;
	case EISCONN: return 10056;
	case ENOTCONN: return 10057;
	case ESHUTDOWN: return 10058;
	case ETIMEDOUT: return 10060;
	case ECONNREFUSED: return 10061;
	case EHOSTDOWN: return 10064;
	case EHOSTUNREACH: return 10065;
	}
	return WSAEINVAL;
}

static int fail(void)
{
	SetLastError((DWORD)ws2_error_from_errno(errno));
	return -1; /* SOCKET_ERROR */
}

static int fd_of(SOCKET s)
{
	int fd = win_fd_from_handle((HANDLE)s);
	if (fd < 0)
		SetLastError(WSAENOTSOCK);
	return fd;
}

static int family_in(int f)
{
	return f == WIN_AF_INET6 ? AF_INET6 : f;
}

static int family_out(int f)
{
	return f == AF_INET6 ? WIN_AF_INET6 : f;
}

/* A Windows sockaddr into `out` (family translated). */
static const struct sockaddr *addr_in(const void *a, int len, struct sockaddr_storage *out)
{
	if (!a || len < 2 || (size_t)len > sizeof *out)
		return a;
	memcpy(out, a, (size_t)len);
	out->ss_family = (sa_family_t)family_in(out->ss_family);
	return (const struct sockaddr *)out;
}

/* A Linux address back into the program's buffer (at most *len bytes). */
static void addr_out(const struct sockaddr_storage *ss, socklen_t sl, void *a, int *len)
{
	if (!a || !len)
		return;
	struct sockaddr_storage tmp = *ss;
	tmp.ss_family = (sa_family_t)family_out(tmp.ss_family);
	size_t n = sl < (socklen_t)*len ? sl : (size_t)*len;
	memcpy(a, &tmp, n);
	*len = (int)sl;
}

SOCKET WINAPI ws2_socket(int af, int type, int protocol)
{
	int fd = socket(family_in(af), type | SOCK_CLOEXEC, protocol);
	if (fd < 0) {
		fail();
		return INVALID_SOCKET;
	}
	return (SOCKET)win_handle_from_fd(fd);
}

int WINAPI ws2_closesocket(SOCKET s)
{
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	return close(fd) < 0 ? fail() : 0;
}

int WINAPI ws2_bind(SOCKET s, const void *addr, int len)
{
	struct sockaddr_storage ss;
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	return bind(fd, addr_in(addr, len, &ss), (socklen_t)len) < 0 ? fail() : 0;
}

int WINAPI ws2_connect(SOCKET s, const void *addr, int len)
{
	struct sockaddr_storage ss;
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	return connect(fd, addr_in(addr, len, &ss), (socklen_t)len) < 0 ? fail() : 0;
}

int WINAPI ws2_listen(SOCKET s, int backlog)
{
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	return listen(fd, backlog) < 0 ? fail() : 0;
}

SOCKET WINAPI ws2_accept(SOCKET s, void *addr, int *len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = fd_of(s);
	if (fd < 0)
		return INVALID_SOCKET;
	int c = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (c < 0) {
		fail();
		return INVALID_SOCKET;
	}
	addr_out(&ss, sl, addr, len);
	return (SOCKET)win_handle_from_fd(c);
}

static int msg_flags(int f)
{
	return (f & ~WIN_MSG_WAITALL) | (f & WIN_MSG_WAITALL ? MSG_WAITALL : 0);
}

int WINAPI ws2_send(SOCKET s, const char *buf, int len, int flags)
{
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	ssize_t n = send(fd, buf, (size_t)len, msg_flags(flags) | MSG_NOSIGNAL);
	return n < 0 ? fail() : (int)n;
}

int WINAPI ws2_recv(SOCKET s, char *buf, int len, int flags)
{
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	ssize_t n = recv(fd, buf, (size_t)len, msg_flags(flags));
	return n < 0 ? fail() : (int)n;
}

int WINAPI ws2_sendto(SOCKET s, const char *buf, int len, int flags, const void *to, int tolen)
{
	struct sockaddr_storage ss;
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	ssize_t n = sendto(fd, buf, (size_t)len, msg_flags(flags) | MSG_NOSIGNAL, to ? addr_in(to, tolen, &ss) : NULL,
			   to ? (socklen_t)tolen : 0);
	return n < 0 ? fail() : (int)n;
}

int WINAPI ws2_recvfrom(SOCKET s, char *buf, int len, int flags, void *from, int *fromlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	ssize_t n = recvfrom(fd, buf, (size_t)len, msg_flags(flags), (struct sockaddr *)&ss, &sl);
	if (n < 0)
		return fail();
	addr_out(&ss, sl, from, fromlen);
	return (int)n;
}

int WINAPI ws2_shutdown(SOCKET s, int how)
{
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	return shutdown(fd, how) < 0 ? fail() : 0; /* SD_RECEIVE/SEND/BOTH are SHUT_RD/WR/RDWR */
}

static int name_of(SOCKET s, void *addr, int *len, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &sl) : getsockname(fd, (struct sockaddr *)&ss, &sl)) < 0)
		return fail();
	addr_out(&ss, sl, addr, len);
	return 0;
}

int WINAPI ws2_getsockname(SOCKET s, void *addr, int *len)
{
	return name_of(s, addr, len, false);
}

int WINAPI ws2_getpeername(SOCKET s, void *addr, int *len)
{
	return name_of(s, addr, len, true);
}

/* The Linux level and option for a Windows one; false when unknown. */
static bool sockopt_map(int level, int opt, int *l, int *o)
{
	if (level == WIN_SOL_SOCKET) {
		static const int map[][2] = {
			{ 0x4, SO_REUSEADDR }, { 0x8, SO_KEEPALIVE }, { 0x20, SO_BROADCAST }, { 0x80, SO_LINGER },
			{ 0x1001, SO_SNDBUF }, { 0x1002, SO_RCVBUF }, { 0x1005, SO_SNDTIMEO }, { 0x1006, SO_RCVTIMEO },
			{ 0x1007, SO_ERROR }, { 0x1008, SO_TYPE }, { 0x2, SO_ACCEPTCONN },
		};
		for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
			if (map[i][0] == opt) {
				*l = SOL_SOCKET;
				*o = map[i][1];
				return true;
			}
		return false;
	}
	*l = level;
	*o = level == IPPROTO_IPV6 && opt == WIN_IPV6_V6ONLY ? IPV6_V6ONLY : opt;
	return level == IPPROTO_TCP || level == IPPROTO_IP || level == IPPROTO_IPV6;
}

/* Windows' linger is two u_shorts, its time-outs a DWORD of ms. */
int WINAPI ws2_setsockopt(SOCKET s, int level, int opt, const char *val, int len)
{
	int fd = fd_of(s), l, o;
	if (fd < 0)
		return -1;
	if (!sockopt_map(level, opt, &l, &o)) {
		SetLastError(WSAENOPROTOOPT);
		return -1;
	}
	if (l == SOL_SOCKET && o == SO_LINGER && val && len >= 4) {
		uint16_t w[2];
		memcpy(w, val, 4);
		struct linger lg = { w[0], w[1] };
		return setsockopt(fd, l, o, &lg, sizeof lg) < 0 ? fail() : 0;
	}
	if (l == SOL_SOCKET && (o == SO_RCVTIMEO || o == SO_SNDTIMEO) && val && len >= 4) {
		DWORD ms;
		memcpy(&ms, val, 4);
		struct timeval tv = { ms / 1000, (long)(ms % 1000) * 1000 };
		return setsockopt(fd, l, o, &tv, sizeof tv) < 0 ? fail() : 0;
	}
	/* BOOL and int options: Windows accepts a shorter value (one byte) */
	int v = 0;
	if (val && len > 0)
		memcpy(&v, val, len < 4 ? (size_t)len : 4);
	return setsockopt(fd, l, o, &v, sizeof v) < 0 ? fail() : 0;
}

int WINAPI ws2_getsockopt(SOCKET s, int level, int opt, char *val, int *len)
{
	int fd = fd_of(s), l, o;
	if (fd < 0)
		return -1;
	if (!sockopt_map(level, opt, &l, &o)) {
		SetLastError(WSAENOPROTOOPT);
		return -1;
	}
	if (!val || !len || *len < 4) {
		SetLastError(WSAEFAULT);
		return -1;
	}
	if (l == SOL_SOCKET && o == SO_LINGER) {
		struct linger lg;
		socklen_t sl = sizeof lg;
		if (getsockopt(fd, l, o, &lg, &sl) < 0)
			return fail();
		uint16_t w[2] = { (uint16_t)lg.l_onoff, (uint16_t)lg.l_linger };
		memcpy(val, w, 4);
		*len = 4;
		return 0;
	}
	if (l == SOL_SOCKET && (o == SO_RCVTIMEO || o == SO_SNDTIMEO)) {
		struct timeval tv;
		socklen_t sl = sizeof tv;
		if (getsockopt(fd, l, o, &tv, &sl) < 0)
			return fail();
		DWORD ms = (DWORD)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
		memcpy(val, &ms, 4);
		*len = 4;
		return 0;
	}
	int v = 0;
	socklen_t sl = sizeof v;
	if (getsockopt(fd, l, o, &v, &sl) < 0)
		return fail();
	if (l == SOL_SOCKET && o == SO_ERROR && v)
		v = ws2_error_from_errno(v);
	memcpy(val, &v, 4);
	*len = 4;
	return 0;
}

int WINAPI ws2_ioctlsocket(SOCKET s, LONG cmd, ULONG *arg)
{
	int fd = fd_of(s);
	if (fd < 0)
		return -1;
	if ((ULONG)cmd == WIN_FIONBIO) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, *arg ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
			return fail();
		return 0;
	}
	if ((ULONG)cmd == WIN_FIONREAD) {
		int n = 0;
		if (ioctl(fd, FIONREAD, &n) < 0)
			return fail();
		*arg = (ULONG)n;
		return 0;
	}
	SetLastError(WSAEINVAL);
	return -1;
}

/* select: Windows' fd_set is a count and an array of SOCKETs. */
static int to_linux_set(const WIN_FD_SET *w, fd_set *l, int *maxfd)
{
	FD_ZERO(l);
	for (unsigned i = 0; w && i < w->fd_count && i < WIN_FD_SETSIZE; i++) {
		int fd = win_fd_from_handle((HANDLE)w->fd_array[i]);
		if (fd < 0 || fd >= FD_SETSIZE) {
			SetLastError(WSAENOTSOCK);
			return -1;
		}
		FD_SET(fd, l);
		if (fd > *maxfd)
			*maxfd = fd;
	}
	return 0;
}

static void from_linux_set(WIN_FD_SET *w, const fd_set *l)
{
	unsigned k = 0;
	for (unsigned i = 0; w && i < w->fd_count && i < WIN_FD_SETSIZE; i++) {
		int fd = win_fd_from_handle((HANDLE)w->fd_array[i]);
		if (fd >= 0 && FD_ISSET(fd, l))
			w->fd_array[k++] = w->fd_array[i];
	}
	if (w)
		w->fd_count = k;
}

int WINAPI ws2_select(int nfds, WIN_FD_SET *r, WIN_FD_SET *w, WIN_FD_SET *e, const WIN_TIMEVAL *timeout)
{
	fd_set lr, lw, le;
	int maxfd = -1;
	if (to_linux_set(r, &lr, &maxfd) < 0 || to_linux_set(w, &lw, &maxfd) < 0 || to_linux_set(e, &le, &maxfd) < 0)
		return -1;
	struct timeval tv, *tp = NULL;
	if (timeout) {
		tv.tv_sec = timeout->tv_sec;
		tv.tv_usec = timeout->tv_usec;
		tp = &tv;
	}
	int n = select(maxfd + 1, r ? &lr : NULL, w ? &lw : NULL, e ? &le : NULL, tp);
	if (n < 0)
		return fail();
	from_linux_set(r, &lr);
	from_linux_set(w, &lw);
	from_linux_set(e, &le);
	return n;
}

int WINAPI ws2___WSAFDIsSet(SOCKET s, WIN_FD_SET *set)
{
	for (unsigned i = 0; set && i < set->fd_count && i < WIN_FD_SETSIZE; i++)
		if (set->fd_array[i] == s)
			return 1;
	return 0;
}

int WINAPI ws2_gethostname(char *name, int len)
{
	if (!name || len <= 0) {
		SetLastError(WSAEFAULT);
		return -1;
	}
	return gethostname(name, (size_t)len) < 0 ? fail() : 0;
}

static int ws2_gai_error(int e)
{
	switch (e) {
	case EAI_NONAME: return WSAHOST_NOT_FOUND;
	case EAI_AGAIN: return WSATRY_AGAIN;
	case EAI_FAIL: return WSANO_RECOVERY;
	case EAI_FAMILY: return WSAEAFNOSUPPORT;
	case EAI_MEMORY: return ERROR_NOT_ENOUGH_MEMORY;
	case EAI_SERVICE: return WSATYPE_NOT_FOUND;
	case EAI_SOCKTYPE: return WSAESOCKTNOSUPPORT;
	case EAI_SYSTEM: return ws2_error_from_errno(errno);
	}
	return WSAEINVAL;
}

void WINAPI ws2_freeaddrinfo(WIN_ADDRINFOA *ai)
{
	while (ai) {
		WIN_ADDRINFOA *next = ai->ai_next;
		free(ai->ai_canonname);
		free(ai->ai_addr);
		free(ai);
		ai = next;
	}
}

/* The result list is persona's own copy in Windows' layout (freeaddrinfo
 * frees it); the error is returned (and is the last error too). */
int WINAPI ws2_getaddrinfo(const char *node, const char *service, const WIN_ADDRINFOA *hints, WIN_ADDRINFOA **res)
{
	struct addrinfo h, *lres = NULL;
	memset(&h, 0, sizeof h);
	if (hints) {
		h.ai_flags = (hints->ai_flags & ~(WIN_AI_NUMERICSERV | WIN_AI_ADDRCONFIG)) |
			     (hints->ai_flags & WIN_AI_NUMERICSERV ? AI_NUMERICSERV : 0) |
			     (hints->ai_flags & WIN_AI_ADDRCONFIG ? AI_ADDRCONFIG : 0);
		h.ai_family = family_in(hints->ai_family);
		h.ai_socktype = hints->ai_socktype;
		h.ai_protocol = hints->ai_protocol;
	}
	*res = NULL;
	int e = getaddrinfo(node, service, hints ? &h : NULL, &lres);
	if (e) {
		int w = ws2_gai_error(e);
		SetLastError((DWORD)w);
		return w;
	}
	WIN_ADDRINFOA **tail = res;
	for (struct addrinfo *a = lres; a; a = a->ai_next) {
		WIN_ADDRINFOA *w = calloc(1, sizeof *w);
		struct sockaddr_storage *sa = calloc(1, sizeof *sa);
		if (!w || !sa || (a->ai_canonname && !(w->ai_canonname = strdup(a->ai_canonname)))) {
			free(w);
			free(sa);
			ws2_freeaddrinfo(*res);
			freeaddrinfo(lres);
			*res = NULL;
			SetLastError(ERROR_NOT_ENOUGH_MEMORY);
			return ERROR_NOT_ENOUGH_MEMORY;
		}
		memcpy(sa, a->ai_addr, a->ai_addrlen);
		sa->ss_family = (sa_family_t)family_out(sa->ss_family);
		w->ai_flags = a->ai_flags;
		w->ai_family = family_out(a->ai_family);
		w->ai_socktype = a->ai_socktype;
		w->ai_protocol = a->ai_protocol;
		w->ai_addrlen = a->ai_addrlen;
		w->ai_addr = sa;
		*tail = w;
		tail = &w->ai_next;
	}
	freeaddrinfo(lres);
	return 0;
}

const char *WINAPI ws2_inet_ntop(int af, const void *src, char *dst, size_t size)
{
	const char *r = inet_ntop(family_in(af), src, dst, (socklen_t)size);
	if (!r)
		fail();
	return r;
}

int WINAPI ws2_inet_pton(int af, const char *src, void *dst)
{
	int r = inet_pton(family_in(af), src, dst);
	if (r < 0)
		fail();
	return r;
}

/* WSAPoll: WSAPOLLFD is a SOCKET and two SHORTs; the event bits differ
 * from Linux's (POLLRDNORM 0x100, POLLRDBAND 0x200, POLLPRI 0x400,
 * POLLWRNORM 0x10, POLLWRBAND 0x20, POLLERR 0x1, POLLHUP 0x2,
 * POLLNVAL 0x4). */

static const struct {
	short win, lin;
} poll_bits[] = {
	{ 0x100, POLLRDNORM | POLLIN }, { 0x200, POLLRDBAND }, { 0x400, POLLPRI }, { 0x10, POLLWRNORM | POLLOUT },
	{ 0x20, POLLWRBAND }, { 0x1, POLLERR }, { 0x2, POLLHUP }, { 0x4, POLLNVAL },
};

int WINAPI ws2_WSAPoll(WIN_POLLFD *fds, ULONG n, int timeout)
{
	struct pollfd *p = n ? calloc(n, sizeof *p) : NULL;
	if (n && !p) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return -1;
	}
	for (ULONG i = 0; i < n; i++) {
		p[i].fd = win_fd_from_handle((HANDLE)fds[i].fd);
		for (size_t b = 0; b < sizeof poll_bits / sizeof poll_bits[0]; b++)
			if (fds[i].events & poll_bits[b].win)
				p[i].events |= poll_bits[b].lin;
	}
	int r = poll(p, n, timeout);
	if (r < 0) {
		free(p);
		return fail();
	}
	for (ULONG i = 0; i < n; i++) {
		fds[i].revents = 0;
		for (size_t b = 0; b < sizeof poll_bits / sizeof poll_bits[0]; b++)
			if (p[i].revents & poll_bits[b].lin)
				fds[i].revents |= poll_bits[b].win;
		/* a Linux "readable" answers the read bits the caller asked for */
		fds[i].revents &= (short)(fds[i].events | 0x7);
	}
	free(p);
	return r;
}

/* gethostbyname: IPv4 addresses of `name` in a per-thread HOSTENT
 * (h_addrtype and h_length are shorts on Windows). */
#define MAX_HOST_ADDRS 16
static __thread struct {
	WIN_HOSTENT h;
	char name[256];
	char *aliases[1];
	char *addr_list[MAX_HOST_ADDRS + 1];
	struct in_addr addrs[MAX_HOST_ADDRS];
} host_buf;

WIN_HOSTENT *WINAPI ws2_gethostbyname(const char *name)
{
	struct addrinfo h = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME }, *res = NULL;
	if (!name) {
		SetLastError(WSAEFAULT);
		return NULL;
	}
	int e = getaddrinfo(name, NULL, &h, &res);
	if (e) {
		SetLastError((DWORD)ws2_gai_error(e));
		return NULL;
	}
	memset(&host_buf, 0, sizeof host_buf);
	snprintf(host_buf.name, sizeof host_buf.name, "%s", res->ai_canonname ? res->ai_canonname : name);
	int n = 0;
	for (struct addrinfo *a = res; a && n < MAX_HOST_ADDRS; a = a->ai_next) {
		host_buf.addrs[n] = ((struct sockaddr_in *)a->ai_addr)->sin_addr;
		host_buf.addr_list[n] = (char *)&host_buf.addrs[n];
		n++;
	}
	freeaddrinfo(res);
	host_buf.h.h_name = host_buf.name;
	host_buf.h.h_aliases = host_buf.aliases;
	host_buf.h.h_addrtype = AF_INET;
	host_buf.h.h_length = 4;
	host_buf.h.h_addr_list = host_buf.addr_list;
	return &host_buf.h;
}
