/* persona: finding the persona-image helper (see commands.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/commands.h"

int image_helper_path(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(out, len, "%s/persona-image", self);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, len, "%s/../libexec/persona/persona-image", self);
	return access(out, X_OK) == 0 ? 0 : (errno = ENOENT, -1);
}
