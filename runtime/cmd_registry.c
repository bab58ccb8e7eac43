/* persona pull, push, login, logout: the commands that talk to a registry
 * (images/registry.h) and keep its credentials (images/auth.h).  pull and
 * push take --store DIR (else $PERSONA_STORE, else /var/lib/persona/store);
 * options and output follow podman's commands of the same names. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/parse.h"
#include "images/auth.h"
#include "images/ref.h"
#include "images/registry.h"
#include "images/store.h"
#include "runtime/commands.h"

/* Options of pull, push and login; the registry ones are common_opt's. */
enum { OPT_STORE = 256, OPT_MAXSIZE, OPT_HELP, P_TLS, P_CREDS, P_CERTS, P_TIMEOUT, P_AUTHFILE, P_PLATFORM, P_STDIN };

static int fail(struct perr *err)
{
	perr_print(err);
	return perr_exit_status(err);
}

/* --tls-verify[=true|false] */
static int tls_arg(const char *arg, bool *out)
{
	if (!arg || !strcmp(arg, "true")) {
		*out = true;
	} else if (!strcmp(arg, "false")) {
		*out = false;
	} else {
		fprintf(stderr, "persona: --tls-verify=\"%s\": use true or false\n", arg);
		return -1;
	}
	return 0;
}

/* The registry options of pull and push: their getopt rows and their
 * usage lines (login takes the same but --creds). */
#define REGISTRY_OPTIONS                                                   \
	{ "tls-verify", optional_argument, NULL, P_TLS },                  \
	{ "creds", required_argument, NULL, P_CREDS },                     \
	{ "cert-dir", required_argument, NULL, P_CERTS },                  \
	{ "authfile", required_argument, NULL, P_AUTHFILE },               \
	{ "timeout", required_argument, NULL, P_TIMEOUT }
#define REGISTRY_USAGE                                                                                  \
	"      --tls-verify=false      do not check certificates; plain HTTP when TLS fails\n"               \
	"      --creds USER:PASS       credentials (default: those 'persona login' stored)\n"                \
	"      --authfile FILE         the auth file (default: $REGISTRY_AUTH_FILE,\n"                       \
	"                              else $XDG_RUNTIME_DIR/containers/auth.json)\n"                        \
	"      --cert-dir DIR          CA certificates (hashed, as c_rehash makes)\n"                        \
	"      --timeout SECONDS       give up on a stalled connection (default 30)\n"

/* The registry options pull, push and login share: 1 when `c` is one of
 * them (its value taken into *ro), 0 when not, -1 after a message on a
 * bad value. */
static int common_opt(int c, const char *arg, struct img_reg_opts *ro)
{
	struct perr err = { 0 };
	int64_t v;

	switch (c) {
	case P_CREDS: ro->creds = arg; return 1;
	case P_CERTS: ro->cert_dir = arg; return 1;
	case P_AUTHFILE: ro->authfile = arg; return 1;
	case P_TLS: return tls_arg(arg, &ro->tls_verify) < 0 ? -1 : 1;
	case P_TIMEOUT:
		if (parse_int64(arg, &v, &err) < 0 || v <= 0 || v > 3600) {
			fprintf(stderr, "persona: --timeout \"%s\": seconds from 1 to 3600\n", arg);
			return -1;
		}
		ro->timeout_s = (long)v;
		return 1;
	default:
		return 0;
	}
}

