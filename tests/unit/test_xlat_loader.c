/* Unit tests: syscall-xlat loader and in-process trap, end to end, on tiny
 * synthesized FreeBSD executables (hand-assembled x86-64), each run by
 * xlat_run() in a forked child.  Also measures the cost of one trapped
 * getpid against a native one. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syscall-xlat/timekeep.h"
#include "syscall-xlat/xlat.h"
#include "tests/harness.h"

#define IMG_SIZE 0x400
#define CODE_OFF 0x200
#define BASE 0x400000UL

extern char **environ;

static char *write_prog_interp(const unsigned char *code, size_t len, int type, const char *interp);

static char *write_prog(const unsigned char *code, size_t len, int type)
{
	return write_prog_interp(code, len, type, NULL);
}

/* A FreeBSD program: one PT_LOAD of the whole file with `code` at
 * CODE_OFF, and a PT_INTERP naming `interp` when given. */
static char *write_prog_interp(const unsigned char *code, size_t len, int type, const char *interp)
{
	unsigned char b[IMG_SIZE] = { 0 };
	Elf64_Ehdr *h = (Elf64_Ehdr *)b;
	Elf64_Phdr *p = (Elf64_Phdr *)(b + 64);
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_ident[EI_VERSION] = EV_CURRENT;
	h->e_ident[EI_OSABI] = 9;
	h->e_type = (Elf64_Half)type;
	h->e_machine = EM_X86_64;
	h->e_version = EV_CURRENT;
	uint64_t base = type == ET_DYN ? 0 : BASE;
	h->e_entry = base + CODE_OFF;
	h->e_phoff = 64;
	h->e_ehsize = 64;
	h->e_phentsize = sizeof(Elf64_Phdr);
	h->e_phnum = 1;
	*p = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
			   .p_vaddr = base, .p_filesz = IMG_SIZE, .p_memsz = 0x3000,
			   .p_align = 0x1000 };
	if (interp) {
		/* the path at 0x100, after the two program headers */
		h->e_phnum = 2;
		p[1] = p[0];
		p[0] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R, .p_offset = 0x100,
				     .p_vaddr = base + 0x100, .p_filesz = strlen(interp) + 1,
				     .p_memsz = strlen(interp) + 1, .p_align = 1 };
		ck_assert_uint_lt(strlen(interp) + 1, CODE_OFF - 0x100);
		memcpy(b + 0x100, interp, strlen(interp) + 1);
	}
	ck_assert_uint_le(len, IMG_SIZE - CODE_OFF);
	memcpy(b + CODE_OFF, code, len);
	char *path = strdup("/tmp/persona-xlat-prog.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, sizeof(b)), (ssize_t)sizeof(b));
	fchmod(fd, 0755);
	close(fd);
	return path;
}

struct run { int status; char *out, *err; };

static struct run run_guest(const char *path, const char *const *argv)
{
	char o[] = "/tmp/persona-xlat-out.XXXXXX", e[] = "/tmp/persona-xlat-err.XXXXXX";
	int ofd = mkstemp(o), efd = mkstemp(e);
	int argc = 0;
	while (argv[argc])
		argc++;
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct perr err = { 0 };
		dup2(ofd, 1);
		dup2(efd, 2);
		xlat_run(path, argc, (char **)argv, environ, &err);
		dprintf(2, "xlat_run: %s\n", err.msg);
		_exit(perr_exit_status(&err));
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	struct run r = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), read_file_str(o),
			 read_file_str(e) };
	close(ofd);
	close(efd);
	unlink(o);
	unlink(e);
	return r;
}

