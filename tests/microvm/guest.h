/* The test guest: freestanding helpers shared by its files. */
#ifndef PERSONA_TEST_GUEST_H
#define PERSONA_TEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

#define barrier() __asm__ volatile("" ::: "memory")

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void puts_serial(const char *s);
void print(const char *s);            /* serial */
void print_hex(uint64_t v);
void print_dec(uint64_t v);

/* virtio.c: a virtio-mmio 1.x driver with one split virtqueue per queue. */
#define VQ_SIZE 8
struct vq {
	struct vq_desc {
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
		uint16_t next;
	} desc[VQ_SIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[VQ_SIZE], used_event;
	} avail __attribute__((aligned(4096)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[VQ_SIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4096)));
	uint16_t last_used;
};

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2

struct vdev {
	uint64_t base;
	uint32_t irq;
	uint32_t device_id;
	struct vq *vqs;
	int nvqs;
};

/* Find the device of `device_id` among the command line's
 * virtio_mmio.device= entries.  false when there is none. */
bool virtio_find(const char *cmdline, uint32_t device_id, struct vdev *d);
/* Reset, negotiate VERSION_1 (plus `features` low bits), set up `nvqs`
 * queues in `vqs`, DRIVER_OK.  false (printed) on failure. */
bool virtio_init(struct vdev *d, struct vq *vqs, int nvqs, uint32_t features);
/* Post the chain desc[0..n) (already filled, NEXT flags set here) as one
 * request on queue q, notify, wait for it in the used ring.  Returns the
 * used length, or -1 when the device did not answer. */
int64_t virtio_request(struct vdev *d, int q, int n);
uint32_t virtio_status(struct vdev *d);
uint32_t virtio_ack_interrupt(struct vdev *d);
uint32_t virtio_config32(struct vdev *d, uint32_t off);

#endif
