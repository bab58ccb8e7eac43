/* Unit tests: registry pull (images/registry.h, `persona pull` via
 * cmd_pull) against a real registry, Debian's docker-registry
 * (distribution 2.8), started here on 127.0.0.1 at a free port with a
 * config file written here (filesystem storage in a temp dir), stopped by
 * PID at the end; the fixture image is pushed to it with skopeo.  Also a
 * server that answers garbage and one that never answers. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "images/image.h"
#include "images/store.h"
#include "tests/harness.h"

int cmd_pull(int argc, char **argv);
int cmd_push(int argc, char **argv);

static char dir[4096], store[4096], host[64], *why_skip;
static pid_t registry_pid;
static int registry_port;
/* The fixture's blobs as the registry serves them: config, then layers. */
static char blob_digest[8][72];
static int nblobs;

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
	registry_port = port;
	snprintf(cmd, sizeof(cmd), "skopeo copy -q --dest-tls-verify=false oci:%s/fx/layout:v1 docker://%s/test/bb:v1",
		 dir, host);
	if (system(cmd) != 0) {
		why_skip = "skopeo cannot push to the test registry";
		return;
	}
	snprintf(cmd, sizeof(cmd), "skopeo inspect -n --raw --tls-verify=false docker://%s/test/bb:v1", host);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct cmd_result res = run_cmd(argv, NULL, 60);
	json_t *m = json_loads(res.out, 0, NULL), *l;
	size_t i;
	snprintf(blob_digest[nblobs++], 72, "%s", json_str(json_object_get(m, "config"), "digest"));
	json_array_foreach(json_object_get(m, "layers"), i, l)
		if (nblobs < 8)
			snprintf(blob_digest[nblobs++], 72, "%s", json_str(l, "digest"));
	json_decref(m);
	cmd_result_free(&res);
	if (nblobs < 3)
		why_skip = "the fixture image has fewer than two layers";
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

/* ---- a counting proxy in front of the registry ---- */

/* With proxy_token_uses > 0 the proxy is also a bearer-token registry:
 * GET /token?...&scope=repository%3ANAME%3Apull[%2Cpush] hands out
 * "tok-pull-N" or "tok-push-N" (N counts the tokens given); a /v2/
 * request needs one (a push token for POST, PUT, PATCH), and a token
 * serves only proxy_token_uses requests: then it has expired. */
static int proxy_token_uses, proxy_port;
/* The proxy makes upload Locations relative ("/v2/..."). */
static bool proxy_relative_location;

static int bump(const char *name)
{
	char p[8192];
	struct stat sb;
	snprintf(p, sizeof(p), "%s/proxy-%d-%s", dir, (int)getppid(), name);
	int fd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0600);
	/* locked: each request sees its own count */
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(fd, "x", 1) != 1 || fstat(fd, &sb) < 0)
		_exit(1);
	close(fd);
	return (int)sb.st_size;
}

/* Answer the token protocol; true when the request was answered here. */
static bool proxy_auth(int c, const char *req)
{
	char out[2048], tok[64];
	int n = 0, num;
	bool push_method = !strncmp(req, "POST ", 5) || !strncmp(req, "PUT ", 4) || !strncmp(req, "PATCH ", 6);

	if (!strncmp(req, "GET /token?", 11)) {
		bool push = strstr(req, "%3Apull%2Cpush") != NULL;
		snprintf(tok, sizeof(tok), "tok-%s-%d", push ? "push" : "pull", bump("tokens"));
		char body[128];
		snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
	} else {
		const char *a = strstr(req, "Authorization: Bearer tok-");
		char kind[8] = "";
		if (a && sscanf(a + 26, "%4[a-z]-%d", kind, &num) == 2) {
			snprintf(tok, sizeof(tok), "uses-%d", num);
			if (bump(tok) <= proxy_token_uses && (!push_method || !strcmp(kind, "push")))
				return false;
		}
		n = snprintf(out, sizeof(out), "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer "
			     "realm=\"http://127.0.0.1:%d/token\",service=\"test\"\r\n"
			     "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
			     proxy_port);
	}
	if (write(c, out, (size_t)n) < 0)
		_exit(1);
	return true;
}