/* write(1, msg, 16); exit(42) */
static const unsigned char hello_code[] = {
	0xb8, 4, 0, 0, 0,                      /* mov $4,%eax      (write) */
	0xbf, 1, 0, 0, 0,                      /* mov $1,%edi */
	0x48, 0x8d, 0x35, 0x13, 0, 0, 0,       /* lea msg(%rip),%rsi */
	0xba, 16, 0, 0, 0,                     /* mov $16,%edx */
	0x0f, 0x05,                            /* syscall */
	0xb8, 1, 0, 0, 0,                      /* mov $1,%eax      (exit) */
	0xbf, 42, 0, 0, 0,                     /* mov $42,%edi */
	0x0f, 0x05,                            /* syscall */
	'h', 'i', ' ', 'f', 'r', 'o', 'm', ' ', 'f', 'r', 'e', 'e', 'b', 's', 'd', '\n',
};

START_TEST(hello_and_exit_status)
{
	char *p = write_prog(hello_code, sizeof(hello_code), ET_EXEC);
	const char *argv[] = { p, NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 42, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "hi from freebsd\n");
	ck_assert_str_eq(r.err, "");
	unlink(p);
}
END_TEST

START_TEST(static_pie)
{
	char *p = write_prog(hello_code, sizeof(hello_code), ET_DYN);
	const char *argv[] = { p, NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 42, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "hi from freebsd\n");
	unlink(p);
}
END_TEST

/* exit(*(long *)%rdi): the entry point gets %rdi pointing at argc. */
static const unsigned char argc_code[] = {
	0x48, 0x8b, 0x3f,                      /* mov (%rdi),%rdi */
	0xb8, 1, 0, 0, 0,                      /* mov $1,%eax */
	0x0f, 0x05,                            /* syscall */
};

START_TEST(rdi_points_at_argc)
{
	char *p = write_prog(argc_code, sizeof(argc_code), ET_EXEC);
	const char *argv[] = { p, "a", "b", "c", NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 4, "status %d, stderr: %s", r.status, r.err);
	unlink(p);
}
END_TEST

/* write(1, 0x10, 5): EFAULT (14) with the carry flag set; exit(CF ? rax : 0). */
static const unsigned char efault_code[] = {
	0xb8, 4, 0, 0, 0,                      /* mov $4,%eax */
	0xbf, 1, 0, 0, 0,                      /* mov $1,%edi */
	0xbe, 0x10, 0, 0, 0,                   /* mov $0x10,%esi */
	0xba, 5, 0, 0, 0,                      /* mov $5,%edx */
	0x0f, 0x05,                            /* syscall */
	0x72, 0x02,                            /* jc 1f */
	0x31, 0xc0,                            /* xor %eax,%eax */
	0x89, 0xc7,                            /* 1: mov %eax,%edi */
	0xb8, 1, 0, 0, 0,                      /* mov $1,%eax */
	0x0f, 0x05,                            /* syscall */
};

START_TEST(bad_pointer_is_efault_with_carry)
{
	char *p = write_prog(efault_code, sizeof(efault_code), ET_EXEC);
	const char *argv[] = { p, NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 14, "status %d, stderr: %s", r.status, r.err);
	unlink(p);
}
END_TEST

/* select (93, not implemented yet) twice, then exit(CF ? rax : 0): ENOSYS is
 * FreeBSD's 78, logged once by name. */
static const unsigned char enosys_code[] = {
	0xb8, 93, 0, 0, 0, 0x0f, 0x05,         /* select */
	0xb8, 93, 0, 0, 0, 0x0f, 0x05,         /* select */
	0x72, 0x02, 0x31, 0xc0, 0x89, 0xc7,
	0xb8, 1, 0, 0, 0, 0x0f, 0x05,
};

START_TEST(unimplemented_is_enosys_logged_once)
{
	char *p = write_prog(enosys_code, sizeof(enosys_code), ET_EXEC);
	const char *argv[] = { p, NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 78, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "persona: freebsd: unimplemented system call select (93)\n");
	unlink(p);
}
END_TEST

/* A mapping that starts at addr: the start of a line of /proc/self/maps
 * (a bare "400000-" would also match the end of "55d7e1400000-"). */