int cmd_pull(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona pull [OPTIONS] REF\n\n"
		"Pull an image from a registry (OCI distribution API) into the store.  Three\n"
		"blobs download at once; blobs the store has are not downloaded again, also\n"
		"those of a pull that was interrupted.  Progress goes to standard error: redrawn\n"
		"in place on a terminal, else one line per blob.\n\n"
		"Options:\n"
		"      --platform linux/amd64  the only platform for now\n"
		REGISTRY_USAGE
		"      --max-layer-size SIZE   refuse a layer that expands beyond SIZE (default 64g)\n"
		"      --store DIR             the image store (default /var/lib/persona/store)\n"
		"  -q, --quiet                 print only the image name\n"
		"      --help                  this text\n";
	static const struct option opts[] = {
		{ "store", required_argument, NULL, OPT_STORE },
		{ "max-layer-size", required_argument, NULL, OPT_MAXSIZE },
		{ "platform", required_argument, NULL, P_PLATFORM },
		REGISTRY_OPTIONS,
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct img_pull_opts po = { .reg.tls_verify = true };
	const char *store = NULL;
	struct img_store s;
	struct perr err = { 0 };
	char name[IMG_REF_MAX + 512];
	bool quiet = false;
	int64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		int k = common_opt(c, optarg, &po.reg);
		if (k < 0)
			return 125;
		if (k)
			continue;
		switch (c) {
		case OPT_STORE: store = optarg; break;
		case 'q': quiet = true; break;
		case P_PLATFORM:
			if (strcmp(optarg, "linux/amd64")) {
				fprintf(stderr, "persona: --platform \"%s\": only linux/amd64 is supported\n", optarg);
				return 125;
			}
			break;
		case OPT_MAXSIZE:
			if (parse_size(optarg, false, &v, &err) < 0 || v <= 0) {
				fprintf(stderr, "persona: --max-layer-size \"%s\": not a size (e.g. 512m, 4g)\n", optarg);
				return 125;
			}
			po.uo.max_bytes = (uint64_t)v;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "See 'persona pull --help'.\n");
			return 125;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "persona: pull needs one REF; see 'persona pull --help'\n");
		return 125;
	}
	if (po.reg.creds && (!strchr(po.reg.creds, ':') || po.reg.creds[0] == ':')) {
		fprintf(stderr, "persona: --creds: use USER:PASS\n");
		return 125;
	}
	po.reg.progress = quiet ? IMG_PROGRESS_NONE : isatty(2) ? IMG_PROGRESS_TTY : IMG_PROGRESS_LINES;
	if (img_store_open(&s, store, 1, &err) < 0 || img_pull(&s, argv[optind], &po, name, &err) < 0)
		return fail(&err);
	printf(quiet ? "%s\n" : "Pulled image: %s\n", name);
	return 0;
}

int cmd_push(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona push [OPTIONS] IMAGE [DEST]\n\n"
		"Push an image of the store to a registry (OCI distribution API).  DEST is\n"
		"a reference (registry/name:tag), by default IMAGE's own name.  Blobs the\n"
		"registry has are not sent again.\n\n"
		"Options:\n"
		REGISTRY_USAGE
		"      --store DIR             the image store (default /var/lib/persona/store)\n"
		"  -q, --quiet                 print only the pushed name\n"
		"      --help                  this text\n";
	static const struct option opts[] = {
		{ "store", required_argument, NULL, OPT_STORE },
		REGISTRY_OPTIONS,
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct img_reg_opts ro = { .tls_verify = true };
	const char *store = NULL;
	struct img_store s;
	struct perr err = { 0 };
	char name[IMG_REF_MAX + 512];
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		int k = common_opt(c, optarg, &ro);
		if (k < 0)
			return 125;
		if (k)
			continue;
		switch (c) {
		case OPT_STORE: store = optarg; break;
		case 'q': quiet = true; break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "See 'persona push --help'.\n");
			return 125;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "persona: push needs IMAGE and at most one DEST; see 'persona push --help'\n");
		return 125;
	}
	if (ro.creds && (!strchr(ro.creds, ':') || ro.creds[0] == ':')) {
		fprintf(stderr, "persona: --creds: use USER:PASS\n");
		return 125;
	}
	ro.progress = quiet ? IMG_PROGRESS_NONE : IMG_PROGRESS_LINES;
	if (img_store_open(&s, store, 0, &err) < 0 ||
	    img_push(&s, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL, &ro, name, &err) < 0)
		return fail(&err);
	printf(quiet ? "%s\n" : "Pushed image: %s\n", name);
	return 0;
}

