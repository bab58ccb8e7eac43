/* persona: `persona run FILE [ARGS]` for a program built for another OS
 * (a FreeBSD amd64 ELF executable, a Windows PE32+ console program),
 * run on the host the way `qemu-x86_64 prog` or `wine prog.exe` would:
 * current directory, environment, user and terminal kept, no namespaces.
 * The program is recognised by its headers, never by its name. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "runtime/commands.h"
#include "syscall-xlat/xlat.h"
#include "winapi-shim/win.h"

extern char **environ;

int foreign_run(const char *path, int argc, char **argv, bool trace)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct perr err = { 0 };
	int kind;

	if (fd < 0) {
		perr_set(&err, errno, "program \"%s\"", path);
		perr_print(&err);
		return errno == ENOENT ? 127 : 126;
	}
	kind = xlat_detect(fd, &err);
	if (kind < 0) {
		perr_print(&err);
		return perr_exit_status(&err);
	}
	if (kind != XLAT_FREEBSD) {
		int pe = pe_detect(fd, &err);
		if (pe < 0) {
			perr_print(&err);
			return perr_exit_status(&err);
		}
		if (pe) {
			win_run(path, argc, argv, environ, &err);
			perr_print(&err);
			return perr_exit_status(&err);
		}
		fprintf(stderr, "persona: \"%s\": not a program persona runs (a FreeBSD amd64 ELF executable or a "
			"Windows PE32+ program); give a root filesystem directory or an image to run a Linux "
			"program\n", path);
		return 126;
	}
	/* A FreeBSD program that executes another one comes back through us:
	 * through /proc/self/exe, which works inside a container too (as a
	 * binfmt_misc interpreter, persona's own path is the host's). */
	static char *const prefix[] = { "run", "--", NULL };
	if (xlat_set_exec_helper("/proc/self/exe", prefix, &err) < 0) {
		perr_print(&err);
		return perr_exit_status(&err);
	}
	if (trace)
		setenv("PERSONA_XLAT_TRACE", "1", 0);
	xlat_run(path, argc, argv, environ, &err);
	perr_print(&err);
	return perr_exit_status(&err);
}
