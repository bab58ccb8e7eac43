/* persona: waiting for a container, as its parent (container_wait). */
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "isolation/cgroup.h"

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { fd, POLLOUT, 0 };
				poll(&p, 1, 1000);
				continue;
			}
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static void resize(int master)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Copy what is readable on the master to `out`; false at EOF or EIO (the
 * last holder of the slave is gone). */
static bool drain_master(int master, int out)
{
	char buf[16384];
	ssize_t n = read(master, buf, sizeof(buf));

	if (n > 0) {
		write_all(out, buf, (size_t)n);
		return true;
	}
	return n < 0 && (errno == EINTR || errno == EAGAIN);
}

int container_wait(struct container *c)
{
	sigset_t set;
	struct termios saved;
	bool raw = false, master_open = c->pty_master >= 0, stdin_open = c->interactive && c->pty_master >= 0;
	int out = c->log_fd >= 0 ? c->log_fd : STDOUT_FILENO;
	int sfd, status = -1, wst = 0;

	sigemptyset(&set);
	for (int i = 0; forwarded_signals[i]; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

	if (master_open) {
		fcntl(c->pty_master, F_SETFL, fcntl(c->pty_master, F_GETFL) | O_NONBLOCK);
		if (c->log_fd < 0)
			resize(c->pty_master);
		if (c->log_fd < 0 && c->interactive && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
			struct termios t = saved;
			cfmakeraw(&t);
			t.c_oflag |= OPOST | ONLCR;   /* keep our own newlines sane */
			raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0;
		}
	}
	while (status < 0) {
		struct pollfd p[3] = { { sfd, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLIN, 0 } };
		if (master_open)
			p[1].fd = c->pty_master;
		if (stdin_open)
			p[2].fd = STDIN_FILENO;
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD)
					continue;
				if (sig == SIGWINCH && master_open)
					resize(c->pty_master);
				else
					kill(c->pid, sig);
			}
			pid_t w;
			while ((w = waitpid(-1, &wst, WNOHANG)) > 0) {
				if (w == c->pid) {
					status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
					break;
				}
			}
		}
		if (master_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			master_open = drain_master(c->pty_master, out);
		if (stdin_open && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				write_all(c->pty_master, buf, (size_t)n);
			else if (n == 0 || errno != EINTR) {
				stdin_open = false;
				/* End of input: the terminal's EOF character. */
				write_all(c->pty_master, "\x04", 1);
			}
		}
	}
	if (master_open) {
		char buf[16384];
		ssize_t n;
		while ((n = read(c->pty_master, buf, sizeof(buf))) > 0)
			write_all(out, buf, (size_t)n);
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	if (sfd >= 0)
		close(sfd);
	c->pid = 0;

	if (status == 128 + SIGKILL && c->cgroup && pcgroup_oom_kills(c->cgroup) > 0) {
		c->st->oom_killed = true;
		if (c->log_fd < 0)
			fprintf(stderr, "persona: container %.12s was killed by the OOM killer (memory limit)\n",
				c->st->id);
	}
	container_release(c);
	c->st->exit_code = status;
	snprintf(c->st->status, sizeof(c->st->status), "stopped");
	state_now(c->st->finished);
	return status;
}
