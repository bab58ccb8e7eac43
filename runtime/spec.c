/* persona: the OCI spec for a run (see spec.h). */
#include "runtime/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/parse.h"
#include "isolation/caps.h"
#include "isolation/rlimit.h"
#include "isolation/seccomp.h"
#include "isolation/user.h"
#include "runtime/container.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const masked_paths[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *mount_entry(const char *dst, const char *type, const char *src, const char *opts)
{
	json_t *o = json_array();
	char *copy = strdup(opts), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(o, json_string(t));
	free(copy);
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src, "options", o);
}

static json_t *default_mounts(bool privileged)
{
	json_t *m = json_array();

	json_array_append_new(m, mount_entry("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(m, mount_entry("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(m, mount_entry("/dev/pts", "devpts", "devpts",
					     "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	json_array_append_new(m, mount_entry("/sys", "sysfs", "sysfs",
					     privileged ? "nosuid,noexec,nodev" : "nosuid,noexec,nodev,ro"));
	json_array_append_new(m, mount_entry("/sys/fs/cgroup", "cgroup", "cgroup",
					     privileged ? "nosuid,noexec,nodev,relatime"
							: "nosuid,noexec,nodev,relatime,ro"));
	json_array_append_new(m, mount_entry("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	json_array_append_new(m, mount_entry("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
	return m;
}

/* docker's default device cgroup rules: deny all, allow the default
 * devices, and allow mknod of any device (the node is useless unless
 * the rules also allow reading or writing it). */
static json_t *device_rules(bool privileged)
{
	static const struct { const char *type; int major, minor; const char *access; } allow[] = {
		{ "c", -1, -1, "m" }, { "b", -1, -1, "m" }, { "c", 1, 3, "rwm" }, { "c", 1, 5, "rwm" },
		{ "c", 1, 7, "rwm" }, { "c", 1, 8, "rwm" }, { "c", 1, 9, "rwm" }, { "c", 5, 0, "rwm" },
		{ "c", 5, 1, "rwm" }, { "c", 5, 2, "rwm" }, { "c", 136, -1, "rwm" }, { "c", 10, 200, "rwm" },
	};
	json_t *d = json_array();

	if (privileged) {
		json_array_append_new(d, json_pack("{s:b, s:s}", "allow", 1, "access", "rwm"));
		return d;
	}
	json_array_append_new(d, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++) {
		json_t *r = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", allow[i].type, "access", allow[i].access);
		if (allow[i].major >= 0)
			json_object_set_new(r, "major", json_integer(allow[i].major));
		if (allow[i].minor >= 0)
			json_object_set_new(r, "minor", json_integer(allow[i].minor));
		json_array_append_new(d, r);
	}
	return d;
}

/* -v HOST:CTR[:OPTS] */
static int add_volume(json_t *mounts, const char *spec, struct perr *err)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *host = copy, *ctr, *opts, *tok, *save = NULL;
	json_t *o;
	struct stat sb;
	bool ro = false;

	if (!copy)
		return perr_set(err, ENOMEM, "--volume");
	ctr = strchr(host, ':');
	if (!ctr || !*host || !ctr[1])
		return perr_set(err, 0, "--volume \"%s\": expected HOST-PATH:CONTAINER-PATH[:ro]", spec);
	*ctr++ = '\0';
	opts = strchr(ctr, ':');
	if (opts)
		*opts++ = '\0';
	if (host[0] != '/')
		return perr_set(err, 0, "--volume \"%s\": the host path must be absolute (named volumes are not "
				"supported)", spec);
	if (ctr[0] != '/')
		return perr_set(err, 0, "--volume \"%s\": the container path must be absolute", spec);
	if (stat(host, &sb) < 0)
		return perr_set(err, errno, "--volume \"%s\": source \"%s\"", spec, host);
	o = json_pack("[s, s]", "rbind", "rprivate");
	for (tok = opts ? strtok_r(opts, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "ro"))
			ro = true;
		else if (!strcmp(tok, "rw"))
			ro = false;
		else if (strcmp(tok, "z") && strcmp(tok, "Z")) {
			json_decref(o);
			return perr_set(err, 0, "--volume \"%s\": unknown option \"%s\"", spec, tok);
		}
	}
	if (ro)
		json_array_append_new(o, json_string("ro"));
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}", "destination", ctr, "type", "bind",
						"source", host, "options", o));
	return 0;
}

