/* persona syscall-xlat: the only syscall instruction the seccomp filter
 * lets through, and trap-safe helpers built on it (see raw.h). */
#include "syscall-xlat/trap/raw.h"

#include <sys/syscall.h>
#include <sys/uio.h>

/* Kept in its own section so that the filter can recognise persona's
 * system calls by instruction pointer: __start_/__stop_persona_xlat_text
 * bound it. */
__asm__(
	".pushsection persona_xlat_text,\"ax\",@progbits\n"
	".globl xlat_raw6\n"
	".type xlat_raw6,@function\n"
	"xlat_raw6:\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	movq %rdx, %rsi\n"
	"	movq %rcx, %rdx\n"
	"	movq %r8, %r10\n"
	"	movq %r9, %r8\n"
	"	movq 8(%rsp), %r9\n"
	"	syscall\n"
	"	ret\n"
	".size xlat_raw6, .-xlat_raw6\n"
	".popsection\n");

static long self_pid;

static long pid(void)
{
	if (!self_pid)
		self_pid = RAW0(SYS_getpid);
	return self_pid;
}

int guest_copyin(void *dst, uint64_t guest_src, size_t len)
{
	if (len == 0)
		return 0;
	if (!guest_src)
		return -14; /* EFAULT */
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)guest_src, len };
	long r = RAW6(SYS_process_vm_readv, pid(), &local, 1, &remote, 1, 0);
	if (r < 0)
		return (int)r;
	return (size_t)r == len ? 0 : -14;
}

int guest_copyout(uint64_t guest_dst, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	if (!guest_dst)
		return -14;
	struct iovec local = { (void *)src, len };
	struct iovec remote = { (void *)guest_dst, len };
	long r = RAW6(SYS_process_vm_writev, pid(), &local, 1, &remote, 1, 0);
	if (r < 0)
		return (int)r;
	return (size_t)r == len ? 0 : -14;
}

void xlat_raw_puts(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	RAW3(SYS_write, 2, s, n);
}

char *xlat_fmt_long(char *buf, long v)
{
	char tmp[24];
	int i = 0, o = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[o++] = '-';
	while (i)
		buf[o++] = tmp[--i];
	buf[o] = 0;
	return buf;
}
