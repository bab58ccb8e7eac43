/* persona micro-VM: virtio 1.x over MMIO (virtio spec 1.2, 4.2 "Virtio Over
 * MMIO", modern interface only: Version 2) and split virtqueues (2.7).
 * Private to isolation/microvm.
 *
 * Guest memory and the queues in it are hostile: every ring and every
 * descriptor's address and length is checked against guest RAM before
 * use, chains are bounded by the queue size (no loops), indirect
 * descriptors (not offered) are refused.  A bad queue stops that device:
 * its status gets DEVICE_NEEDS_RESET, a configuration-change interrupt is
 * raised, one error is printed, and it ignores the queues until the guest
 * resets it.  The host and the other devices go on. */
#ifndef PERSONA_MICROVM_VIRTIO_H
#define PERSONA_MICROVM_VIRTIO_H

#include "isolation/microvm/vm.h"

#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

#define VIRTIO_MAX_QUEUES 4
#define VIRTIO_QUEUE_MAX 256  /* the largest QueueNumMax a device may offer */

/* One buffer of a descriptor chain, already checked: host pointer into
 * guest RAM, length in bytes, and whether the device may write it. */
struct vq_buf {
	uint8_t *host;
	uint32_t len;
	bool writable;
};

struct vq_chain {
	uint16_t head;      /* descriptor index, for the used ring */
	int n;
	struct vq_buf buf[VIRTIO_QUEUE_MAX];
};

struct virtio_dev;

struct virtio_ops {
	const char *name;      /* "virtio-blk": in messages */
	uint32_t device_id;
	int nqueues;
	/* QueueNumMax of its queues (a power of 2, up to VIRTIO_QUEUE_MAX;
	 * 0: VIRTIO_QUEUE_MAX).  Linux's drivers fill or size for the whole
	 * queue at probe (a console's receive buffers, a disk's request
	 * tags), guest-kernel work that a smaller queue saves. */
	uint16_t queue_max;
	/* Read `len` bytes of the device configuration space at `off`
	 * (already checked to lie in the first 256 bytes); NULL: zeros. */
	void (*config_read)(void *opaque, uint64_t off, uint8_t *data, uint32_t len);
	/* Handle one request on queue `q`.  Out: *written = bytes the device
	 * wrote into the chain's writable buffers.  Returns 0, or -1 when
	 * the request is malformed (then `why` says how, and the device
	 * stops as above). */
	int (*handle)(void *opaque, int q, struct vq_chain *c, uint32_t *written, char *why, size_t why_len);
	/* Queues (bit n: queue n) whose buffers the device keeps until it
	 * has data for them (a console's receive queue): a notification
	 * there completes nothing. */
	uint32_t passive_queues;
};

/* Add a virtio-mmio device: the next free window above VM_MMIO_BASE and
 * its IRQ, registered on the bus and announced on the kernel command line
 * (" virtio_mmio.device=4K@0xADDR:IRQ", Documentation/admin-guide/
 * kernel-parameters.txt).  `features`: the device-specific feature bits
 * 0-31 it offers (VIRTIO_F_VERSION_1, bit 32, is always offered and
 * required).  -1 + err when no window is left. */
int virtio_mmio_create(struct vm *vm, const struct virtio_ops *ops, uint32_t features, void *opaque,
		       struct perr *err);

/* Copy `len` bytes out of (into) a chain's readable (writable) buffers,
 * starting `skip` bytes into the chain; returns the bytes copied. */
size_t vq_chain_read(const struct vq_chain *c, size_t skip, void *dst, size_t len);

#endif
