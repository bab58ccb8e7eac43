/* persona: finding and executing the persona-image helper (see commands.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "images/prepared.h"
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

json_t *image_prepare(const char *image, int *status)
{
	char helper[PATH_MAX + 32];
	int p[2], st = 0;
	pid_t pid;
	json_error_t je;
	json_t *answer = img_prepared_lookup(NULL, image);

	*status = 125;
	if (answer)
		return answer;
	if (image_helper_path(helper, sizeof(helper)) < 0) {
		fprintf(stderr, "persona: image \"%s\": the image helper persona-image is missing\n", image);
		return NULL;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return perror("persona: pipe"), NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(helper, "persona-image", "prepare", image, (char *)NULL);
		_exit(125);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	answer = f ? json_loadf(f, 0, &je) : NULL;
	if (f)
		fclose(f);
	else
		close(p[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) || !answer) {
		json_decref(answer);
		if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st))
			*status = WEXITSTATUS(st);
		return NULL;
	}
	return answer;
}

int image_merged_root(const char *image, char *out, size_t len)
{
	int status;
	json_t *answer = image_prepare(image, &status), *layers, *l;
	size_t i, total = 0;

	if (!answer)
		return status;
	layers = json_object_get(answer, "lowerdirs");
	if (!json_array_size(layers)) {
		fprintf(stderr, "persona: image \"%s\": has no layers to run\n", image);
		json_decref(answer);
		return 125;
	}
	if (json_array_size(layers) == 1) {
		snprintf(out, len, "%s", json_string_value(json_array_get(layers, 0)));
		json_decref(answer);
		return 0;
	}
	json_array_foreach(layers, i, l)
		total += strlen(json_string_value(l) ?: "") + 1;
	char *opts = malloc(total + 16), *q = opts;
	if (!opts) {
		json_decref(answer);
		return 125;
	}
	q += sprintf(q, "lowerdir=");
	json_array_foreach(layers, i, l)
		q += sprintf(q, "%s%s", i ? ":" : "", json_string_value(l) ?: "");
	json_decref(answer);
	/* the mount lives in a mount namespace of this process's own, and
	 * goes with it */
	snprintf(out, len, "/tmp/persona-merged-XXXXXX");
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || !mkdtemp(out) ||
	    mount("overlay", out, "overlay", MS_RDONLY, opts) < 0) {
		fprintf(stderr, "persona: image \"%s\": stacking its layers: %s\n", image, strerror(errno));
		free(opts);
		return 125;
	}
	free(opts);
	return 0;
}

void image_merged_release(const char *dir)
{
	if (strncmp(dir, "/tmp/persona-merged-", 20))
		return;   /* a layer directory itself */
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}
