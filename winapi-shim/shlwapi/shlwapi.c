/* persona winapi-shim: shlwapi.dll (see shlwapi.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wctype.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/shlwapi/shlwapi.h"
#include "winapi-shim/unicode.h"

#define MAX_PATH 260

LPWSTR WINAPI StrStrIW(LPCWSTR s, LPCWSTR find)
{
	if (!s || !find)
		return NULL;
	size_t n = win_wcslen(find);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && towlower(s[i]) == towlower(find[i]))
			i++;
		if (i == n)
			return (LPWSTR)s;
	}
	return n ? NULL : (LPWSTR)s;
}

static bool sep(WCHAR c)
{
	return c == '\\' || c == '/';
}

/* The length of the root: "C:\" 3, "C:" 2, "\" 1, else 0. */
static size_t root_len(LPCWSTR p)
{
	if (p[0] && p[1] == ':')
		return sep(p[2]) ? 3 : 2;
	return sep(p[0]) ? 1 : 0;
}

BOOL WINAPI PathRemoveFileSpecW(LPWSTR path)
{
	if (!path || !*path)
		return FALSE;
	size_t root = root_len(path), n = win_wcslen(path), cut = n;
	while (cut > root && !sep(path[cut - 1]))
		cut--;
	if (cut > root)
		cut--; /* drop the separator too, unless it is the root's */
	if (cut == n)
		return FALSE;
	path[cut] = 0;
	return TRUE;
}

LPWSTR WINAPI PathFindFileNameW(LPCWSTR path)
{
	LPCWSTR name = path;
	for (LPCWSTR c = path; c && *c; c++)
		if (sep(*c) && c[1])
			name = c + 1;
	return (LPWSTR)name;
}

LPWSTR WINAPI PathCombineW(LPWSTR out, LPCWSTR dir, LPCWSTR file)
{
	WCHAR tmp[2 * MAX_PATH + 2];
	size_t n = 0;

	if (!out || (!dir && !file))
		return NULL;
	if (file && (root_len(file) || !dir || !*dir)) {
		dir = NULL; /* an absolute file stands alone */
	}
	if (dir) {
		size_t dl = win_wcslen(dir);
		if (dl > MAX_PATH)
			return NULL;
		memcpy(tmp, dir, dl * sizeof *tmp);
		n = dl;
		if (file && *file && n && !sep(tmp[n - 1]))
			tmp[n++] = '\\';
	}
	if (file) {
		size_t fl = win_wcslen(file);
		if (n + fl > 2 * MAX_PATH)
			return NULL;
		memcpy(tmp + n, file, fl * sizeof *tmp);
		n += fl;
	}
	tmp[n] = 0;
	/* resolve "." and ".." components after the root */
	size_t root = root_len(tmp), o = root;
	WCHAR res[2 * MAX_PATH + 2];
	memcpy(res, tmp, root * sizeof *res);
	for (size_t i = root; i <= n;) {
		size_t j = i;
		while (j < n && !sep(tmp[j]))
			j++;
		size_t len = j - i;
		if (len == 1 && tmp[i] == '.') {
		} else if (len == 2 && tmp[i] == '.' && tmp[i + 1] == '.') {
			while (o > root && !sep(res[o - 1]))
				o--;
			if (o > root)
				o--;
		} else if (len) {
			if (o > root && !sep(res[o - 1]))
				res[o++] = '\\';
			memcpy(res + o, tmp + i, len * sizeof *res);
			o += len;
		}
		i = j + 1;
	}
	if (o >= MAX_PATH)
		return NULL;
	memcpy(out, res, o * sizeof *out);
	out[o] = 0;
	return out;
}

BOOL WINAPI PathFileExistsW(LPCWSTR path)
{
	struct stat st;
	char *host = path ? win_host_path_w(path) : NULL;
	BOOL r = host && stat(host, &st) == 0;
	free(host);
	return r;
}

/* sorted by strcmp */
static const struct win_export shlwapi_exports[] = {
	WIN_EXPORT(PathCombineW),
	WIN_EXPORT(PathFileExistsW),
	WIN_EXPORT(PathFindFileNameW),
	WIN_EXPORT(PathRemoveFileSpecW),
	WIN_EXPORT(StrStrIW),
};

const struct win_dll win_dll_shlwapi = { "shlwapi.dll", WIN_EXPORTS(shlwapi_exports) };
