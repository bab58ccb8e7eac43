/* Integration: persona run, the basics a docker/podman user relies on:
 * output, exit codes, environment, working directory, user, host name,
 * volumes, tmpfs, read-only root, stdin, network, --init, capabilities,
 * --privileged and seccomp options. */
#include "tests/integration/integ.h"

/* ---- output and exit status ---- */

START_TEST(echo_hi)
{
	struct cmd_result r = P("run", "--rm", "busybox", "echo", "hi");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hi\n");
	ck_assert_msg(r.err[0] == '\0', "persona wrote to stderr: %s", r.err);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(exit_status_is_the_workloads)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", "exit 3");
	ck_assert_status(r, 3);
	cmd_result_free(&r);
	r = P("run", "--rm", "busybox", "false");
	ck_assert_status(r, 1);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(command_not_found_is_127)
{
	struct cmd_result r = P("run", "--rm", "busybox", "no-such-command");
	ck_assert_status(r, 127);
	ck_assert_err_has(r, "no-such-command");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	r = P("run", "--rm", "busybox", "/bin/no-such-command");
	ck_assert_status(r, 127);
	ck_assert_err_has(r, "/bin/no-such-command");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(command_not_executable_is_126)
{
	struct cmd_result r = P("run", "--rm", "busybox", "/etc/passwd");
	ck_assert_status(r, 126);
	ck_assert_err_has(r, "/etc/passwd");
	ck_assert_one_message(r);
	cmd_result_free(&r);
	/* a directory is not executable either */
	r = P("run", "--rm", "busybox", "/tmp");
	ck_assert_status(r, 126);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* A workload that is not PID 1 (under --init) and kills itself with
 * SIGTERM: 128 + 15. */
START_TEST(killed_by_signal_is_128_plus_n)
{
	struct cmd_result r = P("run", "--rm", "--init", "busybox", "sh", "-c", "kill -TERM $$; sleep 5");
	ck_assert_status(r, 143);
	cmd_result_free(&r);
	r = P("run", "--rm", "--init", "busybox", "sh", "-c", "kill -INT $$; sleep 5");
	ck_assert_status(r, 130);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* Without --init the workload is PID 1 of its namespace: like any PID 1
 * (and as under docker) it ignores a signal it has no handler for. */
START_TEST(pid1_ignores_unhandled_sigterm)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", "kill -TERM $$; echo alive");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "alive\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* Without a command, busybox runs its default, sh. */
START_TEST(default_command)
{
	struct cmd_result r = P("run", "--rm", "busybox");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	r = P_IN("echo hi from sh; exit 4\n", "run", "--rm", "-i", "busybox");
	ck_assert_status(r, 4);
	ck_assert_str_eq(r.out, "hi from sh\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ---- environment, working directory, user, host name ---- */

START_TEST(env_options)
{
	char *dir = make_temp_dir("env"), path[4096];
	snprintf(path, sizeof(path), "%s/env.list", dir);
	write_file_str(path, "# a comment\n"
			     "\n"
			     "FROM_FILE=one two  three\n"
			     "QUOTED=\"kept\"\n"
			     "OVERRIDDEN=file\n"
			     "PERSONA_T_BARE\n");
	setenv("PERSONA_T_BARE", "from-host", 1);
	setenv("PERSONA_T_INHERIT", "inherited", 1);
	unsetenv("PERSONA_T_UNSET");
	struct cmd_result r = P("run", "--rm", "--env-file", path, "-e", "FOO=bar", "--env", "OVERRIDDEN=flag",
				"-e", "PERSONA_T_INHERIT", "-e", "PERSONA_T_UNSET", "-e", "EMPTY=", "busybox", "sh",
				"-c",
				"echo \"FOO=$FOO\"; echo \"FROM_FILE=$FROM_FILE\"; echo \"QUOTED=$QUOTED\"; "
				"echo \"OVERRIDDEN=$OVERRIDDEN\"; echo \"BARE=$PERSONA_T_BARE\"; "
				"echo \"INHERIT=$PERSONA_T_INHERIT\"; echo \"UNSET=${PERSONA_T_UNSET-unset}\"; "
				"echo \"EMPTY=${EMPTY-unset}\"; echo \"PATH=$PATH\"");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "FOO=bar\n");
	ck_assert_out_has(r, "FROM_FILE=one two  three\n");
	ck_assert_out_has(r, "QUOTED=\"kept\"\n");
	ck_assert_out_has(r, "OVERRIDDEN=flag\n");
	ck_assert_out_has(r, "BARE=from-host\n");
	ck_assert_out_has(r, "INHERIT=inherited\n");
	ck_assert_out_has(r, "UNSET=unset\n");
	ck_assert_out_has(r, "EMPTY=\n");
	ck_assert_out_has(r, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

/* The environment a workload gets by default, as docker gives it. */
START_TEST(default_env)
{
	struct cmd_result r = P("run", "--rm", "--hostname", "envhost", "busybox", "env");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	ck_assert_out_has(r, "HOSTNAME=envhost\n");
	ck_assert_out_has(r, "HOME=/root\n");
	ck_assert_msg(!contains(r.out, "TERM="), "TERM is set without -t:\n%s", r.out);
	/* nothing of the caller's environment leaks in */
	ck_assert_msg(!contains(r.out, "PERSONA_BIN="), "the caller's environment leaked in:\n%s", r.out);
	cmd_result_free(&r);
	/* a user's HOME is from the container's /etc/passwd */
	r = P("run", "--rm", "-u", "nobody", "busybox", "sh", "-c", "echo $HOME");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "/nonexistent\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(workdir)
{
	struct cmd_result r = P("run", "--rm", "-w", "/tmp", "busybox", "pwd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "/tmp\n");
	cmd_result_free(&r);
	r = P("run", "--rm", "--workdir", "/etc", "busybox", "sh", "-c", "pwd; ls passwd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "/etc\npasswd\n");
	cmd_result_free(&r);
	/* docker makes a working directory that does not exist, parents too */
	r = P("run", "--rm", "-w", "/tmp/new", "busybox", "pwd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "/tmp/new\n");
	cmd_result_free(&r);
	r = P("run", "--rm", "-w", "/srv/a/b", "busybox", "pwd");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "/srv/a/b\n");
	cmd_result_free(&r);
	/* the default is / */
	r = P("run", "--rm", "busybox", "pwd");
	ck_assert_str_eq(r.out, "/\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(user_numeric)
{
	struct cmd_result r = P("run", "--rm", "-u", "1000", "busybox", "sh", "-c", "id -u; id -g");
	ck_assert_status(r, 0);
	/* a numeric user not in /etc/passwd: group 0 */
	ck_assert_str_eq(r.out, "1000\n0\n");
	cmd_result_free(&r);
	r = P("run", "--rm", "--user", "1000:1001", "busybox", "sh", "-c", "id -u; id -g");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "1000\n1001\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(user_by_name)
{
	/* names come from the container's /etc/passwd and /etc/group */
	struct cmd_result r = P("run", "--rm", "-u", "nobody", "busybox", "id");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "uid=65534(nobody)");
	ck_assert_out_has(r, "gid=65534(nogroup)");
	cmd_result_free(&r);
	r = P("run", "--rm", "-u", "daemon:nogroup", "busybox", "sh", "-c", "id -u; id -g");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "1\n65534\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* A non-root user has no effective capabilities, as under docker. */
START_TEST(user_has_no_capabilities)
{
	struct cmd_result r = P("run", "--rm", "-u", "1000", "busybox", "grep", "CapEff", "/proc/self/status");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "0000000000000000");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(hostname_option)
{
	struct cmd_result r = P("run", "--rm", "--hostname", "box.example", "busybox", "sh", "-c",
				"hostname; echo $HOSTNAME");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "box.example\nbox.example\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ---- volumes, tmpfs, read-only root ---- */

START_TEST(volume_rw)
{
	char *dir = make_temp_dir("vol"), vol[4200], path[4200];
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	write_file_str(path, "from the host\n");
	snprintf(vol, sizeof(vol), "%s:/data", dir);
	struct cmd_result r = P("run", "--rm", "-v", vol, "busybox", "sh", "-c",
				"cat /data/in.txt && echo from the container > /data/out.txt");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "from the host\n");
	cmd_result_free(&r);
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	char *got = read_file_str(path);
	ck_assert_msg(got && !strcmp(got, "from the container\n"), "the host sees \"%s\" in out.txt",
		      got ? got : "(no file)");
	free(got);
	/* a container path that does not exist is made */
	snprintf(vol, sizeof(vol), "%s:/new/place", dir);
	r = P("run", "--rm", "--volume", vol, "busybox", "cat", "/new/place/in.txt");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "from the host\n");
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

START_TEST(volume_ro)
{
	char *dir = make_temp_dir("volro"), vol[4200], path[4200];
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	write_file_str(path, "read me\n");
	snprintf(vol, sizeof(vol), "%s:/data:ro", dir);
	struct cmd_result r = P("run", "--rm", "-v", vol, "busybox", "sh", "-c",
				"cat /data/in.txt; touch /data/new; echo touch=$?; rm /data/in.txt; echo rm=$?");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "read me\n");
	ck_assert_out_has(r, "touch=1\n");
	ck_assert_out_has(r, "rm=1\n");
	ck_assert_err_has(r, "Read-only file system");
	cmd_result_free(&r);
	snprintf(path, sizeof(path), "%s/new", dir);
	ck_assert_msg(!path_exists(path), "a file was written through a :ro volume");
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	ck_assert_msg(path_exists(path), "a file was removed through a :ro volume");
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

START_TEST(tmpfs_option)
{
	struct cmd_result r = P("run", "--rm", "--tmpfs", "/scratch", "busybox", "sh", "-c",
				"echo x > /scratch/f && cat /scratch/f && grep ' /scratch ' /proc/self/mountinfo");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "x\n");
	ck_assert_out_has(r, " - tmpfs ");
	cmd_result_free(&r);
	/* mount options are passed on */
	r = P("run", "--rm", "--tmpfs", "/scratch:size=1m", "busybox", "sh", "-c",
	      "grep ' /scratch ' /proc/self/mountinfo");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "size=1024k");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(read_only_root)
{
	struct cmd_result r = P("run", "--rm", "--read-only", "busybox", "sh", "-c",
				"touch /x; echo root=$?; echo y > /etc/y; echo etc=$?; echo z > /dev/shm/z; echo shm=$?");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "root=1\n");
	ck_assert_out_has(r, "etc=1\n");
	/* /dev and its sub-mounts keep their own modes */
	ck_assert_out_has(r, "shm=0\n");
	ck_assert_err_has(r, "Read-only file system");
	cmd_result_free(&r);
	r = P("run", "--rm", "--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c",
	      "touch /tmp/y && echo tmp ok; touch /y; echo root=$?");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "tmp ok\n");
	ck_assert_out_has(r, "root=1\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ---- standard input ---- */

START_TEST(stdin_with_i)
{
	struct cmd_result r = P_IN("hello\nworld\n", "run", "--rm", "-i", "busybox", "cat");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "hello\nworld\n");
	cmd_result_free(&r);
	r = P_IN("3 4\n", "run", "--rm", "--interactive", "busybox", "sh", "-c", "read a b; echo $((a * b))");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "12\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(stdin_without_i_is_empty)
{
	struct cmd_result r = P_IN("not for the container\n", "run", "--rm", "busybox", "cat");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ---- network ---- */

/* The interface names in a /proc/net/dev text, sorted, one a line. */
static char *interfaces(const char *netdev)
{
	char *copy = strdup(netdev ? netdev : ""), *save = NULL, *names[256];
	size_t n = 0, len = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':');
		if (!colon || n == 256)
			continue;
		*colon = '\0';
		names[n++] = l + strspn(l, " ");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (strcmp(names[k], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[k];
				names[k] = t;
			}
	char *out = calloc(1, 256 * 64);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(out + len, "%s\n", names[i]);
	free(copy);
	return out;
}

START_TEST(network_none_has_loopback_up)
{
	struct cmd_result r = P("run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev");
	ck_assert_status(r, 0);
	char *ifs = interfaces(r.out);
	ck_assert_str_eq(ifs, "lo\n");
	free(ifs);
	cmd_result_free(&r);
	/* the default is none; lo is up and answers */
	r = P("run", "--rm", "busybox", "sh", "-c", "ip link show lo; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo ping ok");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "UP");
	ck_assert_out_has(r, "ping ok\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(network_host_shares_interfaces)
{
	char *host = read_file_str("/proc/net/dev");
	char *want = interfaces(host);
	struct cmd_result r = P("run", "--rm", "--network", "host", "busybox", "cat", "/proc/net/dev");
	ck_assert_status(r, 0);
	char *got = interfaces(r.out);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(host);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ---- --init ---- */

START_TEST(init_is_pid1)
{
	struct cmd_result r = P("run", "--rm", "--init", "busybox", "cat", "/proc/1/cmdline");
	ck_assert_status(r, 0);
	ck_assert_msg(strncmp(r.out, "cat", 3) != 0, "with --init, PID 1 is the workload: %s", r.out);
	cmd_result_free(&r);
	/* the workload is not PID 1 */
	r = P("run", "--rm", "--init", "busybox", "sh", "-c", "echo $$");
	ck_assert_status(r, 0);
	ck_assert_msg(strcmp(r.out, "1\n") != 0, "with --init, the workload is PID 1");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* An orphan is reparented to PID 1.  The workload here never waits (it
 * execs sleep), so only an init that reaps keeps the orphan from staying a
 * zombie; without --init it does stay one (checked too, so that the test
 * can tell the two apart). */
static char *orphan_ps(bool init)
{
	char *id = init ? RUN_D("--init", "busybox", "sh", "-c", "(sleep 0.2 &); exec sleep 100")
			: RUN_D("busybox", "sh", "-c", "(sleep 0.2 &); exec sleep 100");
	char *out = NULL;
	for (int i = 0; i < 30; i++) {
		usleep(200000);
		struct cmd_result r = P("exec", id, "ps", "-o", "pid,stat,args");
		ck_assert_status(r, 0);
		free(out);
		out = strdup(r.out);
		cmd_result_free(&r);
		/* the orphan has ended (it is a zombie or gone) */
		if (!contains(out, " sleep 0.2"))
			break;
	}
	struct cmd_result r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	return out;
}

START_TEST(init_reaps_zombies)
{
	char *out = orphan_ps(true);
	ck_assert_msg(!contains(out, " Z "), "a zombie is left under --init:\n%s", out);
	ck_assert_msg(contains(out, "    2 S    sleep 100"), "the workload is not PID 2 under --init:\n%s", out);
	free(out);
	out = orphan_ps(false);
	ck_assert_msg(contains(out, " Z "), "without --init the orphan should stay a zombie:\n%s", out);
	free(out);
	/* and the init passes on the exit status */
	struct cmd_result r = P("run", "--rm", "--init", "busybox", "sh", "-c", "exit 42");
	ck_assert_status(r, 42);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ---- capabilities, privileged, seccomp, no_new_privs ---- */

static char *status_of(const char *opt1, const char *opt2, const char *opt3, const char *field)
{
	const char *argv[16];
	int n = 0;
	argv[n++] = "run";
	argv[n++] = "--rm";
	if (opt1)
		argv[n++] = opt1;
	if (opt2)
		argv[n++] = opt2;
	if (opt3)
		argv[n++] = opt3;
	argv[n++] = "busybox";
	argv[n++] = "cat";
	argv[n++] = "/proc/self/status";
	while (n < 16)
		argv[n++] = NULL;
	struct cmd_result r = persona_t(CMD_TIMEOUT, NULL, NULL, argv[0], argv[1], argv[2], argv[3], argv[4],
					argv[5], argv[6], argv[7], argv[8], argv[9], NULL);
	ck_assert_status(r, 0);
	char *v = status_field(r.out, field);
	ck_assert_msg(v != NULL, "no %s in /proc/self/status:\n%s", field, r.out);
	cmd_result_free(&r);
	return v;
}

START_TEST(cap_add_and_drop)
{
	char *v = status_of("--cap-add", "SYS_ADMIN", NULL, "CapEff");
	ck_assert_str_eq(v, "00000000a82425fb"); /* + bit 21 */
	free(v);
	v = status_of("--cap-add", "cap_sys_ptrace", NULL, "CapEff");
	ck_assert_str_eq(v, "00000000a80c25fb"); /* + bit 19, any case, with the prefix */
	free(v);
	v = status_of("--cap-drop", "CHOWN", NULL, "CapEff");
	ck_assert_str_eq(v, "00000000a80425fa"); /* - bit 0 */
	free(v);
	v = status_of("--cap-drop", "CHOWN", NULL, "CapBnd");
	ck_assert_str_eq(v, "00000000a80425fa");
	free(v);
	v = status_of("--cap-drop", "ALL", NULL, "CapEff");
	ck_assert_str_eq(v, "0000000000000000");
	free(v);
	assert_no_leftovers();
}
END_TEST

START_TEST(cap_drop_all_then_add_one)
{
	struct cmd_result r = P("run", "--rm", "--cap-drop", "ALL", "--cap-add", "NET_BIND_SERVICE", "busybox",
				"grep", "CapEff", "/proc/self/status");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "0000000000000400");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* What a capability does, not only its bit. */
START_TEST(cap_effects)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", "touch /tmp/f && chown 1000 /tmp/f && echo chown ok");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "chown ok");
	cmd_result_free(&r);
	r = P("run", "--rm", "--cap-drop", "CHOWN", "busybox", "sh", "-c", "touch /tmp/f && chown 1000 /tmp/f");
	ck_assert_msg(r.status != 0, "chown worked without CAP_CHOWN; " SHOW_FMT, r.status, r.out, r.err);
	ck_assert_err_has(r, "Operation not permitted");
	cmd_result_free(&r);
	/* no CAP_SYS_ADMIN by default: mount is refused */
	r = P("run", "--rm", "busybox", "mount", "-t", "tmpfs", "tmpfs", "/tmp");
	ck_assert_msg(r.status != 0, "mount worked in a default container; " SHOW_FMT, r.status, r.out, r.err);
	cmd_result_free(&r);
	/* no CAP_NET_ADMIN by default: the loopback cannot be taken down */
	r = P("run", "--rm", "busybox", "ip", "link", "set", "lo", "down");
	ck_assert_msg(r.status != 0, "ip link set lo down worked; " SHOW_FMT, r.status, r.out, r.err);
	cmd_result_free(&r);
	r = P("run", "--rm", "--cap-add", "NET_ADMIN", "busybox", "ip", "link", "set", "lo", "down");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(privileged)
{
	char *host = read_file_str("/proc/self/status");
	char *bnd = status_field(host, "CapBnd");
	char *v = status_of("--privileged", NULL, NULL, "CapEff");
	/* every capability the caller has */
	ck_assert_str_eq(v, bnd);
	free(v);
	v = status_of("--privileged", NULL, NULL, "Seccomp");
	ck_assert_str_eq(v, "0");
	free(v);
	free(bnd);
	free(host);
	/* no masked or read-only paths, /sys read-write; and a mount works */
	struct cmd_result r = P("run", "--rm", "--privileged", "busybox", "sh", "-c",
				"grep -c ' /proc/sys \\| /proc/keys ' /proc/self/mountinfo; "
				"grep ' /sys ' /proc/self/mountinfo; mount -t tmpfs tmpfs /tmp && echo mount ok");
	ck_assert_out_has(r, "0\n");
	ck_assert_out_has(r, " /sys rw");
	ck_assert_out_has(r, "mount ok\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(seccomp_unconfined)
{
	char *v = status_of("--security-opt", "seccomp=unconfined", NULL, "Seccomp");
	ck_assert_str_eq(v, "0");
	free(v);
	/* the capabilities stay docker's default */
	v = status_of("--security-opt", "seccomp=unconfined", NULL, "CapEff");
	ck_assert_str_eq(v, DEFAULT_CAPEFF);
	free(v);
	assert_no_leftovers();
}
END_TEST

START_TEST(seccomp_profile_file)
{
	char *dir = make_temp_dir("seccomp"), path[4096], opt[4200];
	snprintf(path, sizeof(path), "%s/no-mkdir.json", dir);
	write_file_str(path, "{\n"
			     "  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
			     "  \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
			     "  \"syscalls\": [\n"
			     "    { \"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\" }\n"
			     "  ]\n"
			     "}\n");
	snprintf(opt, sizeof(opt), "seccomp=%s", path);
	struct cmd_result r = P("run", "--rm", "--security-opt", opt, "busybox", "sh", "-c",
				"mkdir /tmp/x; echo mkdir=$?; touch /tmp/y && echo touch ok; grep Seccomp: /proc/self/status");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "mkdir=1\n");
	ck_assert_err_has(r, "Operation not permitted"); /* EPERM, docker's default errno */
	ck_assert_out_has(r, "touch ok\n");
	ck_assert_out_has(r, "Seccomp:\t2");
	cmd_result_free(&r);
	/* the same profile with an explicit errnoRet */
	write_file_str(path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
			     "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}\n");
	r = P("run", "--rm", "--security-opt", opt, "busybox", "mkdir", "/tmp/x");
	ck_assert_msg(r.status != 0, "mkdir worked; " SHOW_FMT, r.status, r.out, r.err);
	ck_assert_err_has(r, "Permission denied"); /* EACCES */
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

START_TEST(seccomp_profile_malformed)
{
	char *dir = make_temp_dir("seccomp"), path[4096], opt[4200];
	snprintf(path, sizeof(path), "%s/broken.json", dir);
	write_file_str(path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [\n");
	snprintf(opt, sizeof(opt), "seccomp=%s", path);
	struct cmd_result r = P("run", "--rm", "--security-opt", opt, "busybox", "true");
	ck_assert_status(r, 125);
	ck_assert_err_has(r, path);
	ck_assert_one_message(r);
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

START_TEST(no_new_privileges)
{
	char *v = status_of("--security-opt", "no-new-privileges", NULL, "NoNewPrivs");
	ck_assert_str_eq(v, "1");
	free(v);
	v = status_of("--security-opt", "no-new-privileges:true", NULL, "NoNewPrivs");
	ck_assert_str_eq(v, "1");
	free(v);
	/* on by default */
	v = status_of(NULL, NULL, NULL, "NoNewPrivs");
	ck_assert_str_eq(v, "1");
	free(v);
	/* off on request, and the seccomp filter is still loaded (before the
	 * capabilities go), for root and for another user */
	v = status_of("--security-opt", "no-new-privileges=false", NULL, "NoNewPrivs");
	ck_assert_str_eq(v, "0");
	free(v);
	v = status_of("--security-opt", "no-new-privileges=false", NULL, "Seccomp");
	ck_assert_str_eq(v, "2");
	free(v);
	v = status_of("--security-opt", "no-new-privileges=false", "-u1000", "Seccomp");
	ck_assert_str_eq(v, "2");
	free(v);
	assert_no_leftovers();
}
END_TEST

START_TEST(help_texts)
{
	static const char *const cmds[] = { "run", "exec", "ps", "stop", "kill", "rm", "logs", "inspect", "spec" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct cmd_result r = P(cmds[i], "--help");
		ck_assert_status(r, 0);
		ck_assert_out_has(r, "Usage: persona");
		ck_assert_out_has(r, cmds[i]);
		cmd_result_free(&r);
	}
	struct cmd_result r = P("--help");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "Usage: persona");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: run");
	TCase *tc;

	test_private_root("run");
	tc = integ_tcase("exit status", 120);
	tcase_add_test(tc, echo_hi);
	tcase_add_test(tc, exit_status_is_the_workloads);
	tcase_add_test(tc, command_not_found_is_127);
	tcase_add_test(tc, command_not_executable_is_126);
	tcase_add_test(tc, killed_by_signal_is_128_plus_n);
	tcase_add_test(tc, pid1_ignores_unhandled_sigterm);
	tcase_add_test(tc, default_command);
	suite_add_tcase(s, tc);

	tc = integ_tcase("process options", 120);
	tcase_add_test(tc, env_options);
	tcase_add_test(tc, default_env);
	tcase_add_test(tc, workdir);
	tcase_add_test(tc, user_numeric);
	tcase_add_test(tc, user_by_name);
	tcase_add_test(tc, user_has_no_capabilities);
	tcase_add_test(tc, hostname_option);
	tcase_add_test(tc, help_texts);
	suite_add_tcase(s, tc);

	tc = integ_tcase("mounts", 120);
	tcase_add_test(tc, volume_rw);
	tcase_add_test(tc, volume_ro);
	tcase_add_test(tc, tmpfs_option);
	tcase_add_test(tc, read_only_root);
	suite_add_tcase(s, tc);

	tc = integ_tcase("stdin and network", 120);
	tcase_add_test(tc, stdin_with_i);
	tcase_add_test(tc, stdin_without_i_is_empty);
	tcase_add_test(tc, network_none_has_loopback_up);
	tcase_add_test(tc, network_host_shares_interfaces);
	suite_add_tcase(s, tc);

	tc = integ_tcase("init", 120);
	tcase_add_test(tc, init_is_pid1);
	tcase_add_test(tc, init_reaps_zombies);
	suite_add_tcase(s, tc);

	tc = integ_tcase("security options", 120);
	tcase_add_test(tc, cap_add_and_drop);
	tcase_add_test(tc, cap_drop_all_then_add_one);
	tcase_add_test(tc, cap_effects);
	tcase_add_test(tc, privileged);
	tcase_add_test(tc, seccomp_unconfined);
	tcase_add_test(tc, seccomp_profile_file);
	tcase_add_test(tc, seccomp_profile_malformed);
	tcase_add_test(tc, no_new_privileges);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
