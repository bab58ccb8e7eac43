/* persona winapi-shim: the switch to the program's stack and its entry
 * point.  Built without stack protector or sanitizers (Makefile): from
 * here on the stack is the Windows program's. */
#include "winapi-shim/entry/call.h"

/* rdi = entry, rsi = stack top.  The entry point (mainCRTStartup) is a
 * Microsoft x64 function of no arguments: the stack is 16-byte aligned
 * at the call, with 32 bytes of home space above the return address.
 * Its return value is the exit code. */
__asm__(".text\n"
	".globl win_call_entry\n"
	".type win_call_entry,@function\n"
	"win_call_entry:\n"
	"\tmov %rsi, %rsp\n"
	"\tand $-16, %rsp\n"
	"\txor %ebp, %ebp\n"
	"\tsub $32, %rsp\n"
	"\tcall *%rdi\n"
	"\tmov %eax, %edi\n"
	"\tcall win_entry_returned\n"
	"\tud2\n"
	".size win_call_entry, .-win_call_entry\n");

/* rdi = DllMain, rsi = module, edx = reason, rcx = reserved, r8 = stack
 * top: call DllMain(module, reason, reserved) (Microsoft x64) on the
 * program's stack, return its result on ours.  rbp, which the callee
 * keeps, holds our stack pointer meanwhile. */
__asm__(".text\n"
	".globl win_call_dllmain\n"
	".type win_call_dllmain,@function\n"
	"win_call_dllmain:\n"
	"\tpush %rbp\n"
	"\tmov %rsp, %rbp\n"
	"\tmov %r8, %rax\n"
	"\tmov %rcx, %r8\n"
	"\tmov %rsi, %rcx\n"
	"\tmov %rax, %rsp\n"
	"\tand $-16, %rsp\n"
	"\tsub $32, %rsp\n"
	"\tcall *%rdi\n"
	"\tmov %rbp, %rsp\n"
	"\tpop %rbp\n"
	"\tret\n"
	".size win_call_dllmain, .-win_call_dllmain\n");
