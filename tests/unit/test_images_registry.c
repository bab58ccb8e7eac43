/* Unit tests: registry pull (images/registry.h, `persona pull` via
 * cmd_pull) against a real registry, Debian's docker-registry
 * (distribution 2.8), started here on 127.0.0.1 at a free port with a
 * config file written here (filesystem storage in a temp dir), stopped by
 * PID at the end; the fixture image is pushed to it with skopeo.  Also a
 * server that answers garbage and one that never answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "images/image.h"
#include "tests/harness.h"

int cmd_pull(int argc, char **argv);

static char dir[4096], store[4096], host[64], *why_skip;
static pid_t registry_pid;

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

static void start_registry(void)
{
	char path[8192], cfg[8192], cmd[16384];
	int port = free_port();

	snprintf(dir, sizeof(dir), "/tmp/persona-test-registry.%d", (int)getpid());
	mkdir(dir, 0700);
	if (access("/usr/bin/docker-registry", X_OK) < 0) {
		why_skip = "docker-registry is not installed";
		return;
	}
	snprintf(cmd, sizeof(cmd), "tests/fixtures/images/make-images.sh %s/fx >/dev/null 2>&1", dir);
	int r = system(cmd);
	if (!WIFEXITED(r) || WEXITSTATUS(r) != 0) {
		why_skip = "fixtures cannot be built (umoci, skopeo, busybox)";
		return;
	}
	snprintf(cfg, sizeof(cfg),
		 "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n"
		 "http:\n  addr: 127.0.0.1:%d\n", dir, port);
	snprintf(path, sizeof(path), "%s/config.yml", dir);
	write_file_str(path, cfg);
	registry_pid = fork();
	if (registry_pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/usr/bin/docker-registry", "docker-registry", "serve", path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !port_open(port); i++)
		usleep(100000);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	snprintf(cmd, sizeof(cmd), "skopeo copy -q --dest-tls-verify=false oci:%s/fx/layout:v1 docker://%s/test/bb:v1",
		 dir, host);
	if (system(cmd) != 0)
		why_skip = "skopeo cannot push to the test registry";
}

static void stop_registry(void)
{
	if (registry_pid > 0) {
		kill(registry_pid, SIGTERM);
		waitpid(registry_pid, NULL, 0);
	}
	rm_rf(dir);
}

static void setup(void)
{
	snprintf(store, sizeof(store), "%s/img%d/store", dir, (int)time(NULL) ^ (int)getpid());
}

static int pull(const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = "pull";
	argv[argc++] = "--store";
	argv[argc++] = store;
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	optind = 0;
	fflush(stdout);
	return cmd_pull(argc, argv);
}

static char *index_text(void)
{
	char p[8192];
	snprintf(p, sizeof(p), "%s/index.json", store);
	char *s = read_file_str(p);
	return s ? s : strdup("(none)");
}

START_TEST(test_pull_by_tag_and_digest)
{
	char ref[256], **dirs = NULL;
	struct perr err = { 0 };
	json_t *cfg = NULL;
	size_t n;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", ref, NULL }), 0);
	ck_assert_msg(images_prepare_rootfs(ref, store, &dirs, &n, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)), "sh");
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
	/* Again: blobs and layers reused, same result. */
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", ref, NULL }), 0);
	/* By digest (the manifest's, from skopeo). */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://%s", ref);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 60);
	ck_assert_int_eq(r.status, 0);
	r.out[strcspn(r.out, "\n")] = '\0';
	snprintf(ref, sizeof(ref), "%s/test/bb@%s", host, r.out);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", ref, NULL }), 0);
	cmd_result_free(&r);
}
END_TEST