/* Relay one request on `c` to the registry: its request line goes to
 * `log_path`; when `stall_path` names a file whose text occurs in the
 * request line, the request is held (never answered). */
static void proxy_one(int c, const char *log_path, const char *stall_path)
{
	char req[16384], *end, line[1024], stall[256] = "";
	size_t len = 0;
	ssize_t k;

	while (len < sizeof(req) - 64 && (k = read(c, req + len, sizeof(req) - 64 - len)) > 0) {
		len += (size_t)k;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || req[0] == 0x16)
			break;  /* a request, or a TLS ClientHello: refused below */
	}
	end = strstr(req, "\r\n\r\n");
	if (!end)
		_exit(0);
	snprintf(line, sizeof(line), "%.*s\n", (int)strcspn(req, "\r\n"), req);
	int lf = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (lf < 0 || write(lf, line, strlen(line)) < 0)
		_exit(1);
	close(lf);
	char *st = read_file_str(stall_path);
	if (st) {
		snprintf(stall, sizeof(stall), "%s", st);
		free(st);
		if (stall[0] && strstr(line, stall))
			pause();
	}
	if (proxy_token_uses > 0 && proxy_auth(c, req))
		_exit(0);
	/* one request per connection, so that every request is seen here */
	size_t body = len - (size_t)(end + 4 - req);
	char head[16384];
	int hn = snprintf(head, sizeof(head), "%.*s\r\nConnection: close\r\n\r\n", (int)(end - req), req);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)registry_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int u = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(u, (struct sockaddr *)&a, sizeof(a)) < 0 || write(u, head, (size_t)hn) < 0 ||
	    (body && write(u, end + 4, body) < 0))
		_exit(1);
	/* the rest of a request body one way, the answer the other */
	struct pollfd pf[2] = { { .fd = c, .events = POLLIN }, { .fd = u, .events = POLLIN } };
	char buf[65536];
	for (;;) {
		if (poll(pf, 2, -1) < 0)
			_exit(1);
		if (pf[0].revents) {
			k = read(c, buf, sizeof(buf));
			if (k <= 0)
				pf[0].fd = -1;
			else if (write(u, buf, (size_t)k) < 0)
				_exit(1);
		}
		if (pf[1].revents) {
			k = read(u, buf, sizeof(buf) - 1);
			if (k > 0 && proxy_relative_location) {
				/* "Location: http://HOST:PORT/v2/..." becomes "Location: /v2/..." */
				char *l, *e;
				buf[k] = '\0';
				if ((l = strstr(buf, "Location: http://")) && (e = strchr(l + 17, '/'))) {
					memmove(l + 10, e, (size_t)(buf + k - e));
					k -= e - (l + 10);
					int lf2 = open(log_path, O_WRONLY | O_APPEND);
					if (lf2 < 0 || write(lf2, "relative Location sent\n", 23) < 0)
						_exit(1);
					close(lf2);
				}
			}
			if (k <= 0 || write(c, buf, (size_t)k) < 0)
				_exit(0);
		}
	}
}

static pid_t proxy_start(const char *log_path, const char *stall_path, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	listen(fd, 64);
	*port = ntohs(a.sin_port);
	proxy_port = *port;
	pid = fork();
	if (pid == 0) {
		/* gone with the test that started it, also when an assertion ends it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			int c = accept(fd, NULL, NULL);
			if (c < 0)
				continue;
			if (fork() == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				close(fd);
				proxy_one(c, log_path, stall_path);
			}
			close(c);
		}
	}
	setpgid(pid, pid);
	close(fd);
	return pid;
}

static void proxy_stop(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* How many lines of the proxy's log hold `what`. */
static int log_count(const char *log_path, const char *what)
{
	char *t = read_file_str(log_path), *p = t;
	int n = 0;
	while (p && (p = strstr(p, what))) {
		n++;
		p += strlen(what);
	}
	free(t);
	return n;
}

static bool store_has_blob(const char *digest)
{
	char p[8192];
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", store, digest + 7);
	return access(p, F_OK) == 0;
}

static int count_stages(void)
{
	DIR *d = opendir(store);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, ".stage-", 7);
	if (d)
		closedir(d);
	return n;
}

/* `persona-image pull --store STORE --tls-verify=false REF` as a child,
 * its output to /dev/null. */
static pid_t spawn_pull(const char *ref)
{
	char bin[4096];
	const char *b = test_persona_bin(), *slash = strrchr(b, '/');
	snprintf(bin, sizeof(bin), "%.*spersona-image", slash ? (int)(slash - b + 1) : 0, b);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(bin, "persona-image", "pull", "--store", store, "--tls-verify=false", ref, (char *)NULL);
		_exit(127);
	}
	return pid;
}

