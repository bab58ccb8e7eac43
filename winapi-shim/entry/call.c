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