static int maps_have(unsigned long addr)
{
	char *m = read_file_str("/proc/self/maps");
	char needle[32];
	snprintf(needle, sizeof(needle), "\n%lx-", addr);
	int r = m && (strstr(m, needle) != NULL || !strncmp(m, needle + 1, strlen(needle + 1)));
	free(m);
	return r;
}

START_TEST(bad_binary_is_126_and_maps_nothing)
{
	struct perr err = { 0 };
	char *p = write_prog(hello_code, sizeof(hello_code), ET_EXEC);
	ck_assert_int_eq(truncate(p, 100), 0);
	const char *argv[] = { p, NULL };
	ck_assert_int_eq(xlat_run(p, 1, (char **)argv, environ, &err), -1);
	ck_assert_int_eq(err.status, 126);
	ck_assert_msg(strstr(err.msg, p) && strstr(err.msg, "program headers"), "%s", err.msg);
	ck_assert(!maps_have(BASE));

	/* Loadable headers, but the address range is taken: nothing stays. */
	unlink(p);
	p = write_prog(hello_code, sizeof(hello_code), ET_EXEC);
	void *blocker = mmap((void *)(BASE + 0x2000), 4096, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert(blocker != MAP_FAILED);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(xlat_run(p, 1, (char **)argv, environ, &err), -1);
	ck_assert_msg(strstr(err.msg, "reserve"), "%s", err.msg);
	ck_assert(!maps_have(BASE));
	munmap(blocker, 4096);

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(xlat_run("/nonexistent/prog", 1, (char **)argv, environ, &err), -1);
	ck_assert_int_eq(err.status, 127);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(xlat_run("/bin/true", 1, (char **)argv, environ, &err), -1);
	ck_assert_int_eq(err.status, 126);
	ck_assert_msg(strstr(err.msg, "not a FreeBSD"), "%s", err.msg);
	unlink(p);
}
END_TEST

/* getpid N times (N patched at offset 1), then exit(0). */
static unsigned char loop_code[] = {
	0xbb, 0, 0, 0, 0,                      /* mov $N,%ebx */
	0xb8, 20, 0, 0, 0,                     /* 1: mov $20,%eax (getpid) */
	0x0f, 0x05,                            /* syscall */
	0xff, 0xcb,                            /* dec %ebx */
	0x75, 0xf5,                            /* jnz 1b */
	0xb8, 1, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05,
};

static double cpu_of_run(const char *p)
{
	struct timespec a, b;
	const char *argv[] = { p, NULL };
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct run r = run_guest(p, argv);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_eq(r.status, 0);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

START_TEST(trap_cost)
{
	const uint32_t n = 200000;
	memcpy(loop_code + 1, &n, 4);
	char *p = write_prog(loop_code, sizeof(loop_code), ET_EXEC);
	double t_loop = cpu_of_run(p);
	uint32_t one = 1;
	memcpy(loop_code + 1, &one, 4);
	unlink(p);
	p = write_prog(loop_code, sizeof(loop_code), ET_EXEC);
	double t_one = cpu_of_run(p);
	unlink(p);

	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (uint32_t i = 0; i < n; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double t_native = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("xlat trap cost: getpid translated %.2f us/call, native %.3f us/call (%u calls, wall)\n",
	       (t_loop - t_one) * 1e6 / n, t_native * 1e6 / n, n);
	ck_assert(t_loop > t_one);
}
END_TEST

PERSONA_ASAN_SKIP_TEST

/* read(0, sp, 1); exit(7): blocks on an empty pipe. */
static const unsigned char blocking_read_code[] = {
	0xb8, 3, 0, 0, 0,                      /* mov $3,%eax      (read) */
	0x31, 0xff,                            /* xor %edi,%edi */
	0x48, 0x89, 0xe6,                      /* mov %rsp,%rsi */
	0xba, 1, 0, 0, 0,                      /* mov $1,%edx */
	0x0f, 0x05,                            /* syscall */
	0xb8, 1, 0, 0, 0,                      /* mov $1,%eax      (exit) */
	0xbf, 7, 0, 0, 0,                      /* mov $7,%edi */
	0x0f, 0x05,                            /* syscall */
};

/* A guest blocked in a long system call (inside persona's trap handler)
 * still dies at once of a signal it does not catch, as on FreeBSD:
 * SIGTERM's default action, under each back-end. */
START_TEST(uncaught_signal_ends_blocked_call)
{
	static const char *const modes[] = { "sud", "seccomp", "ptrace" };
	char *p = write_prog(blocking_read_code, sizeof(blocking_read_code), ET_EXEC);

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		int fds[2];
		ck_assert_int_eq(pipe(fds), 0);
		fflush(NULL);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct perr err = { 0 };
			const char *argv[] = { p, NULL };
			dup2(fds[0], 0);
			close(fds[1]);
			setenv("PERSONA_XLAT_TRAP", modes[m], 1);
			xlat_run(p, 1, (char **)argv, environ, &err);
			_exit(perr_exit_status(&err));
		}
		close(fds[0]);
		usleep(300000);   /* well inside read(2) by now */
		kill(pid, SIGTERM);
		int st = 0;
		for (int i = 0; i < 100 && waitpid(pid, &st, WNOHANG) == 0; i++)
			usleep(20000);
		if (waitpid(pid, &st, WNOHANG) == 0 && !WIFSIGNALED(st) && !WIFEXITED(st)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			close(fds[1]);
			ck_abort_msg("%s: the guest blocked in read(2) outlived SIGTERM by 2 s", modes[m]);
		}
		close(fds[1]);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
			      "%s: want death by SIGTERM, got status 0x%x", modes[m], st);
	}
	unlink(p);
}
END_TEST

