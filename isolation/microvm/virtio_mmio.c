/* persona micro-VM: the virtio-mmio transport and split virtqueues
 * (virtio spec 1.2: 4.2.2 the register layout, 2.7 split virtqueues,
 * 3.1 device initialisation, 2.1 the device status field). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolation/microvm/virtio.h"

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_VENDOR_ID 0x00c
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LOW 0x080
#define R_QUEUE_DESC_HIGH 0x084
#define R_QUEUE_DRIVER_LOW 0x090
#define R_QUEUE_DRIVER_HIGH 0x094
#define R_QUEUE_DEVICE_LOW 0x0a0
#define R_QUEUE_DEVICE_HIGH 0x0a4
#define R_CONFIG_GENERATION 0x0fc
#define R_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_VENDOR_PERSONA 0x50455253 /* "PERS" */
#define VIRTIO_F_VERSION_1 (1ULL << 32)

#define S_FEATURES_OK 8
#define S_DRIVER_OK 4
#define S_NEEDS_RESET 0x40
#define INT_USED_BUFFER 1
#define INT_CONFIG_CHANGE 2

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

struct virtqueue {
	uint16_t num;
	bool ready;
	uint64_t desc, avail, used;  /* guest-physical */
	uint16_t last_avail;
};

struct virtio_dev {
	struct vm *vm;
	const struct virtio_ops *ops;
	void *opaque;
	uint64_t base;
	int irq;
	uint64_t device_features, driver_features;
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint32_t status, isr;
	bool broken;
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
	struct vq_chain chain;  /* scratch, one request at a time (dev_lock) */
};

static void update_irq(struct virtio_dev *d, bool new_event)
{
	/* The ISA lines of the PIC are edge-triggered: each new event is a
	 * fresh rising edge, and the line falls when the guest has
	 * acknowledged everything. */
	if (d->isr && new_event) {
		vm_irq_line(d->vm, d->irq, 0);
		vm_irq_line(d->vm, d->irq, 1);
	} else if (!d->isr) {
		vm_irq_line(d->vm, d->irq, 0);
	}
}

static void device_fail(struct virtio_dev *d, int q, const char *why)
{
	if (!d->broken)
		fprintf(stderr, "persona: vm: %s: queue %d: %s; device stopped until the guest resets it\n",
			d->ops->name, q, why);
	d->broken = true;
	d->status |= S_NEEDS_RESET;
	d->isr |= INT_CONFIG_CHANGE;
	update_irq(d, true);
}

static void device_reset(struct virtio_dev *d)
{
	d->driver_features = 0;
	d->device_features_sel = d->driver_features_sel = d->queue_sel = 0;
	d->status = 0;
	d->isr = 0;
	d->broken = false;
	memset(d->vq, 0, sizeof(d->vq));
	update_irq(d, false);
}

static unsigned queue_max(const struct virtio_dev *d)
{
	return d->ops->queue_max ? d->ops->queue_max : VIRTIO_QUEUE_MAX;
}

/* Check a queue's rings when the driver makes it ready. */
static int queue_check(struct virtio_dev *d, struct virtqueue *vq, char *why, size_t len)
{
	uint64_t n = vq->num;

	if (n == 0 || n > queue_max(d) || (n & (n - 1)))
		return snprintf(why, len, "queue size %llu is not a power of 2 up to %u", (unsigned long long)n,
				queue_max(d)), -1;
	if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
		return snprintf(why, len, "misaligned ring"), -1;
	if (!vm_gpa(d->vm, vq->desc, 16 * n) || !vm_gpa(d->vm, vq->avail, 6 + 2 * n) ||
	    !vm_gpa(d->vm, vq->used, 6 + 8 * n))
		return snprintf(why, len, "ring outside guest memory (descriptors 0x%llx, driver 0x%llx, device 0x%llx)",
				(unsigned long long)vq->desc, (unsigned long long)vq->avail,
				(unsigned long long)vq->used), -1;
	return 0;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

/* Take the next available chain.  1: got one in `c`; 0: none; -1: bad
 * (`why` says how). */
static int vq_pop(struct virtio_dev *d, struct virtqueue *vq, struct vq_chain *c, char *why, size_t why_len)
{
	const uint8_t *avail = vm_gpa(d->vm, vq->avail, 6 + 2 * (uint64_t)vq->num);
	const uint8_t *desc = vm_gpa(d->vm, vq->desc, 16 * (uint64_t)vq->num);
	uint16_t avail_idx = rd16(avail + 2);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);

	if (pending == 0)
		return 0;
	if (pending > vq->num)
		return snprintf(why, why_len, "available index %u is %u ahead of the device, more than the queue's %u",
				avail_idx, pending, vq->num), -1;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint16_t head = rd16(avail + 4 + 2 * (vq->last_avail % vq->num));
	if (head >= vq->num)
		return snprintf(why, why_len, "head descriptor %u out of range (queue size %u)", head, vq->num), -1;
	c->head = head;
	c->n = 0;
	uint16_t i = head;
	for (;;) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		const uint8_t *e = desc + 16 * (uint64_t)i;
		memcpy(&addr, e, 8);
		memcpy(&len, e + 8, 4);
		memcpy(&flags, e + 12, 2);
		memcpy(&next, e + 14, 2);
		if (flags & VRING_DESC_F_INDIRECT)
			return snprintf(why, why_len, "descriptor %u is indirect (not negotiated)", i), -1;
		uint8_t *host = vm_gpa(d->vm, addr, len);
		if (!host)
			return snprintf(why, why_len, "descriptor %u: %u bytes at 0x%llx lie outside guest memory", i, len,
					(unsigned long long)addr), -1;
		if (c->n >= vq->num)
			return snprintf(why, why_len, "descriptor chain from %u is longer than the queue (a loop)", head), -1;
		c->buf[c->n++] = (struct vq_buf){ .host = host, .len = len, .writable = flags & VRING_DESC_F_WRITE };
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		if (next >= vq->num)
			return snprintf(why, why_len, "descriptor %u: next %u out of range", i, next), -1;
		i = next;
	}
	vq->last_avail++;
	return 1;
}

