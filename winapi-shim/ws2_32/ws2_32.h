/* persona winapi-shim: ws2_32.dll, Windows Sockets: start-up and byte
 * order only, so far (learn.microsoft.com: WSAStartup, WSACleanup,
 * WSAGetLastError, WSASetLastError, htons, htonl, ntohs, ntohl,
 * inet_addr).  Sockets themselves are not implemented: a DLL's import of
 * one binds to a stub that ends the process if called; a program's import
 * of one fails the load (126).
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

int WINAPI WSAStartup(WORD version, WSADATA *data);
int WINAPI WSACleanup(void);
int WINAPI WSAGetLastError(void);
void WINAPI WSASetLastError(int error);
uint16_t WINAPI htons(uint16_t v);
uint16_t WINAPI ntohs(uint16_t v);
ULONG WINAPI htonl(ULONG v);
ULONG WINAPI ntohl(ULONG v);
ULONG WINAPI inet_addr(const char *s);

#endif
