/* Unit tests: isolation/microvm through `persona vm run`, with the
 * project's test guest (tests/microvm, built next to this suite as
 * tests/microvm/guest.elf) for the devices, and Debian's stock kernel for
 * the boot protocol of a kernel the project did not build. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <lzma.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <sys/stat.h>

#include "tests/harness.h"

static char guest_path[PATH_MAX];

/* The test guest lies in BUILD/tests/microvm/, this suite in
 * BUILD/tests/unit/. */
static const char *guest(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	snprintf(guest_path, sizeof(guest_path), "%s/../microvm/guest.elf", dirname(exe));
	ck_assert_msg(access(guest_path, R_OK) == 0, "test guest %s missing (make builds it)", guest_path);
	return guest_path;
}

/* NULL when this host can run a VM, else why not. */
static const char *no_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? "this host has no /dev/kvm (KVM is needed to run a VM)"
				       : "/dev/kvm cannot be opened read-write (KVM is needed to run a VM)";
	close(fd);
	return NULL;
}

#define NEED_KVM()                                               \
	do {                                                     \
		const char *why_ = no_kvm();                     \
		if (why_)                                        \
			SKIP_TEST("%s", why_);                   \
	} while (0)

static char *tmp_path(const char *name)
{
	static char dir[PATH_MAX];
	char *p;

	if (!dir[0]) {
		char *d = make_temp_dir("microvm");
		snprintf(dir, sizeof(dir), "%s", d);
		free(d);
	}
	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void assert_out(const struct cmd_result *r, const char *needle)
{
	ck_assert_msg(contains(r->out, needle), "stdout lacks \"%s\"; stdout:\n%s\nstderr:\n%s", needle, r->out,
		      r->err);
}

static void assert_err(const struct cmd_result *r, const char *needle)
{
	ck_assert_msg(contains(r->err, needle), "stderr lacks \"%s\"; stderr:\n%s", needle, r->err);
}

/* ---- the 8250, the debug-exit port, the zero page ------------------------ */

START_TEST(serial_output_and_exit_status)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--memory", "64m", "--append",
				      "test=serial status=7", NULL);
	ck_assert_msg(r.status == 7, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "test guest: hello over the 8250\n");
	assert_out(&r, "test guest: command line: test=serial status=7\n");
	assert_out(&r, "test guest: e820 RAM 64 MiB\n");
	cmd_result_free(&r);
}
END_TEST

START_TEST(exit_status_zero_and_memory_size)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--memory", "300m", "--append", "test=serial",
				      NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "test guest: e820 RAM 300 MiB\n");
	cmd_result_free(&r);
}
END_TEST

START_TEST(kvm_pvm_is_named_once)
{
	NEED_KVM();
	struct stat sb;
	if (stat("/sys/module/kvm_pvm", &sb) != 0)
		SKIP_TEST("this host's KVM is not kvm_pvm: nothing to say about it");
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--append", "test=serial", "--vcpus", "2",
				      NULL);
	ck_assert_int_eq(r.status, 0);
	char *first = strstr(r.err, "kvm_pvm");
	ck_assert_msg(first, "stderr does not name kvm_pvm: %s", r.err);
	ck_assert_msg(!strstr(strchr(first, '\n') ? strchr(first, '\n') : first + 1, "kvm_pvm"),
		      "kvm_pvm named more than once: %s", r.err);
	cmd_result_free(&r);
}
END_TEST

START_TEST(serial_input_from_stdin)
{
	NEED_KVM();
	struct cmd_result r = persona_in("a line for the guest\n", "vm", "run", "--kernel", guest(), "--append",
					 "test=echo", NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "echo: ready\necho: a line for the guest\n");
	cmd_result_free(&r);
}
END_TEST

/* The MP table Linux reads for its processors and interrupt routing. */
START_TEST(mp_table_lists_the_vcpus)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--vcpus", "3", "--append", "test=mptable",
				      NULL);
	ck_assert_msg(r.status == 0, "status %d, stdout %s stderr: %s", r.status, r.out, r.err);
	assert_out(&r, "mptable: 3 processors (1 bootstrap), I/O APIC 3 at 0xfec00000, 16 ISA interrupts, 2 local\n");
	cmd_result_free(&r);
}
END_TEST

START_TEST(i8042_reset_ends_the_vm)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--append", "test=reset", NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "reset: i8042 command 0xfe\n");
	cmd_result_free(&r);
}
END_TEST

START_TEST(initrd_is_loaded)
{
	NEED_KVM();
	char *rd = tmp_path("initrd");
	write_file_str(rd, "initrd-contents-for-the-test-guest");
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--memory", "32m", "--initrd", rd,
				      "--append", "test=serial", NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "test guest: initrd 34 bytes at 0x1fff000: initrd-contents-\n");
	cmd_result_free(&r);
	free(rd);
}
END_TEST

