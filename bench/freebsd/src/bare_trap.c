/* The bare trap mechanisms persona's in-process back-ends are built on,
 * without any translation: N getpid calls, native, or trapped to a SIGSYS
 * handler that only writes a result into the saved context (seccomp
 * SECCOMP_RET_TRAP, or Syscall User Dispatch).  Prints ns per call (wall).
 * Usage: bare_trap native|seccomp|sud [N] */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

static volatile char selector = 0;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_RAX] = 4242;
}

static long raw_getpid(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getpid) : "rcx", "r11", "memory");
	return r;
}

/* The executable mapping holding `addr` (libc: the handler's sigreturn
 * and everything else the program calls stay allowed under SUD). */
static int text_of(void *addr, unsigned long *lo, unsigned long *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long a, b, x = (unsigned long)addr;
	char perm[8];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perm) == 3 && x >= a && x < b) {
			fclose(f);
			*lo = a;
			*hi = b;
			return 0;
		}
	if (f)
		fclose(f);
	return -1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "native";
	long n = argc > 2 ? atol(argv[2]) : 200000;
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	long want = getpid();

	sigaction(SIGSYS, &sa, NULL);
	if (!strcmp(mode, "seccomp")) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
			perror("seccomp");
			return 1;
		}
		want = 4242;
	} else if (!strcmp(mode, "sud")) {
		unsigned long lo, hi;
		if (text_of((void *)syscall, &lo, &hi) < 0 ||
		    prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, lo, hi - lo, &selector)) {
			perror("Syscall User Dispatch");
			return 1;
		}
		selector = 1; /* block: every syscall outside libc traps */
		want = 4242;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		if (raw_getpid() != want) {
			fprintf(stderr, "getpid returned something else\n");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	selector = 0;
	printf("%.3f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
	return 0;
}
