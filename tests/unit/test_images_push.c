/* Unit tests: `persona push`, `persona login` / `logout` and credentials
 * (images/registry.h, images/auth.h), run as build/persona-image against
 * Debian's docker-registry (distribution 2.8) started here on 127.0.0.1:
 *  - "plain": HTTP, anonymous; the fixture image is pushed to it with skopeo;
 *  - "ro": the same storage, read-only (a registry refusing pushes);
 *  - "secure": TLS with a self-signed certificate for IP 127.0.0.1, and
 *    htpasswd (bcrypt) auth for user "alice", password "s3cret:x".
 * HOME, XDG_RUNTIME_DIR and XDG_CONFIG_HOME point into the test directory,
 * so no real auth file is read or written. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "tests/harness.h"

struct registry {
	pid_t pid;
	char host[64];
};

static char dir[4096], store[4096], bin[4096], cadir[4200], *why_skip;
static struct registry plain, ro, secure;

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

/* docker-registry with config `extra` appended, storage in DIR/data-`data`. */
static void start_reg(struct registry *g, const char *name, const char *data, const char *extra)
{
	char path[8192], cfg[16384];
	int port = free_port();

	snprintf(cfg, sizeof(cfg),
		 "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/data-%s\n"
		 "%shttp:\n  addr: 127.0.0.1:%d\n%s", dir, data,
		 !strcmp(name, "ro") ? "  maintenance:\n    readonly:\n      enabled: true\n" : "", port, extra);
	snprintf(path, sizeof(path), "%s/%s.yml", dir, name);
	write_file_str(path, cfg);
	g->pid = fork();
	if (g->pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/usr/bin/docker-registry", "docker-registry", "serve", path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !port_open(port); i++)
		usleep(100000);
	snprintf(g->host, sizeof(g->host), "127.0.0.1:%d", port);
}

static void start_all(void)
{
	char p[8192], tls[8192];
	const char *b = test_persona_bin(), *slash = strrchr(b, '/');

	snprintf(bin, sizeof(bin), "%.*spersona-image", slash ? (int)(slash - b + 1) : 0, b);
	snprintf(dir, sizeof(dir), "/tmp/persona-test-push.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(p, sizeof(p), "%s/home", dir);
	mkdir(p, 0700);
	setenv("HOME", p, 1);
	snprintf(p, sizeof(p), "%s/run", dir);
	mkdir(p, 0700);
	setenv("XDG_RUNTIME_DIR", p, 1);
	snprintf(p, sizeof(p), "%s/home/.config", dir);
	setenv("XDG_CONFIG_HOME", p, 1);
	unsetenv("REGISTRY_AUTH_FILE");
	if (access("/usr/bin/docker-registry", X_OK) < 0 || access("/usr/bin/htpasswd", X_OK) < 0) {
		why_skip = "docker-registry or htpasswd (apache2-utils) is not installed";
		return;
	}
	if (sh("tests/fixtures/images/make-images.sh %s/fx >/dev/null 2>&1", dir)) {
		why_skip = "fixtures cannot be built (umoci, skopeo, busybox)";
		return;
	}
	snprintf(cadir, sizeof(cadir), "%s/ca", dir);
	if (sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 "
	       "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 && mkdir ca && "
	       "cp cert.pem ca/registry.crt && openssl rehash ca && htpasswd -Bbn alice 's3cret:x' > htpasswd", dir)) {
		why_skip = "cannot make a certificate or htpasswd file";
		return;
	}
	start_reg(&plain, "plain", "plain", "");
	start_reg(&ro, "ro", "plain", "");
	snprintf(tls, sizeof(tls),
		 "  tls:\n    certificate: %s/cert.pem\n    key: %s/key.pem\n"
		 "auth:\n  htpasswd:\n    realm: persona-test\n    path: %s/htpasswd\n", dir, dir, dir);
	start_reg(&secure, "secure", "secure", tls);
	if (sh("skopeo copy -q --dest-tls-verify=false oci:%s/fx/layout:v1 docker://%s/test/bb:v1", dir, plain.host))
		why_skip = "skopeo cannot push to the test registry";
}

static void stop_all(void)
{
	struct registry *all[] = { &plain, &ro, &secure };
	for (int i = 0; i < 3; i++) {
		if (all[i]->pid > 0) {
			kill(all[i]->pid, SIGTERM);
			waitpid(all[i]->pid, NULL, 0);
		}
	}
	rm_rf(dir);
}

static void setup(void)
{
	static int n;
	snprintf(store, sizeof(store), "%s/store-%d-%d", dir, (int)getpid(), n++);
}

/* persona-image ARGS... (NULL-terminated), stdin from `input`. */
static struct cmd_result img_in(const char *input, const char *first, ...)
{
	const char *argv[40];
	int n = 0;
	va_list ap;

	argv[n++] = bin;
	va_start(ap, first);
	for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return run_cmd(argv, input, 90);
}
#define img(...) img_in(NULL, __VA_ARGS__)

static void expect_ok(struct cmd_result r, const char *what)
{
	ck_assert_msg(r.status == 0, "%s: status %d\n%s%s", what, r.status, r.out, r.err);
	cmd_result_free(&r);
}

/* Expect exit 125 and `needle` in the message. */
static void expect_fail(struct cmd_result r, const char *needle, const char *what)
{
	ck_assert_msg(r.status == 125 && strstr(r.err, needle), "%s: status %d, wanted 125 and \"%s\":\n%s%s", what,
		      r.status, needle, r.out, r.err);
	if (getenv("SHOW_ERRORS"))
		fprintf(stderr, "[%s] %s", what, r.err);
	cmd_result_free(&r);
}

/* The manifest digest skopeo sees at docker://REF (plain HTTP or no verify). */
static char *skopeo_digest(const char *ref, const char *creds)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "skopeo inspect --tls-verify=false %s%s --format '{{.Digest}}' docker://%s",
		 creds ? "--creds " : "", creds ? creds : "", ref);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 60);
	char *out = r.status == 0 ? strdup(r.out) : NULL;
	if (out)
		out[strcspn(out, "\n")] = '\0';
	cmd_result_free(&r);
	return out;
}

