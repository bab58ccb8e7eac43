/* persona: unit tests for isolation/seccomp (default profile, docker
 * profile files, OCI compile, and a filter loaded into a child). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolation/seccomp.h"
#include "tests/harness.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static char profile_path[64];

static void write_profile(const char *text)
{
	int fd;

	strcpy(profile_path, "/tmp/persona-seccomp-XXXXXX");
	fd = mkstemp(profile_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void remove_profile(void)
{
	if (profile_path[0])
		unlink(profile_path);
	profile_path[0] = '\0';
}

/* The first rule naming `name` with `action`, with or without args. */
static json_t *find_rule(const json_t *profile, const char *name, const char *action,
			 int with_args)
{
	const json_t *syscalls = json_object_get(profile, "syscalls");

	for (size_t i = 0; i < json_array_size(syscalls); i++) {
		json_t *rule = json_array_get(syscalls, i);
		const json_t *names = json_object_get(rule, "names");

		if (strcmp(json_string_value(json_object_get(rule, "action")), action) != 0 ||
		    (json_array_size(json_object_get(rule, "args")) > 0) != with_args)
			continue;
		for (size_t k = 0; k < json_array_size(names); k++)
			if (strcmp(json_string_value(json_array_get(names, k)), name) == 0)
				return rule;
	}
	return NULL;
}

#define ALLOWED(p, name) (find_rule((p), (name), "SCMP_ACT_ALLOW", 0) != NULL)

START_TEST(default_profile_shape)
{
	struct perr err = { 0 };
	json_t *p = seccomp_default_profile(NULL, 0, &err);
	const json_t *arches;

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "defaultAction")), "SCMP_ACT_ERRNO");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "defaultErrnoRet")), EPERM);
	arches = json_object_get(p, "architectures");
	ck_assert_int_eq(json_array_size(arches), 3);
	ck_assert_str_eq(json_string_value(json_array_get(arches, 0)), "SCMP_ARCH_X86_64");
	ck_assert_str_eq(json_string_value(json_array_get(arches, 1)), "SCMP_ARCH_X86");
	ck_assert_str_eq(json_string_value(json_array_get(arches, 2)), "SCMP_ARCH_X32");
	ck_assert(ALLOWED(p, "read"));
	ck_assert(ALLOWED(p, "write"));
	ck_assert(ALLOWED(p, "exit_group"));
	ck_assert(ALLOWED(p, "arch_prctl"));
	ck_assert(!ALLOWED(p, "kexec_load"));
	ck_assert(!ALLOWED(p, "socket"));
	ck_assert_ptr_nonnull(find_rule(p, "socket", "SCMP_ACT_ALLOW", 1));
	ck_assert_ptr_nonnull(find_rule(p, "personality", "SCMP_ACT_ALLOW", 1));
	json_decref(p);
}
END_TEST

START_TEST(default_profile_caps)
{
	const char *admin[] = { "CAP_CHOWN", "CAP_SYS_ADMIN" };
	const char *other[] = { "CAP_SYS_PTRACE", "CAP_SYS_TIME", "CAP_SYS_NICE" };
	struct perr err = { 0 };
	json_t *none = seccomp_default_profile(NULL, 0, &err);
	json_t *with_admin = seccomp_default_profile(admin, 2, &err);
	json_t *with_other = seccomp_default_profile(other, 3, &err);
	json_t *clone_rule, *clone3_rule, *arg;

	ck_assert_ptr_nonnull(none);
	ck_assert_ptr_nonnull(with_admin);
	ck_assert_ptr_nonnull(with_other);

	/* mount, unshare, setns only with CAP_SYS_ADMIN */
	ck_assert(!ALLOWED(none, "mount"));
	ck_assert(!ALLOWED(none, "unshare"));
	ck_assert(ALLOWED(with_admin, "mount"));
	ck_assert(ALLOWED(with_admin, "umount2"));
	ck_assert(ALLOWED(with_admin, "setns"));

	/* clone without namespace flags, clone3 -> ENOSYS, unless CAP_SYS_ADMIN */
	ck_assert(!ALLOWED(none, "clone"));
	clone_rule = find_rule(none, "clone", "SCMP_ACT_ALLOW", 1);
	ck_assert_ptr_nonnull(clone_rule);
	arg = json_array_get(json_object_get(clone_rule, "args"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(arg, "op")), "SCMP_CMP_MASKED_EQ");
	ck_assert_int_eq(json_integer_value(json_object_get(arg, "value")), 0x7E020000);
	ck_assert_int_eq(json_integer_value(json_object_get(arg, "valueTwo")), 0);
	clone3_rule = find_rule(none, "clone3", "SCMP_ACT_ERRNO", 0);
	ck_assert_ptr_nonnull(clone3_rule);
	ck_assert_int_eq(json_integer_value(json_object_get(clone3_rule, "errnoRet")), ENOSYS);
	ck_assert(ALLOWED(with_admin, "clone"));
	ck_assert(ALLOWED(with_admin, "clone3"));
	ck_assert_ptr_null(find_rule(with_admin, "clone", "SCMP_ACT_ALLOW", 1));
	ck_assert_ptr_null(find_rule(with_admin, "clone3", "SCMP_ACT_ERRNO", 0));

	/* the other capability-gated groups */
	ck_assert(!ALLOWED(none, "kcmp"));
	ck_assert(ALLOWED(with_other, "kcmp"));
	ck_assert(!ALLOWED(none, "settimeofday"));
	ck_assert(ALLOWED(with_other, "settimeofday"));
	ck_assert(ALLOWED(with_other, "mbind"));
	ck_assert(!ALLOWED(with_other, "mount"));
	ck_assert(!ALLOWED(with_other, "reboot"));
	/* ptrace is open to all on kernels >= 4.8 */
	ck_assert(ALLOWED(none, "ptrace"));

	json_decref(none);
	json_decref(with_admin);
	json_decref(with_other);
}
END_TEST