START_TEST(test_killed_pull_resumes)
{
	char logp[8192], stallp[8192], ref[256], get[256];
	int port;
	pid_t proxy, pid;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(logp, sizeof(logp), "%s/proxy-%d.log", dir, (int)getpid());
	snprintf(stallp, sizeof(stallp), "%s/proxy-%d.stall", dir, (int)getpid());
	/* the last layer never arrives */
	write_file_str(stallp, blob_digest[nblobs - 1]);
	proxy = proxy_start(logp, stallp, &port);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/test/bb:v1", port);
	pid = spawn_pull(ref);
	bool ready = false;
	for (int i = 0; i < 600 && !ready; i++) {
		ready = log_count(logp, blob_digest[nblobs - 1]) > 0;
		for (int b = 0; b < nblobs - 1; b++)
			ready = ready && store_has_blob(blob_digest[b]);
		if (!ready)
			usleep(50000);
	}
	ck_assert_msg(ready, "the pull did not reach the last layer:\n%s", read_file_str(logp));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* killed half way: no tag, blobs kept, its stage left behind */
	char *idx = index_text();
	ck_assert_msg(!strstr(idx, "test/bb:v1"), "a killed pull left a tag: %s", idx);
	free(idx);
	ck_assert(!store_has_blob(blob_digest[nblobs - 1]));
	ck_assert_int_eq(count_stages(), 1);

	/* again: only the missing layer is downloaded, the dead stage goes */
	unlink(stallp);
	unlink(logp);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", ref, NULL }), 0);
	snprintf(get, sizeof(get), "GET /v2/test/bb/blobs/");
	ck_assert_msg(log_count(logp, get) == 1 && log_count(logp, blob_digest[nblobs - 1]) == 1,
		      "second pull fetched:\n%s", read_file_str(logp));
	ck_assert_int_eq(count_stages(), 0);
	idx = index_text();
	ck_assert_msg(strstr(idx, "test/bb:v1"), "no tag after the second pull: %s", idx);
	free(idx);

	/* a third pull downloads no blob at all */
	unlink(logp);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", ref, NULL }), 0);
	ck_assert_int_eq(log_count(logp, get), 0);
	proxy_stop(proxy);
}
END_TEST

START_TEST(test_concurrent_pulls)
{
	char ref[256];
	pid_t a, b;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	/* the store exists before both start */
	ck_assert_int_eq(pull((const char *[]){ "--tls-verify=false", "Bad/Ref", NULL }), 125);
	a = spawn_pull(ref);
	b = spawn_pull(ref);
	ck_assert_int_eq(wait_status(a, 100), 0);
	ck_assert_int_eq(wait_status(b, 100), 0);
	char *idx = index_text();
	ck_assert_msg(strstr(idx, "test/bb:v1"), "no tag: %s", idx);
	free(idx);
	ck_assert_int_eq(count_stages(), 0);
	for (int i = 0; i < nblobs; i++)
		ck_assert(store_has_blob(blob_digest[i]));
}
END_TEST

/* Blobs download at once: with every blob held by the proxy, the config
 * and both layers are asked for before any arrives. */