START_TEST(test_pull_errors_leave_store)
{
	char ref[256], *before, *after;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", ref, NULL }), 0);
	before = index_text();
	snprintf(ref, sizeof(ref), "%s/test/nothere:v1", host);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", ref, NULL }), 125);
	/* TLS demanded from a plain-HTTP registry. */
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	ck_assert_int_eq(pull((const char *[]){ "--timeout", "5", ref, NULL }), 125);
	ck_assert_int_eq(pull((const char *[]){ "--platform", "linux/arm64", ref, NULL }), 125);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=maybe", ref, NULL }), 125);
	ck_assert_int_eq(pull((const char *[]){ "Bad/Ref", NULL }), 125);
	after = index_text();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

/* A server on a free port: `garbage` answers every connection with junk;
 * otherwise it listens and never answers. */
static pid_t fake_server(bool garbage, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	listen(fd, 16);
	*port = ntohs(a.sin_port);
	pid = fork();
	if (pid == 0) {
		for (;;) {
			int c = accept(fd, NULL, NULL);
			if (c < 0)
				continue;
			if (garbage) {
				char buf[4096];
				if (read(c, buf, sizeof(buf)) < 0)
					_exit(1);
				static const char junk[] = "\x16\x03garbage\r\n\r\nmore garbage";
				if (write(c, junk, sizeof(junk) - 1) < 0)
					_exit(1);
				close(c);
			}
		}
	}
	close(fd);
	return pid;
}

START_TEST(test_garbage_and_hang)
{
	char ref[256];
	int port;
	pid_t pid;
	time_t t0;

	setup();
	pid = fake_server(true, &port);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/x/y:1", port);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", "--timeout", "3", ref, NULL }), 125);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	pid = fake_server(false, &port);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/x/y:1", port);
	t0 = time(NULL);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", "--timeout", "2", ref, NULL }), 125);
	ck_assert_msg(time(NULL) - t0 < 15, "a hung registry took %ld s", (long)(time(NULL) - t0));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

/* A registry that wants a bearer token: 401 with a challenge naming a
 * realm on itself; the realm hands out "tok123" (for the right scope);
 * with the token, the manifest request gets a 404.  The requests it saw
 * go to `log_fd`. */
static pid_t token_server(int *port, int log_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	listen(fd, 16);
	*port = ntohs(a.sin_port);
	pid = fork();
	if (pid == 0) {
		for (;;) {
			char req[8192] = "", out[2048];
			int c = accept(fd, NULL, NULL), n;
			ssize_t k = c >= 0 ? read(c, req, sizeof(req) - 1) : -1;
			if (k <= 0) {
				close(c);
				continue;
			}
			req[k] = '\0';
			if (write(log_fd, req, (size_t)k) < 0)
				_exit(1);
			if (!strncmp(req, "GET /token?", 11)) {
				const char *body = strstr(req, "scope=repository%3Ax%2Fy%3Apull") ? "{\"token\":\"tok123\"}"
												    : "{}";
				n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
			} else if (strstr(req, "Authorization: Bearer tok123")) {
				n = snprintf(out, sizeof(out), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
					     "Connection: close\r\n\r\n");
			} else {
				n = snprintf(out, sizeof(out), "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer "
					     "realm=\"http://127.0.0.1:%d/token\",service=\"test\",scope=\"repository:x/y:pull\"\r\n"
					     "Content-Length: 0\r\nConnection: close\r\n\r\n", *port);
			}
			if (write(c, out, (size_t)n) < 0)
				_exit(1);
			close(c);
		}
	}
	close(fd);
	return pid;
}

START_TEST(test_bearer_token)
{
	char ref[256], log[4096] = "";
	int port, p[2];
	pid_t pid;

	setup();
	ck_assert_int_eq(pipe(p), 0);
	pid = token_server(&port, p[1]);
	close(p[1]);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/x/y:1", port);
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", "--timeout", "5", ref, NULL }), 125);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ssize_t n = read(p[0], log, sizeof(log) - 1);
	close(p[0]);
	log[n > 0 ? n : 0] = '\0';
	/* The first connection tried TLS: its binary ClientHello is in the log. */
	for (ssize_t i = 0; i < n; i++)
		if (!log[i])
			log[i] = '.';
	ck_assert_msg(strstr(log, "GET /token?service=test&scope=repository%3Ax%2Fy%3Apull"), "no token request:\n%s", log);
	ck_assert_msg(strstr(log, "Authorization: Bearer tok123"), "token not used:\n%s", log);
	ck_assert_msg(strstr(log, "Accept: application/vnd.oci.image.index.v1+json"), "no OCI Accept:\n%s", log);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("images_registry");
	TCase *tc = tcase_create("registry");
	tcase_add_unchecked_fixture(tc, start_registry, stop_registry);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pull_by_tag_and_digest);
	tcase_add_test(tc, test_pull_errors_leave_store);
	tcase_add_test(tc, test_garbage_and_hang);
	tcase_add_test(tc, test_bearer_token);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