/* The digest index.json of `st` names for `name`. */
static char *store_digest(const char *st, const char *name)
{
	char p[8192];
	snprintf(p, sizeof(p), "%s/index.json", st);
	json_t *j = json_load_file(p, 0, NULL), *d;
	size_t i;
	char *out = NULL;
	json_array_foreach(json_object_get(j, "manifests"), i, d) {
		const char *n = json_str(json_object_get(d, "annotations"), "org.opencontainers.image.ref.name");
		if (n && !strcmp(n, name))
			out = strdup(json_str(d, "digest"));
	}
	json_decref(j);
	return out;
}

static void pull_fixture(void)
{
	char ref[256];
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", plain.host);
	expect_ok(img("pull", "-q", "--store", store, "--tls-verify=false", ref, NULL), "pull the fixture");
}

START_TEST(test_push_then_pull)
{
	char src[256], dest[256], store2[4200];

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	pull_fixture();
	snprintf(src, sizeof(src), "%s/test/bb:v1", plain.host);
	snprintf(dest, sizeof(dest), "%s/test/pushed:v2", plain.host);
	struct cmd_result r = img("push", "--store", store, "--tls-verify=false", src, dest, NULL);
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "Pushed image: ") && strstr(r.out, dest), "%s", r.out);
	/* the blobs are in the registry already (test/bb shares its storage): mounted or sent, either way */
	ck_assert_msg(strstr(r.err, "Writing manifest"), "%s", r.err);
	cmd_result_free(&r);

	char *want = store_digest(store, src), *seen = skopeo_digest(dest, NULL);
	ck_assert_msg(want && seen && !strcmp(want, seen), "skopeo sees %s, the store has %s", seen, want);

	/* a fresh pull of it: the same manifest */
	snprintf(store2, sizeof(store2), "%s-fresh", store);
	expect_ok(img("pull", "-q", "--store", store2, "--tls-verify=false", dest, NULL), "pull the pushed image");
	char *again = store_digest(store2, dest);
	ck_assert_msg(again && !strcmp(again, want), "pulled %s, pushed %s", again, want);

	/* pushed again: every blob skipped */
	r = img("push", "--store", store, "--tls-verify=false", src, dest, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.err, "skipped: already exists") && !strstr(r.err, " done\n"), "%s", r.err);
	cmd_result_free(&r);

	/* -q: the name alone */
	r = img("push", "-q", "--store", store, "--tls-verify=false", src, dest, NULL);
	ck_assert_int_eq(r.status, 0);
	snprintf(src, sizeof(src), "%s\n", dest);
	ck_assert_str_eq(r.out, src);
	ck_assert_str_eq(r.err, "");
	cmd_result_free(&r);
	free(want);
	free(seen);
	free(again);
}
END_TEST

