/* tsexec: run a command with its stdout and stderr on a pipe and print
 * every line it writes, as it arrives, prefixed with the seconds since
 * just before the fork (CLOCK_MONOTONIC); then "EXIT <status>" (or
 * "KILLED" after TIMEOUT seconds, or after the line MATCH if given: for a
 * VMM the guest cannot end).  The child dies with tsexec (PDEATHSIG) and
 * on SIGINT/SIGTERM.
 *   tsexec TIMEOUT [-m MATCH] -- CMD [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct timespec t0;
static volatile pid_t child;

static double since(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

static void on_signal(int sig)
{
	if (child > 0)
		kill(child, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void emit(const char *s, size_t n)
{
	/* Drop the terminal's \r and escape sequences' noise at line ends. */
	while (n && (s[n - 1] == '\r'))
		n--;
	printf("%10.6f %.*s\n", since(), (int)n, s);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *match = NULL;
	int i = 2, p[2];

	if (argc < 4)
		goto usage;
	double timeout = atof(argv[1]);
	if (!strcmp(argv[i], "-m") && i + 1 < argc) {
		match = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc)
		goto usage;
	i++;
	if (pipe2(p, O_CLOEXEC) < 0)
		return perror("tsexec: pipe"), 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0)
		return perror("tsexec: fork"), 2;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execvp(argv[i], argv + i);
		fprintf(stderr, "tsexec: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	child = pid;
	close(p[1]);

	static char buf[1 << 16];
	size_t len = 0;
	int killed = 0;
	for (;;) {
		double left = timeout - since();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		char *start = buf, *nl;
		int hit = 0;
		while ((nl = memchr(start, '\n', (size_t)(buf + len - start)))) {
			emit(start, (size_t)(nl - start));
			if (match && memmem(start, (size_t)(nl - start), match, strlen(match)))
				hit = 1;
			start = nl + 1;
		}
		len = (size_t)(buf + len - start);
		memmove(buf, start, len);
		if (len == sizeof(buf) - 1) {
			emit(buf, len);
			len = 0;
		}
		if (hit) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
	}
	if (len)
		emit(buf, len);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (killed)
		printf("%10.6f KILLED\n", since());
	else if (WIFEXITED(st))
		printf("%10.6f EXIT %d\n", since(), WEXITSTATUS(st));
	else
		printf("%10.6f EXIT signal %d\n", since(), WTERMSIG(st));
	return 0;
usage:
	fputs("usage: tsexec TIMEOUT [-m MATCH] -- CMD [ARG...]\n", stderr);
	return 2;
}
