/* The test guest's entry, as the Linux 64-bit boot protocol enters a
 * kernel: long mode, paging on (identity map), RSI = the zero page. */
	.section .text.start, "ax"
	.globl _start
_start:
	cli
	leaq	stack_top(%rip), %rsp
	movq	%rsi, %rdi
	call	guest_main
	/* guest_main's return value is the exit status: the debug-exit port. */
	movw	$0x501, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b

	.bss
	.balign	16
stack:
	.skip	16384
stack_top:
	.section .note.GNU-stack, "", @progbits
