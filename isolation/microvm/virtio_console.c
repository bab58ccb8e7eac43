/* persona micro-VM: virtio console (virtio spec 1.2, 5.3), one port, no
 * multiport: queue 0 receiveq (the guest's input: none yet), queue 1
 * transmitq, whose buffers go to persona's stdout. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "isolation/microvm/virtio.h"

#define CONSOLE_TRANSMITQ 1

static int console_handle(void *opaque, int q, struct vq_chain *c, uint32_t *written, char *why, size_t why_len)
{
	*written = 0;
	if (q != CONSOLE_TRANSMITQ)
		return 0; /* receive buffers: returned empty */
	for (int i = 0; i < c->n; i++) {
		struct vq_buf *b = &c->buf[i];
		if (b->writable)
			continue;
		size_t off = 0;
		while (off < b->len) {
			ssize_t n = write(STDOUT_FILENO, b->host + off, b->len - off);
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
	.handle = console_handle,
};

int virtio_console_create(struct vm *vm, struct perr *err)
{
	return virtio_mmio_create(vm, &console_ops, 0, NULL, err);
}