static void vq_push(struct virtio_dev *d, struct virtqueue *vq, uint16_t head, uint32_t len)
{
	uint8_t *used = vm_gpa(d->vm, vq->used, 6 + 8 * (uint64_t)vq->num);
	uint16_t idx = rd16(used + 2);
	uint8_t *e = used + 4 + 8 * (uint64_t)(idx % vq->num);
	uint32_t id = head;

	memcpy(e, &id, 4);
	memcpy(e + 4, &len, 4);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	idx++;
	memcpy(used + 2, &idx, 2);
}

static void queue_notify(struct virtio_dev *d, uint32_t q)
{
	char why[256];
	bool any = false;

	if (q >= (uint32_t)d->ops->nqueues || d->broken || !(d->status & S_DRIVER_OK) ||
	    (d->ops->passive_queues & (1U << q)))
		return;
	struct virtqueue *vq = &d->vq[q];
	if (!vq->ready)
		return;
	for (int rounds = 0; rounds < VIRTIO_QUEUE_MAX; rounds++) {
		int rc = vq_pop(d, vq, &d->chain, why, sizeof(why));
		if (rc == 0)
			break;
		uint32_t written = 0;
		if (rc < 0 || d->ops->handle(d->opaque, (int)q, &d->chain, &written, why, sizeof(why)) < 0) {
			device_fail(d, (int)q, why);
			return;
		}
		vq_push(d, vq, d->chain.head, written);
		any = true;
	}
	if (any) {
		d->isr |= INT_USED_BUFFER;
		update_irq(d, true);
	}
}

size_t vq_chain_read(const struct vq_chain *c, size_t skip, void *dst, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < c->n && done < len; i++) {
		const struct vq_buf *b = &c->buf[i];
		if (b->writable)
			continue;
		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		size_t n = b->len - skip;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)dst + done, b->host + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

static uint32_t reg_read(struct virtio_dev *d, uint64_t off)
{
	struct virtqueue *vq = d->queue_sel < VIRTIO_MAX_QUEUES ? &d->vq[d->queue_sel] : NULL;
	bool have_q = vq && d->queue_sel < (uint32_t)d->ops->nqueues;

	switch (off) {
	case R_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case R_VERSION:
		return 2;
	case R_DEVICE_ID:
		return d->ops->device_id;
	case R_VENDOR_ID:
		return VIRTIO_VENDOR_PERSONA;
	case R_DEVICE_FEATURES:
		return d->device_features_sel == 0 ? (uint32_t)d->device_features
		       : d->device_features_sel == 1 ? (uint32_t)(d->device_features >> 32) : 0;
	case R_QUEUE_NUM_MAX:
		return have_q ? queue_max(d) : 0;
	case R_QUEUE_READY:
		return have_q ? vq->ready : 0;
	case R_INTERRUPT_STATUS:
		return d->isr;
	case R_STATUS:
		return d->status;
	case R_CONFIG_GENERATION:
		return 0;
	default:
		return 0;
	}
}

static void set_addr(uint64_t *a, bool high, uint32_t v)
{
	*a = high ? (*a & 0xffffffffULL) | ((uint64_t)v << 32) : (*a & ~0xffffffffULL) | v;
}

