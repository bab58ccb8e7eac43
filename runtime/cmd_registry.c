/* persona pull, push, login, logout: the commands that talk to a registry
 * (images/registry.h).  Each takes --store DIR (else $PERSONA_STORE, else
 * /var/lib/persona/store) where it touches the store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/parse.h"
#include "images/ref.h"
#include "images/registry.h"
#include "images/store.h"
#include "runtime/commands.h"

enum { OPT_STORE = 256, OPT_MAXSIZE, OPT_HELP };

static int fail(struct perr *err)
{
	perr_print(err);
	return perr_exit_status(err);
}

int cmd_pull(int argc, char **argv)
{
	static const char usage[] =
		"Usage: persona pull [OPTIONS] REF\n\n"
		"Pull an image from a registry (OCI distribution API) into the store.\n\n"
		"Options:\n"
		"      --platform linux/amd64  the only platform for now\n"
		"      --tls-verify=false      do not check certificates; plain HTTP when TLS fails\n"
		"      --creds USER:PASS       credentials for basic or token auth\n"
		"      --cert-dir DIR          CA certificates (hashed, as c_rehash makes)\n"
		"      --timeout SECONDS       give up on a stalled connection (default 30)\n"
		"      --max-layer-size SIZE   refuse a layer that expands beyond SIZE (default 64g)\n"
		"      --store DIR             the image store (default /var/lib/persona/store)\n"
		"  -q, --quiet                 print only the image name\n"
		"      --help                  this text\n";
	enum { P_PLATFORM = 300, P_TLS, P_CREDS, P_CERTS, P_TIMEOUT };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, OPT_STORE },
		{ "max-layer-size", required_argument, NULL, OPT_MAXSIZE },
		{ "platform", required_argument, NULL, P_PLATFORM },
		{ "tls-verify", optional_argument, NULL, P_TLS },
		{ "creds", required_argument, NULL, P_CREDS },
		{ "cert-dir", required_argument, NULL, P_CERTS },
		{ "timeout", required_argument, NULL, P_TIMEOUT },
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
		switch (c) {
		case OPT_STORE: store = optarg; break;
		case 'q': quiet = true; break;
		case P_CREDS: po.reg.creds = optarg; break;
		case P_CERTS: po.reg.cert_dir = optarg; break;
		case P_PLATFORM:
			if (strcmp(optarg, "linux/amd64")) {
				fprintf(stderr, "persona: --platform \"%s\": only linux/amd64 is supported\n", optarg);
				return 125;
			}
			break;
		case P_TLS:
			if (!optarg || !strcmp(optarg, "true")) {
				po.reg.tls_verify = true;
			} else if (!strcmp(optarg, "false")) {
				po.reg.tls_verify = false;
			} else {
				fprintf(stderr, "persona: --tls-verify=\"%s\": use true or false\n", optarg);
				return 125;
			}
			break;
		case P_TIMEOUT:
			if (parse_int64(optarg, &v, &err) < 0 || v <= 0 || v > 3600) {
				fprintf(stderr, "persona: --timeout \"%s\": seconds from 1 to 3600\n", optarg);
				return 125;
			}
			po.reg.timeout_s = (long)v;
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
	if (po.reg.creds && !strchr(po.reg.creds, ':')) {
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
	(void)argc;
	(void)argv;
	fprintf(stderr, "persona: push is not implemented yet\n");
	return 125;
}

int cmd_login(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "persona: login is not implemented yet\n");
	return 125;
}

int cmd_logout(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "persona: logout is not implemented yet\n");
	return 125;
}