START_TEST(test_push_errors)
{
	char src[256], dest[256], blob[8192];

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	pull_fixture();
	snprintf(src, sizeof(src), "%s/test/bb:v1", plain.host);
	expect_fail(img("push", "--store", store, "--tls-verify=false", "127.0.0.1:1/no/such:image", NULL),
		    "no such image in the store", "image not in the store");
	expect_fail(img("push", "--store", store, "--tls-verify=false", src, "Bad/Dest", NULL), "Bad/Dest",
		    "a bad destination");
	/* a read-only registry refuses the upload */
	snprintf(dest, sizeof(dest), "%s/test/refused:v1", ro.host);
	expect_fail(img("push", "--store", store, "--tls-verify=false", src, dest, NULL), "HTTP 405",
		    "a registry refusing the push");

	/* a layer of the store that does not match its digest is not sent */
	char *dg = store_digest(store, src);
	char man[8192];
	snprintf(man, sizeof(man), "%s/blobs/sha256/%s", store, dg + 7);
	json_t *m = json_load_file(man, 0, NULL);
	const char *layer = json_str(json_array_get(json_object_get(m, "layers"), 0), "digest");
	snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", store, layer + 7);
	int fd = open(blob, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, 100), 1);
	close(fd);
	snprintf(dest, sizeof(dest), "%s/test/corrupt:v1", plain.host);
	/* a new repository on a registry of its own storage would have to take the blob: use "secure" */
	snprintf(dest, sizeof(dest), "%s/test/corrupt:v1", secure.host);
	expect_fail(img("push", "--store", store, "--tls-verify=false", "--creds", "alice:s3cret:x", src, dest, NULL),
		    "does not match digest", "a corrupt layer");
	ck_assert_ptr_null(skopeo_digest(dest, "alice:s3cret:x"));
	json_decref(m);
	free(dg);
}
END_TEST