/* A stand-in for FreeBSD's run-time linker: says so, finds AT_ENTRY in
 * the auxv after argv and envp, and jumps to the program with %rdi and
 * %rsp as it got them. */
static const unsigned char fake_rtld_code[] = {
	0x48, 0x89, 0xfb,                      /* mov %rdi,%rbx          &argc */
	0xb8, 4, 0, 0, 0,                      /* mov $4,%eax            write */
	0xbf, 1, 0, 0, 0,                      /* mov $1,%edi */
	0x48, 0x8d, 0x35, 0x4a, 0, 0, 0,       /* lea msg(%rip),%rsi */
	0xba, 6, 0, 0, 0,                      /* mov $6,%edx */
	0x0f, 0x05,                            /* syscall */
	0x48, 0x8b, 0x0b,                      /* mov (%rbx),%rcx        argc */
	0x48, 0x8d, 0x44, 0xcb, 0x10,          /* lea 16(%rbx,%rcx,8),%rax   envp */
	0x48, 0x83, 0x38, 0x00,                /* 1: cmpq $0,(%rax) */
	0x48, 0x8d, 0x40, 0x08,                /* lea 8(%rax),%rax */
	0x75, 0xf6,                            /* jne 1b                 past envp's NULL */
	0x48, 0x83, 0x38, 0x09,                /* 2: cmpq $9,(%rax)      AT_ENTRY */
	0x74, 0x06,                            /* je 3f */
	0x48, 0x83, 0xc0, 0x10,                /* add $16,%rax */
	0xeb, 0xf4,                            /* jmp 2b */
	0x48, 0x8b, 0x40, 0x08,                /* 3: mov 8(%rax),%rax */
	0x48, 0x89, 0xdf,                      /* mov %rbx,%rdi */
	0xff, 0xe0,                            /* jmp *%rax */
	0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4,
	0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4, 0xf4,
	'r', 't', 'l', 'd', '!', '\n',        /* msg */
};

/* A dynamically linked program: its PT_INTERP is mapped and run first,
 * and reaches the program through AT_ENTRY; a missing or bad run-time
 * linker is exit 126 with a message naming it, nothing left mapped. */
