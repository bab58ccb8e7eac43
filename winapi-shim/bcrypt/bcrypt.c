/* persona winapi-shim: bcrypt.dll (see bcrypt.h). */
#include <errno.h>
#include <sys/random.h>

#include "winapi-shim/bcrypt/bcrypt.h"
#include "winapi-shim/loader/builtin.h"

#define STATUS_SUCCESS 0
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000D)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225)
#define BCRYPT_USE_SYSTEM_PREFERRED_RNG 0x2

/* The one algorithm; its handle is this object's address. */
static const char rng_provider = 'R';
#define RNG_HANDLE ((BCRYPT_ALG_HANDLE)&rng_provider)

static int is_rng_name(LPCWSTR s)
{
	static const WCHAR rng[] = { 'R', 'N', 'G', 0 };
	for (int i = 0;; i++) {
		if (s[i] != rng[i])
			return 0;
		if (!s[i])
			return 1;
	}
}

NTSTATUS WINAPI BCryptOpenAlgorithmProvider(BCRYPT_ALG_HANDLE *phAlgorithm, LPCWSTR pszAlgId,
					    LPCWSTR pszImplementation, ULONG dwFlags)
{
	if (!phAlgorithm || !pszAlgId)
		return STATUS_INVALID_PARAMETER;
	if (!is_rng_name(pszAlgId))
		return STATUS_NOT_FOUND;
	*phAlgorithm = RNG_HANDLE;
	return STATUS_SUCCESS;
}

NTSTATUS WINAPI BCryptCloseAlgorithmProvider(BCRYPT_ALG_HANDLE hAlgorithm, ULONG dwFlags)
{
	return hAlgorithm == RNG_HANDLE ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

NTSTATUS WINAPI BCryptGenRandom(BCRYPT_ALG_HANDLE hAlgorithm, PUCHAR pbBuffer, ULONG cbBuffer, ULONG dwFlags)
{
	if (dwFlags & ~(ULONG)BCRYPT_USE_SYSTEM_PREFERRED_RNG)
		return STATUS_INVALID_PARAMETER;
	if (dwFlags & BCRYPT_USE_SYSTEM_PREFERRED_RNG ? hAlgorithm != NULL : hAlgorithm != RNG_HANDLE)
		return STATUS_INVALID_HANDLE;
	if (!pbBuffer && cbBuffer)
		return STATUS_INVALID_PARAMETER;
	for (ULONG got = 0; got < cbBuffer;) {
		ssize_t n = getrandom(pbBuffer + got, cbBuffer - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return STATUS_INVALID_PARAMETER;
		got += (ULONG)n;
	}
	return STATUS_SUCCESS;
}

/* sorted by strcmp */
static const struct win_export bcrypt_exports[] = {
	WIN_EXPORT(BCryptCloseAlgorithmProvider),
	WIN_EXPORT(BCryptGenRandom),
	WIN_EXPORT(BCryptOpenAlgorithmProvider),
};

const struct win_dll win_dll_bcrypt = { "bcrypt.dll", WIN_EXPORTS(bcrypt_exports) };