START_TEST(docker_profile_converts)
{
	const char *caps[] = { "CAP_NET_ADMIN", "CAP_SYS_BOOT" };
	struct perr err = { 0 };
	json_t *p;
	const json_t *arches, *rule;

	write_profile(
		"{\n"
		"  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
		"  \"defaultErrnoRet\": 1,\n"
		"  \"archMap\": [\n"
		"    { \"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"] },\n"
		"    { \"architecture\": \"SCMP_ARCH_X86_64\",\n"
		"      \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"] }\n"
		"  ],\n"
		"  \"syscalls\": [\n"
		"    { \"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"io\" },\n"
		"    { \"name\": \"close\", \"action\": \"SCMP_ACT_ALLOW\" },\n"
		"    { \"names\": [\"reboot\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"caps\": [\"CAP_SYS_BOOT\"] } },\n"
		"    { \"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"caps\": [\"CAP_SYS_ADMIN\"] } },\n"
		"    { \"names\": [\"chroot\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"caps\": [\"CAP_SYS_BOOT\", \"CAP_SYS_CHROOT\"] } },\n"
		"    { \"names\": [\"sethostname\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"excludes\": { \"caps\": [\"CAP_NET_ADMIN\"] } },\n"
		"    { \"names\": [\"setdomainname\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"excludes\": { \"caps\": [\"CAP_SYS_ADMIN\"] } },\n"
		"    { \"names\": [\"s390_runtime_instr\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"arches\": [\"s390\", \"s390x\"] } },\n"
		"    { \"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"arches\": [\"amd64\", \"x32\"] } },\n"
		"    { \"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"minKernel\": \"4.8\" } },\n"
		"    { \"names\": [\"kcmp\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"includes\": { \"minKernel\": \"255.0\" } },\n"
		"    { \"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38,\n"
		"      \"excludes\": { \"caps\": [\"CAP_SYS_ADMIN\"] } },\n"
		"    { \"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
		"      \"args\": [ { \"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\" } ] }\n"
		"  ]\n"
		"}\n");
	p = seccomp_docker_profile_load(profile_path, caps, 2, &err);
	remove_profile();
	ck_assert_msg(p != NULL, "%s", err.msg);

	ck_assert_str_eq(json_string_value(json_object_get(p, "defaultAction")), "SCMP_ACT_ERRNO");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "defaultErrnoRet")), 1);
	ck_assert_ptr_null(json_object_get(p, "archMap"));
	arches = json_object_get(p, "architectures");
	ck_assert_int_eq(json_array_size(arches), 3);
	ck_assert_str_eq(json_string_value(json_array_get(arches, 0)), "SCMP_ARCH_X86_64");
	ck_assert_str_eq(json_string_value(json_array_get(arches, 2)), "SCMP_ARCH_X32");

	ck_assert(ALLOWED(p, "read"));
	ck_assert(ALLOWED(p, "close"));            /* old "name" form */
	ck_assert(ALLOWED(p, "reboot"));           /* includes a held cap */
	ck_assert(!ALLOWED(p, "mount"));           /* includes a missing cap */
	ck_assert(!ALLOWED(p, "chroot"));          /* includes need every cap */
	ck_assert(!ALLOWED(p, "sethostname"));     /* excludes a held cap */
	ck_assert(ALLOWED(p, "setdomainname"));    /* excludes a missing cap */
	ck_assert(!ALLOWED(p, "s390_runtime_instr"));
	ck_assert(ALLOWED(p, "arch_prctl"));
	ck_assert(ALLOWED(p, "ptrace"));
	ck_assert(!ALLOWED(p, "kcmp"));
	rule = find_rule(p, "clone3", "SCMP_ACT_ERRNO", 0);
	ck_assert_ptr_nonnull(rule);
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "errnoRet")), 38);
	ck_assert_ptr_nonnull(find_rule(p, "socket", "SCMP_ACT_ALLOW", 1));

	/* docker-only fields are gone */
	for (size_t i = 0; i < json_array_size(json_object_get(p, "syscalls")); i++) {
		rule = json_array_get(json_object_get(p, "syscalls"), i);
		ck_assert_ptr_null(json_object_get(rule, "includes"));
		ck_assert_ptr_null(json_object_get(rule, "excludes"));
		ck_assert_ptr_null(json_object_get(rule, "comment"));
		ck_assert_ptr_null(json_object_get(rule, "name"));
	}

	/* and the result compiles */
	scmp_filter_ctx ctx = seccomp_compile_oci(p, &err);
	ck_assert_msg(ctx != NULL, "%s", err.msg);
	seccomp_release(ctx);
	json_decref(p);
}
END_TEST