START_TEST(test_parallel_downloads)
{
	char logp[8192], stallp[8192], ref[256];
	int port, seen = 0;
	pid_t proxy, pid;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(logp, sizeof(logp), "%s/proxy-par-%d.log", dir, (int)getpid());
	snprintf(stallp, sizeof(stallp), "%s/proxy-par-%d.stall", dir, (int)getpid());
	write_file_str(stallp, "/blobs/sha256:");
	proxy = proxy_start(logp, stallp, &port);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/test/bb:v1", port);
	pid = spawn_pull(ref);
	for (int i = 0; i < 400 && seen < nblobs; i++) {
		seen = log_count(logp, "GET /v2/test/bb/blobs/");
		if (seen < nblobs)
			usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	proxy_stop(proxy);
	ck_assert_msg(seen == nblobs, "%d of %d blobs asked for at once:\n%s", seen, nblobs, read_file_str(logp));
	for (int i = 0; i < nblobs; i++)
		ck_assert(!store_has_blob(blob_digest[i]));
}
END_TEST

/* What a user sees: script-friendly lines when stderr is not a terminal,
 * only the name with -q, lines redrawn in place on a terminal. */
START_TEST(test_progress_output)
{
	char ref[256], name[300], bin[4096], line[128];
	const char *b = test_persona_bin(), *slash = strrchr(b, '/');

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(bin, sizeof(bin), "%.*spersona-image", slash ? (int)(slash - b + 1) : 0, b);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	const char *argv[] = { bin, "pull", "--store", store, "--tls-verify=false", ref, NULL };
	struct cmd_result r = run_cmd(argv, NULL, 60);
	ck_assert_int_eq(r.status, 0);
	snprintf(name, sizeof(name), "Pulled image: %s\n", ref);
	ck_assert_str_eq(r.out, name);
	for (int i = 0; i < nblobs; i++) {
		snprintf(line, sizeof(line), "Copying %s %.19s done\n", i ? "blob" : "config", blob_digest[i]);
		ck_assert_msg(strstr(r.err, line), "no \"%s\" in:\n%s", line, r.err);
	}
	ck_assert_msg(!strchr(r.err, '\033'), "escape sequences without a terminal:\n%s", r.err);
	cmd_result_free(&r);

	/* again, quiet: the name and nothing else */
	const char *qargv[] = { bin, "pull", "-q", "--store", store, "--tls-verify=false", ref, NULL };
	r = run_cmd(qargv, NULL, 60);
	ck_assert_int_eq(r.status, 0);
	snprintf(name, sizeof(name), "%s\n", ref);
	ck_assert_str_eq(r.out, name);
	ck_assert_str_eq(r.err, "");
	cmd_result_free(&r);

	/* on a terminal, into a fresh store */
	strcat(store, "-tty");
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	if (pid == 0) {
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	char *out = calloc(1, 1);
	read_until(master, &out, "Pulled image", 60);
	ck_assert_int_eq(wait_status(pid, 60), 0);
	close(master);
	ck_assert_msg(strstr(out, "Download complete") && strstr(out, "\033[K"), "terminal output:\n%s", out);
	snprintf(line, sizeof(line), "%.19s", blob_digest[1]);
	ck_assert_msg(strstr(out, line), "no %s in the terminal output:\n%s", line, out);
	free(out);
}
END_TEST

/* Behind a bearer-token registry whose tokens serve two requests each:
 * the parallel downloads renew the token and the pull succeeds; a push
 * asks for a token of scope pull,push. */
START_TEST(test_token_expiry_parallel)
{
	char logp[8192], ref[256], dest[256];
	int port;
	pid_t proxy;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(logp, sizeof(logp), "%s/proxy-tok-%d.log", dir, (int)getpid());
	proxy_token_uses = 2;
	proxy = proxy_start(logp, "/nonexistent", &port);
	proxy_token_uses = 0;
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/test/bb:v1", port);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", ref, NULL }), 0);
	ck_assert_msg(log_count(logp, "GET /token?") >= 2, "the token was not renewed:\n%s", read_file_str(logp));
	ck_assert_int_ge(log_count(logp, "GET /v2/test/bb/blobs/"), nblobs);
	char *idx = index_text();
	ck_assert_msg(strstr(idx, "test/bb:v1"), "no tag: %s", idx);
	free(idx);

	snprintf(dest, sizeof(dest), "127.0.0.1:%d/test/tokpush:v1", port);
	optind = 0;
	ck_assert_int_eq(cmd_push(6, (char *[]){ "push", "--store", store, "--tls-verify=false", ref, dest, NULL }), 0);
	ck_assert_msg(log_count(logp, "GET /token?service=test&scope=repository%3Atest%2Ftokpush%3Apull%2Cpush") >= 1,
		      "no push scope:\n%s", read_file_str(logp));
	ck_assert_int_ge(log_count(logp, "PUT /v2/test/tokpush/manifests/v1"), 1);
	proxy_stop(proxy);
}
END_TEST

