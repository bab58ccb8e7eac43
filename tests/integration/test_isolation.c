/* Integration: what isolation means, as the workload sees it: its own
 * PID, mount, UTS, IPC, network and cgroup namespaces; an overlay root
 * that never changes the root filesystem directory; /proc, /sys and /dev
 * as docker sets them up; docker's default capabilities, seccomp filter
 * and no_new_privs. */
#include <sys/ipc.h>
#include <sys/msg.h>

#include "tests/integration/integ.h"

START_TEST(workload_is_pid1)
{
	struct cmd_result r = P("run", "--rm", "busybox", "cat", "/proc/1/cmdline");
	ck_assert_status(r, 0);
	/* argv joined by NULs: "cat\0/proc/1/cmdline\0" */
	ck_assert_int_eq((int)strlen(r.out), 3);
	ck_assert_str_eq(r.out, "cat");
	ck_assert_str_eq(r.out + 4, "/proc/1/cmdline");
	cmd_result_free(&r);
	r = P("run", "--rm", "busybox", "sh", "-c", "echo $$");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "1\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* ps shows the container's processes and nothing of the host's. */
START_TEST(ps_shows_only_the_container)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", "sleep 30 & until ps -o args | grep -qx 'sleep 30'; do :; done; ps -o pid,args; kill %1");
	ck_assert_status(r, 0);
	/* header, sh (1), sleep, ps */
	ck_assert_msg(count_lines(r.out) == 4, "ps lists more than the container:\n%s", r.out);
	ck_assert_out_has(r, "    1 sh -c");
	ck_assert_out_has(r, " sleep 30\n");
	cmd_result_free(&r);
	/* /proc holds the same */
	r = P("run", "--rm", "busybox", "sh", "-c", "ls -d /proc/[0-9]* | wc -l");
	ck_assert_status(r, 0);
	ck_assert_msg(atoi(r.out) <= 3, "/proc lists %s processes", r.out);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(default_hostname_is_short_id)
{
	char *id = RUN_D("busybox", "sh", "-c", "hostname; echo $HOSTNAME");
	ck_assert(wait_not_running(id, 20));
	struct cmd_result r = P("logs", id);
	char want[64];
	snprintf(want, sizeof(want), "%.12s\n%.12s\n", id, id);
	ck_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* Each namespace differs from the host's (the network one too, unless --network host). */
START_TEST(namespaces_are_new)
{
	static const char *const ns[] = { "pid", "mnt", "uts", "ipc", "net", "cgroup" };
	char script[1024] = "", line[128];
	for (size_t i = 0; i < 6; i++) {
		snprintf(line, sizeof(line), "readlink /proc/self/ns/%s; ", ns[i]);
		strcat(script, line);
	}
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", script);
	ck_assert_status(r, 0);
	struct cmd_result h = P("run", "--rm", "--network", "host", "busybox", "sh", "-c", script);
	ck_assert_status(h, 0);
	for (size_t i = 0; i < 6; i++) {
		char path[64], host[128];
		ssize_t n;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		n = readlink(path, host, sizeof(host) - 1);
		ck_assert(n > 0);
		host[n] = '\0';
		ck_assert_msg(!contains(r.out, host), "the container shares the host's %s namespace (%s)", ns[i], host);
		if (!strcmp(ns[i], "net"))
			ck_assert_msg(contains(h.out, host), "--network host: not the host's network namespace");
		else
			ck_assert_msg(!contains(h.out, host), "--network host shares the %s namespace too", ns[i]);
	}
	cmd_result_free(&r);
	cmd_result_free(&h);
	assert_no_leftovers();
}
END_TEST

/* In its cgroup namespace, the container's own cgroup is the root. */
START_TEST(cgroup_namespace_root)
{
	struct cmd_result r = P("run", "--rm", "busybox", "cat", "/proc/self/cgroup");
	ck_assert_status(r, 0);
	ck_assert_msg(!contains(r.out, "persona-"), "the container sees its cgroup's host path:\n%s", r.out);
	ck_assert_out_has(r, ":memory:/\n");
	ck_assert_out_has(r, ":pids:/\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The host name set in the container stays there. */
START_TEST(uts_namespace)
{
	char host[256];
	gethostname(host, sizeof(host));
	/* without CAP_SYS_ADMIN (docker's default) the name cannot be changed */
	struct cmd_result r = P("run", "--rm", "busybox", "hostname", "changed-inside");
	ck_assert_msg(r.status != 0, "hostname could be changed; " SHOW_FMT, SHOW_ARGS(r));
	ck_assert_err_has(r, "Operation not permitted");
	cmd_result_free(&r);
	r = P("run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "hostname changed-inside && hostname");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "changed-inside\n");
	cmd_result_free(&r);
	char after[256];
	gethostname(after, sizeof(after));
	ck_assert_str_eq(after, host);
	assert_no_leftovers();
}
END_TEST

START_TEST(proc_self_status)
{
	struct cmd_result r = P("run", "--rm", "busybox", "cat", "/proc/self/status");
	ck_assert_status(r, 0);
	static const struct {
		const char *field, *want;
	} want[] = {
		{ "CapEff", DEFAULT_CAPEFF }, { "CapPrm", DEFAULT_CAPEFF }, { "CapBnd", DEFAULT_CAPEFF },
		{ "CapInh", "0000000000000000" }, { "CapAmb", "0000000000000000" },
		{ "Seccomp", "2" }, { "NoNewPrivs", "1" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *v = status_field(r.out, want[i].field);
		ck_assert_msg(v && !strcmp(v, want[i].want), "%s: want %s, got %s", want[i].field, want[i].want,
			      v ? v : "(none)");
		free(v);
	}
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(root_is_overlay)
{
	struct cmd_result r = P("run", "--rm", "busybox", "cat", "/proc/self/mountinfo");
	ck_assert_status(r, 0);
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER" */
	char *line = strstr(r.out, " / / ");
	ck_assert_msg(line != NULL, "no mount at / in:\n%s", r.out);
	char *eol = strchr(line, '\n');
	if (eol)
		*eol = '\0';
	ck_assert_msg(contains(line, " - overlay "), "/ is not an overlay: %s", line);
	char want[4200];
	snprintf(want, sizeof(want), "lowerdir=%s", busybox_layer());
	ck_assert_msg(contains(line, want), "the lower layer is not the image: %s", line);
	ck_assert_msg(contains(line, test_state_root()), "the upper layer is not in the state root: %s", line);
	if (eol)
		*eol = '\n';
	/* nothing of the host's mount table: no mount of the host's /work, /run or /var */
	ck_assert_msg(!contains(r.out, " /work") && !contains(r.out, " /run ") && !contains(r.out, " /var "),
		      "a host mount is visible:\n%s", r.out);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The old root is gone: no path leads to the host's files. */
START_TEST(host_files_unreachable)
{
	char *dir = make_temp_dir("marker"), path[4096], script[8400];
	snprintf(path, sizeof(path), "%s/host-only", dir);
	write_file_str(path, "secret\n");
	snprintf(script, sizeof(script),
		 "cat %s 2>/dev/null && echo VISIBLE; ls /proc/1/root%s 2>/dev/null && echo VISIBLE; "
		 "cat /.oldroot%s /oldroot%s 2>/dev/null && echo VISIBLE; echo done",
		 path, dir, path, path);
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", script);
	ck_assert_status(r, 0);
	ck_assert_msg(!contains(r.out, "VISIBLE"), "a host file is reachable:\n%s", r.out);
	ck_assert_out_has(r, "done\n");
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

/* docker's masked paths: files read as empty (a bind of /dev/null),
 * directories as empty (a read-only tmpfs).  Only those the host has. */
START_TEST(masked_paths)
{
	static const char *const files[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
					     "/proc/latency_stats", "/proc/timer_stats" };
	static const char *const dirs[] = { "/proc/acpi", "/proc/scsi", "/proc/asound", "/sys/firmware" };
	char script[4096] = "";
	int checked = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!path_exists(files[i]))
			continue;
		size_t n = strlen(script);
		snprintf(script + n, sizeof(script) - n, "echo %s=$(cat %s | wc -c); ", files[i], files[i]);
		checked++;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!path_exists(dirs[i]))
			continue;
		size_t n = strlen(script);
		snprintf(script + n, sizeof(script) - n, "echo %s=$(ls -A %s | wc -l); ", dirs[i], dirs[i]);
		checked++;
	}
	if (!checked)
		SKIP_TEST("the host has none of docker's masked paths");
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", script);
	ck_assert_status(r, 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char want[128];
		if (!path_exists(files[i]))
			continue;
		snprintf(want, sizeof(want), "%s=0\n", files[i]);
		ck_assert_msg(contains(r.out, want), "%s is not masked:\n%s", files[i], r.out);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char want[128];
		if (!path_exists(dirs[i]))
			continue;
		snprintf(want, sizeof(want), "%s=0\n", dirs[i]);
		ck_assert_msg(contains(r.out, want), "%s is not masked:\n%s", dirs[i], r.out);
	}
	cmd_result_free(&r);
	/* a masked file cannot be unmasked: no CAP_SYS_ADMIN */
	if (path_exists("/proc/keys")) {
		r = P("run", "--rm", "busybox", "sh", "-c", "umount /proc/keys; cat /proc/keys | wc -c");
		ck_assert_str_eq(r.out, "0\n");
		cmd_result_free(&r);
	}
	assert_no_leftovers();
}
END_TEST

START_TEST(readonly_paths)
{
	static const char *const ro[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus" };
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c",
				"echo 1 > /proc/sys/kernel/ns_last_pid; echo sys=$?; "
				"echo x > /proc/sys/kernel/hostname; echo hostname=$?; "
				"mkdir /sys/x; echo sysfs=$?; cat /proc/self/mountinfo");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "sys=1\n");
	ck_assert_out_has(r, "hostname=1\n");
	ck_assert_out_has(r, "sysfs=1\n");
	ck_assert_err_has(r, "Read-only file system");
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		char needle[128];
		if (!path_exists(ro[i]))
			continue;
		snprintf(needle, sizeof(needle), " %s ro,", ro[i]);
		ck_assert_msg(contains(r.out, needle), "%s is not mounted read-only:\n%s", ro[i], r.out);
	}
	ck_assert_msg(contains(r.out, " /sys ro,"), "/sys is not read-only:\n%s", r.out);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The default seccomp profile and capabilities refuse a user namespace. */
START_TEST(unshare_user_namespace_fails)
{
	struct cmd_result r = P("run", "--rm", "busybox", "unshare", "-r", "true");
	ck_assert_msg(r.status != 0, "unshare -r worked; " SHOW_FMT, SHOW_ARGS(r));
	ck_assert_err_has(r, "Operation not permitted");
	cmd_result_free(&r);
	r = P("run", "--rm", "busybox", "unshare", "-m", "true");
	ck_assert_msg(r.status != 0, "unshare -m worked; " SHOW_FMT, SHOW_ARGS(r));
	ck_assert_err_has(r, "Operation not permitted");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(dev_contents)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c",
				"ls -A /dev; echo ---; ls -A /dev/pts; echo ---; "
				"grep -E ' /dev(/pts|/shm|/mqueue)? ' /proc/self/mountinfo; echo ---; "
				"ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx");
	ck_assert_status(r, 0);
	static const char *const want[] = { "null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts",
					    "shm", "mqueue" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\n%s\n", want[i]);
		ck_assert_msg(contains(r.out, needle) || !strncmp(r.out, needle + 1, strlen(needle + 1)),
			      "/dev lacks %s:\n%s", want[i], r.out);
	}
	/* none of the host's devices */
	static const char *const host_only[] = { "kmsg", "mem", "kvm", "loop0", "sda", "vda", "fuse", "tty0", "console" };
	char *list = strndup(r.out, (size_t)(strstr(r.out, "---") - r.out));
	for (size_t i = 0; i < sizeof(host_only) / sizeof(host_only[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\n%s\n", host_only[i]);
		ck_assert_msg(!contains(list, needle) && strncmp(list, needle + 1, strlen(needle + 1)),
			      "/dev has the host's %s:\n%s", host_only[i], list);
	}
	free(list);
	ck_assert_out_has(r, " /dev rw,nosuid");
	ck_assert_out_has(r, " - tmpfs ");
	ck_assert_out_has(r, " /dev/pts ");
	ck_assert_out_has(r, " - devpts ");
	ck_assert_out_has(r, " /dev/shm ");
	ck_assert_out_has(r, " /dev/mqueue ");
	ck_assert_out_has(r, " - mqueue ");
	/* character devices with the right numbers */
	ck_assert_out_has(r, "1,   3 ");
	ck_assert_out_has(r, "1,   5 ");
	ck_assert_out_has(r, "1,   7 ");
	ck_assert_out_has(r, "1,   8 ");
	ck_assert_out_has(r, "1,   9 ");
	ck_assert_out_has(r, "5,   0 ");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The devices work as devices: null swallows, zero reads zeros, full is full. */
START_TEST(dev_devices_work)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c",
				"echo gone > /dev/null && echo null ok; "
				"head -c 4 /dev/zero | od -An -tx1; "
				"echo x > /dev/full; echo full=$?; "
				"head -c 16 /dev/urandom | wc -c; "
				"echo shm > /dev/shm/f && cat /dev/shm/f");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, "null ok\n");
	ck_assert_out_has(r, " 00 00 00 00\n");
	ck_assert_out_has(r, "full=1\n");
	ck_assert_out_has(r, "16\n");
	ck_assert_out_has(r, "shm\n");
	ck_assert_err_has(r, "No space left on device");
	cmd_result_free(&r);
	/* device nodes made in the container do not give access to the host's disks */
	r = P("run", "--rm", "busybox", "sh", "-c", "mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem >/dev/null; echo mem=$?");
	ck_assert_out_has(r, "mem=1\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* Two runs of the same image do not see each other's changes. */
START_TEST(containers_do_not_share_changes)
{
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", "echo one > /etc/first; rm /bin/ls; echo ok");
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	r = P("run", "--rm", "busybox", "sh", "-c", "test -e /etc/first && echo LEAKED; test -e /bin/ls && echo ls ok");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "ls ok\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* A listing of a tree: path, type, mode, owner, size, mtime, link target,
 * and the content's checksum for files. */
static char *snapshot(const char *dir)
{
	char script[8192];
	snprintf(script, sizeof(script),
		 "cd '%s' && find . -printf '%%p %%y %%m %%U:%%G %%s %%T@ %%l\\n' | LC_ALL=C sort && "
		 "find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum",
		 dir);
	struct cmd_result r = HOST("sh", "-c", script);
	ck_assert_msg(r.status == 0, "snapshot of %s failed: %s", dir, r.err);
	free(r.err);
	return r.out;
}

/* The ROOTFS-DIR is the overlay's lower layer: whatever the workload
 * writes, renames or deletes, the directory is unchanged. */
START_TEST(rootfs_dir_is_never_modified)
{
	char *dir = make_temp_dir("rootfs"), copy[4200];
	struct cmd_result r;
	snprintf(copy, sizeof(copy), "%s/root", dir);
	r = HOST("cp", "-a", busybox_layer(), copy);
	ck_assert_msg(r.status == 0, "cp -a: %s", r.err);
	cmd_result_free(&r);
	char *before = snapshot(copy);

	r = P("run", "--rm", copy, "/bin/sh", "-c",
	      "echo new > /new-file && echo more >> /etc/passwd && rm /bin/ls && mkdir -p /a/b && "
	      "mv /etc/group /etc/group.moved && chmod 700 /tmp && touch /bin/busybox && "
	      "ln -s /nowhere /etc/link && echo written; cat /etc/passwd | tail -n 1");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "written\nmore\n");
	cmd_result_free(&r);
	/* also through a run that is killed, and a --read-only one */
	r = P("run", "--rm", "--read-only", copy, "/bin/sh", "-c", "echo x > /ro-file; true");
	ck_assert_status(r, 0);
	cmd_result_free(&r);

	char *after = snapshot(copy);
	ck_assert_msg(!strcmp(before, after), "the root filesystem directory changed:\n--- before:\n%.2000s\n--- after:\n%.2000s",
		      before, after);
	free(before);
	free(after);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

/* IPC: a message queue of the host's is not seen in the container. */
START_TEST(ipc_namespace)
{
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ck_assert_msg(q >= 0, "msgget: %s", strerror(errno));
	struct cmd_result h = HOST("sh", "-c", "ipcs -q | grep -c '^0x'; true");
	struct cmd_result r = P("run", "--rm", "busybox", "sh", "-c", "ipcs -q | grep -c '^0x'; true");
	msgctl(q, IPC_RMID, NULL);
	ck_assert_msg(atoi(h.out) >= 1, "the host lists no queue: %s", h.out);
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "0\n");
	cmd_result_free(&r);
	cmd_result_free(&h);
	assert_no_leftovers();
}
END_TEST

/* A copy of the busybox root with extra symlinks; returns the temp dir. */
static char *rootfs_with_links(char *root, size_t len)
{
	char *dir = make_temp_dir("links");
	struct cmd_result r;
	snprintf(root, len, "%s/root", dir);
	r = HOST("cp", "-a", busybox_layer(), root);
	ck_assert_msg(r.status == 0, "cp -a: %s", r.err);
	cmd_result_free(&r);
	char script[8400];
	/* as Debian's /var/run -> /run; and links that point out of the root */
	snprintf(script, sizeof(script),
		 "cd '%s' && mkdir -p var && ln -s /run var/run && ln -s /tmp data && "
		 "ln -s %s/outside evil && ln -s ../../../../../../../..%s/outside2 evil2",
		 root, dir, dir);
	r = HOST("sh", "-c", script);
	ck_assert_msg(r.status == 0, "%s: %s", script, r.err);
	cmd_result_free(&r);
	return dir;
}

/* A mount destination that is a symlink in the image is followed inside
 * the root, as docker does (Debian's /var/run -> /run). */
START_TEST(volume_on_symlink_in_root)
{
	char root[4200], vol[8400], path[4300];
	char *dir = rootfs_with_links(root, sizeof(root));
	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/src/f", dir);
	write_file_str(path, "vol\n");
	snprintf(vol, sizeof(vol), "%s/src:/var/run", dir);
	struct cmd_result r = P("run", "--rm", "-v", vol, root, "cat", "/run/f");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "vol\n");
	cmd_result_free(&r);
	snprintf(vol, sizeof(vol), "%s/src:/data", dir);
	r = P("run", "--rm", "-v", vol, root, "cat", "/tmp/f");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "vol\n");
	cmd_result_free(&r);
	/* a tmpfs likewise */
	r = P("run", "--rm", "--tmpfs", "/var/run", root, "sh", "-c", "grep -c ' /run .* - tmpfs ' /proc/self/mountinfo");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "1\n");
	cmd_result_free(&r);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

/* A symlink in the image that points out of the root never leads a mount
 * (or the making of its mount point) to the host's file system. */
START_TEST(symlink_cannot_escape_root)
{
	char root[4200], vol[8400], path[4300], outside[4300], outside2[4300];
	char *dir = rootfs_with_links(root, sizeof(root));
	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/src/f", dir);
	write_file_str(path, "vol\n");
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	snprintf(outside2, sizeof(outside2), "%s/outside2", dir);
	static const char *const dests[] = { "/evil", "/evil/sub", "/evil2", "/evil2/sub" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(vol, sizeof(vol), "%s/src:%s", dir, dests[i]);
		struct cmd_result r = P("run", "--rm", "-v", vol, root, "true");
		ck_assert_msg(r.status == 0 || r.status == 125, "-v ...:%s: " SHOW_FMT, dests[i], SHOW_ARGS(r));
		cmd_result_free(&r);
		r = P("run", "--rm", "--tmpfs", dests[i], root, "true");
		ck_assert_msg(r.status == 0 || r.status == 125, "--tmpfs %s: " SHOW_FMT, dests[i], SHOW_ARGS(r));
		cmd_result_free(&r);
		ck_assert_msg(!path_exists(outside) && !path_exists(outside2),
			      "a mount destination through a symlink made %s on the host", outside);
	}
	/* with -w too */
	struct cmd_result r = P("run", "--rm", "-w", "/evil/wd", root, "pwd");
	cmd_result_free(&r);
	ck_assert_msg(!path_exists(outside), "-w through a symlink made %s on the host", outside);
	rm_rf(dir);
	free(dir);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: isolation");
	TCase *tc;

	test_private_root("isolation");
	tc = integ_tcase("namespaces", 120);
	tcase_add_test(tc, workload_is_pid1);
	tcase_add_test(tc, ps_shows_only_the_container);
	tcase_add_test(tc, default_hostname_is_short_id);
	tcase_add_test(tc, namespaces_are_new);
	tcase_add_test(tc, cgroup_namespace_root);
	tcase_add_test(tc, uts_namespace);
	tcase_add_test(tc, ipc_namespace);
	suite_add_tcase(s, tc);

	tc = integ_tcase("security", 120);
	tcase_add_test(tc, proc_self_status);
	tcase_add_test(tc, unshare_user_namespace_fails);
	suite_add_tcase(s, tc);

	tc = integ_tcase("filesystem", 120);
	tcase_add_test(tc, root_is_overlay);
	tcase_add_test(tc, host_files_unreachable);
	tcase_add_test(tc, masked_paths);
	tcase_add_test(tc, readonly_paths);
	tcase_add_test(tc, dev_contents);
	tcase_add_test(tc, dev_devices_work);
	tcase_add_test(tc, containers_do_not_share_changes);
	tcase_add_test(tc, rootfs_dir_is_never_modified);
	tcase_add_test(tc, volume_on_symlink_in_root);
	tcase_add_test(tc, symlink_cannot_escape_root);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