static void reg_write(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	struct virtqueue *vq = d->queue_sel < (uint32_t)d->ops->nqueues ? &d->vq[d->queue_sel] : NULL;
	char why[256];

	switch (off) {
	case R_DEVICE_FEATURES_SEL:
		d->device_features_sel = v;
		return;
	case R_DRIVER_FEATURES_SEL:
		d->driver_features_sel = v;
		return;
	case R_DRIVER_FEATURES:
		if (d->status & S_FEATURES_OK)
			return; /* frozen once accepted (3.1.1) */
		if (d->driver_features_sel < 2)
			set_addr(&d->driver_features, d->driver_features_sel == 1, v);
		return;
	case R_QUEUE_SEL:
		d->queue_sel = v;
		return;
	case R_INTERRUPT_ACK:
		d->isr &= ~v;
		update_irq(d, false);
		return;
	case R_QUEUE_NOTIFY:
		queue_notify(d, v);
		return;
	case R_STATUS:
		if (v == 0) {
			device_reset(d);
			return;
		}
		/* FEATURES_OK only for a subset of what was offered that
		 * includes VERSION_1: this device is modern only. */
		if ((v & S_FEATURES_OK) && !(d->status & S_FEATURES_OK) &&
		    ((d->driver_features & ~d->device_features) || !(d->driver_features & VIRTIO_F_VERSION_1)))
			v &= ~(uint32_t)S_FEATURES_OK;
		d->status = v | (d->status & S_NEEDS_RESET);
		return;
	default:
		break;
	}
	if (!vq || vq->ready || (d->status & S_DRIVER_OK))
		return; /* queue registers are written only before the queue is ready */
	switch (off) {
	case R_QUEUE_NUM:
		vq->num = v > 0xffff ? 0 : (uint16_t)v;
		break;
	case R_QUEUE_READY:
		if (v != 1)
			break;
		if (queue_check(d, vq, why, sizeof(why)) < 0) {
			device_fail(d, (int)d->queue_sel, why);
			break;
		}
		vq->ready = true;
		vq->last_avail = 0;
		break;
	case R_QUEUE_DESC_LOW:
	case R_QUEUE_DESC_HIGH:
		set_addr(&vq->desc, off == R_QUEUE_DESC_HIGH, v);
		break;
	case R_QUEUE_DRIVER_LOW:
	case R_QUEUE_DRIVER_HIGH:
		set_addr(&vq->avail, off == R_QUEUE_DRIVER_HIGH, v);
		break;
	case R_QUEUE_DEVICE_LOW:
	case R_QUEUE_DEVICE_HIGH:
		set_addr(&vq->used, off == R_QUEUE_DEVICE_HIGH, v);
		break;
	default:
		break;
	}
}

static void virtio_mmio_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct virtio_dev *d = opaque;

	if (off >= R_CONFIG) {
		/* The configuration space: any width, read-only here. */
		if (!is_write && d->ops->config_read && off - R_CONFIG + len <= 256)
			d->ops->config_read(d->opaque, off - R_CONFIG, data, len);
		return;
	}
	if (len != 4 || (off & 3))
		return; /* registers are 32-bit wide and aligned (4.2.2.2) */
	if (is_write) {
		uint32_t v;
		memcpy(&v, data, 4);
		reg_write(d, off, v);
	} else {
		uint32_t v = reg_read(d, off);
		memcpy(data, &v, 4);
	}
}

static void virtio_mmio_stop(void *opaque)
{
	free(opaque);
}

int virtio_mmio_create(struct vm *vm, const struct virtio_ops *ops, uint32_t features, void *opaque,
		       struct perr *err)
{
	static const int irqs[] = { 5, 6, 7, 10, 11, 12 };
	int slot = vm->next_mmio_slot;
	struct virtio_dev *d;

	if (slot >= (int)(sizeof(irqs) / sizeof(irqs[0])))
		return perr_set(err, 0, "%s: no virtio-mmio window left", ops->name);
	d = calloc(1, sizeof(*d));
	if (!d)
		return perr_set(err, ENOMEM, "%s", ops->name);
	d->vm = vm;
	d->ops = ops;
	d->opaque = opaque;
	d->base = VM_MMIO_BASE + (uint64_t)slot * VM_MMIO_SIZE;
	d->irq = irqs[slot];
	d->device_features = VIRTIO_F_VERSION_1 | features;
	if (bus_register_mmio(vm, d->base, VM_MMIO_SIZE, ops->name, virtio_mmio_io, d, err) < 0) {
		free(d);
		return -1;
	}
	bus_at_stop(vm, virtio_mmio_stop, d);
	vm->next_mmio_slot++;
	size_t used = strlen(vm->cmdline_devices);
	snprintf(vm->cmdline_devices + used, sizeof(vm->cmdline_devices) - used, " virtio_mmio.device=4K@0x%llx:%d",
		 (unsigned long long)d->base, d->irq);
	return 0;
}