START_TEST(docker_profile_malformed_json)
{
	struct perr err = { 0 };
	char want[128];
	json_t *p;

	write_profile("{\n"
		      "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
		      "  \"syscalls\": [ { \"names\": [\"read\"] \"action\": \"SCMP_ACT_ALLOW\" } ]\n"
		      "}\n");
	snprintf(want, sizeof(want), "seccomp profile \"%s\": line 3 column ", profile_path);
	p = seccomp_docker_profile_load(profile_path, NULL, 0, &err);
	remove_profile();
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, want) != NULL, "got: %s", err.msg);
}
END_TEST

START_TEST(docker_profile_unknown_action)
{
	struct perr err = { 0 };
	char want[256];
	json_t *p;

	write_profile("{\n"
		      "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
		      "  \"syscalls\": [\n"
		      "    { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\" },\n"
		      "    { \"names\": [\"write\"], \"action\": \"SCMP_ACT_FOO\" }\n"
		      "  ]\n"
		      "}\n");
	snprintf(want, sizeof(want),
		 "seccomp profile \"%s\": line 5 column 37: syscalls[1].action: "
		 "unknown action \"SCMP_ACT_FOO\"", profile_path);
	p = seccomp_docker_profile_load(profile_path, NULL, 0, &err);
	remove_profile();
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(docker_profile_bad_fields)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[]", "line 1 column 1: expected a JSON object" },
		{ "{\"defaultAction\": 3, \"syscalls\": []}", "line 1 column 19: defaultAction: expected a string" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": [\"read\"],\n"
		  "  \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_XX\"}]}]}",
		  "line 3 column 71: syscalls[0].args[0].op: unknown op \"SCMP_CMP_XX\"" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
		  " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		  "syscalls[0].args[0].index: 6 is out of range (0-5)" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
		  "line 1 column 50: syscalls[0].names: missing" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
		  " \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 5}]}",
		  "syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
		  " \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"four\"}}]}",
		  "syscalls[0].includes.minKernel: expected a kernel version" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\"],"
		  " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}], \"syscalls\": []}",
		  "both \"architectures\" and \"archMap\" given" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
		  "architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"" },
		{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
		  " \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		  "syscalls[0].action: SCMP_ACT_NOTIFY is not supported" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct perr err = { 0 };

		json_t *p;

		write_profile(cases[i].text);
		p = seccomp_docker_profile_load(profile_path, NULL, 0, &err);
		remove_profile();
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(err.msg, "seccomp profile \"/tmp/persona-seccomp-") &&
			      strstr(err.msg, cases[i].want), "case %zu: got: %s", i, err.msg);
	}
}
END_TEST

