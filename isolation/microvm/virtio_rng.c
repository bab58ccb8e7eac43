/* persona micro-VM: virtio entropy device (virtio spec 1.2, 5.4): every
 * device-writable buffer the guest posts is filled from the host's
 * getrandom(2). */
#include <stdio.h>
#include <sys/random.h>

#include "isolation/microvm/virtio.h"

static int rng_handle(void *opaque, int q, struct vq_chain *c, uint32_t *written, char *why, size_t why_len)
{
	*written = 0;
	for (int i = 0; i < c->n; i++) {
		struct vq_buf *b = &c->buf[i];
		if (!b->writable)
			continue;
		uint32_t done = 0;
		while (done < b->len) {
			ssize_t n = getrandom(b->host + done, b->len - done, 0);
			if (n <= 0)
				break;
			done += (uint32_t)n;
		}
		*written += done;
	}
	return 0;
}

static const struct virtio_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nqueues = 1,
	.handle = rng_handle,
};

int virtio_rng_create(struct vm *vm, struct perr *err)
{
	return virtio_mmio_create(vm, &rng_ops, 0, NULL, err);
}
