/* persona micro-VM: virtio-blk (virtio spec 1.2, 5.2) over a raw image
 * file.  Requests: IN, OUT, FLUSH, GET_ID; sectors of 512 bytes; a
 * request past the end of the disk, or a write to a read-only disk,
 * answers VIRTIO_BLK_S_IOERR.  A request without a readable 16-byte
 * header or a writable status byte is malformed: the device stops. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "isolation/microvm/virtio.h"

#define VIRTIO_BLK_F_RO (1U << 5)
#define VIRTIO_BLK_F_FLUSH (1U << 9)
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define SECTOR 512
#define ID_BYTES 20

struct blk {
	int fd;
	bool ro;
	uint64_t sectors;
};

static void blk_config_read(void *opaque, uint64_t off, uint8_t *data, uint32_t len)
{
	struct blk *b = opaque;
	uint8_t cfg[8];

	/* struct virtio_blk_config: only `capacity` (le64, sectors) here. */
	memcpy(cfg, &b->sectors, 8);
	for (uint32_t i = 0; i < len; i++)
		data[i] = off + i < sizeof(cfg) ? cfg[off + i] : 0;
}

/* Move the data buffers (all but the header and the status byte). */
static uint8_t blk_rw(struct blk *b, struct vq_chain *c, uint32_t type, uint64_t sector, uint32_t *written)
{
	uint64_t total = 0;

	for (int i = 1; i < c->n - 1; i++)
		total += c->buf[i].len;
	if (total % SECTOR || sector > b->sectors || total / SECTOR > b->sectors - sector)
		return VIRTIO_BLK_S_IOERR;
	if (type == VIRTIO_BLK_T_OUT && b->ro)
		return VIRTIO_BLK_S_IOERR;
	off_t pos = (off_t)(sector * SECTOR);
	for (int i = 1; i < c->n - 1; i++) {
		struct vq_buf *v = &c->buf[i];
		/* A read fills writable buffers; a write takes readable ones. */
		if (v->writable != (type == VIRTIO_BLK_T_IN))
			return VIRTIO_BLK_S_IOERR;
		ssize_t n = type == VIRTIO_BLK_T_IN ? pread(b->fd, v->host, v->len, pos)
						    : pwrite(b->fd, v->host, v->len, pos);
		if (n != (ssize_t)v->len)
			return VIRTIO_BLK_S_IOERR;
		pos += n;
		if (type == VIRTIO_BLK_T_IN)
			*written += v->len;
	}
	return VIRTIO_BLK_S_OK;
}

static int blk_handle(void *opaque, int q, struct vq_chain *c, uint32_t *written, char *why, size_t why_len)
{
	struct blk *b = opaque;
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	uint8_t st;

	if (c->n < 2 || c->buf[0].writable || c->buf[0].len < sizeof(hdr))
		return snprintf(why, why_len, "request without a 16-byte request header"), -1;
	struct vq_buf *status = &c->buf[c->n - 1];
	if (!status->writable || status->len < 1)
		return snprintf(why, why_len, "request without a writable status byte"), -1;
	memcpy(&hdr, c->buf[0].host, sizeof(hdr));
	*written = 0;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		st = blk_rw(b, c, hdr.type, hdr.sector, written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		st = b->ro || fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		if (c->n >= 3 && c->buf[1].writable) {
			size_t n = c->buf[1].len < ID_BYTES ? c->buf[1].len : ID_BYTES;
			char id[ID_BYTES] = "persona-disk";
			memcpy(c->buf[1].host, id, n);
			*written += (uint32_t)n;
			st = VIRTIO_BLK_S_OK;
		} else {
			st = VIRTIO_BLK_S_IOERR;
		}
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	status->host[status->len - 1] = st;
	*written += 1;
	return 0;
}

static const struct virtio_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	/* Linux sizes its request tags by the queue (half of it without
	 * indirect descriptors): 32 requests in flight. */
	.queue_max = 64,
	.config_read = blk_config_read,
	.handle = blk_handle,
};

static void blk_stop(void *opaque)
{
	struct blk *b = opaque;
	close(b->fd);
	free(b);
}

int virtio_blk_create(struct vm *vm, const char *path, bool ro, struct perr *err)
{
	struct stat sb;
	struct blk *b;
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0)
		return perr_set(err, errno, "disk %s", path);
	if (fstat(fd, &sb) < 0 || !(S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode))) {
		close(fd);
		return perr_set(err, 0, "disk %s: not a regular file or block device", path);
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		return perr_set(err, ENOMEM, "disk %s", path);
	}
	b->fd = fd;
	b->ro = ro;
	off_t size = S_ISBLK(sb.st_mode) ? lseek(fd, 0, SEEK_END) : sb.st_size;
	b->sectors = size > 0 ? (uint64_t)size / SECTOR : 0;
	if (virtio_mmio_create(vm, &blk_ops, VIRTIO_BLK_F_FLUSH | (ro ? VIRTIO_BLK_F_RO : 0), b, err) < 0) {
		blk_stop(b);
		return perr_prefix(err, "disk %s", path);
	}
	bus_at_stop(vm, blk_stop, b);
	return 0;
}
