/* persona: finding and executing the persona-image helper (see commands.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

int run_image_helper(char *const *argv)
{
	char path[PATH_MAX + 32];
	size_t n = 0;

	if (image_helper_path(path, sizeof(path)) < 0) {
		fprintf(stderr, "persona: the image commands' helper persona-image is missing; reinstall persona\n");
		return 125;
	}
	while (argv[n])
		n++;
	char **v = calloc(n + 2, sizeof(*v));
	if (!v)
		return 125;
	v[0] = path;
	memcpy(v + 1, argv, n * sizeof(*v));
	execv(path, v);
	fprintf(stderr, "persona: %s: %s\n", path, strerror(errno));
	free(v);
	return 125;
}