/* An instruction KVM's emulator does not run (INT3 on kvm_pvm), or, on a
 * VMX/SVM host, a breakpoint with no IDT (a triple fault): either way one
 * message naming the guest RIP and the instruction bytes, status 125. */
START_TEST(guest_crash_names_rip_and_bytes)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--append", "test=crash", NULL);
	ck_assert_int_eq(r.status, 125);
	assert_out(&r, "crash: executing INT3 with no IDT\n");
	assert_err(&r, "at guest RIP 0x");
	assert_err(&r, "(instruction bytes: cc ");
	cmd_result_free(&r);
}
END_TEST

/* ---- virtio devices driven by the test guest ------------------------------ */

static char *make_disk(void)
{
	char *disk = tmp_path("disk.img");
	uint8_t img[4096] = "persona-disk-sector-0";
	write_bytes(disk, img, sizeof(img));
	return disk;
}

START_TEST(virtio_blk_write_and_read_back)
{
	NEED_KVM();
	char *disk = make_disk();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--disk", disk, "--append", "test=blk", NULL);
	ck_assert_msg(r.status == 0, "status %d, stdout %s stderr: %s", r.status, r.out, r.err);
	assert_out(&r, "blk: capacity 8 sectors\n");
	assert_out(&r, "blk: read sector 0, status 0: persona-disk-sector-0\n");
	assert_out(&r, "blk: interrupt status 1\n");
	assert_out(&r, "blk: write sector 1, status 0\n");
	assert_out(&r, "blk: sector 1 read back matches\n");
	assert_out(&r, "blk: read past the end, status 1\n");
	size_t len;
	uint8_t *img = slurp(disk, &len);
	ck_assert_uint_eq(len, 4096);
	ck_assert_str_eq((char *)img + 512, "written by the test guest");
	free(img);
	cmd_result_free(&r);
	free(disk);
}
END_TEST

START_TEST(virtio_blk_read_only)
{
	NEED_KVM();
	char *disk = make_disk(), *arg;
	ck_assert_int_ge(asprintf(&arg, "%s,ro", disk), 0);
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--disk", arg, "--append", "test=blk", NULL);
	assert_out(&r, "blk: read sector 0, status 0: persona-disk-sector-0\n");
	assert_out(&r, "blk: write sector 1, status 1\n");
	size_t len;
	uint8_t *img = slurp(disk, &len);
	ck_assert_int_eq(img[512], 0);
	free(img);
	cmd_result_free(&r);
	free(arg);
	free(disk);
}
END_TEST

START_TEST(virtio_rng_gives_bytes)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--rng", "--append", "test=rng", NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "rng: got 32 bytes\nrng: got 32 bytes\n");
	assert_out(&r, "rng: not all zero\n");
	assert_out(&r, "rng: two reads differ\n");
	cmd_result_free(&r);
}
END_TEST

START_TEST(virtio_console_prints)
{
	NEED_KVM();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--virtio-console", "--append",
				      "test=console", NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	assert_out(&r, "hello over virtio-console\n");
	assert_out(&r, "console: transmitq answered yes\n");
	cmd_result_free(&r);
}
END_TEST

/* Real interrupts: the test guest loads an IDT, programs the 8259 PIC
 * (persona leaves the LAPIC in virtual wire mode) and takes the 8250's
 * and virtio-blk's lines. */
START_TEST(interrupts_reach_the_guest)
{
	NEED_KVM();
	char *disk = make_disk();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--disk", disk, "--append", "test=irq", NULL);
	ck_assert_msg(r.status == 0, "status %d, stdout %s stderr: %s", r.status, r.out, r.err);
	assert_out(&r, "irq: 8250 THR empty on IRQ 4: taken\n");
	assert_out(&r, "irq: virtio-blk used buffer on IRQ 5: taken\n");
	cmd_result_free(&r);
	free(disk);
}
END_TEST

/* Every device is announced on the command line, one window and IRQ each. */
START_TEST(virtio_devices_on_the_command_line)
{
	NEED_KVM();
	char *disk = make_disk();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--disk", disk, "--virtio-console", "--rng",
				      "--append", "test=serial", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_out(&r, "command line: test=serial virtio_mmio.device=4K@0xd0000000:5 "
		       "virtio_mmio.device=4K@0xd0001000:6 virtio_mmio.device=4K@0xd0002000:7\n");
	cmd_result_free(&r);
	free(disk);
}
END_TEST

/* Hostile queues: a buffer outside RAM, a looping chain, an available
 * index too far ahead, a wrapping length.  Each stops the device with one
 * error (DEVICE_NEEDS_RESET); the VM goes on and a reset revives it. */