/* A line of the terminal, without its newline; with `hide`, not echoed. */
static int prompt(const char *what, bool hide, char *out, size_t len)
{
	struct termios t, saved;
	bool restore = false;

	fprintf(stderr, "%s", what);
	fflush(stderr);
	if (hide && tcgetattr(0, &saved) == 0) {
		t = saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(0, TCSANOW, &t) == 0;
	}
	char *got = fgets(out, (int)len, stdin);
	if (restore) {
		tcsetattr(0, TCSANOW, &saved);
		fputc('\n', stderr);
	}
	if (!got)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

int cmd_login(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona login [OPTIONS] REGISTRY\n\n"
		"Check a user name and password against a registry (GET /v2/ and its\n"
		"challenge) and store them for pull and push, in containers-auth.json(5)\n"
		"format: --authfile, else $REGISTRY_AUTH_FILE, else\n"
		"$XDG_RUNTIME_DIR/containers/auth.json (/run/containers/UID/auth.json).\n\n"
		"Options:\n"
		"  -u, --username USER         the user name (asked for on a terminal)\n"
		"  -p, --password PASS         the password (visible to other users: prefer\n"
		"                              --password-stdin)\n"
		"      --password-stdin        read the password from standard input\n"
		"      --authfile FILE         the auth file to write\n"
		"      --tls-verify=false      do not check certificates; plain HTTP when TLS fails\n"
		"      --cert-dir DIR          CA certificates (hashed, as c_rehash makes)\n"
		"      --timeout SECONDS       give up on a stalled connection (default 30)\n"
		"      --help                  this text\n";
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, P_STDIN },
		{ "tls-verify", optional_argument, NULL, P_TLS },
		{ "cert-dir", required_argument, NULL, P_CERTS },
		{ "authfile", required_argument, NULL, P_AUTHFILE },
		{ "timeout", required_argument, NULL, P_TIMEOUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct img_reg_opts ro = { .tls_verify = true };
	struct perr err = { 0 };
	char user[1024] = "", pass[4096] = "", key[300], domain[300], creds[5200];
	bool have_user = false, have_pass = false, from_stdin = false;
	int c;

	while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
		int k = common_opt(c, optarg, &ro);
		if (k < 0)
			return 125;
		if (k)
			continue;
		switch (c) {
		case 'u': snprintf(user, sizeof(user), "%s", optarg); have_user = true; break;
		case 'p': snprintf(pass, sizeof(pass), "%s", optarg); have_pass = true; break;
		case P_STDIN: from_stdin = true; break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "See 'persona login --help'.\n");
			return 125;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "persona: login needs one REGISTRY; see 'persona login --help'\n");
		return 125;
	}
	if (img_auth_key(argv[optind], key, sizeof(key), &err) < 0)
		return fail(&err);
	snprintf(domain, sizeof(domain), "%.*s", (int)strcspn(key, "/"), key);
	if (have_pass && from_stdin) {
		fprintf(stderr, "persona: login: give --password or --password-stdin, not both\n");
		return 125;
	}
	if (!have_user && (from_stdin || !isatty(0) || prompt("Username: ", false, user, sizeof(user)) < 0)) {
		fprintf(stderr, "persona: login %s: no user name (-u USER)\n", key);
		return 125;
	}
	if (from_stdin) {
		size_t n = fread(pass, 1, sizeof(pass) - 1, stdin);
		pass[n] = '\0';
		if (!feof(stdin) || strlen(pass) != n) {
			fprintf(stderr, "persona: login: the password on standard input is too long or holds a NUL\n");
			return 125;
		}
		while (n && (pass[n - 1] == '\n' || pass[n - 1] == '\r'))
			pass[--n] = '\0';
	} else if (!have_pass && (!isatty(0) || prompt("Password: ", true, pass, sizeof(pass)) < 0)) {
		fprintf(stderr, "persona: login %s: no password (-p PASS or --password-stdin)\n", key);
		return 125;
	}
	if (!user[0] || strchr(user, ':') || strpbrk(user, "\r\n") || !pass[0] || strpbrk(pass, "\r\n")) {
		fprintf(stderr, "persona: login %s: the user name must be non-empty without ':', the password "
			"non-empty, both on one line\n", key);
		return 125;
	}
	snprintf(creds, sizeof(creds), "%s:%s", user, pass);
	ro.creds = creds;
	int r = img_login_check(domain, &ro, &err);
	if (r == 0)
		r = img_auth_store(ro.authfile, key, user, pass, &err);
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(creds, sizeof(creds));
	if (r < 0)
		return fail(&err);
	printf("Login Succeeded!\n");
	return 0;
}

int cmd_logout(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona logout [OPTIONS] REGISTRY\n"
		"       persona logout [OPTIONS] --all\n\n"
		"Remove the credentials 'persona login' stored for REGISTRY, or all of them.\n\n"
		"Options:\n"
		"  -a, --all                   every registry\n"
		"      --authfile FILE         the auth file (as for persona login)\n"
		"      --help                  this text\n";
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "authfile", required_argument, NULL, P_AUTHFILE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct perr err = { 0 };
	const char *authfile = NULL;
	char key[300] = "";
	bool all = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case P_AUTHFILE: authfile = optarg; break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "See 'persona logout --help'.\n");
			return 125;
		}
	}
	if (argc - optind != (all ? 0 : 1)) {
		fprintf(stderr, "persona: logout needs one REGISTRY, or --all alone; see 'persona logout --help'\n");
		return 125;
	}
	if (!all && img_auth_key(argv[optind], key, sizeof(key), &err) < 0)
		return fail(&err);
	r = img_auth_remove(authfile, key, all, &err);
	if (r < 0)
		return fail(&err);
	if (all) {
		printf("Removed login credentials for all registries\n");
		return 0;
	}
	if (r == 0) {
		fprintf(stderr, "persona: logout %s: not logged in (no entry in the auth file)\n", key);
		return 125;
	}
	printf("Removed login credentials for %s\n", key);
	return 0;
}