START_TEST(dynamic_program_through_its_rtld)
{
	char *rtld = write_prog(fake_rtld_code, sizeof(fake_rtld_code), ET_DYN);
	char *p = write_prog_interp(hello_code, sizeof(hello_code), ET_EXEC, rtld);
	const char *argv[] = { p, "an argument", NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 42, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "rtld!\nhi from freebsd\n");
	unlink(p);
	free(p);

	p = write_prog_interp(hello_code, sizeof(hello_code), ET_EXEC, "/libexec/ld-elf.so.1-not-here");
	const char *argv2[] = { p, NULL };
	r = run_guest(p, argv2);
	ck_assert_int_eq(r.status, 126);
	ck_assert_msg(strstr(r.err, "/libexec/ld-elf.so.1-not-here") && strstr(r.err, "run-time linker"), "%s",
		      r.err);
	unlink(p);
	free(p);

	/* the linker is not ET_DYN */
	char *exec_rtld = write_prog(hello_code, sizeof(hello_code), ET_EXEC);
	p = write_prog_interp(hello_code, sizeof(hello_code), ET_EXEC, exec_rtld);
	const char *argv3[] = { p, NULL };
	r = run_guest(p, argv3);
	ck_assert_int_eq(r.status, 126);
	ck_assert_msg(strstr(r.err, "position-independent"), "%s", r.err);
	unlink(p);
	unlink(exec_rtld);
	unlink(rtld);
}
END_TEST

/* thr_exit(NULL) from the only guest thread ends the process with status
 * 0 (FreeBSD), even with persona's timekeep refresh thread alive. */
static const unsigned char thr_exit_code[] = {
	0xb8, 0xaf, 0x01, 0, 0,                /* mov $431,%eax    (thr_exit) */
	0x31, 0xff,                            /* xor %edi,%edi */
	0x0f, 0x05,                            /* syscall */
	0xb8, 1, 0, 0, 0,                      /* mov $1,%eax      (exit, not reached) */
	0xbf, 9, 0, 0, 0,                      /* mov $9,%edi */
	0x0f, 0x05,                            /* syscall */
};

START_TEST(last_thr_exit_ends_process)
{
	char *p = write_prog(thr_exit_code, sizeof(thr_exit_code), ET_EXEC);
	const char *argv[] = { p, NULL };
	struct run r = run_guest(p, argv);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	unlink(p);
}
END_TEST

/* The timekeep page read the way Go 1.19's runtime/vdso_freebsd.go reads
 * it (the layout of /work/shared/reference/freebsd-amd64-structs.txt:
 * vdsoTimekeep 16 bytes, then 4 vdsoTimehands of 88) agrees with Linux's
 * CLOCK_MONOTONIC and CLOCK_REALTIME across several refreshes and never
 * goes back. */
struct tk_bt { int64_t sec; uint64_t frac; };

