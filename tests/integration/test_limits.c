/* Integration: resource limits through cgroups and rlimits: memory (the
 * OOM killer ends the workload with 137 and persona says so), processes
 * (a fork bomb is contained, the host stays responsive), CPU quota (read
 * from the cgroup's own accounting), cpuset, shares, swap, ulimits. */
#include <sys/resource.h>
#include <time.h>

#include "tests/integration/integ.h"

START_TEST(memory_limit_oom_kill)
{
	struct cmd_result r = P("run", "--rm", "--memory", "64m", "busybox", "sh", "-c",
				"head -c 200m /dev/zero | tail");
	ck_assert_status(r, 137);
	ck_assert_err_has(r, "OOM killer");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The limit is the cgroup's, as seen inside; small allocations still work. */
START_TEST(memory_limit_value)
{
	struct cmd_result r = P("run", "--rm", "-m", "64m", "busybox", "sh", "-c",
				"cat /sys/fs/cgroup/memory/memory.limit_in_bytes; head -c 10m /dev/zero | tail | wc -c");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "67108864\n10485760\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* A detached container killed by the OOM killer: inspect says so. */
START_TEST(memory_oom_in_inspect)
{
	char *id = RUN_D("--memory", "32m", "busybox", "sh", "-c", "head -c 100m /dev/zero | tail");
	ck_assert(wait_not_running(id, 30));
	json_t *o = inspect_one(id);
	json_t *state = json_object_get(o, "State");
	ck_assert_int_eq((int)json_integer_value(json_object_get(state, "ExitCode")), 137);
	ck_assert_msg(json_is_true(json_object_get(state, "OOMKilled")), "State.OOMKilled is not true");
	json_decref(o);
	struct cmd_result r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	free(id);
	assert_no_leftovers();
}
END_TEST

START_TEST(memory_swap)
{
	char path[] = "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes";
	if (!path_exists(path))
		SKIP_TEST("no swap accounting on this host (%s)", path);
	struct cmd_result r = P("run", "--rm", "--memory", "64m", "--memory-swap", "128m", "busybox", "cat",
				"/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "134217728\n");
	cmd_result_free(&r);
	/* equal to --memory: no swap */
	r = P("run", "--rm", "--memory", "64m", "--memory-swap", "64m", "busybox", "cat",
	      "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "67108864\n");
	cmd_result_free(&r);
	/* -1: unlimited swap */
	r = P("run", "--rm", "--memory", "64m", "--memory-swap", "-1", "busybox", "cat",
	      "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
	ck_assert_status(r, 0);
	ck_assert_msg(strtoull(r.out, NULL, 10) > (1ULL << 40), "memsw limit %s is not unlimited", r.out);
	cmd_result_free(&r);
	/* not given: as much swap as memory (docker: twice --memory in all) */
	r = P("run", "--rm", "--memory", "64m", "busybox", "cat", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "134217728\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* A fork bomb in the foreground: forks fail inside, the run ends. */
START_TEST(pids_limit_fork_bomb)
{
	struct cmd_result r = P("run", "--rm", "--pids-limit", "32", "busybox", "sh", "-c",
				"for i in $(seq 100); do sleep 5 & done; wait");
	ck_assert_msg(r.status != 0 && r.status != 125, "the fork bomb was not stopped; " SHOW_FMT, SHOW_ARGS(r));
	ck_assert_msg(contains(r.err, "fork") || contains(r.err, "Resource temporarily unavailable"),
		      "no fork failure reported; " SHOW_FMT, SHOW_ARGS(r));
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* While a fork bomb holds the container at its limit, the host forks fine
 * and the container's cgroup never holds more than the limit. */
START_TEST(pids_limit_contained)
{
	char *id = RUN_D("--pids-limit", "32", "busybox", "sh", "-c",
			 "(for i in $(seq 100); do sleep 60 & done) 2>/dev/null; echo bomb done; sleep 60");
	ck_assert_msg(wait_log(id, "bomb done", 30), "the fork bomb did not finish");
	char *dir = cgroup_dir(id, "pids");
	ck_assert_msg(dir != NULL, "no pids cgroup in inspect's CgroupPaths");
	ck_assert_int_eq(read_ll(dir, "pids.max"), 32);
	long long cur = read_ll(dir, "pids.current");
	ck_assert_msg(cur >= 20 && cur <= 32, "pids.current is %lld", cur);
	/* the host is fine: it starts processes */
	for (int i = 0; i < 10; i++) {
		struct cmd_result h = HOST("sh", "-c", "echo host ok");
		ck_assert_str_eq(h.out, "host ok\n");
		cmd_result_free(&h);
	}
	/* fork still fails inside, and the container is still alive */
	struct cmd_result r = P("exec", id, "sh", "-c", "true");
	ck_assert_msg(r.status != 0, "a process could be added beyond --pids-limit; " SHOW_FMT, SHOW_ARGS(r));
	cmd_result_free(&r);
	r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(!path_exists(dir), "the pids cgroup %s is left", dir);
	free(dir);
	free(id);
	assert_no_leftovers();
}
END_TEST

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --cpus 0.5 holds a busy loop to about half a CPU, by the cgroup's own
 * accounting (cpuacct.usage, ns) over wall time: a ratio, not a duration. */
START_TEST(cpus_quota)
{
	/* a high weight so that a busy host does not starve the loop: the
	 * quota, not contention, must be what holds it to half a CPU */
	char *id = RUN_D("--cpus", "0.5", "--cpu-shares", "65536", "busybox", "sh", "-c", "while :; do :; done");
	char *dir = cgroup_dir(id, "cpuacct");
	ck_assert_msg(dir != NULL, "no cpuacct cgroup in inspect's CgroupPaths");
	char *cpu = cgroup_dir(id, "cpu");
	ck_assert_msg(cpu != NULL, "no cpu cgroup in inspect's CgroupPaths");
	ck_assert_int_eq(read_ll(cpu, "cpu.cfs_quota_us") * 1000 / read_ll(cpu, "cpu.cfs_period_us"), 500);
	usleep(300000); /* past the start */
	long long u0 = read_ll(dir, "cpuacct.usage");
	double t0 = now_s();
	usleep(3000000);
	long long u1 = read_ll(dir, "cpuacct.usage");
	double t1 = now_s();
	ck_assert_msg(u0 >= 0 && u1 > u0, "cpuacct.usage did not grow: %lld -> %lld", u0, u1);
	double ratio = (double)(u1 - u0) / 1e9 / (t1 - t0);
	struct cmd_result r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(ratio >= 0.3 && ratio <= 0.7, "a busy loop under --cpus 0.5 used %.2f CPUs", ratio);
	free(dir);
	free(cpu);
	free(id);
	assert_no_leftovers();
}
END_TEST

/* The same from inside: the container reads its own accounting. */
START_TEST(cpus_quota_inside)
{
	struct cmd_result r = P("run", "--rm", "--cpus", "0.5", "--cpu-shares", "65536", "busybox", "sh", "-c",
				"(while :; do :; done) & "
				"a=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage); t=$(cut -d' ' -f1 /proc/uptime); "
				"sleep 2; "
				"b=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage); u=$(cut -d' ' -f1 /proc/uptime); "
				"kill %1; echo $a $b $t $u");
	ck_assert_status(r, 0);
	double a, b, t, u;
	ck_assert_msg(sscanf(r.out, "%lf %lf %lf %lf", &a, &b, &t, &u) == 4, "unexpected output: %s", r.out);
	ck_assert(u > t);
	double ratio = (b - a) / 1e9 / (u - t);
	ck_assert_msg(ratio >= 0.3 && ratio <= 0.7, "a busy loop under --cpus 0.5 used %.2f CPUs", ratio);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(cpuset_cpus)
{
	struct cmd_result r = P("run", "--rm", "--cpuset-cpus", "0", "busybox", "sh", "-c",
				"grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cpuset/cpuset.cpus");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "Cpus_allowed_list:\t0\n0\n");
	cmd_result_free(&r);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		r = P("run", "--rm", "--cpuset-cpus", "1", "busybox", "grep", "Cpus_allowed_list", "/proc/self/status");
		ck_assert_status(r, 0);
		ck_assert_str_eq(r.out, "Cpus_allowed_list:\t1\n");
		cmd_result_free(&r);
		r = P("run", "--rm", "--cpuset-cpus", "0-1", "busybox", "grep", "Cpus_allowed_list", "/proc/self/status");
		ck_assert_status(r, 0);
		ck_assert_str_eq(r.out, "Cpus_allowed_list:\t0-1\n");
		cmd_result_free(&r);
	}
	assert_no_leftovers();
}
END_TEST

START_TEST(cpu_shares)
{
	struct cmd_result r = P("run", "--rm", "--cpu-shares", "512", "busybox", "cat", "/sys/fs/cgroup/cpu/cpu.shares");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "512\n");
	cmd_result_free(&r);
	r = P("run", "--rm", "-c", "2048", "busybox", "cat", "/sys/fs/cgroup/cpu/cpu.shares");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "2048\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

START_TEST(ulimit_nofile)
{
	struct cmd_result r = P("run", "--rm", "--ulimit", "nofile=100:200", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "100\n200\n");
	cmd_result_free(&r);
	/* without HARD, the hard limit is SOFT */
	r = P("run", "--rm", "--ulimit", "nofile=150", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "150\n150\n");
	cmd_result_free(&r);
	/* the kernel's limit, as the workload has it */
	r = P("run", "--rm", "--ulimit", "nofile=10:12", "busybox", "grep", "open files", "/proc/self/limits");
	ck_assert_status(r, 0);
	ck_assert_out_has(r, " 10 ");
	ck_assert_out_has(r, " 12 ");
	cmd_result_free(&r);
	r = P("run", "--rm", "--ulimit", "nproc=64", "busybox", "sh", "-c", "ulimit -u");
	ck_assert_status(r, 0);
	ck_assert_str_eq(r.out, "64\n");
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* persona never raises a hard limit its caller does not hold. */
START_TEST(ulimit_above_callers_hard_limit)
{
	struct rlimit rl;
	char *st = read_file_str("/proc/self/status"), *eff = status_field(st, "CapEff");
	bool sys_resource = strtoull(eff, NULL, 16) & (1ULL << 24);
	free(st);
	free(eff);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max == RLIM_INFINITY || sys_resource)
		SKIP_TEST("the caller may raise RLIMIT_NOFILE (CAP_SYS_RESOURCE or no hard limit)");
	char opt[128];
	snprintf(opt, sizeof(opt), "nofile=100:%llu", (unsigned long long)rl.rlim_max + 1);
	struct cmd_result r = P("run", "--rm", "--ulimit", opt, "busybox", "true");
	ck_assert_status(r, 125);
	/* names the limit (any case) and the refused value */
	ck_assert_msg(strcasestr(r.err, "nofile") != NULL, "the message does not name nofile: %s", r.err);
	ck_assert_err_has(r, opt + strlen("nofile=100:"));
	ck_assert_one_message(r);
	cmd_result_free(&r);
	/* the caller's own hard limit is fine */
	snprintf(opt, sizeof(opt), "nofile=100:%llu", (unsigned long long)rl.rlim_max);
	r = P("run", "--rm", "--ulimit", opt, "busybox", "sh", "-c", "ulimit -Hn");
	ck_assert_status(r, 0);
	char want[64];
	snprintf(want, sizeof(want), "%llu\n", (unsigned long long)rl.rlim_max);
	ck_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* The container's cgroups are made below the caller's own and removed with it. */
START_TEST(cgroup_below_callers_and_removed)
{
	char own[1024] = "/";
	char *cg = read_file_str("/proc/self/cgroup");
	char *m = strstr(cg, ":memory:");
	if (m)
		sscanf(m + 8, "%1023s", own);
	free(cg);
	char *id = RUN_D("--memory", "64m", "busybox", "sleep", "60");
	char *mem = cgroup_dir(id, "memory");
	ck_assert_msg(mem != NULL, "no memory cgroup in CgroupPaths");
	char want[2048];
	snprintf(want, sizeof(want), "/sys/fs/cgroup/memory%s/persona-%s", strcmp(own, "/") ? own : "", id);
	ck_assert_str_eq(mem, want);
	ck_assert_int_eq(read_ll(mem, "memory.limit_in_bytes"), 64 << 20);
	/* the container's process is in it */
	char procs[2100];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", mem);
	char *list = read_file_str(procs);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d\n", (int)container_pid(id));
	ck_assert_msg(list && contains(list, pid), "the container's pid %s is not in %s: %s", pid, procs, list);
	free(list);
	struct cmd_result r = P("rm", "-f", id);
	ck_assert_status(r, 0);
	cmd_result_free(&r);
	ck_assert_msg(!path_exists(mem), "%s is left after rm -f", mem);
	free(mem);
	free(id);
	assert_no_leftovers();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("integration: limits");
	TCase *tc;

	test_private_root("limits");
	tc = integ_tcase("memory", 120);
	tcase_add_test(tc, memory_limit_oom_kill);
	tcase_add_test(tc, memory_limit_value);
	tcase_add_test(tc, memory_oom_in_inspect);
	tcase_add_test(tc, memory_swap);
	tcase_add_test(tc, cgroup_below_callers_and_removed);
	suite_add_tcase(s, tc);

	tc = integ_tcase("pids", 120);
	tcase_add_test(tc, pids_limit_fork_bomb);
	tcase_add_test(tc, pids_limit_contained);
	suite_add_tcase(s, tc);

	tc = integ_tcase("cpu", 120);
	tcase_add_test(tc, cpus_quota);
	tcase_add_test(tc, cpus_quota_inside);
	tcase_add_test(tc, cpuset_cpus);
	tcase_add_test(tc, cpu_shares);
	suite_add_tcase(s, tc);

	tc = integ_tcase("rlimits", 120);
	tcase_add_test(tc, ulimit_nofile);
	tcase_add_test(tc, ulimit_above_callers_hard_limit);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