START_TEST(virtio_bad_descriptors_stop_the_device_only)
{
	NEED_KVM();
	char *disk = make_disk();
	struct cmd_result r = persona("vm", "run", "--kernel", guest(), "--disk", disk, "--append", "test=baddesc",
				      NULL);
	ck_assert_msg(r.status == 0, "status %d, stdout %s stderr: %s", r.status, r.out, r.err);
	assert_out(&r, "baddesc: buffer outside RAM: device reports DEVICE_NEEDS_RESET\n");
	assert_out(&r, "baddesc: looping chain: device reports DEVICE_NEEDS_RESET\n");
	assert_out(&r, "baddesc: available index too far ahead: device reports DEVICE_NEEDS_RESET\n");
	assert_out(&r, "baddesc: wrapping buffer: device reports DEVICE_NEEDS_RESET\n");
	assert_out(&r, "baddesc: after reset, read sector 0, status 0\n");
	assert_err(&r, "persona: vm: virtio-blk: queue 0: descriptor 1: 512 bytes at 0x7ffffff000 lie outside guest "
		       "memory; device stopped until the guest resets it\n");
	assert_err(&r, "longer than the queue (a loop)");
	assert_err(&r, "available index 100 is 100 ahead");
	cmd_result_free(&r);
	free(disk);
}
END_TEST

/* ---- bzImage: a setup header around a compressed ELF ---------------------- */

enum codec { GZIP, XZ, ZSTD };

static uint8_t *compress_with(enum codec c, const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = len + len / 2 + 65536;
	uint8_t *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	if (c == GZIP) {
		z_stream zs = { 0 };
		ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		zs.next_in = (Bytef *)in;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
		*out_len = zs.total_out;
		deflateEnd(&zs);
	} else if (c == XZ) {
		size_t pos = 0;
		ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out, &pos, cap), LZMA_OK);
		*out_len = pos;
	} else {
		size_t n = ZSTD_compress(out, cap, in, len, 19);
		ck_assert(!ZSTD_isError(n));
		*out_len = n;
	}
	return out;
}

/* A bzImage as the kernel's build makes it: setup sectors with the header
 * (protocol 2.15, XLF_KERNEL_64), then the protected-mode part holding the
 * payload: the compressed ELF and its size (le32).  `cut`: keep only
 * that many bytes of the file (0: all). */
static char *make_bzimage(const char *name, enum codec c, size_t cut)
{
	size_t elf_len, z_len;
	uint8_t *elf = slurp(guest(), &elf_len);
	uint8_t *z = compress_with(c, elf, elf_len, &z_len);
	const size_t setup_sects = 1, pm = (setup_sects + 1) * 512, poff = 0x100;
	size_t total = pm + poff + z_len + 4;
	uint8_t *img = calloc(1, total);
	ck_assert_ptr_nonnull(img);
	img[0x1f1] = (uint8_t)setup_sects;
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x200] = 0xeb;
	img[0x201] = 0x6a; /* the jump over the header: its end is 0x202 + 0x6a */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	uint32_t v = 0x7fffffff;
	memcpy(img + 0x22c, &v, 4); /* initrd_addr_max */
	v = 0x1000000;
	memcpy(img + 0x230, &v, 4); /* kernel_alignment */
	img[0x236] = 0x01;          /* xloadflags: XLF_KERNEL_64 */
	v = 2047;
	memcpy(img + 0x238, &v, 4); /* cmdline_size */
	v = (uint32_t)poff;
	memcpy(img + 0x248, &v, 4); /* payload_offset */
	v = (uint32_t)(z_len + 4);
	memcpy(img + 0x24c, &v, 4); /* payload_length */
	memcpy(img + pm + poff, z, z_len);
	v = (uint32_t)elf_len;
	memcpy(img + pm + poff + z_len, &v, 4);
	char *path = tmp_path(name);
	write_bytes(path, img, cut ? cut : total);
	free(img);
	free(z);
	free(elf);
	return path;
}

static void boot_bzimage(enum codec c, const char *name)
{
	char *bz = make_bzimage(name, c, 0);
	struct cmd_result r = persona("vm", "run", "--kernel", bz, "--append", "test=serial status=42", NULL);
	ck_assert_msg(r.status == 42, "%s: status %d, stderr: %s", name, r.status, r.err);
	assert_out(&r, "test guest: hello over the 8250\n");
	cmd_result_free(&r);
	free(bz);
}

START_TEST(bzimage_gzip_xz_zstd)
{
	NEED_KVM();
	boot_bzimage(GZIP, "bzImage.gz");
	boot_bzimage(XZ, "bzImage.xz");
	boot_bzimage(ZSTD, "bzImage.zst");
}
END_TEST

/* ---- bad input: one clear error, 125, nothing left behind ----------------- */

static void bad_input(const char *needle, const char *first, ...) __attribute__((sentinel));

