/* persona micro-VM: a 16550A UART (8250 family) at 0x3f8, IRQ 4: the
 * guest's serial console.  What the guest transmits goes to persona's
 * stdout; the receive side is fed from no input yet (the guest sees an
 * idle line).  Registers after the National Semiconductor PC16550D data
 * sheet: THR/RBR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR, and the divisor
 * latch while LCR.DLAB is set; the loopback mode of MCR bit 4 is there
 * because Linux's 8250 driver tests for it when it probes the port. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolation/microvm/vm.h"

#define SERIAL_BASE 0x3f8
#define SERIAL_IRQ 4

#define UART_RX 0
#define UART_TX 0
#define UART_IER 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO_ENABLED 0xc0
#define FCR_FIFO_ENABLE 0x01
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define RX_FIFO 64
#define OUT_BUF 1024

struct serial {
	struct vm *vm;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_int;           /* THR-empty interrupt pending */
	uint8_t rx[RX_FIFO];
	unsigned rx_head, rx_count;
	int irq_level;
	char out[OUT_BUF];
	size_t out_len;
	pthread_t rx_thread;
	bool rx_started;
	int stop_pipe[2];
};

static void serial_flush(struct serial *s)
{
	size_t off = 0;
	while (off < s->out_len) {
		ssize_t n = write(s->vm->serial_out_fd, s->out + off, s->out_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* stdout gone: the guest's output is dropped, not the guest */
		off += (size_t)n;
	}
	s->out_len = 0;
}

static uint8_t serial_iir(struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_FIFO_ENABLE) ? IIR_FIFO_ENABLED : 0;
	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_int)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir(s) & IIR_NO_INT);
	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, SERIAL_IRQ, level);
	}
}

static void serial_rx_push(struct serial *s, uint8_t c)
{
	if (s->rx_count < RX_FIFO) {
		s->rx[(s->rx_head + s->rx_count) % RX_FIFO] = c;
		s->rx_count++;
	}
}

static void serial_tx(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		serial_rx_push(s, c);
		return;
	}
	s->out[s->out_len++] = (char)c;
	/* A terminal shows prompts and echo as they come. */
	if (c == '\n' || s->out_len == OUT_BUF || s->vm->console_terminal)
		serial_flush(s);
}

static uint8_t serial_msr(struct serial *s)
{
	if (s->mcr & MCR_LOOP)
		return (uint8_t)(((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
				 ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0));
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static void serial_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct serial *s = opaque;
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v = data[0];

	if (is_write) {
		switch (offset) {
		case UART_TX:
			if (dlab) {
				s->dll = v;
				break;
			}
			serial_tx(s, v);
			s->thr_int = true; /* the byte left at once: THR empty again */
			break;
		case UART_IER:
			if (dlab) {
				s->dlm = v;
				break;
			}
			/* Enabling THRI with THR empty raises it (as a 16550 does). */
			if (!(s->ier & IER_THRI) && (v & IER_THRI))
				s->thr_int = true;
			s->ier = v & 0x0f;
			break;
		case UART_FCR:
			s->fcr = v;
			if (v & 0x02)
				s->rx_count = 0;
			break;
		case UART_LCR:
			s->lcr = v;
			break;
		case UART_MCR:
			s->mcr = v & 0x1f;
			break;
		case UART_SCR:
			s->scr = v;
			break;
		default:
			break;
		}
	} else {
		switch (offset) {
		case UART_RX:
			if (dlab) {
				data[0] = s->dll;
				break;
			}
			if (s->rx_count) {
				data[0] = s->rx[s->rx_head];
				s->rx_head = (s->rx_head + 1) % RX_FIFO;
				s->rx_count--;
			}
			break;
		case UART_IER:
			data[0] = dlab ? s->dlm : s->ier;
			break;
		case UART_IIR:
			data[0] = serial_iir(s);
			/* Reading IIR while it reports THRE clears that source. */
			if ((data[0] & 0x0f) == IIR_THRI)
				s->thr_int = false;
			break;
		case UART_LCR:
			data[0] = s->lcr;
			break;
		case UART_MCR:
			data[0] = s->mcr;
			break;
		case UART_LSR:
			data[0] = LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
			break;
		case UART_MSR:
			data[0] = serial_msr(s);
			break;
		case UART_SCR:
			data[0] = s->scr;
			break;
		default:
			break;
		}
	}
	serial_update_irq(s);
}

/* The receive side: stdin into the FIFO, under the device lock. */
static void *serial_rx_thread(void *arg)
{
	struct serial *s = arg;
	uint8_t buf[256], last = '\n';
	size_t have = 0, off = 0;
	bool eof = false;
	/* A Linux tty (persona's workloads): input waits until the guest
	 * init says the tty is set up (no echo; the driver's probe would
	 * also flush the FIFO), and the end of stdin becomes ^D, the tty's
	 * end-of-file in canonical mode (twice after a partial line). */
	const bool tty = s->vm->console_tty;

	for (;;) {
		struct pollfd p[2] = { { .fd = s->stop_pipe[0], .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = POLLIN } };
		/* With bytes still waiting for FIFO room, look again soon. */
		int n = poll(p, have > off || eof ? 1 : 2, have > off ? 5 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (have == off && !eof && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				eof = true;
				if (tty) {
					buf[0] = buf[1] = 0x04;
					have = last == '\n' ? 1 : 2;
					off = 0;
				}
				continue;
			}
			have = (size_t)r;
			off = 0;
			last = buf[r - 1];
		}
		if (have > off && tty && !atomic_load(&s->vm->console_ready))
			continue;
		if (have > off) {
			pthread_mutex_lock(&s->vm->dev_lock);
			while (off < have && s->rx_count < RX_FIFO)
				serial_rx_push(s, buf[off++]);
			serial_update_irq(s);
			pthread_mutex_unlock(&s->vm->dev_lock);
			if (off == have)
				have = off = 0;
		}
	}
	return NULL;
}

static void serial_stop(void *opaque)
{
	struct serial *s = opaque;
	if (s->rx_started) {
		ssize_t w = write(s->stop_pipe[1], "x", 1);
		(void)w;
		pthread_join(s->rx_thread, NULL);
	}
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	serial_flush(s);
	free(s);
}

int serial_create(struct vm *vm, struct perr *err)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (!s)
		return perr_set(err, ENOMEM, "serial");
	s->vm = vm;
	s->dll = 12; /* 9600 baud, the power-on divisor */
	if (pipe2(s->stop_pipe, O_CLOEXEC) < 0) {
		free(s);
		return perr_set(err, errno, "serial");
	}
	if (bus_register_pio(vm, SERIAL_BASE, 8, "serial", serial_io, s, err) < 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
		free(s);
		return -1;
	}
	bus_at_stop(vm, serial_stop, s);
	s->rx_started = pthread_create(&s->rx_thread, NULL, serial_rx_thread, s) == 0;
	return 0;
}
