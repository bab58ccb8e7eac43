/* persona binfmt install|uninstall|status: register FreeBSD amd64
 * executables with the kernel's binfmt_misc, so that `./prog` runs them
 * through persona from any shell and, thanks to flag F, inside containers
 * (see syscall-xlat/binfmt.h and docs/freebsd.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/commands.h"
#include "syscall-xlat/binfmt.h"

static const char binfmt_usage[] =
	"Usage: persona binfmt install [--interpreter PATH]\n"
	"       persona binfmt uninstall\n"
	"       persona binfmt status\n"
	"\n"
	"Register FreeBSD amd64 executables (ELF64, EI_OSABI FreeBSD, x86-64) with the kernel's\n"
	"binfmt_misc as \"" BINFMT_NAME "\", so that they run through persona when executed\n"
	"directly.  Flag F: the interpreter is opened now, so the registration also works inside\n"
	"containers and other mount namespaces.  Needs root; mounts binfmt_misc if needed.\n"
	"\n"
	"Options:\n"
	"  --interpreter PATH   the persona binary to run them with (default: this one).  Inside\n"
	"                       containers without the host's C library it must be static-pie.\n"
	"  --help               this text\n"
	"\n"
	"status exits 0 when the entry is installed and enabled, 1 when not.\n";

static int binfmt_fail(const char *what, struct perr *err)
{
	fprintf(stderr, "persona: binfmt %s: %s\n", what, err->msg);
	return perr_exit_status(err);
}

static int do_install(const char *interp)
{
	char self[PATH_MAX];
	struct perr err = { 0 };
	bool changed;

	if (!interp) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			perror("persona: binfmt install: /proc/self/exe");
			return 125;
		}
		self[n] = '\0';
		interp = self;
	} else if (interp[0] != '/') {
		if (!realpath(interp, self)) {
			fprintf(stderr, "persona: binfmt install: interpreter \"%s\": %m\n", interp);
			return 125;
		}
		interp = self;
	}
	if (binfmt_install(interp, &changed, &err) < 0)
		return binfmt_fail("install", &err);
	if (binfmt_interp_is_dynamic(interp) == 1)
		fprintf(stderr, "persona: binfmt install: warning: %s is dynamically linked: FreeBSD "
			"programs run through it on the host, but not in containers that lack its "
			"loader and C library; give --interpreter a static-pie persona\n", interp);
	printf("%s %s: interpreter %s, flags F\n", BINFMT_NAME, changed ? "installed" : "already installed",
	       interp);
	return 0;
}

int cmd_binfmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interpreter", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *interp = NULL;
	struct perr err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'H') {
			fputs(binfmt_usage, stdout);
			return 0;
		}
		if (c == 'i') {
			interp = optarg;
			continue;
		}
		fputs("See 'persona binfmt --help'.\n", stderr);
		return 125;
	}
	/* Options may also follow the action: persona binfmt install --interpreter X */
	if (optind >= argc) {
		fputs(binfmt_usage, stderr);
		return 125;
	}
	const char *action = argv[optind++];
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'H') {
			fputs(binfmt_usage, stdout);
			return 0;
		}
		if (c == 'i') {
			interp = optarg;
			continue;
		}
		fputs("See 'persona binfmt --help'.\n", stderr);
		return 125;
	}
	if (optind < argc) {
		fprintf(stderr, "persona: binfmt %s: unexpected argument \"%s\"\n", action, argv[optind]);
		return 125;
	}
	if (interp && strcmp(action, "install")) {
		fprintf(stderr, "persona: binfmt %s: --interpreter is for install\n", action);
		return 125;
	}
	if (!strcmp(action, "install"))
		return do_install(interp);
	if (!strcmp(action, "uninstall")) {
		bool removed;
		if (binfmt_uninstall(&removed, &err) < 0)
			return binfmt_fail("uninstall", &err);
		printf("%s %s\n", BINFMT_NAME, removed ? "uninstalled" : "was not installed");
		return 0;
	}
	if (!strcmp(action, "status")) {
		struct binfmt_state st;
		if (binfmt_status(&st, &err) < 0)
			return binfmt_fail("status", &err);
		if (!st.installed) {
			printf("%s: not installed\n", BINFMT_NAME);
			return 1;
		}
		printf("%s: %s\ninterpreter %s\nflags %s\nmagic %s\nmask %s\n", BINFMT_NAME,
		       st.enabled ? "enabled" : "disabled", st.interpreter, st.flags, st.magic, st.mask);
		return st.enabled ? 0 : 1;
	}
	fprintf(stderr, "persona: binfmt: unknown action \"%s\" (install, uninstall, status)\n", action);
	return 125;
}