/* A registry that serves `fake_manifest` (as `fake_ctype`) for every
 * manifest and `fake_blob` for every blob. */
static const char *fake_manifest, *fake_ctype, *fake_blob;

static pid_t fake_registry(int *port)
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
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			char req[8192] = "", head[512];
			int c = accept(fd, NULL, NULL);
			ssize_t k = c >= 0 ? read(c, req, sizeof(req) - 1) : -1;
			if (k <= 0 || req[0] == 0x16) {
				close(c);
				continue;
			}
			req[k] = '\0';
			const char *body = strstr(req, "/manifests/") ? fake_manifest : fake_blob;
			int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
					 "Connection: close\r\n\r\n", strstr(req, "/manifests/") ? fake_ctype
												   : "application/octet-stream",
					 strlen(body));
			if (write(c, head, (size_t)n) < 0 || write(c, body, strlen(body)) < 0)
				_exit(1);
			close(c);
		}
	}
	close(fd);
	return pid;
}

START_TEST(test_hostile_registry)
{
#define MT_M "application/vnd.oci.image.manifest.v1+json"
#define CFG_EMPTY "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" /* "{}" */
	static char many[40000];
	static const struct {
		const char *manifest, *ctype, *blob, *by, *expect;
	} cases[] = {
		{ "not json", MT_M, "", ":1", "not a JSON object" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:xyz\","
		  "\"size\":2},\"layers\":[]}", MT_M, "{}", ":1", "is not sha256" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{\"mediaType\":\"x\",\"digest\":\"" CFG_EMPTY
		  "\",\"size\":100000000},\"layers\":[]}", MT_M, "{}", ":1", "more than 4 MiB" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{\"mediaType\":\"x\",\"digest\":\"" CFG_EMPTY
		  "\",\"size\":2},\"layers\":[]}", MT_M, "[]", ":1", "digest" },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" MT_M "\",\"config\":{\"mediaType\":\"x\",\"digest\":\"" CFG_EMPTY
		  "\",\"size\":2},\"layers\":[]}", MT_M, "{}            ", ":1", "larger than 2 bytes" },
		{ "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_M "\",\"digest\":\"" CFG_EMPTY "\",\"size\":2,"
		  "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}", "application/vnd.oci.image.index.v1+json",
		  "", ":1", "no linux/amd64" },
		{ "{\"schemaVersion\":2}", MT_M, "", "@" CFG_EMPTY, "content has digest" },
		{ "{\"schemaVersion\":2}", "text/html", "", ":1", "unsupported media type" },
		{ many, MT_M, "{}", ":1", "more than overlayfs" },
	};
	char ref[256];
	int port;

	setup();
	/* 200 layers */
	size_t off = (size_t)snprintf(many, sizeof(many), "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
				     "\"digest\":\"" CFG_EMPTY "\",\"size\":2},\"layers\":[");
	for (int i = 0; i < 200; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "%s{\"mediaType\":\"x\",\"digest\":\"" CFG_EMPTY
					"\",\"size\":2}", i ? "," : "");
	snprintf(many + off, sizeof(many) - off, "]}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_manifest = cases[i].manifest;
		fake_ctype = cases[i].ctype;
		fake_blob = cases[i].blob;
		pid_t pid = fake_registry(&port);
		snprintf(ref, sizeof(ref), "127.0.0.1:%d/x/y%s", port, cases[i].by);
		char bin[4096];
		const char *b = test_persona_bin(), *slash = strrchr(b, '/');
		snprintf(bin, sizeof(bin), "%.*spersona-image", slash ? (int)(slash - b + 1) : 0, b);
		const char *argv[] = { bin, "pull", "--store", store, "--tls-verify=false", "--timeout", "5", ref, NULL };
		struct cmd_result r = run_cmd(argv, NULL, 60);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ck_assert_msg(r.status == 125 && strstr(r.err, cases[i].expect), "case %zu: status %d, wanted \"%s\":\n%s",
			      i, r.status, cases[i].expect, r.err);
		cmd_result_free(&r);
		char *idx = index_text();
		ck_assert_msg(!strstr(idx, "x/y"), "case %zu left a tag: %s", i, idx);
		free(idx);
		ck_assert_int_eq(count_stages(), 0);
		char p[8192];
		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", store, CFG_EMPTY + 7);
		ck_assert_msg(access(p, F_OK) != 0 || i >= 4, "case %zu: a bad blob entered the store", i);
	}
}
END_TEST

/* A blob of the store that no longer matches its digest is downloaded again. */
START_TEST(test_damaged_store_blob)
{
	char ref[256], p[8192], got[72];

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", ref, NULL }), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", store, blob_digest[nblobs - 1] + 7);
	int fd = open(p, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, 10), 1);
	close(fd);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", ref, NULL }), 0);
	ck_assert_int_eq(img_file_digest(p, got, NULL, NULL), 0);
	ck_assert_str_eq(got, blob_digest[nblobs - 1]);

	/* a registry naming that blob with another size cannot make the store drop it */
	char man[1024];
	int port;
	snprintf(man, sizeof(man), "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"config\":{\"mediaType\":\"x\",\"digest\":\"%s\",\"size\":3},\"layers\":[]}", blob_digest[nblobs - 1]);
	fake_manifest = man;
	fake_ctype = "application/vnd.oci.image.manifest.v1+json";
	fake_blob = "abc";
	pid_t pid = fake_registry(&port);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/x/y:1", port);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", "--timeout", "5", ref, NULL }), 125);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(img_file_digest(p, got, NULL, NULL), 0);
	ck_assert_str_eq(got, blob_digest[nblobs - 1]);
}
END_TEST

