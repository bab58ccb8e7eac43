/* persona winapi-shim: ws2_32.dll, Windows Sockets (learn.microsoft.com:
 * WSAStartup, WSACleanup, WSAGetLastError, WSASetLastError, htons, htonl,
 * ntohs, ntohl, inet_addr; the socket calls in sockets.c).  The WSA*
 * extensions (overlapped sockets, WSASocket, WSAIoctl) are not
 * implemented: a DLL's import of one binds to a stub that ends the
 * process if called; a program's import of one fails the load (126).
 *
 *   WSAStartup(version, data): version 2.2 at most (the lower of the two);
 *     fills WSADATA; 0, or WSAVERNOTSUPPORTED (10092) below 1.0 and
 *     WSAEFAULT (10014) without `data`;
 *   WSACleanup: 0; WSAGetLastError/WSASetLastError: the thread's last error;
 *   inet_addr: a dotted IPv4 address in network order, INADDR_NONE
 *     (0xffffffff) when it is not one.
 */
#ifndef PERSONA_WINAPI_WS2_32_H
#define PERSONA_WINAPI_WS2_32_H

#include "winapi-shim/wintypes.h"

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128

/* The x64 layout (the pointer before the strings). */
typedef struct WSAData {
	WORD wVersion;
	WORD wHighVersion;
	unsigned short iMaxSockets;
	unsigned short iMaxUdpDg;
	char *lpVendorInfo;
	char szDescription[WSADESCRIPTION_LEN + 1];
	char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA;

typedef uintptr_t SOCKET;
#define INVALID_SOCKET ((SOCKET)~(uintptr_t)0)

#define WIN_FD_SETSIZE 64
typedef struct {
	unsigned fd_count;
	SOCKET fd_array[WIN_FD_SETSIZE];
} WIN_FD_SET; /* winsock2.h's fd_set */

typedef struct {
	LONG tv_sec, tv_usec; /* 32-bit, as Windows' long */
} WIN_TIMEVAL;

typedef struct WIN_ADDRINFOA {
	int ai_flags, ai_family, ai_socktype, ai_protocol;
	size_t ai_addrlen;
	char *ai_canonname;  /* before ai_addr, unlike Linux */
	void *ai_addr;
	struct WIN_ADDRINFOA *ai_next;
} WIN_ADDRINFOA; /* ws2def.h's ADDRINFOA */

_Static_assert(sizeof(WIN_ADDRINFOA) == 48, "ADDRINFOA");

typedef struct {
	SOCKET fd;
	short events, revents;
} WIN_POLLFD; /* WSAPOLLFD */

typedef struct {
	char *h_name;
	char **h_aliases;
	short h_addrtype, h_length;
	char **h_addr_list;
} WIN_HOSTENT; /* winsock2.h's hostent */

_Static_assert(sizeof(WIN_POLLFD) == 16, "WSAPOLLFD");
_Static_assert(sizeof(WIN_HOSTENT) == 32, "hostent");

int WINAPI WSAStartup(WORD version, WSADATA *data);
int WINAPI WSACleanup(void);
int WINAPI WSAGetLastError(void);
BOOL WINAPI WSAGetOverlappedResult(SOCKET s, void *overlapped, LPDWORD transferred, BOOL wait, LPDWORD flags);
void WINAPI WSASetLastError(int error);
/* (ws2_<name>: names glibc has too; exported under <name>) */
uint16_t WINAPI ws2_htons(uint16_t v);
uint16_t WINAPI ws2_ntohs(uint16_t v);
ULONG WINAPI ws2_htonl(ULONG v);
ULONG WINAPI ws2_ntohl(ULONG v);
ULONG WINAPI ws2_inet_addr(const char *s);

/* sockets.c: the socket calls, each as Microsoft documents it, returning
 * SOCKET_ERROR (-1) or INVALID_SOCKET with WSAGetLastError's code. */
int ws2_error_from_errno(int e);
SOCKET WINAPI ws2_socket(int af, int type, int protocol);
int WINAPI ws2_closesocket(SOCKET s);
int WINAPI ws2_bind(SOCKET s, const void *addr, int len);
int WINAPI ws2_connect(SOCKET s, const void *addr, int len);
int WINAPI ws2_listen(SOCKET s, int backlog);
SOCKET WINAPI ws2_accept(SOCKET s, void *addr, int *len);
int WINAPI ws2_send(SOCKET s, const char *buf, int len, int flags);
int WINAPI ws2_recv(SOCKET s, char *buf, int len, int flags);
int WINAPI ws2_sendto(SOCKET s, const char *buf, int len, int flags, const void *to, int tolen);
int WINAPI ws2_recvfrom(SOCKET s, char *buf, int len, int flags, void *from, int *fromlen);
int WINAPI ws2_shutdown(SOCKET s, int how);
int WINAPI ws2_getsockname(SOCKET s, void *addr, int *len);
int WINAPI ws2_getpeername(SOCKET s, void *addr, int *len);
int WINAPI ws2_setsockopt(SOCKET s, int level, int opt, const char *val, int len);
int WINAPI ws2_getsockopt(SOCKET s, int level, int opt, char *val, int *len);
int WINAPI ws2_ioctlsocket(SOCKET s, LONG cmd, ULONG *arg);
int WINAPI ws2_select(int nfds, WIN_FD_SET *r, WIN_FD_SET *w, WIN_FD_SET *e, const WIN_TIMEVAL *timeout);
int WINAPI ws2___WSAFDIsSet(SOCKET s, WIN_FD_SET *set);
int WINAPI ws2_gethostname(char *name, int len);
int WINAPI ws2_getaddrinfo(const char *node, const char *service, const WIN_ADDRINFOA *hints, WIN_ADDRINFOA **res);
void WINAPI ws2_freeaddrinfo(WIN_ADDRINFOA *ai);
const char *WINAPI ws2_inet_ntop(int af, const void *src, char *dst, size_t size);
int WINAPI ws2_inet_pton(int af, const char *src, void *dst);
int WINAPI ws2_WSAPoll(WIN_POLLFD *fds, ULONG n, int timeout);
WIN_HOSTENT *WINAPI ws2_gethostbyname(const char *name);

#endif
