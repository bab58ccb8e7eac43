/* persona micro-VM: virtio console (virtio spec 1.2, 5.3), one port, no
 * multiport: queue 0 receiveq (the guest's input: none yet, so its
 * buffers stay with the device), queue 1 transmitq, whose buffers go to
 * the device's host file descriptor (stdout, or stderr for the second
 * console of a workload). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "isolation/microvm/virtio.h"

#define CONSOLE_TRANSMITQ 1

static int console_handle(void *opaque, int q, struct vq_chain *c, uint32_t *written, char *why, size_t why_len)
{
	int fd = *(int *)opaque;

	*written = 0;
	if (q != CONSOLE_TRANSMITQ)
		return 0; /* receive buffers: returned empty */
	for (int i = 0; i < c->n; i++) {
		struct vq_buf *b = &c->buf[i];
		if (b->writable)
			continue;
		size_t off = 0;
		while (off < b->len) {
			ssize_t n = write(fd, b->host + off, b->len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* stdout gone: dropped */
			off += (size_t)n;
		}
	}
	return 0;
}

static const struct virtio_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nqueues = 2,
	/* Linux fills the receive queue with a page per entry at probe;
	 * persona sends nothing there (stdin is the 8250's). */
	.queue_max = 8,
	.handle = console_handle,
	.passive_queues = 1U << 0,
};

static void console_stop(void *opaque)
{
	free(opaque);
}

int virtio_console_create(struct vm *vm, int out_fd, struct perr *err)
{
	int *fd = malloc(sizeof(*fd));

	if (!fd)
		return perr_set(err, ENOMEM, "virtio-console");
	*fd = out_fd;
	if (virtio_mmio_create(vm, &console_ops, 0, fd, err) < 0) {
		free(fd);
		return -1;
	}
	bus_at_stop(vm, console_stop, fd);
	return 0;
}
