/* persona tests: shared helpers (see harness.h). */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void test_skip_msg(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "SKIP: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

char *read_file_str(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

struct cmd_result run_cmd(const char *const *argv, const char *input, int timeout_s)
{
	struct cmd_result r = { .status = -1 };
	int outp[2], errp[2], inp[2];
	size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
	pid_t pid;
	time_t deadline = time(NULL) + timeout_s;

	r.out = calloc(1, 1);
	r.err = calloc(1, 1);
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) || pipe2(inp, O_CLOEXEC))
		return r;
	pid = fork();
	if (pid == 0) {
		dup2(inp[0], 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		setpgid(0, 0);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(inp[0]);
	close(outp[1]);
	close(errp[1]);
	if (input) {
		/* Small inputs only: written before reading output. */
		ssize_t w = write(inp[1], input, strlen(input));
		(void)w;
	}
	close(inp[1]);

	struct pollfd pfd[2] = { { outp[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds > 0) {
		int left = (int)(deadline - time(NULL));
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, left * 1000) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			char buf[4096];
			ssize_t n;
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0)
				append(&r.out, &olen, &ocap, buf, (size_t)n);
			else
				append(&r.err, &elen, &ecap, buf, (size_t)n);
		}
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	int st;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

void cmd_result_free(struct cmd_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char *test_persona_bin(void)
{
	const char *b = getenv("PERSONA_BIN");
	return b && *b ? b : "build/persona";
}

const char *test_state_root(void)
{
	const char *r = getenv("PERSONA_TEST_ROOT");
	return r && *r ? r : "/run/persona-test";
}

static struct cmd_result persona_v(const char *input, const char *first, va_list ap)
{
	const char *argv[128];
	int n = 0;

	argv[n++] = test_persona_bin();
	argv[n++] = "--root";
	argv[n++] = test_state_root();
	for (const char *a = first; a && n < 126; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	return run_cmd(argv, input, 120);
}

struct cmd_result persona(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	struct cmd_result r = persona_v(NULL, first, ap);
	va_end(ap);
	return r;
}

struct cmd_result persona_in(const char *input, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	struct cmd_result r = persona_v(input, first, ap);
	va_end(ap);
	return r;
}

/* Any directory named like a container ID below `dir`, recursively (cgroups). */
static int find_persona_cgroup(const char *dir, int depth, char *found, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int hit = 0;

	if (!d)
		return 0;
	while (!hit && (e = readdir(d))) {
		char path[4096];
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!strncmp(e->d_name, "persona-", 8)) {
			snprintf(found, len, "%s", path);
			hit = 1;
		} else if (depth < 4) {
			hit = find_persona_cgroup(path, depth + 1, found, len);
		}
	}
	closedir(d);
	return hit;
}

void assert_no_leftovers(void)
{
	char path[4096];
	const char *root = test_state_root();
	DIR *d = opendir(root);
	struct dirent *e;
	char *mi;

	if (d) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' || e->d_type != DT_DIR)
				continue;
			closedir(d);
			ck_abort_msg("state directory left behind: %s/%s", root, e->d_name);
		}
		closedir(d);
	}
	mi = read_file_str("/proc/self/mountinfo");
	if (mi) {
		int bad = strstr(mi, root) != NULL;
		free(mi);
		ck_assert_msg(!bad, "a mount below %s is left on the host", root);
	}
	if (find_persona_cgroup("/sys/fs/cgroup", 0, path, sizeof(path)))
		ck_abort_msg("cgroup left behind: %s", path);
}