START_TEST(docker_profile_missing_and_unconfined)
{
	struct perr err = { 0 };
	json_t *p;

	ck_assert_ptr_null(seccomp_docker_profile_load("/nonexistent/p.json", NULL, 0, &err));
	ck_assert_str_eq(err.msg, "seccomp profile \"/nonexistent/p.json\": No such file or directory");
	ck_assert_int_eq(err.errnum, ENOENT);

	write_profile("{}");
	p = seccomp_docker_profile_load(profile_path, NULL, 0, &err);
	remove_profile();
	ck_assert_ptr_nonnull(p);
	ck_assert(json_is_null(p));
}
END_TEST

/* Compile `text` (an OCI linux.seccomp object); expect failure naming `want`. */
static void compile_fails(const char *text, const char *want)
{
	struct perr err = { 0 };
	json_error_t jerr;
	json_t *oci = json_loads(text, 0, &jerr);

	ck_assert_msg(oci != NULL, "test JSON: %s", jerr.text);
	ck_assert_ptr_null(seccomp_compile_oci(oci, &err));
	ck_assert_msg(strstr(err.msg, want) != NULL, "want \"%s\", got: %s", want, err.msg);
	json_decref(oci);
}

START_TEST(compile_refuses_bad_fields)
{
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
		      " \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		      "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
		      "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_BOGUS\"}",
		      "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_BOGUS\"");
	compile_fails("{}", "linux.seccomp.defaultAction: missing");
	compile_fails("[]", "linux.seccomp: expected an object");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}",
		      "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}",
		      "linux.seccomp.defaultErrnoRet: 70000 is out of range");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_BOGUS\"]}",
		      "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
		      "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_NEW_LISTENER is not supported");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"x86_64\"]}",
		      "linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [],"
		      " \"action\": \"SCMP_ACT_ALLOW\"}]}",
		      "linux.seccomp.syscalls[0].names: must name at least one syscall");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", 7],"
		      " \"action\": \"SCMP_ACT_ALLOW\"}]}",
		      "linux.seccomp.syscalls[0].names[1]: expected a string");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
		      " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1,"
		      " \"op\": \"SCMP_CMP_EQ\"}]}]}",
		      "linux.seccomp.syscalls[0].args[0].value: -1 is out of range");
	compile_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
		      " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
		      "linux.seccomp.syscalls[0].args[0].op: missing");
}
END_TEST