/* An upload Location relative to the registry, with a query string of its own. */
START_TEST(test_push_relative_location)
{
	char logp[8192], ref[256], dest[256];
	int port;
	pid_t proxy;

	if (why_skip)
		SKIP_TEST("%s", why_skip);
	snprintf(ref, sizeof(ref), "%s/test/bb:v1", host);
	ck_assert_int_eq(pull((const char *[]){ "-q", "--tls-verify=false", ref, NULL }), 0);
	snprintf(logp, sizeof(logp), "%s/proxy-rel-%d.log", dir, (int)getpid());
	proxy_relative_location = true;
	proxy = proxy_start(logp, "/nonexistent", &port);
	proxy_relative_location = false;
	snprintf(dest, sizeof(dest), "127.0.0.1:%d/test/relative:v1", port);
	optind = 0;
	ck_assert_int_eq(cmd_push(6, (char *[]){ "push", "--store", store, "--tls-verify=false", ref, dest, NULL }), 0);
	proxy_stop(proxy);
	ck_assert_msg(log_count(logp, "relative Location sent") >= nblobs &&
		      log_count(logp, "PUT /v2/test/relative/blobs/uploads/") == nblobs &&
		      log_count(logp, "&digest=sha256%3A") == nblobs, "uploads:\n%s", read_file_str(logp));
	/* what the registry holds is what the store holds */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "skopeo inspect -n --tls-verify=false --format '{{.Digest}}' docker://%s/test/relative:v1"
		 " | grep -q sha256:", host);
	ck_assert_int_eq(system(cmd), 0);
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
	tcase_add_test(tc, test_killed_pull_resumes);
	tcase_add_test(tc, test_concurrent_pulls);
	tcase_add_test(tc, test_parallel_downloads);
	tcase_add_test(tc, test_progress_output);
	tcase_add_test(tc, test_token_expiry_parallel);
	tcase_add_test(tc, test_hostile_registry);
	tcase_add_test(tc, test_damaged_store_blob);
	tcase_add_test(tc, test_push_relative_location);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
