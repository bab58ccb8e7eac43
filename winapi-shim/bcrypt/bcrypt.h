/* persona winapi-shim: bcrypt.dll's random numbers (learn.microsoft.com:
 * BCryptOpenAlgorithmProvider, BCryptCloseAlgorithmProvider,
 * BCryptGenRandom), which programs and runtimes ask for their seeds.
 * Only the RNG algorithm ("RNG", BCRYPT_RNG_ALGORITHM) exists; the bytes
 * come from the kernel (getrandom(2)).  Results are NTSTATUS values:
 * STATUS_SUCCESS 0, STATUS_NOT_FOUND 0xC0000225 for another algorithm,
 * STATUS_INVALID_HANDLE 0xC0000008, STATUS_INVALID_PARAMETER 0xC000000D. */
#ifndef PERSONA_WINAPI_BCRYPT_H
#define PERSONA_WINAPI_BCRYPT_H

#include "winapi-shim/wintypes.h"

typedef void *BCRYPT_ALG_HANDLE;

/* *phAlgorithm: a handle for `pszAlgId` "RNG" (the implementation name
 * and dwFlags are not used). */
NTSTATUS WINAPI BCryptOpenAlgorithmProvider(BCRYPT_ALG_HANDLE *phAlgorithm, LPCWSTR pszAlgId,
					    LPCWSTR pszImplementation, ULONG dwFlags);
NTSTATUS WINAPI BCryptCloseAlgorithmProvider(BCRYPT_ALG_HANDLE hAlgorithm, ULONG dwFlags);
/* `cbBuffer` random bytes into `pbBuffer`: from the RNG handle, or with
 * dwFlags BCRYPT_USE_SYSTEM_PREFERRED_RNG (2) and a NULL handle. */
NTSTATUS WINAPI BCryptGenRandom(BCRYPT_ALG_HANDLE hAlgorithm, PUCHAR pbBuffer, ULONG cbBuffer, ULONG dwFlags);

#endif