static void bad_input(const char *needle, const char *first, ...)
{
	const char *argv[32];
	int n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	struct cmd_result r = persona("vm", "run", argv[0], argv[1], n > 2 ? argv[2] : NULL, n > 3 ? argv[3] : NULL,
				      n > 4 ? argv[4] : NULL, n > 5 ? argv[5] : NULL, NULL);
	ck_assert_msg(r.status == 125, "status %d for %s; stderr %s", r.status, needle, r.err);
	assert_err(&r, needle);
	int lines = 0;
	for (const char *p = r.err; *p; p++)
		lines += *p == '\n';
	ck_assert_msg(lines == 1 && !strncmp(r.err, "persona: vm run: ", 17), "not one error line: %s", r.err);
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	assert_no_leftovers();
}

START_TEST(bad_not_a_kernel)
{
	NEED_KVM();
	char *f = tmp_path("notakernel");
	write_file_str(f, "#!/bin/sh\necho this is no kernel\n");
	bad_input("not a kernel (neither an ELF64 vmlinux nor a bzImage)", "--kernel", f, NULL);
	free(f);
	bad_input("kernel: /nonexistent/vmlinuz: No such file or directory", "--kernel", "/nonexistent/vmlinuz",
		  NULL);
}
END_TEST

START_TEST(bad_truncated_bzimage)
{
	NEED_KVM();
	char *bz = make_bzimage("bzImage.cut", GZIP, 2048);
	bad_input("truncated bzImage", "--kernel", bz, NULL);
	free(bz);
	/* Cut inside the compressed data but with the header intact. */
	size_t len;
	char *full = make_bzimage("bzImage.full", GZIP, 0);
	uint8_t *img = slurp(full, &len);
	char *half = tmp_path("bzImage.half");
	write_bytes(half, img, len - 200);
	bad_input("truncated bzImage", "--kernel", half, NULL);
	free(img);
	free(half);
	free(full);
}
END_TEST

START_TEST(bad_initrd_does_not_fit)
{
	NEED_KVM();
	char *rd = tmp_path("big-initrd");
	int fd = open(rd, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 64 << 20), 0);
	close(fd);
	bad_input("does not fit in guest memory", "--kernel", guest(), "--memory", "16m", "--initrd", rd, NULL);
	bad_input("initrd /nonexistent/initrd: No such file or directory", "--kernel", guest(), "--initrd",
		  "/nonexistent/initrd", NULL);
	unlink(rd);
	free(rd);
}
END_TEST

START_TEST(bad_disk_unreadable)
{
	NEED_KVM();
	bad_input("disk /nonexistent/disk.img: No such file or directory", "--kernel", guest(), "--disk",
		  "/nonexistent/disk.img", NULL);
	bad_input("disk /proc: not a regular file or block device", "--kernel", guest(), "--disk", "/proc,ro",
		  NULL);
}
END_TEST

/* Container options a micro-VM does not apply are refused by name, and
 * nothing is made. */
