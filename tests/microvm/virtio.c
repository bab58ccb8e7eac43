/* The test guest's virtio-mmio driver (virtio 1.x spec, 4.2 "Virtio Over
 * MMIO" and 2.7 "Split Virtqueues"), kept as plain as the spec's steps
 * (3.1.1 "Driver Requirements: Device Initialization"). */
#include "guest.h"

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
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
#define R_QUEUE_AVAIL_LOW 0x090
#define R_QUEUE_AVAIL_HIGH 0x094
#define R_QUEUE_USED_LOW 0x0a0
#define R_QUEUE_USED_HIGH 0x0a4
#define R_CONFIG 0x100

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8

static uint64_t parse_num(const char **p)
{
	uint64_t v = 0;
	const char *s = *p;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		for (;; s++) {
			char c = *s;
			if (c >= '0' && c <= '9')
				v = v * 16 + (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (uint64_t)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v = v * 16 + (uint64_t)(c - 'A' + 10);
			else
				break;
		}
	} else {
		while (*s >= '0' && *s <= '9')
			v = v * 10 + (uint64_t)(*s++ - '0');
	}
	*p = s;
	return v;
}

bool virtio_find(const char *cmdline, uint32_t device_id, struct vdev *d)
{
	static const char key[] = "virtio_mmio.device=";
	for (const char *p = cmdline; *p; p++) {
		if ((p != cmdline && p[-1] != ' ') || memcmp(p, key, sizeof(key) - 1))
			continue;
		const char *s = p + sizeof(key) - 1;
		parse_num(&s); /* size, with its unit letter */
		while (*s && *s != '@')
			s++;
		if (*s != '@')
			continue;
		s++;
		uint64_t base = parse_num(&s);
		uint32_t irq = 0;
		if (*s == ':') {
			s++;
			irq = (uint32_t)parse_num(&s);
		}
		if (mmio_read32(base + R_MAGIC) != 0x74726976 || mmio_read32(base + R_VERSION) != 2)
			continue;
		if (mmio_read32(base + R_DEVICE_ID) == device_id) {
			d->base = base;
			d->irq = irq;
			d->device_id = device_id;
			return true;
		}
	}
	return false;
}

uint32_t virtio_status(struct vdev *d)
{
	return mmio_read32(d->base + R_STATUS);
}

uint32_t virtio_ack_interrupt(struct vdev *d)
{
	uint32_t isr = mmio_read32(d->base + R_INTERRUPT_STATUS);
	mmio_write32(d->base + R_INTERRUPT_ACK, isr);
	return isr;
}

uint32_t virtio_config32(struct vdev *d, uint32_t off)
{
	return mmio_read32(d->base + R_CONFIG + off);
}

bool virtio_init(struct vdev *d, struct vq *vqs, int nvqs, uint32_t features)
{
	uint64_t b = d->base;

	mmio_write32(b + R_STATUS, 0);
	mmio_write32(b + R_STATUS, S_ACKNOWLEDGE);
	mmio_write32(b + R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	mmio_write32(b + R_DEVICE_FEATURES_SEL, 1);
	if (!(mmio_read32(b + R_DEVICE_FEATURES) & 1)) {
		print("virtio: device lacks VIRTIO_F_VERSION_1\n");
		return false;
	}
	mmio_write32(b + R_DEVICE_FEATURES_SEL, 0);
	features &= mmio_read32(b + R_DEVICE_FEATURES);
	mmio_write32(b + R_DRIVER_FEATURES_SEL, 0);
	mmio_write32(b + R_DRIVER_FEATURES, features);
	mmio_write32(b + R_DRIVER_FEATURES_SEL, 1);
	mmio_write32(b + R_DRIVER_FEATURES, 1);
	mmio_write32(b + R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	if (!(mmio_read32(b + R_STATUS) & S_FEATURES_OK)) {
		print("virtio: FEATURES_OK not accepted\n");
		return false;
	}
	for (int q = 0; q < nvqs; q++) {
		struct vq *vq = &vqs[q];
		memset(vq, 0, sizeof(*vq));
		mmio_write32(b + R_QUEUE_SEL, (uint32_t)q);
		if (mmio_read32(b + R_QUEUE_NUM_MAX) < VQ_SIZE) {
			print("virtio: queue too small\n");
			return false;
		}
		mmio_write32(b + R_QUEUE_NUM, VQ_SIZE);
		uint64_t desc = (uint64_t)vq->desc, avail = (uint64_t)&vq->avail, used = (uint64_t)&vq->used;
		mmio_write32(b + R_QUEUE_DESC_LOW, (uint32_t)desc);
		mmio_write32(b + R_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
		mmio_write32(b + R_QUEUE_AVAIL_LOW, (uint32_t)avail);
		mmio_write32(b + R_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
		mmio_write32(b + R_QUEUE_USED_LOW, (uint32_t)used);
		mmio_write32(b + R_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
		mmio_write32(b + R_QUEUE_READY, 1);
	}
	d->vqs = vqs;
	d->nvqs = nvqs;
	mmio_write32(b + R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return true;
}

int64_t virtio_request(struct vdev *d, int q, int n)
{
	struct vq *vq = &d->vqs[q];

	for (int i = 0; i < n - 1; i++) {
		vq->desc[i].flags |= VRING_DESC_F_NEXT;
		vq->desc[i].next = (uint16_t)(i + 1);
	}
	vq->avail.ring[vq->avail.idx % VQ_SIZE] = 0;
	barrier();
	vq->avail.idx++;
	barrier();
	mmio_write32(d->base + R_QUEUE_NOTIFY, (uint32_t)q);
	for (int spin = 0; spin < 1000; spin++) {
		barrier();
		if (*(volatile uint16_t *)&vq->used.idx != vq->last_used) {
			uint32_t len = vq->used.ring[vq->last_used % VQ_SIZE].len;
			vq->last_used++;
			return len;
		}
	}
	return -1;
}