START_TEST(compile_accepts_all_actions_and_skips_unknown_names)
{
	struct perr err = { 0 };
	json_t *oci = json_loads(
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
		" \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
		" \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
		" \"syscalls\": ["
		"  {\"names\": [\"read\", \"no_such_syscall_42\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		"  {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
		"  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL\"},"
		"  {\"names\": [\"tkill\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
		"  {\"names\": [\"tgkill\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
		"  {\"names\": [\"uname\"], \"action\": \"SCMP_ACT_TRAP\"},"
		"  {\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},"
		"  {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_LOG\"},"
		"  {\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"    {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
		"    {\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"},"
		"    {\"index\": 1, \"value\": 255, \"valueTwo\": 3, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
		" ]}",
		0, NULL);
	scmp_filter_ctx ctx;

	ck_assert_ptr_nonnull(oci);
	ctx = seccomp_compile_oci(oci, &err);
	ck_assert_msg(ctx != NULL, "%s", err.msg);
	seccomp_release(ctx);
	json_decref(oci);
}
END_TEST

static int kernel_has_seccomp(void)
{
	char *status = read_file_str("/proc/self/status");
	int yes = status && strstr(status, "\nSeccomp:");

	free(status);
	return yes;
}

static void *thread_main(void *arg)
{
	return arg;
}

/* In a child: set no_new_privs, load `oci`, run the checks; the exit code
 * is the number of the first check that failed. */
static int run_filtered(const json_t *oci, int (*checks)(void))
{
	struct perr err = { 0 };
	scmp_filter_ctx ctx = seccomp_compile_oci(oci, &err);
	int status;
	pid_t pid;

	ck_assert_msg(ctx != NULL, "%s", err.msg);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (seccomp_apply(ctx, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			_exit(101);
		}
		_exit(checks());   /* _exit: no atexit handlers (LeakSanitizer) under the filter */
	}
	seccomp_release(ctx);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died with signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

#define CHECK(n, cond) do { if (!(cond)) return (n); } while (0)

static int default_profile_checks(void)
{
	char *status;
	pthread_t t;
	pid_t pid;
	long r;
	int fd, st;

	CHECK(1, getpid() > 0);
	CHECK(2, mount("none", "/nonexistent-persona", "tmpfs", 0, NULL) < 0 && errno == EPERM);
	CHECK(3, syscall(SYS_kexec_load, 0, 0, 0, 0) < 0 && errno == EPERM);
	CHECK(4, unshare(CLONE_NEWUSER) < 0 && errno == EPERM);
	CHECK(5, syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
	CHECK(6, socket(AF_VSOCK, SOCK_STREAM, 0) < 0 && errno == EPERM);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(7, fd >= 0);
	close(fd);
	CHECK(8, personality(0xffffffff) >= 0);
	CHECK(9, personality(ADDR_NO_RANDOMIZE) < 0 && errno == EPERM);
	status = read_file_str("/proc/self/status");
	CHECK(10, status && strstr(status, "\nSeccomp:\t2\n"));
	free(status);
	/* fork goes through clone(2) without namespace flags */
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(11, pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	/* glibc tries clone3 first, gets ENOSYS, falls back to clone */
	CHECK(12, pthread_create(&t, NULL, thread_main, NULL) == 0 && pthread_join(t, NULL) == 0);
	r = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	CHECK(13, r < 0 && errno == EPERM);
	return 0;
}

START_TEST(apply_default_profile)
{
	struct perr err = { 0 };
	json_t *p = seccomp_default_profile(NULL, 0, &err);
	char *text;
	json_t *reread;
	int rc;

	if (!kernel_has_seccomp())
		SKIP_TEST("kernel without seccomp");
	/* as the runtime does: written into config.json, read back, compiled */
	ck_assert_ptr_nonnull(p);
	text = json_dumps(p, JSON_COMPACT);
	reread = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(reread);
	rc = run_filtered(reread, default_profile_checks);
	ck_assert_msg(rc == 0, "check %d failed under the default profile", rc);
	free(text);
	json_decref(reread);
	json_decref(p);
}
END_TEST

static int custom_profile_checks(void)
{
	CHECK(1, syscall(SYS_getppid) < 0 && errno == 42);   /* glibc getppid() ignores errors */
	CHECK(2, getpid() > 0);
	CHECK(3, dup(12345) < 0 && errno == 7);      /* arg 0 == 12345 */
	CHECK(4, dup(23456) < 0 && errno == 7);      /* or 23456 (same index: ORed) */
	CHECK(5, dup(34567) < 0 && errno == EBADF);  /* otherwise allowed */
	CHECK(6, syscall(SYS_getcpu, NULL, NULL, NULL) < 0 && errno == 9);
	return 0;
}

START_TEST(apply_custom_profile)
{
	json_t *oci = json_loads(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"syscalls\": ["
		"  {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42},"
		"  {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		"  {\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 7, \"args\": ["
		"    {\"index\": 0, \"value\": 12345, \"op\": \"SCMP_CMP_EQ\"},"
		"    {\"index\": 0, \"value\": 23456, \"op\": \"SCMP_CMP_EQ\"}]},"
		"  {\"names\": [\"getcpu\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 9, \"args\": ["
		"    {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
		"    {\"index\": 1, \"value\": 4095, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
		" ]}",
		0, NULL);
	int rc;

	if (!kernel_has_seccomp())
		SKIP_TEST("kernel without seccomp");
	ck_assert_ptr_nonnull(oci);
	rc = run_filtered(oci, custom_profile_checks);
	ck_assert_msg(rc == 0, "check %d failed under the custom profile", rc);
	json_decref(oci);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("profiles");

	tcase_add_test(tc, default_profile_shape);
	tcase_add_test(tc, default_profile_caps);
	tcase_add_test(tc, docker_profile_converts);
	tcase_add_test(tc, docker_profile_malformed_json);
	tcase_add_test(tc, docker_profile_unknown_action);
	tcase_add_test(tc, docker_profile_bad_fields);
	tcase_add_test(tc, docker_profile_missing_and_unconfined);
	tcase_add_test(tc, compile_refuses_bad_fields);
	tcase_add_test(tc, compile_accepts_all_actions_and_skips_unknown_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("apply");
	tcase_add_test(tc, apply_default_profile);
	tcase_add_test(tc, apply_custom_profile);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