START_TEST(vm_refuses_container_only_options)
{
	static const char *const cases[][3] = {
		{ "-v", "/tmp:/x", "-v" },
		{ "--cap-add", "NET_ADMIN", "--cap-add" },
		{ "--ulimit", "nofile=10", "--ulimit" },
		{ "--pids-limit", "10", "--pids-limit" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmd_result r = persona("run", "--rm", "--isolation", "vm", cases[i][0], cases[i][1], "busybox",
					      "true", NULL);
		char want[128];
		snprintf(want, sizeof(want), "persona: --isolation vm: %s does not apply to a micro-VM yet\n",
			 cases[i][2]);
		ck_assert_msg(r.status == 125, "%s: status %d", cases[i][0], r.status);
		ck_assert_str_eq(r.err, want);
		cmd_result_free(&r);
	}
	assert_no_leftovers();
}
END_TEST

/* The root disk is made in $TMPDIR: one that cannot take it is named. */
START_TEST(bad_root_disk_tmpdir)
{
	NEED_KVM();
	setenv("TMPDIR", "/nonexistent", 1);
	bad_input("root disk: cannot create a file in /nonexistent: No such file or directory", "--kernel", guest(),
		  "--rootfs", "busybox", "--", "true", NULL);
	unsetenv("TMPDIR");
}
END_TEST

START_TEST(bad_memory_too_small)
{
	NEED_KVM();
	bad_input("--memory 1024 KiB: too small, a VM needs at least 4 MiB", "--kernel", guest(), "--memory", "1m",
		  NULL);
	bad_input("--memory: \"lots\": not a size", "--kernel", guest(), "--memory", "lots", NULL);
}
END_TEST

START_TEST(bad_usage)
{
	struct cmd_result r = persona("vm", "run", NULL);
	ck_assert_int_eq(r.status, 125);
	assert_err(&r, "persona: vm run: --kernel FILE is required\n");
	cmd_result_free(&r);
	r = persona("vm", "run", "--kernel", "x", "--vcpus", "99", NULL);
	ck_assert_int_eq(r.status, 125);
	assert_err(&r, "--vcpus \"99\": must be 1 to 8");
	cmd_result_free(&r);
	r = persona("vm", "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_out(&r, "Usage: persona vm run --kernel FILE");
	cmd_result_free(&r);
}
END_TEST

/* An image whose label io.persona.isolation=vm asks for the micro-VM gets
 * it (seen here through --kernel, which only the VM path takes: a file
 * that is not a kernel is refused as such); --isolation container wins. */
START_TEST(image_label_asks_for_the_vm)
{
	char *dir = make_temp_dir("vmlabel"), cmd[16384], store[4200];

	snprintf(cmd, sizeof(cmd),
		 "set -e; tests/fixtures/images/make-images.sh %s/fx >/dev/null 2>&1; cd %s/fx; "
		 "umoci config --image layout:v1 --tag vm --config.label io.persona.isolation=vm; "
		 "skopeo copy -q oci:layout:vm oci-archive:%s/vm.tar:docker.io/library/vmlabel:v1",
		 dir, dir, dir);
	if (system(cmd) != 0) {
		rm_rf(dir);
		free(dir);
		SKIP_TEST("the labelled image cannot be built (umoci, skopeo, busybox)");
	}
	snprintf(store, sizeof(store), "%s/img/store", dir);
	setenv("PERSONA_STORE", store, 1);
	snprintf(cmd, sizeof(cmd), "%s/vm.tar", dir);
	struct cmd_result r = persona("load", "-i", cmd, NULL);
	ck_assert_msg(r.status == 0, "load: %s", r.err);
	cmd_result_free(&r);
	r = persona("run", "--rm", "--kernel", "/etc/passwd", "vmlabel:v1", "true", NULL);
	ck_assert_int_eq(r.status, 125);
	assert_err(&r, "/etc/passwd");
	cmd_result_free(&r);
	r = persona("run", "--rm", "--isolation", "container", "vmlabel:v1", "cat", "/etc/hello", NULL);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	assert_out(&r, "hello from layer 2\n");
	cmd_result_free(&r);
	unsetenv("PERSONA_STORE");
	rm_rf(dir);
	free(dir);
}
END_TEST

/* --isolation auto: where no namespace may be made (here: a seccomp
 * filter refuses unshare(2) and clone(2) with CLONE_NEWNS), persona says
 * so and takes the micro-VM, seen through --kernel, which only the VM path
 * reads; where they may, a container. */
START_TEST(isolation_auto_falls_back_to_the_vm)
{
	NEED_KVM();
	struct cmd_result r = persona("run", "--rm", "--isolation", "auto", "busybox", "echo", "in a container", NULL);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	assert_out(&r, "in a container\n");
	cmd_result_free(&r);

	int out[2];
	ck_assert_int_eq(pipe(out), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWNS, CLONE_NEWNS)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 || seccomp_load(ctx) < 0)
			_exit(99);
		dup2(out[1], 2);
		execl(test_persona_bin(), "persona", "--root", test_state_root(), "run", "--rm", "--isolation", "auto",
		      "--kernel", "/etc/passwd", "busybox", "true", (char *)NULL);
		_exit(98);
	}
	close(out[1]);
	char buf[4096] = "";
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(buf) - 1 && (n = read(out[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(out[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 125, "status 0x%x: %s", st, buf);
	ck_assert_msg(strstr(buf, "running in the micro-VM") && strstr(buf, "/etc/passwd"), "%s", buf);
}
END_TEST

/* ---- Debian's stock kernel: the banner and the command line --------------- */

static bool stock_kernel(char *out, size_t len)
{
	DIR *d = opendir("/boot");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz-", 8)) {
			snprintf(out, len, "/boot/%s", e->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

START_TEST(stock_kernel_prints_banner_and_command_line)
{
	char kernel[PATH_MAX];
	char *out = NULL;
	int out_fd;

	NEED_KVM();
	if (!stock_kernel(kernel, sizeof(kernel)))
		SKIP_TEST("no stock kernel in /boot (apt-get install linux-image-amd64)");
	pid_t pid = persona_spawn(&out_fd, NULL, "vm", "run", "--kernel", kernel, "--memory", "512m", "--append",
				  "console=ttyS0 earlyprintk=serial,ttyS0,115200 persona-test-marker", NULL);
	ck_assert_int_gt(pid, 0);
	/* Its full boot does not complete on kvm_pvm (guest kernel code is
	 * emulated one instruction at a time); the early lines prove the
	 * boot protocol: a banner, then setup_arch's command line. */
	bool seen = read_until(out_fd, &out, "Command line:", 240);
	kill(pid, SIGKILL);
	wait_status(pid, 10);
	close(out_fd);
	ck_assert_msg(seen, "no \"Command line:\" from %s; output:\n%s", kernel, out ? out : "");
	ck_assert_msg(contains(out, "Linux version "), "no banner from %s; output:\n%s", kernel, out);
	ck_assert_msg(contains(out, "Command line: console=ttyS0 earlyprintk=serial,ttyS0,115200 persona-test-marker"),
		      "command line not passed; output:\n%s", out);
	free(out);
}
END_TEST

/* ---- the bundled kernel and the guest init: a workload ------------------- */

static bool bundled_kernel(char *out, size_t len)
{
	const char *env = getenv("PERSONA_VM_KERNEL");
	char bin[PATH_MAX];

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, R_OK) == 0;
	}
	if (!realpath(test_persona_bin(), bin))
		return false;
	snprintf(out, len, "%s/persona-vmlinux", dirname(bin));
	return access(out, R_OK) == 0;
}

/* Expect tens of seconds per boot on kvm_pvm hosts: two boots in all. */
START_TEST(bundled_kernel_runs_a_workload)
{
	char kernel[PATH_MAX];

	NEED_KVM();
	if (!bundled_kernel(kernel, sizeof(kernel)))
		SKIP_TEST("no bundled guest kernel (make microvm-kernel builds it, 3-7 minutes)");
	bool timed_out = false;
	/* The workload reaches the guest init in the initramfs, not on the
	 * kernel command line: 40 arguments (the kernel panics past 32 init
	 * arguments), an empty one, and values holding " -- " and quotes. */
	const char *argv[64] = { test_persona_bin(), "--root", test_state_root(), "vm", "run", "--rootfs", "busybox",
				 "--env", "GREETING=hello -- \"from\" the guest", "--hostname", "vmhost", "--", "sh", "-c",
				 "echo $GREETING; hostname; read x; echo got $x; cat; echo hi; echo to-stderr >&2; "
				 "echo $#; printf '%s|%s|%s\\n' \"$1\" \"$2\" \"${40}\"; exit 3",
				 "sh", "", "b" };
	static char nums[38][4];
	int n = 18;
	for (int i = 0; i < 38; i++) {
		snprintf(nums[i], sizeof(nums[i]), "%d", i + 3);
		argv[n++] = nums[i];
	}
	argv[n] = NULL;
	struct cmd_result r = run_cmd(argv, "piped in\n", 240);
	ck_assert_msg(r.status == 3, "status %d; stdout %s stderr %s", r.status, r.out, r.err);
	/* stdin through the serial console, not echoed, its end an EOF (cat
	 * returns); stdout and stderr apart (virtio console and serial), no
	 * \r. */
	ck_assert_str_eq(r.out, "hello -- \"from\" the guest\nvmhost\ngot piped in\nhi\n40\n|b|40\n");
	assert_err(&r, "to-stderr\n");
	cmd_result_free(&r);
	r = persona_t(240, NULL, &timed_out, "vm", "run", "--rootfs", "busybox", "--", "no-such-command", NULL);
	ck_assert_msg(r.status == 127, "status %d; stdout %s stderr %s", r.status, r.out, r.err);
	assert_err(&r, "persona-init: no-such-command: error 2 (No such file or directory)\n");
	cmd_result_free(&r);
	/* persona run --isolation vm: the image and spec of a container run
	 * (-e, -w, --tmpfs), in the VM; the workload's status is persona's; the root
	 * (an ext2 disk made in $TMPDIR and unlinked at once) is writable,
	 * and nothing of it stays in $TMPDIR */
	char tmpdir[] = "/tmp/persona-vmtmp-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("TMPDIR", tmpdir, 1);
	r = persona_t(240, NULL, &timed_out, "run", "--rm", "--isolation", "vm", "-e", "X=from run", "-w", "/tmp",
		      "--tmpfs", "/scratch/a:size=1m", "busybox", "sh", "-c",
		      "echo hi; echo $X; pwd; echo written > /etc/new; cat /etc/new; grep /scratch /proc/mounts; exit 5",
		      NULL);
	unsetenv("TMPDIR");
	ck_assert_msg(!timed_out, "the guest did not finish in 240 s; stdout %s stderr %s", r.out, r.err);
	ck_assert_msg(r.status == 5, "status %d; stdout %s stderr %s", r.status, r.out, r.err);
	ck_assert_str_eq(r.out, "hi\nfrom run\n/tmp\nwritten\n"
			 "tmpfs /scratch/a tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0\n");
	cmd_result_free(&r);
	ck_assert_msg(rmdir(tmpdir) == 0, "%s: %s (the root disk left behind?)", tmpdir, strerror(errno));
	r = persona_t(30, NULL, &timed_out, "run", "--rm", "--kernel", kernel, "busybox", "true", NULL);
	ck_assert_int_eq(r.status, 125);
	cmd_result_free(&r);
}
END_TEST

/* Read the pty until `want` shows up in what was read (kept in buf), or
 * `secs` pass. */
static bool pty_until(int master, char *buf, size_t len, size_t *got, const char *want, int secs)
{
	for (int waited = 0; waited < secs * 10;) {
		buf[*got] = '\0';
		if (strstr(buf, want))
			return true;
		struct pollfd p = { .fd = master, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0) {
			waited++;
			continue;
		}
		ssize_t n = read(master, buf + *got, len - 1 - *got);
		if (n <= 0)
			return false;
		*got += (size_t)n;
	}
	return false;
}

/* -t: the serial console is the workload's terminal, as docker's -t
 * gives one: a shell prompt and echo, the host's window size, the tty
 * as ttyS0, ^C as SIGINT to the foreground job, the exit status. */
START_TEST(terminal_session_in_the_vm)
{
	char kernel[PATH_MAX], buf[16384];
	size_t got = 0;
	int master;
	struct winsize ws = { .ws_row = 30, .ws_col = 100 };

	NEED_KVM();
	if (!bundled_kernel(kernel, sizeof(kernel)))
		SKIP_TEST("no bundled guest kernel (make microvm-kernel builds it, 3-7 minutes)");
	fflush(NULL);
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(test_persona_bin(), "persona", "--root", test_state_root(), "run", "--rm", "-t", "--isolation", "vm",
		      "busybox", "sh", (char *)NULL);
		_exit(98);
	}
	bool prompt = pty_until(master, buf, sizeof(buf), &got, "/ # ", 240);
	if (prompt) {
		ck_assert_int_gt(write(master, "stty size; tty; sleep 100\r", 27), 0);
		ck_assert_msg(pty_until(master, buf, sizeof(buf), &got, "/dev/ttyS0", 60), "%s", buf);
		sleep(1);
		ck_assert_int_eq(write(master, "\x03", 1), 1);
		ck_assert_int_gt(write(master, "echo after-$((1+1))\r", 21), 0);
		ck_assert_msg(pty_until(master, buf, sizeof(buf), &got, "after-2\r\n", 30), "^C: %s", buf);
		ck_assert_int_gt(write(master, "exit 4\r", 7), 0);
	} else {
		kill(pid, SIGKILL);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	close(master);
	ck_assert_msg(prompt, "no prompt: %s", buf);
	ck_assert_msg(strstr(buf, "30 100\r\n/dev/ttyS0\r\n"), "window size and tty: %s", buf);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 4, "status 0x%x: %s", st, buf);
}
END_TEST

/* -d: a VM is a container to ps, logs, stop and rm: its output goes to
 * the log (--read-only: the root disk is mounted so), stop powers it off (exit 143, SIGTERM's), and one that cannot
 * be built leaves nothing, with the error on the terminal. */
START_TEST(detached_vm_lifecycle)
{
	char kernel[PATH_MAX];

	NEED_KVM();
	if (!bundled_kernel(kernel, sizeof(kernel)))
		SKIP_TEST("no bundled guest kernel (make microvm-kernel builds it, 3-7 minutes)");
	struct cmd_result r = persona("run", "-d", "--isolation", "vm", "--kernel", "/etc/passwd", "busybox", "true",
				      NULL);
	ck_assert_msg(r.status == 125, "status %d: %s", r.status, r.err);
	assert_err(&r, "not a kernel");
	ck_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	r = persona("ps", "-a", NULL);
	ck_assert_msg(!strstr(r.out, "busybox"), "a run that never started is listed: %s", r.out);
	cmd_result_free(&r);

	r = persona("run", "-d", "--isolation", "vm", "--name", "vmd", "--read-only", "busybox", "sh", "-c",
		    "touch /new 2>/dev/null || echo read-only root; echo started; sleep 1000", NULL);
	ck_assert_msg(r.status == 0 && strlen(r.out) == 65, "status %d: %s %s", r.status, r.out, r.err);
	cmd_result_free(&r);
	r = persona("ps", NULL);
	ck_assert_msg(strstr(r.out, " Up ") && strstr(r.out, "vmd"), "%s", r.out);
	cmd_result_free(&r);
	bool started = false;
	for (int i = 0; i < 240 && !started; i++) {
		r = persona("logs", "vmd", NULL);
		started = strstr(r.out, "read-only root\nstarted\n") != NULL;
		cmd_result_free(&r);
		if (!started)
			sleep(1);
	}
	ck_assert_msg(started, "no \"started\" in the log in 240 s");
	r = persona("exec", "vmd", "true", NULL);
	ck_assert_int_eq(r.status, 125);
	assert_err(&r, "runs in a micro-VM: exec cannot reach into it");
	cmd_result_free(&r);
	r = persona("stop", "-t", "1", "vmd", NULL);
	ck_assert_int_eq(r.status, 0);
	cmd_result_free(&r);
	r = persona("ps", "-a", NULL);
	ck_assert_msg(strstr(r.out, "Exited (143)") && strstr(r.out, "vmd"), "%s", r.out);
	cmd_result_free(&r);
	r = persona("rm", "vmd", NULL);
	ck_assert_int_eq(r.status, 0);
	cmd_result_free(&r);
	assert_no_leftovers();
}
END_TEST

/* --vcpus 2: the SMP variant of the bundled kernel, and the guest sees
 * both CPUs (on kvm_pvm: the APs through the real-mode trampoline, IPIs
 * through the LAPIC, patch 0004). */
START_TEST(bundled_smp_kernel_sees_every_vcpu)
{
	char bin[PATH_MAX], smp[PATH_MAX + 16];

	NEED_KVM();
	ck_assert_ptr_nonnull(realpath(test_persona_bin(), bin));
	snprintf(smp, sizeof(smp), "%s/persona-vmlinux-smp", dirname(bin));
	if (access(smp, R_OK) != 0)
		SKIP_TEST("no SMP guest kernel (make microvm-kernel builds it, 3-7 minutes)");
	bool timed_out = false;
	struct cmd_result r = persona_t(300, NULL, &timed_out, "run", "--rm", "--isolation", "vm", "--vcpus", "2",
					"busybox", "sh", "-c", "nproc; grep -c ^processor /proc/cpuinfo", NULL);
	ck_assert_msg(!timed_out, "the guest did not finish in 300 s; stdout %s stderr %s", r.out, r.err);
	ck_assert_msg(r.status == 0, "status %d; stdout %s stderr %s", r.status, r.out, r.err);
	ck_assert_str_eq(r.out, "2\n2\n");
	cmd_result_free(&r);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("microvm");
	TCase *dev = tcase_create("devices");
	TCase *boot = tcase_create("boot");
	TCase *bad = tcase_create("bad-input");
	TCase *stock = tcase_create("kernels");

	test_private_root("microvm");
	tcase_set_timeout(dev, 120);
	tcase_add_test(dev, serial_output_and_exit_status);
	tcase_add_test(dev, exit_status_zero_and_memory_size);
	tcase_add_test(dev, kvm_pvm_is_named_once);
	tcase_add_test(dev, serial_input_from_stdin);
	tcase_add_test(dev, mp_table_lists_the_vcpus);
	tcase_add_test(dev, i8042_reset_ends_the_vm);
	tcase_add_test(dev, initrd_is_loaded);
	tcase_add_test(dev, guest_crash_names_rip_and_bytes);
	tcase_add_test(dev, virtio_blk_write_and_read_back);
	tcase_add_test(dev, virtio_blk_read_only);
	tcase_add_test(dev, virtio_rng_gives_bytes);
	tcase_add_test(dev, virtio_console_prints);
	tcase_add_test(dev, virtio_devices_on_the_command_line);
	tcase_add_test(dev, interrupts_reach_the_guest);
	tcase_add_test(dev, virtio_bad_descriptors_stop_the_device_only);
	suite_add_tcase(s, dev);
	tcase_set_timeout(boot, 120);
	tcase_add_test(boot, bzimage_gzip_xz_zstd);
	suite_add_tcase(s, boot);
	tcase_set_timeout(bad, 120);
	tcase_add_test(bad, bad_not_a_kernel);
	tcase_add_test(bad, bad_truncated_bzimage);
	tcase_add_test(bad, bad_initrd_does_not_fit);
	tcase_add_test(bad, bad_disk_unreadable);
	tcase_add_test(bad, bad_memory_too_small);
	tcase_add_test(bad, bad_root_disk_tmpdir);
	tcase_add_test(bad, vm_refuses_container_only_options);
	tcase_add_test(bad, bad_usage);
	tcase_add_test(bad, image_label_asks_for_the_vm);
	tcase_add_test(bad, isolation_auto_falls_back_to_the_vm);
	suite_add_tcase(s, bad);
	tcase_add_test(stock, bundled_kernel_runs_a_workload);
	tcase_add_test(stock, bundled_smp_kernel_sees_every_vcpu);
	tcase_add_test(stock, terminal_session_in_the_vm);
	tcase_add_test(stock, detached_vm_lifecycle);
	tcase_set_timeout(stock, 600);
	tcase_add_test(stock, stock_kernel_prints_banner_and_command_line);
	suite_add_tcase(s, stock);
	return s;
}

PERSONA_TEST_MAIN()