static int tk_read(const unsigned char *page, int abs, struct tk_bt *out)
{
	for (;;) {
		if (!__atomic_load_n((const uint32_t *)(page + 4), __ATOMIC_ACQUIRE))
			return -1; /* tk_enabled */
		uint32_t cur = __atomic_load_n((const uint32_t *)(page + 8), __ATOMIC_ACQUIRE);
		const unsigned char *th = page + 16 + 88 * cur;
		uint32_t gen = __atomic_load_n((const uint32_t *)(th + 4), __ATOMIC_ACQUIRE);
		struct tk_bt bt;
		memcpy(&bt, th + 24, sizeof(bt));
		ck_assert_int_eq(*(const uint32_t *)th, 1); /* VDSO_TH_ALGO_X86_TSC */
		unsigned int aux;
		uint64_t tsc = __builtin_ia32_rdtscp(&aux) >> *(const uint32_t *)(th + 56);
		uint32_t delta = ((uint32_t)tsc - *(const uint32_t *)(th + 16)) & *(const uint32_t *)(th + 20);
		uint64_t add = *(const uint64_t *)(th + 8) * delta, old = bt.frac;
		bt.frac += add;
		bt.sec += bt.frac < old;
		if (abs) {
			struct tk_bt b;
			memcpy(&b, th + 40, sizeof(b));
			old = bt.frac;
			bt.frac += b.frac;
			bt.sec += b.sec + (bt.frac < old);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (cur == __atomic_load_n((const uint32_t *)(page + 8), __ATOMIC_ACQUIRE) && gen &&
		    gen == __atomic_load_n((const uint32_t *)(th + 4), __ATOMIC_ACQUIRE)) {
			*out = bt;
			return 0;
		}
	}
}

static int64_t tk_ns(struct tk_bt bt)
{
	return bt.sec * 1000000000L + (int64_t)((1000000000ULL * (bt.frac >> 32)) >> 32);
}

static int64_t host_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

START_TEST(timekeep_page_follows_host)
{
	unsetenv("PERSONA_XLAT_TIMEKEEP");
	uint64_t addr = xlat_timekeep_init();
	ck_assert(addr != 0);
	const unsigned char *page = (const unsigned char *)(uintptr_t)addr;
	ck_assert_int_eq(*(const uint32_t *)page, 1); /* VDSO_TK_VER_CURR */
	if (xlat_timekeep_start() < 0 || !*(const uint32_t *)(page + 4)) {
		xlat_timekeep_stop();
		SKIP_TEST("host TSC not invariant or clocksource not tsc: page disabled");
	}
	int64_t last = 0, worst[2] = { 0, 0 };
	long reads = 0;
	int64_t end = host_ns(CLOCK_MONOTONIC) + 400000000L; /* 8 refreshes */
	while (host_ns(CLOCK_MONOTONIC) < end) {
		for (int abs = 0; abs < 2; abs++) {
			clockid_t id = abs ? CLOCK_REALTIME : CLOCK_MONOTONIC;
			struct tk_bt bt;
			int64_t h1 = host_ns(id);
			ck_assert_int_eq(tk_read(page, abs, &bt), 0);
			int64_t g = tk_ns(bt), h2 = host_ns(id);
			int64_t e = g < h1 ? h1 - g : g > h2 ? g - h2 : 0;
			if (e > worst[abs])
				worst[abs] = e;
			if (!abs) {
				ck_assert_msg(g >= last, "monotonic went back %ld ns", (long)(last - g));
				last = g;
			}
			reads++;
		}
	}
	xlat_timekeep_stop();
	fprintf(stderr, "timekeep page: %ld reads, worst gap to the host: monotonic %ld ns, "
		"realtime %ld ns\n", reads, (long)worst[0], (long)worst[1]);
	/* 200 us: generous for a loaded machine; typically well under 1 us. */
	ck_assert_int_lt(worst[0], 200000);
	ck_assert_int_lt(worst[1], 200000);
}
END_TEST

Suite *make_suite(void)
{
	PERSONA_ASAN_SKIP_SUITE("freebsd (skipped under ASan)");
	Suite *s = suite_create("xlat_loader");
	TCase *tc = tcase_create("loader");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hello_and_exit_status);
	tcase_add_test(tc, static_pie);
	tcase_add_test(tc, rdi_points_at_argc);
	tcase_add_test(tc, bad_pointer_is_efault_with_carry);
	tcase_add_test(tc, unimplemented_is_enosys_logged_once);
	tcase_add_test(tc, bad_binary_is_126_and_maps_nothing);
	tcase_add_test(tc, trap_cost);
	tcase_add_test(tc, last_thr_exit_ends_process);
	tcase_add_test(tc, uncaught_signal_ends_blocked_call);
	tcase_add_test(tc, dynamic_program_through_its_rtld);
	tcase_add_test(tc, timekeep_page_follows_host);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
