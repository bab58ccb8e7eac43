/* persona binfmt install|uninstall|status: register FreeBSD amd64
 * executables and Windows PE programs with the kernel's binfmt_misc, so
 * that `./prog` runs them through persona from any shell and, thanks to
 * flag F, inside containers (see runtime/binfmt.h, docs/freebsd.md and
 * docs/windows.md). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/binfmt.h"
#include "runtime/commands.h"

static const char binfmt_usage[] =
	"Usage: persona binfmt install [--interpreter PATH] [FORMAT...]\n"
	"       persona binfmt uninstall [FORMAT...]\n"
	"       persona binfmt status [FORMAT...]\n"
	"\n"
	"Register foreign programs with the kernel's binfmt_misc, so that they run through\n"
	"persona when executed directly.  FORMAT: freebsd (FreeBSD amd64 executables: ELF64,\n"
	"EI_OSABI FreeBSD, x86-64; entry persona-freebsd) and windows (PE programs, by their\n"
	"\"MZ\"; entry persona-pe); both when none is named.  Flag F: the interpreter is opened\n"
	"now, so the registration also works inside containers and other mount namespaces.\n"
	"Needs root; mounts binfmt_misc if needed.\n"
	"\n"
	"Options:\n"
	"  --interpreter PATH   the persona binary to run them with (default: this one).  Inside\n"
	"                       containers without the host's C library it must be static-pie.\n"
	"  --help               this text\n"
	"\n"
	"status exits 0 when every entry named is installed and enabled, 1 when not.\n";

static int binfmt_fail(const char *what, struct perr *err)
{
	fprintf(stderr, "persona: binfmt %s: %s\n", what, err->msg);
	return perr_exit_status(err);
}

static int do_install(const struct binfmt_format *const *fmts, const char *interp)
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
	for (; *fmts; fmts++) {
		if (binfmt_install(*fmts, interp, &changed, &err) < 0)
			return binfmt_fail("install", &err);
		printf("%s %s: interpreter %s, flags F\n", (*fmts)->name, changed ? "installed" : "already installed",
		       interp);
	}
	if (binfmt_interp_is_dynamic(interp) == 1)
		fprintf(stderr, "persona: binfmt install: warning: %s is dynamically linked: foreign "
			"programs run through it on the host, but not in containers that lack its "
			"loader and C library; give --interpreter a static-pie persona\n", interp);
	return 0;
}

static int do_status(const struct binfmt_format *const *fmts)
{
	struct perr err = { 0 };
	struct binfmt_state st;
	int rc = 0;

	for (; *fmts; fmts++) {
		if (binfmt_status(*fmts, &st, &err) < 0)
			return binfmt_fail("status", &err);
		if (!st.installed) {
			printf("%s: not installed\n", (*fmts)->name);
			rc = 1;
			continue;
		}
		printf("%s: %s\ninterpreter %s\nflags %s\nmagic %s\nmask %s\n", (*fmts)->name,
		       st.enabled ? "enabled" : "disabled", st.interpreter, st.flags, st.magic, st.mask);
		if (!st.enabled)
			rc = 1;
	}
	return rc;
}

int cmd_binfmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interpreter", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const struct binfmt_format *fmts[8];
	const char *interp = NULL, *action = NULL;
	struct perr err = { 0 };
	size_t nf = 0;
	int c;

	/* Options anywhere: persona binfmt install --interpreter X freebsd */
	while (optind < argc) {
		c = getopt_long(argc, argv, "+", opts, NULL);
		if (c == 'H') {
			fputs(binfmt_usage, stdout);
			return 0;
		}
		if (c == 'i') {
			interp = optarg;
			continue;
		}
		if (c != -1) {
			fputs("See 'persona binfmt --help'.\n", stderr);
			return 125;
		}
		if (optind >= argc)
			break;
		const char *word = argv[optind++];
		if (!action) {
			action = word;
			continue;
		}
		const struct binfmt_format *f = binfmt_format(word);
		if (!f) {
			fprintf(stderr, "persona: binfmt %s: unknown format \"%s\" (freebsd, windows)\n", action, word);
			return 125;
		}
		if (nf < sizeof(fmts) / sizeof(fmts[0]) - 1)
			fmts[nf++] = f;
	}
	if (!action) {
		fputs(binfmt_usage, stderr);
		return 125;
	}
	if (!nf)
		for (const struct binfmt_format *f = binfmt_formats; f->name; f++)
			fmts[nf++] = f;
	fmts[nf] = NULL;
	if (interp && strcmp(action, "install")) {
		fprintf(stderr, "persona: binfmt %s: --interpreter is for install\n", action);
		return 125;
	}
	if (!strcmp(action, "install"))
		return do_install(fmts, interp);
	if (!strcmp(action, "uninstall")) {
		for (size_t i = 0; i < nf; i++) {
			bool removed;
			if (binfmt_uninstall(fmts[i], &removed, &err) < 0)
				return binfmt_fail("uninstall", &err);
			printf("%s %s\n", fmts[i]->name, removed ? "uninstalled" : "was not installed");
		}
		return 0;
	}
	if (!strcmp(action, "status"))
		return do_status(fmts);
	fprintf(stderr, "persona: binfmt: unknown action \"%s\" (install, uninstall, status)\n", action);
	return 125;
}