/* TLS with a self-signed certificate and htpasswd auth. */
START_TEST(test_tls_htpasswd)
{
	char src[256], ref[256], authfile[8192];

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	pull_fixture();
	snprintf(src, sizeof(src), "%s/test/bb:v1", plain.host);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", secure.host);
	/* push with credentials and the CA */
	expect_ok(img("push", "--store", store, "--cert-dir", cadir, "--creds", "alice:s3cret:x", src, ref, NULL),
		  "push with --creds");
	setup();
	expect_ok(img("pull", "--store", store, "--cert-dir", cadir, "--creds", "alice:s3cret:x", ref, NULL),
		  "pull with --cert-dir and --creds");
	expect_fail(img("pull", "--store", store, "--cert-dir", cadir, ref, NULL), "asks for credentials",
		    "pull without credentials");
	expect_fail(img("pull", "--store", store, "--cert-dir", cadir, "--creds", "alice:wrong", ref, NULL),
		    "refuses the user name and password", "pull with a wrong password");
	expect_fail(img("pull", "--store", store, "--creds", "alice:s3cret:x", ref, NULL), "certificate",
		    "pull without the CA");
	expect_ok(img("pull", "--store", store, "--tls-verify=false", "--creds", "alice:s3cret:x", ref, NULL),
		  "pull with --tls-verify=false");

	/* login, then pull without --creds */
	expect_fail(img("login", "--cert-dir", cadir, "-u", "alice", "-p", "nope", secure.host, NULL),
		    "refuses the user name and password", "login with a wrong password");
	snprintf(authfile, sizeof(authfile), "%s/run/containers/auth.json", dir);
	ck_assert_int_ne(access(authfile, F_OK), 0);
	struct cmd_result r = img_in("s3cret:x\n", "login", "--cert-dir", cadir, "-u", "alice", "--password-stdin",
				     secure.host, NULL);
	ck_assert_msg(r.status == 0 && strstr(r.out, "Login Succeeded!"), "%s%s", r.out, r.err);
	cmd_result_free(&r);
	struct stat sb;
	ck_assert_int_eq(stat(authfile, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	char *text = read_file_str(authfile);
	/* base64("alice:s3cret:x") */
	ck_assert_msg(strstr(text, "\"auth\": \"YWxpY2U6czNjcmV0Ong=\"") && strstr(text, secure.host), "%s", text);
	free(text);
	setup();
	expect_ok(img("pull", "--store", store, "--cert-dir", cadir, ref, NULL), "pull after login");
	snprintf(src, sizeof(src), "%s/test/again:v1", secure.host);
	expect_ok(img("push", "--store", store, "--cert-dir", cadir, ref, src, NULL), "push after login");

	/* logout: credentials gone */
	r = img("logout", secure.host, NULL);
	ck_assert_msg(r.status == 0 && strstr(r.out, "Removed login credentials for"), "%s%s", r.out, r.err);
	cmd_result_free(&r);
	expect_fail(img("logout", secure.host, NULL), "not logged in", "logout twice");
	setup();
	expect_fail(img("pull", "--store", store, "--cert-dir", cadir, ref, NULL), "asks for credentials",
		    "pull after logout");
}
END_TEST

/* Auth files: other entries kept, --authfile and $REGISTRY_AUTH_FILE,
 * ~/.docker/config.json read, hostile files refused. */
START_TEST(test_auth_files)
{
	char ref[256], af[8192], docker[8192], p[8192];

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", secure.host);
	/* the image is on "secure" after a push with credentials */
	pull_fixture();
	char src[256];
	snprintf(src, sizeof(src), "%s/test/bb:v1", plain.host);
	expect_ok(img("push", "-q", "--store", store, "--cert-dir", cadir, "--creds", "alice:s3cret:x", src, ref, NULL),
		  "push");

	snprintf(af, sizeof(af), "%s/my-auth.json", dir);
	write_file_str(af, "{\"auths\": {\"example.com\": {\"auth\": \"dTpw\"}}, \"other\": 1}");
	expect_ok(img("login", "--authfile", af, "--cert-dir", cadir, "-u", "alice", "-p", "s3cret:x", secure.host,
		      NULL), "login --authfile");
	char *text = read_file_str(af);
	ck_assert_msg(strstr(text, "example.com") && strstr(text, "\"other\"") && strstr(text, secure.host), "%s",
		      text);
	free(text);
	setup();
	expect_ok(img("pull", "--store", store, "--authfile", af, "--cert-dir", cadir, ref, NULL), "pull --authfile");
	setenv("REGISTRY_AUTH_FILE", af, 1);
	setup();
	expect_ok(img("pull", "--store", store, "--cert-dir", cadir, ref, NULL), "pull with $REGISTRY_AUTH_FILE");
	unsetenv("REGISTRY_AUTH_FILE");

	/* docker's file, read-only, after the others */
	snprintf(p, sizeof(p), "%s/home/.docker", dir);
	mkdir(p, 0700);
	snprintf(docker, sizeof(docker), "%s/config.json", p);
	snprintf(p, sizeof(p), "{\"auths\": {\"https://%s\": {\"auth\": \"YWxpY2U6czNjcmV0Ong=\"}}}", secure.host);
	write_file_str(docker, p);
	setup();
	expect_ok(img("pull", "--store", store, "--cert-dir", cadir, ref, NULL), "pull with ~/.docker/config.json");

	/* hostile files: one clear error naming the file, nothing pulled */
	static const char *const bad[][2] = {
		{ "not json {", "not JSON" },
		{ "[1, 2]", "not an object" },
		{ "{\"auths\": {\"HOST\": {\"auth\": \"%%%%\"}}}", "not base64" },
		{ "{\"auths\": {\"HOST\": {\"auth\": \"bm9jb2xvbg==\"}}}", "not base64 of USER:PASS" }, /* "nocolon" */
		{ "{\"auths\": {\"HOST\": \"x\"}}", "is not an object" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text2[1024], *h;
		snprintf(text2, sizeof(text2), "%s", bad[i][0]);
		if ((h = strstr(text2, "HOST"))) {
			char rest[512];
			snprintf(rest, sizeof(rest), "%s", h + 4);
			snprintf(h, sizeof(text2) - (size_t)(h - text2), "%s%s", secure.host, rest);
		}
		write_file_str(af, text2);
		setup();
		expect_fail(img("pull", "--store", store, "--authfile", af, "--cert-dir", cadir, ref, NULL), bad[i][1],
			    bad[i][0]);
		expect_fail(img("pull", "--store", store, "--authfile", af, "--cert-dir", cadir, ref, NULL), af,
			    "the file is named");
		snprintf(p, sizeof(p), "%s/index.json", store);
		text = read_file_str(p);
		ck_assert_msg(!text || !strstr(text, "test/bb"), "a tag after a refused auth file: %s", text);
		free(text);
	}
	/* logout --all empties the file; a hostile one is not overwritten */
	write_file_str(af, "{\"auths\": {\"a\": {\"auth\": \"dTpw\"}, \"b\": {\"auth\": \"dTpw\"}}}");
	expect_ok(img("logout", "--authfile", af, "--all", NULL), "logout --all");
	text = read_file_str(af);
	ck_assert_msg(!strstr(text, "\"a\"") && !strstr(text, "\"b\""), "%s", text);
	free(text);
	write_file_str(af, "garbage");
	expect_fail(img("login", "--authfile", af, "--cert-dir", cadir, "-u", "alice", "-p", "s3cret:x", secure.host,
			NULL), "not JSON", "login into a hostile auth file");
	text = read_file_str(af);
	ck_assert_str_eq(text, "garbage");
	free(text);
	unlink(docker);
	/* bad arguments */
	expect_fail(img("login", "-u", "al:ice", "-p", "x", secure.host, NULL), "without ':'", "a user with a colon");
	expect_fail(img("login", "-p", "x", secure.host, NULL), "no user name", "no user");
	expect_fail(img("logout", NULL), "needs one REGISTRY", "logout without a registry");
	expect_fail(img("pull", "--creds", "nocolon", ref, NULL), "USER:PASS", "--creds without a colon");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images_push");
	TCase *tc = tcase_create("push");
	tcase_add_unchecked_fixture(tc, start_all, stop_all);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_push_then_pull);
	tcase_add_test(tc, test_push_errors);
	tcase_add_test(tc, test_tls_htpasswd);
	tcase_add_test(tc, test_auth_files);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