/* --tmpfs PATH[:OPTS] */
static int add_tmpfs(json_t *mounts, const char *spec, struct perr *err)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *opts, buf[1024];

	if (!copy)
		return perr_set(err, ENOMEM, "--tmpfs");
	opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	if (copy[0] != '/')
		return perr_set(err, 0, "--tmpfs \"%s\": the path must be absolute", spec);
	snprintf(buf, sizeof(buf), "nosuid,nodev,noexec,size=65536k%s%s", opts && *opts ? "," : "",
		 opts ? opts : "");
	json_array_append_new(mounts, mount_entry(copy, "tmpfs", "tmpfs", buf));
	return 0;
}

static int read_env_file(json_t *env, const char *path, struct perr *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[8192];
	unsigned lineno = 0;

	if (!f)
		return perr_set(err, errno, "--env-file \"%s\"", path);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		lineno++;
		if (n && line[n - 1] != '\n' && !feof(f))
			return perr_set(err, 0, "--env-file \"%s\": line %u is too long", path, lineno);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		if (*p == '=')
			return perr_set(err, 0, "--env-file \"%s\": line %u: variable name is empty", path, lineno);
		if (!strchr(p, '=')) {
			/* docker: a bare name takes the value from persona's environment */
			const char *v = getenv(p);
			if (!v)
				continue;
			char kv[8192];
			snprintf(kv, sizeof(kv), "%s=%s", p, v);
			json_array_append_new(env, json_string(kv));
		} else {
			json_array_append_new(env, json_string(p));
		}
	}
	return 0;
}

