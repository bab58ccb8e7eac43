/* persona tests: shared helpers (see harness.h). */
#include "harness.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

bool test_persona_is_dynamic(void)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	bool dynamic = false;
	int fd = open(test_persona_bin(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG))
		for (int i = 0; i < eh.e_phnum && !dynamic; i++)
			dynamic = pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (size_t)i * eh.e_phentsize)) ==
					  (ssize_t)sizeof(ph) &&
				  ph.p_type == PT_INTERP;
	close(fd);
	return dynamic;
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

static int find_own_persona_cgroup(char *found, size_t len);
static int find_persona_process(char *found, size_t len);

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
	if (find_own_persona_cgroup(path, sizeof(path)))
		ck_abort_msg("cgroup left behind: %s", path);
	if (find_persona_process(path, sizeof(path)))
		ck_abort_msg("persona process left behind: %s", path);
}

/* ---- Additions for the integration suites (see harness.h) ---- */

static char **baseline;
static size_t nbaseline;

/* Every directory named persona-* below `dir`, recursively. */
static void collect_persona_cgroups(const char *dir, int depth, char ***v, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096];
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!strncmp(e->d_name, "persona-", 8)) {
			*v = realloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = strdup(path);
		} else if (depth < 6) {
			collect_persona_cgroups(path, depth + 1, v, n);
		}
	}
	closedir(d);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void leftovers_baseline(void)
{
	free_strv(baseline, nbaseline);
	baseline = NULL;
	nbaseline = 0;
	collect_persona_cgroups("/sys/fs/cgroup", 0, &baseline, &nbaseline);
	if (!baseline)
		baseline = calloc(1, sizeof(*baseline));
}

/* The caller's own cgroup in the v1 memory hierarchy ("/" if none). */
static void own_memory_cgroup(char *out, size_t len)
{
	char *cg = read_file_str("/proc/self/cgroup"), *line, *save = NULL;

	snprintf(out, len, "/");
	for (line = cg ? strtok_r(cg, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || (size_t)(c2 - c1 - 1) != 6 || strncmp(c1 + 1, "memory", 6))
			continue;
		snprintf(out, len, "%s", c2 + 1);
	}
	free(cg);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int find_own_persona_cgroup(char *found, size_t len)
{
	char own[2048], mine[4096];
	char **v = NULL;
	size_t n = 0;
	int hit = 0;

	own_memory_cgroup(own, sizeof(own));
	if (!baseline && !strcmp(own, "/"))
		return find_persona_cgroup("/sys/fs/cgroup", 0, found, len);
	snprintf(mine, sizeof(mine), "/sys/fs/cgroup/memory%s/", strcmp(own, "/") ? own : "");
	collect_persona_cgroups("/sys/fs/cgroup", 0, &v, &n);
	for (size_t i = 0; i < n && !hit; i++) {
		bool known = false, foreign = false, in_mine = false;
		for (size_t k = 0; k < nbaseline && !known; k++)
			known = !strcmp(baseline[k], v[i]);
		if (known)
			continue;
		/* Where is this container's memory cgroup?  Outside ours: another session's. */
		for (size_t k = 0; k < n; k++) {
			if (strcmp(base_name(v[k]), base_name(v[i])) ||
			    strncmp(v[k], "/sys/fs/cgroup/memory/", 22))
				continue;
			if (!strncmp(v[k], mine, strlen(mine)) || !strcmp(own, "/"))
				in_mine = true;
			else
				foreign = true;
		}
		if (foreign && !in_mine)
			continue;
		snprintf(found, len, "%s", v[i]);
		hit = 1;
	}
	free_strv(v, n);
	return hit;
}

/* A persona process (of the binary under test) working on our state root. */
static int scan_persona_processes(char *found, size_t len)
{
	char bin[PATH_MAX];
	DIR *d = opendir("/proc");
	struct dirent *e;
	int hit = 0;

	if (!d)
		return 0;
	if (!realpath(test_persona_bin(), bin))
		snprintf(bin, sizeof(bin), "%s", test_persona_bin());
	while (!hit && (e = readdir(d))) {
		char path[300], exe[PATH_MAX], cmd[8192];
		ssize_t n;
		int fd;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/exe", e->d_name);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		if (strncmp(exe, bin, strlen(bin)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		cmd[n] = '\0';
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(cmd + i) + 1) {
			if (strcmp(cmd + i, test_state_root()))
				continue;
			for (ssize_t k = 0; k < n - 1; k++)
				if (!cmd[k])
					cmd[k] = ' ';
			snprintf(found, len, "pid %s: %.3000s", e->d_name, cmd);
			hit = 1;
			break;
		}
	}
	closedir(d);
	return hit;
}

