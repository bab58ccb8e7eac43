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

	/* Interrupt stubs for vectors 0x20-0x2f (the PIC's IRQ 0-15): push
	 * the IRQ number, save the registers a C call may clobber, call
	 * irq_handler(irq), return with IRETQ. */
	.macro	irq_stub n
	.globl	irq_stub_\n
irq_stub_\n:
	pushq	$\n
	jmp	irq_common
	.endm
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	irq_stub \n
	.endr

irq_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	72(%rsp), %rdi
	call	irq_handler
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$8, %rsp
	iretq

	.section .rodata
	.globl	irq_stubs
	.balign	8
irq_stubs:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.quad	irq_stub_\n
	.endr

	.bss
	.balign	16
stack:
	.skip	16384
stack_top:
	.section .note.GNU-stack, "", @progbits