/* Later settings of a name replace earlier ones, as docker's do. */
static void env_set(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv), i;
	json_t *e;
	char buf[8192];

	if (!eq) {
		const char *v = getenv(kv);
		if (!v)
			return;
		snprintf(buf, sizeof(buf), "%s=%s", kv, v);
		kv = buf;
	}
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && !strncmp(s, kv, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static json_t *build_env(const struct run_opts *o, const char *hostname, const char *home, struct perr *err)
{
	json_t *env = json_array(), *extra = json_array();
	char buf[PATH_MAX + 8];
	size_t i;
	json_t *e;

	json_array_append_new(env, json_string(DEFAULT_PATH));
	snprintf(buf, sizeof(buf), "HOSTNAME=%s", hostname);
	json_array_append_new(env, json_string(buf));
	if (o->tty)
		json_array_append_new(env, json_string("TERM=xterm"));
	/* the image's Env, then --env-file and -e over it, as docker */
	json_array_foreach(json_object_get(o->image_config, "Env"), i, e)
		if (json_is_string(e) && strchr(json_string_value(e), '='))
			env_set(env, json_string_value(e));
	for (i = 0; i < o->env_files.n; i++)
		if (read_env_file(extra, o->env_files.v[i], err) < 0)
			goto fail;
	for (i = 0; i < o->env.n; i++) {
		if (o->env.v[i][0] == '=' || !o->env.v[i][0]) {
			perr_set(err, 0, "--env \"%s\": variable name is empty", o->env.v[i]);
			goto fail;
		}
		json_array_append_new(extra, json_string(o->env.v[i]));
	}
	json_array_foreach(extra, i, e)
		env_set(env, json_string_value(e));
	snprintf(buf, sizeof(buf), "HOME=%s", home);
	bool has_home = false;
	json_array_foreach(env, i, e)
		if (!strncmp(json_string_value(e), "HOME=", 5))
			has_home = true;
	if (!has_home)
		json_array_append_new(env, json_string(buf));
	json_decref(extra);
	return env;
fail:
	json_decref(env);
	json_decref(extra);
	return NULL;
}

static int build_resources(const struct run_opts *o, json_t *res, struct perr *err)
{
	int64_t mem = 0, swap = 0, v;
	uint64_t u;

	if (o->memory && parse_size(o->memory, false, &mem, err) < 0)
		return perr_prefix(err, "--memory");
	if (o->memory && mem < 6 * 1024 * 1024)
		return perr_set(err, 0, "--memory \"%s\": the minimum memory limit allowed is 6MB", o->memory);
	if (o->memory_swap) {
		if (parse_size(o->memory_swap, true, &swap, err) < 0)
			return perr_prefix(err, "--memory-swap");
		if (!o->memory)
			return perr_set(err, 0, "--memory-swap \"%s\": set --memory as well", o->memory_swap);
		if (swap != -1 && swap < mem)
			return perr_set(err, 0, "--memory-swap \"%s\": must be at least --memory (%s)",
					o->memory_swap, o->memory);
	} else if (o->memory) {
		swap = 2 * mem;   /* docker: as much swap as memory */
	}
	if (o->memory)
		json_object_set_new(res, "memory", json_pack("{s:I, s:I}", "limit", (json_int_t)mem, "swap",
							      (json_int_t)swap));
	json_t *cpu = json_object();
	if (o->cpus) {
		if (parse_cpus(o->cpus, &v, err) < 0)
			return json_decref(cpu), perr_prefix(err, "--cpus");
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer(v / 10000));
	}
	if (o->cpu_shares) {
		if (parse_uint64(o->cpu_shares, &u, err) < 0 || u < 2 || u > 262144) {
			json_decref(cpu);
			return perr_set(err, 0, "--cpu-shares \"%s\": expected a number from 2 to 262144", o->cpu_shares);
		}
		json_object_set_new(cpu, "shares", json_integer((json_int_t)u));
	}
	if (o->cpuset_cpus) {
		if (parse_cpuset(o->cpuset_cpus, err) < 0)
			return json_decref(cpu), perr_prefix(err, "--cpuset-cpus");
		json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
	}
	if (json_object_size(cpu))
		json_object_set_new(res, "cpu", cpu);
	else
		json_decref(cpu);
	if (o->pids_limit) {
		if (parse_int64(o->pids_limit, &v, err) < 0 || v == 0 || v < -1)
			return perr_set(err, 0, "--pids-limit \"%s\": expected a positive number or -1", o->pids_limit);
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)v));
	}
	json_object_set_new(res, "devices", device_rules(o->privileged));
	return 0;
}

/* docker's rule: Entrypoint, then the command given or else the image's
 * Cmd; without an image config, the command or the default. */
static json_t *image_args(const struct run_opts *o)
{
	json_t *args, *cmd = json_object_get(o->image_config, "Cmd");
	size_t i;
	json_t *v;

	if (!o->image_config)
		return strv_json(o->args && o->args[0] ? o->args : o->default_args);
	args = json_array();
	json_array_foreach(json_object_get(o->image_config, "Entrypoint"), i, v)
		if (json_is_string(v))
			json_array_append(args, v);
	if (o->args && o->args[0]) {
		for (const char *const *a = o->args; *a; a++)
			json_array_append_new(args, json_string(*a));
	} else {
		json_array_foreach(cmd, i, v)
			if (json_is_string(v))
				json_array_append(args, v);
	}
	return args;
}

