/* persona winapi-shim: Windows paths onto Linux ones.
 *
 * "C:\dir\file" names $PERSONA_WIN_DRIVE_C/dir/file (default: "/"); other
 * drive letters X: use $PERSONA_WIN_DRIVE_X and are absent without it.
 * Backslashes become slashes.  When a component does not exist with its
 * exact name, a case-insensitive match in its folder is used, as Windows'
 * file systems compare names without case. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/unicode.h"

/* Replace each component of `p` (in place, same length) that does not
 * exist by a case-insensitive match, while the prefix exists. */
static void fold_case(char *p)
{
	struct stat st;
	char *comp = p[0] == '/' ? p + 1 : p;

	while (*comp) {
		char *next = strchr(comp, '/');
		if (next)
			*next = 0;
		if (lstat(p, &st) < 0 && errno == ENOENT) {
			/* look in the folder holding `comp` */
			char *dir = comp == p ? "." : comp == p + 1 ? "/" : p;
			/* cut `p` before `comp` (never at p[-1]: a relative path's
			 * first component has no separator before it) */
			if (comp > p + 1)
				comp[-1] = 0;
			DIR *d = opendir(dir);
			if (comp > p + 1)
				comp[-1] = '/';
			struct dirent *e;
			bool found = false;
			while (d && (e = readdir(d))) {
				if (!strcasecmp(e->d_name, comp) && strlen(e->d_name) == strlen(comp)) {
					memcpy(comp, e->d_name, strlen(comp));
					found = true;
					break;
				}
			}
			if (d)
				closedir(d);
			if (!found) {
				if (next)
					*next = '/';
				return;
			}
		}
		if (!next)
			return;
		*next = '/';
		comp = next + 1;
	}
}

char *win_host_path(const char *wpath)
{
	const char *rest = wpath;
	const char *root = "";
	char var[] = "PERSONA_WIN_DRIVE_C";

	if (isalpha((unsigned char)wpath[0]) && wpath[1] == ':') {
		var[sizeof var - 2] = (char)toupper((unsigned char)wpath[0]);
		root = getenv(var);
		if (!root)
			root = var[sizeof var - 2] == 'C' ? "" : NULL;
		if (!root) {
			errno = ENOENT;
			return NULL;
		}
		rest = wpath + 2;
	}
	size_t rl = strlen(root);
	char *p = malloc(rl + strlen(rest) + 2);
	if (!p)
		return NULL;
	memcpy(p, root, rl);
	char *o = p + rl;
	if (rest != wpath && rest[0] != '\\' && rest[0] != '/')
		*o++ = '/'; /* "C:file" is relative to the drive's current folder: take its root */
	for (const char *c = rest; *c; c++)
		*o++ = *c == '\\' ? '/' : *c;
	*o = 0;
	if (!p[0]) {
		p[0] = '/';
		p[1] = 0;
	}
	fold_case(p);
	return p;
}

char *win_host_path_w(LPCWSTR wpath)
{
	char *u = win_utf8_dup(wpath);
	if (!u)
		return NULL;
	char *p = win_host_path(u);
	free(u);
	return p;
}

DWORD win_error_from_errno(int e)
{
	switch (e) {
	case 0: return ERROR_SUCCESS;
	case ENOENT: return ERROR_FILE_NOT_FOUND;
	case ENOTDIR: return ERROR_PATH_NOT_FOUND;
	case EACCES:
	case EPERM:
	case EISDIR:
	case EROFS: return ERROR_ACCESS_DENIED;
	case EEXIST: return ERROR_ALREADY_EXISTS;
	case ENOTEMPTY: return ERROR_DIR_NOT_EMPTY;
	case EBADF: return ERROR_INVALID_HANDLE;
	case ENOMEM: return ERROR_NOT_ENOUGH_MEMORY;
	case ENOSPC: return ERROR_DISK_FULL;
	case EINVAL: return ERROR_INVALID_PARAMETER;
	case ENAMETOOLONG: return ERROR_FILENAME_EXCED_RANGE;
	}
	return ERROR_GEN_FAILURE;
}
