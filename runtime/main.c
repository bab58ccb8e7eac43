/* persona: the command line.  Global options, then one sub-command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "runtime/commands.h"
#include "runtime/state.h"

#define PERSONA_VERSION "0.1.0"

static const char usage[] =
	"Usage: persona [--root DIR] COMMAND [OPTIONS] [ARG...]\n"
	"\n"
	"Run workloads isolated, under the OS personality they were built for.\n"
	"\n"
	"Commands:\n"
	"  run      Run a command in a new container\n"
	"  exec     Run a command in a running container\n"
	"  ps       List containers\n"
	"  stop     Stop running containers (StopSignal, then SIGKILL)\n"
	"  kill     Send a signal to running containers\n"
	"  rm       Remove containers\n"
	"  logs     Show the output of a detached container\n"
	"  inspect  Show a container's (or an image's) state and spec as JSON\n"
	"  spec     Write a default OCI config.json\n"
	"  binfmt   Register FreeBSD programs with binfmt_misc (install, uninstall, status)\n"
	"  vm       Boot a kernel in persona's KVM micro-VM (vm run --kernel FILE ...)\n"
	"  pull     Pull an image from a registry\n"
	"  push     Push an image to a registry\n"
	"  login    Keep credentials for a registry\n"
	"  logout   Forget credentials for a registry\n"
	"  load     Load an image from an oci-archive or docker-archive tarball\n"
	"  import   Make a one-layer image from a root filesystem tarball\n"
	"  images   List images\n"
	"  tag      Give an image another name\n"
	"  rmi      Remove images\n"
	"  save     Write images to an oci-archive or docker-archive tarball\n"
	"  image    Manage images (ls, rm, inspect, prune, ...)\n"
	"\n"
	"Global options:\n"
	"  --root DIR   state directory (default /run/persona)\n"
	"  --help       this text; COMMAND --help for a command's\n"
	"  --version    the version\n";

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "run", cmd_run },   { "exec", cmd_exec },     { "ps", cmd_ps },       { "stop", cmd_stop },
	{ "kill", cmd_kill }, { "rm", cmd_rm },         { "logs", cmd_logs },   { "inspect", cmd_inspect },
	{ "spec", cmd_spec }, { "binfmt", cmd_binfmt },
	{ "vm", cmd_vm },
};

char **persona_argv;
int persona_argc;

static const char *const image_commands[] = { "pull",   "push", "login", "logout", "load",
							       "save",   "import", "images", "tag", "rmi",
							       "image", NULL };

void usage_print(const char *text)
{
	fputs(text, stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	persona_argv = argv;
	persona_argc = argc;
	/* binfmt_misc runs a registered foreign program as `persona PATH ARGS`
	 * (the F flag: the interpreter is opened at registration, so this
	 * works inside containers too); the path is as given to execve. */
	if (argc >= 2 && strchr(argv[1], '/')) {
		struct stat sb;
		if (stat(argv[1], &sb) == 0 && S_ISREG(sb.st_mode))
			return foreign_run(argv[1], argc - 1, argv + 1, false);
	}
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			/* Bounded, so that every path below it fits in PATH_MAX. */
			if (!*optarg || optarg[0] != '/' || strlen(optarg) > 512) {
				fprintf(stderr, "persona: --root \"%s\": must be an absolute path of at most 512 "
					"characters\n", optarg);
				return 125;
			}
			state_root = optarg;
			break;
		case 'h':
			usage_print(usage);
			return 0;
		case 'V':
			printf("persona version %s\n", PERSONA_VERSION);
			return 0;
		default:
			fputs(usage, stderr);
			return 125;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 125;
	}
	for (size_t i = 0; image_commands[i]; i++)
		if (!strcmp(argv[optind], image_commands[i])) {
			/* --root reaches the helper (image prune looks at containers) */
			setenv("PERSONA_STATE_ROOT", state_root, 1);
			return run_image_helper(argv + optind);
		}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		/* Each sub-command parses its own options from its own argv[0]. */
		optind++;
		int sub_argc = argc - optind + 1;
		char **sub_argv = argv + optind - 1;
		optind = 0;
		return commands[i].fn(sub_argc, sub_argv);
	}
	fprintf(stderr, "persona: unknown command \"%s\"; see persona --help\n", argv[optind]);
	return 125;
}