static json_t *build_process(const struct run_opts *o, const char *hostname, struct perr *err)
{
	_cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_strv_ char **caps = NULL;
	struct user_ids ids = { 0 };
	size_t ncaps = 0, i;
	json_t *proc = NULL, *env, *rl = json_array(), *args;

	if (rootfd < 0) {
		json_decref(rl);
		return perr_set(err, errno, "root filesystem \"%s\"", o->rootfs), NULL;
	}
	const char *user = o->user ? o->user : json_str(o->image_config, "User");
	const char *workdir = o->workdir ? o->workdir : json_str(o->image_config, "WorkingDir");
	if (workdir && !*workdir)
		workdir = NULL;
	if (user_resolve(rootfd, user, &ids, err) < 0)
		goto fail;
	if (caps_compute(o->cap_add.v, o->cap_add.n, o->cap_drop.v, o->cap_drop.n, o->privileged, &caps, &ncaps,
			 err) < 0)
		goto fail;
	env = build_env(o, hostname, ids.home, err);
	if (!env)
		goto fail;
	for (i = 0; i < o->ulimits.n; i++) {
		json_t *r;
		if (rlimit_parse_ulimit(o->ulimits.v[i], &r, err) < 0) {
			json_decref(env);
			goto fail;
		}
		json_array_append_new(rl, r);
	}
	args = image_args(o);
	if (json_array_size(args) == 0) {
		json_decref(args);
		json_decref(env);
		perr_set(err, 0, "no command given, and \"%s\" has no default command", o->image);
		err->status = 125;
		goto fail;
	}
	json_t *gids = json_array();
	for (i = 0; i < ids.ngroups; i++)
		json_array_append_new(gids, json_integer(ids.groups[i]));
	proc = json_pack("{s:b, s:{s:I, s:I, s:o}, s:o, s:o, s:s, s:o, s:o, s:b}", "terminal", o->tty, "user", "uid",
			 (json_int_t)ids.uid, "gid", (json_int_t)ids.gid, "additionalGids", gids, "args", args, "env",
			 env, "cwd", workdir ? workdir : "/", "capabilities",
			 caps_oci_object(caps, ncaps, ids.uid), "rlimits", rl, "noNewPrivileges",
			 o->no_new_privs != 0);
	rl = NULL;
	if (workdir && workdir[0] != '/') {
		json_decref(proc);
		proc = NULL;
		perr_set(err, 0, "%s \"%s\": must be an absolute path", o->workdir ? "--workdir" : "image WorkingDir",
			 workdir);
	}
fail:
	user_ids_free(&ids);
	json_decref(rl);
	return proc;
}

/* Labels as docker keeps them, here as OCI annotations (config.md
 * "annotations"): the image's Labels (string values), then --label
 * KEY=VALUE over them.  A key must be non-empty and not one of persona's
 * own (io.persona.*). */
static int add_labels(json_t *annotations, const struct run_opts *o, struct perr *err)
{
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(o->image_config, "Labels"), k, v)
		if (json_is_string(v) && *k && strncmp(k, "io.persona.", 11))
			json_object_set(annotations, k, v);
	for (size_t i = 0; i < o->labels.n; i++) {
		const char *kv = o->labels.v[i], *eq = strchr(kv, '=');
		size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
		if (!kl || !strncmp(kv, "io.persona.", 11))
			return perr_set(err, 0, "--label \"%s\": use KEY=VALUE with a KEY not starting with "
					"io.persona.", kv);
		char *key = strndup(kv, kl);
		if (!key)
			return perr_set(err, ENOMEM, "--label");
		json_object_set_new(annotations, key, json_string(eq ? eq + 1 : ""));
		free(key);
	}
	return 0;
}

