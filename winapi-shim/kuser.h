/* persona winapi-shim: the KUSER_SHARED_DATA page at 0x7FFE0000 (see
 * kuser.c).  win_kuser_start maps it and starts the thread that keeps its
 * times current; 0, or -1 when the address is taken or no thread could
 * start.  Private to winapi-shim. */
#ifndef PERSONA_WINAPI_KUSER_H
#define PERSONA_WINAPI_KUSER_H

int win_kuser_start(void);

#endif
