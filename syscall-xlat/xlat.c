/* persona syscall-xlat: xlat_run(), the entry point (see xlat.h). */
#include "syscall-xlat/xlat.h"
#include "syscall-xlat/elf.h"
#include "syscall-xlat/freebsd/freebsd.h"
#include "syscall-xlat/loader.h"
#include "syscall-xlat/timekeep.h"
#include "syscall-xlat/trap/trap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

static int fail(struct perr *err, int status, const char *path)
{
	if (err && !err->status)
		err->status = status;
	return perr_prefix(err, "%s", path);
}

/* As execve(2) does: signals the caller catches go back to their default
 * action (ignored ones stay ignored), so no host handler of persona's
 * caller ever runs on the guest's behalf. */
static void reset_handlers(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL)
			signal(sig, SIG_DFL);
	}
}

/* A dynamically linked program: its run-time linker (FreeBSD's
 * /libexec/ld-elf.so.1), looked up in this root, mapped next to it; the
 * guest starts there and the linker finds the program through the auxv
 * (AT_BASE, AT_PHDR, AT_ENTRY) and loads its libraries with translated
 * calls.  Static programs: nothing to do. */
static int load_interp(int fd, const struct xlat_elf *e, struct xlat_image *img, struct perr *err)
{
	char interp[PATH_MAX];
	struct xlat_elf ie;
	int r = xlat_elf_interp(fd, e, interp, sizeof(interp), err);

	if (r <= 0)
		return r;
	_cleanup_close_ int ifd = open(interp, O_RDONLY | O_CLOEXEC);
	if (ifd < 0) {
		if (errno == ENOENT)
			return perr_set(err, 0, "dynamically linked: its run-time linker %s is not here (run it in a "
					"FreeBSD root filesystem that has it and its libraries)", interp);
		return perr_set(err, errno, "run-time linker %s", interp);
	}
	r = xlat_elf_read(ifd, &ie, err);
	if (r == 0)
		return perr_set(err, 0, "run-time linker %s: not an ELF file", interp);
	if (r < 0 || xlat_elf_check_loadable(&ie, err) < 0 || xlat_load_interp(ifd, &ie, img, err) < 0)
		return perr_prefix(err, "run-time linker %s", interp);
	return 0;
}

int xlat_run(const char *path, int argc, char **argv, char **envp, struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perr_set(err, errno, "%s", path);
		if (err)
			err->status = errno == ENOENT ? 127 : 126;
		return -1;
	}
	int kind = xlat_detect(fd, err);
	if (kind < 0)
		return fail(err, 126, path);
	if (kind != XLAT_FREEBSD) {
		perr_set(err, 0, "not a FreeBSD amd64 executable");
		return fail(err, 126, path);
	}
	struct xlat_elf e;
	if (xlat_elf_read(fd, &e, err) < 0 || xlat_elf_check_loadable(&e, err) < 0)
		return fail(err, 126, path);

	char execpath[PATH_MAX];
	if (!realpath(path, execpath)) {
		perr_set(err, errno, "resolve path");
		return fail(err, 126, path);
	}

	struct xlat_image img;
	if (xlat_load_image(fd, &e, &img, err) < 0)
		return fail(err, 126, path);
	if (load_interp(fd, &e, &img, err) < 0) {
		xlat_unload(&img);
		return fail(err, 126, path);
	}
	xlat_timekeep_init();
	if (xlat_build_stack(&img, &e, execpath, argc, argv, envp, err) < 0) {
		xlat_timekeep_stop();
		xlat_unload(&img);
		return fail(err, 125, path);
	}
	freebsd_init(execpath);
	reset_handlers();
	close(steal_fd(fd));
	fflush(NULL);

	const char *mode_s = getenv("PERSONA_XLAT_TRAP");
	int mode = XLAT_TRAP_AUTO;
	if (mode_s && !strcmp(mode_s, "seccomp"))
		mode = XLAT_TRAP_SECCOMP;
	else if (mode_s && !strcmp(mode_s, "sud"))
		mode = XLAT_TRAP_SUD;
	else if (mode_s && !strcmp(mode_s, "ptrace"))
		mode = XLAT_TRAP_PTRACE;
	if (mode == XLAT_TRAP_PTRACE && xlat_ptrace_split(err) < 0) {
		xlat_timekeep_stop();
		xlat_unload(&img);
		return fail(err, 125, path);
	}
	xlat_timekeep_start(); /* failing, the page stays disabled */
	if (xlat_trap_install(freebsd_dispatch, mode, err) < 0) {
		xlat_timekeep_stop();
		xlat_unload(&img);
		return fail(err, 125, path);
	}
	xlat_enter_guest(img.start, img.sp, img.sp);
}

int xlat_set_exec_helper(const char *helper, char *const *prefix, struct perr *err)
{
	if (freebsd_set_exec_helper(helper, prefix) < 0)
		return perr_set(err, E2BIG, "exec helper %s", helper);
	return 0;
}