json_t *spec_from_run(const struct run_opts *o, const char *id, struct perr *err)
{
	_cleanup_json_ json_t *spec = NULL;
	json_t *process, *mounts, *res = json_object(), *ns, *lin;
	char hostname[65];
	size_t i;

	snprintf(hostname, sizeof(hostname), "%.12s", id);
	if (o->hostname)
		snprintf(hostname, sizeof(hostname), "%s", o->hostname);
	if (o->hostname && (strlen(o->hostname) > 64 || !*o->hostname))
		return json_decref(res), perr_set(err, 0, "--hostname \"%s\": must be 1 to 64 characters",
						  o->hostname), NULL;
	if (o->network && strcmp(o->network, "none") && strcmp(o->network, "host"))
		return json_decref(res), perr_set(err, 0, "--network \"%s\": only \"none\" and \"host\" are "
						  "supported", o->network), NULL;
	if (build_resources(o, res, err) < 0)
		return json_decref(res), NULL;
	process = build_process(o, hostname, err);
	if (!process)
		return json_decref(res), NULL;
	mounts = default_mounts(o->privileged);
	for (i = 0; i < o->volumes.n; i++)
		if (add_volume(mounts, o->volumes.v[i], err) < 0)
			goto fail;
	for (i = 0; i < o->tmpfs.n; i++)
		if (add_tmpfs(mounts, o->tmpfs.v[i], err) < 0)
			goto fail;
	ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "ipc", "type", "uts", "type",
		       "mount", "type", "cgroup");
	if (!o->network || strcmp(o->network, "host"))
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	lin = json_pack("{s:o, s:o, s:s}", "namespaces", ns, "resources", res, "cgroupsPath", "");
	res = NULL;
	if (!o->privileged) {
		json_object_set_new(lin, "maskedPaths", strv_json(masked_paths));
		json_object_set_new(lin, "readonlyPaths", strv_json(readonly_paths));
	}
	spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o, s:{s:s, s:s}}", "ociVersion", "1.2.0", "process",
			 process, "root", "path", o->rootfs, "readonly", o->read_only, "hostname", hostname, "mounts",
			 mounts, "linux", lin, "annotations", ANNOT_OVERLAY, "true", ANNOT_INIT,
			 o->init ? "true" : "false");
	if (!spec)
		return perr_set(err, ENOMEM, "spec"), NULL;
	if (o->lowerdirs)
		json_object_set_new(json_object_get(spec, "annotations"), ANNOT_LOWERDIRS, json_string(o->lowerdirs));
	if (add_labels(json_object_get(spec, "annotations"), o, err) < 0)
		return NULL;
	const char *stopsig = json_str(o->image_config, "StopSignal");
	if (stopsig)
		json_object_set_new(json_object_get(spec, "annotations"), "org.opencontainers.image.stopSignal",
				    json_string(stopsig));
	if (!o->privileged && (!o->seccomp || strcmp(o->seccomp, "unconfined"))) {
		const json_t *capobj = json_object_get(process, "capabilities");
		const char **bnd;
		size_t nb;
		json_t *sc;
		if (json_strv(json_object_get(capobj, "bounding"), "capabilities", &bnd, &nb, err) < 0)
			return NULL;
		sc = o->seccomp ? seccomp_docker_profile_load(o->seccomp, bnd, nb, err)
				: seccomp_default_profile(bnd, nb, err);
		free(bnd);
		if (!sc)
			return o->seccomp ? perr_prefix(err, "--security-opt seccomp"), NULL : NULL;
		json_object_set_new(lin, "seccomp", sc);
	}
	return steal_ptr(spec);
fail:
	json_decref(process);
	json_decref(mounts);
	json_decref(res);
	return NULL;
}

json_t *spec_default(struct perr *err)
{
	static const char *const args[] = { "sh", NULL };
	struct run_opts o = { .rootfs = "rootfs", .args = args, .tty = true, .image = "rootfs", .no_new_privs = -1 };
	char cwd[PATH_MAX];
	_cleanup_free_ char *path = NULL;
	json_t *spec;

	/* The default process needs no root filesystem to exist: resolve the
	 * (root) user against an empty directory. */
	snprintf(cwd, sizeof(cwd), "/");
	o.rootfs = cwd;
	spec = spec_from_run(&o, "persona", err);
	if (spec) {
		json_object_set_new(json_object_get(spec, "root"), "path", json_string("rootfs"));
		json_object_del(spec, "annotations");
		json_object_set_new(spec, "hostname", json_string("persona"));
	}
	return spec;
}