/* A monitor may take a moment to exit after the container is gone. */
static int find_persona_process(char *found, size_t len)
{
	for (int i = 0; i < 30; i++) {
		if (!scan_persona_processes(found, len))
			return 0;
		usleep(100000);
	}
	return 1;
}

static char private_root[512], private_tmp[512];
static pid_t private_root_owner;

static void private_root_cleanup(void)
{
	DIR *d;
	struct dirent *e;
	bool busy = false;

	if (getpid() != private_root_owner)
		return;
	if (private_tmp[0])
		rm_rf(private_tmp);
	if (!private_root[0])
		return;
	d = opendir(private_root);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			busy = true;
	closedir(d);
	if (!busy)
		rm_rf(private_root);
}

void test_private_root(const char *name)
{
	const char *r = getenv("PERSONA_TEST_ROOT");

	private_root_owner = getpid();
	/* make_temp_dir() puts its directories here, removed at exit even
	 * when a failed test could not remove its own */
	snprintf(private_tmp, sizeof(private_tmp), "/tmp/persona-test.%s.%d", name, (int)getpid());
	if (mkdir(private_tmp, 0755) == 0)
		setenv("PERSONA_TEST_TMP", private_tmp, 1);
	else
		private_tmp[0] = '\0';
	if (!r || !*r) {
		snprintf(private_root, sizeof(private_root), "/run/persona-test.%s.%d", name, (int)getpid());
		setenv("PERSONA_TEST_ROOT", private_root, 1);
	}
	atexit(private_root_cleanup);
}

struct cmd_result persona_t(int timeout_s, const char *input, bool *timed_out, const char *first, ...)
{
	const char *argv[128];
	int n = 0;
	va_list ap;
	struct timespec t0, t1;

	argv[n++] = test_persona_bin();
	argv[n++] = "--root";
	argv[n++] = test_state_root();
	va_start(ap, first);
	for (const char *a = first; a && n < 126; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct cmd_result r = run_cmd(argv, input, timeout_s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timed_out) {
		double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		/* run_cmd's deadline has a one-second grain */
		*timed_out = took >= (double)timeout_s - 1.0;
	}
	return r;
}

pid_t persona_spawn(int *out_fd, int *err_fd, const char *first, ...)
{
	const char *argv[128];
	int n = 0, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	va_list ap;
	pid_t pid;

	argv[n++] = test_persona_bin();
	argv[n++] = "--root";
	argv[n++] = test_state_root();
	va_start(ap, first);
	for (const char *a = first; a && n < 126; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	if ((out_fd && pipe2(outp, O_CLOEXEC)) || (err_fd && pipe2(errp, O_CLOEXEC)))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out_fd ? outp[1] : null, 1);
		dup2(err_fd ? errp[1] : null, 2);
		setpgid(0, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (out_fd) {
		close(outp[1]);
		*out_fd = outp[0];
	}
	if (err_fd) {
		close(errp[1]);
		*err_fd = errp[0];
	}
	return pid;
}

bool read_until(int fd, char **buf, const char *needle, int timeout_s)
{
	size_t len = *buf ? strlen(*buf) : 0, cap = *buf ? len + 1 : 0;
	struct timespec t0, now;

	if (!*buf) {
		*buf = calloc(1, 1);
		cap = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (needle && strstr(*buf, needle))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = (long)(t0.tv_sec + timeout_s - now.tv_sec) * 1000 -
			    (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (left <= 0)
			return false;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return needle ? strstr(*buf, needle) != NULL : true;
		append(buf, &len, &cap, tmp, (size_t)n);
	}
}

int wait_status(pid_t pid, int timeout_s)
{
	int st;

	for (int i = 0; i < timeout_s * 50; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return -1;
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

void persona_remove_all(void)
{
	DIR *d = opendir(test_state_root());
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 64 || strspn(e->d_name, "0123456789abcdef") != 64)
			continue;
		struct cmd_result r = persona_t(30, NULL, NULL, "rm", "-f", e->d_name, NULL);
		cmd_result_free(&r);
	}
	closedir(d);
	/* and whatever a killed persona left for the next command to clean */
	struct cmd_result r = persona_t(30, NULL, NULL, "ps", "-a", NULL);
	cmd_result_free(&r);
}

bool contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

char *status_field(const char *text, const char *field)
{
	size_t fl = strlen(field);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, field, fl) && p[fl] == ':') {
			const char *v = p + fl + 1;
			v += strspn(v, " \t");
			return strndup(v, strcspn(v, "\n"));
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

char *make_temp_dir(const char *tag)
{
	char *p = NULL;

	const char *base = getenv("PERSONA_TEST_TMP");

	if (asprintf(&p, "%s/persona-test-%s.XXXXXX", base && *base ? base : "/tmp", tag) < 0 || !mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void rm_rf(const char *path)
{
	nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void write_file_str(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

