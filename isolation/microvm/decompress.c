/* persona micro-VM: decompressing a bzImage's payload on the host, with
 * the library matching its format (the magic numbers of RFC 1952 gzip,
 * the .xz file format, RFC 8878 zstd).  The output size is known in
 * advance (the bzImage appends it); a stream that ends early, runs long or
 * is corrupt is an error. */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "isolation/microvm/vm.h"

static int gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, struct perr *err)
{
	z_stream zs = { 0 };
	int rc;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return perr_set(err, 0, "zlib: cannot initialise");
	zs.next_in = (Bytef *)in;
	zs.next_out = out;
	/* zlib counts in uInt; a kernel is far below 4 GiB. */
	zs.avail_in = (uInt)in_len;
	zs.avail_out = (uInt)out_len;
	rc = inflate(&zs, Z_FINISH);
	size_t got = zs.total_out;
	inflateEnd(&zs);
	if (rc != Z_STREAM_END)
		return perr_set(err, 0, "gzip data corrupt or truncated (zlib: %s)", zs.msg ? zs.msg : "ends early");
	if (got != out_len)
		return perr_set(err, 0, "gzip data is %zu bytes, the header says %zu", got, out_len);
	return 0;
}

static int unxz(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, struct perr *err)
{
	lzma_stream xs = LZMA_STREAM_INIT;
	lzma_ret rc;

	if (lzma_stream_decoder(&xs, UINT64_MAX, 0) != LZMA_OK)
		return perr_set(err, 0, "liblzma: cannot initialise");
	xs.next_in = in;
	xs.avail_in = in_len;
	xs.next_out = out;
	xs.avail_out = out_len;
	rc = lzma_code(&xs, LZMA_FINISH);
	size_t got = xs.total_out;
	lzma_end(&xs);
	if (rc != LZMA_STREAM_END)
		return perr_set(err, 0, "xz data corrupt or truncated (liblzma error %d)", (int)rc);
	if (got != out_len)
		return perr_set(err, 0, "xz data is %zu bytes, the header says %zu", got, out_len);
	return 0;
}

static int unzstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, struct perr *err)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { out, out_len, 0 };
	size_t rc;

	if (!dctx)
		return perr_set(err, ENOMEM, "libzstd");
	/* The kernel compresses with a window up to its own size. */
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
	do {
		rc = ZSTD_decompressStream(dctx, &ob, &ib);
	} while (!ZSTD_isError(rc) && rc != 0 && ib.pos < ib.size && ob.pos < ob.size);
	ZSTD_freeDCtx(dctx);
	if (ZSTD_isError(rc))
		return perr_set(err, 0, "zstd data corrupt (%s)", ZSTD_getErrorName(rc));
	if (rc != 0)
		return perr_set(err, 0, "zstd data truncated");
	if (ob.pos != out_len)
		return perr_set(err, 0, "zstd data is %zu bytes, the header says %zu", ob.pos, out_len);
	return 0;
}

int decompress_payload(const uint8_t *in, size_t in_len, uint8_t **out, size_t out_len, struct perr *err)
{
	static const uint8_t gz[] = { 0x1f, 0x8b }, xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 },
			     zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	uint8_t *buf;
	int rc;

	if (in_len < 6)
		return perr_set(err, 0, "too short to be compressed data");
	buf = malloc(out_len);
	if (!buf)
		return perr_set(err, ENOMEM, "decompressed kernel (%zu bytes)", out_len);
	if (!memcmp(in, gz, sizeof(gz)))
		rc = gunzip(in, in_len, buf, out_len, err);
	else if (!memcmp(in, xz, sizeof(xz)))
		rc = unxz(in, in_len, buf, out_len, err);
	else if (!memcmp(in, zst, sizeof(zst)))
		rc = unzstd(in, in_len, buf, out_len, err);
	else
		rc = perr_set(err, 0, "compression not supported (persona reads gzip, xz and zstd; bytes %02x %02x %02x %02x)",
			      in[0], in[1], in[2], in[3]);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}
