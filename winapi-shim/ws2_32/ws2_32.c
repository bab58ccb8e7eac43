/* persona winapi-shim: ws2_32.dll (see ws2_32.h). */
#include <stdio.h>
#include <string.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/ws2_32/ws2_32.h"

#define WSAEFAULT 10014
#define WSAVERNOTSUPPORTED 10092
#define WSAEINVAL_ 10022

int WINAPI WSAStartup(WORD version, WSADATA *data)
{
	BYTE major = version & 0xff, minor = version >> 8;
	if (!data)
		return WSAEFAULT;
	memset(data, 0, sizeof *data);
	data->wHighVersion = 0x0202;
	if (major < 1)
		return WSAVERNOTSUPPORTED;
	data->wVersion = major > 2 || (major == 2 && minor >= 2) ? 0x0202 : version;
	snprintf(data->szDescription, sizeof data->szDescription, "persona Windows Sockets");
	snprintf(data->szSystemStatus, sizeof data->szSystemStatus, "Running");
	return 0;
}

int WINAPI WSACleanup(void)
{
	return 0;
}

int WINAPI WSAGetLastError(void)
{
	return (int)GetLastError();
}

void WINAPI WSASetLastError(int error)
{
	SetLastError((DWORD)error);
}

/* No overlapped socket I/O is ever started here, so there is never a
 * result to get: FALSE with WSAEINVAL (Go's runtime looks it up). */
BOOL WINAPI WSAGetOverlappedResult(SOCKET s, void *overlapped, LPDWORD transferred, BOOL wait, LPDWORD flags)
{
	SetLastError(WSAEINVAL_);
	return FALSE;
}

uint16_t WINAPI ws2_htons(uint16_t v) { return __builtin_bswap16(v); }
uint16_t WINAPI ws2_ntohs(uint16_t v) { return __builtin_bswap16(v); }
ULONG WINAPI ws2_htonl(ULONG v) { return __builtin_bswap32(v); }
ULONG WINAPI ws2_ntohl(ULONG v) { return __builtin_bswap32(v); }

ULONG WINAPI ws2_inet_addr(const char *s)
{
	unsigned a, b, c, d;
	char end;
	if (!s || sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &end) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
		return 0xffffffffu;
	/* network order: the first number in the lowest byte */
	return (ULONG)(a | b << 8 | c << 16 | (ULONG)d << 24);
}

/* sorted by strcmp; the functions whose names glibc has too are
 * defined as ws2_<name> (a static link would otherwise put them in place
 * of glibc's, with the Microsoft calling convention) */
#define WS2(name) { #name, (void *)ws2_##name }
static const struct win_export ws2_32_exports[] = {
	WIN_EXPORT(WSACleanup),
	WIN_EXPORT(WSAGetLastError),
	WIN_EXPORT(WSAGetOverlappedResult),
	WS2(WSAPoll),
	WIN_EXPORT(WSASetLastError),
	WIN_EXPORT(WSAStartup),
	WS2(__WSAFDIsSet),
	WS2(accept),
	WS2(bind),
	WS2(closesocket),
	WS2(connect),
	WS2(freeaddrinfo),
	WS2(getaddrinfo),
	WS2(gethostbyname),
	WS2(gethostname),
	WS2(getpeername),
	WS2(getsockname),
	WS2(getsockopt),
	WS2(htonl),
	WS2(htons),
	WS2(inet_addr),
	WS2(inet_ntop),
	WS2(inet_pton),
	WS2(ioctlsocket),
	WS2(listen),
	WS2(ntohl),
	WS2(ntohs),
	WS2(recv),
	WS2(recvfrom),
	WS2(select),
	WS2(send),
	WS2(sendto),
	WS2(setsockopt),
	WS2(shutdown),
	WS2(socket),
};

const struct win_dll win_dll_ws2_32 = { "ws2_32.dll", WIN_EXPORTS(ws2_32_exports) };
