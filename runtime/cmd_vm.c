/* persona vm run: boot a guest kernel in persona's micro-VM
 * (isolation/microvm, docs/microvm.md), console on the terminal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "isolation/microvm/microvm.h"
#include "runtime/commands.h"

#define VM_DEFAULT_MEMORY (256ULL << 20)

static const char vm_usage[] =
	"Usage: persona vm run --kernel FILE [OPTIONS]\n"
	"\n"
	"Boot a Linux kernel (ELF vmlinux or bzImage) in persona's KVM micro-VM.  The serial\n"
	"console (ttyS0) is persona's stdout.  The guest ends the VM by resetting the machine\n"
	"(exit status 0) or by writing a byte to I/O port 0x501 (that byte is the exit status).\n"
	"\n"
	"Options:\n"
	"  --kernel FILE        the kernel: ELF vmlinux or bzImage (gzip, xz or zstd payload)\n"
	"  --initrd FILE        an initrd or initramfs, loaded at the top of guest memory\n"
	"  --disk FILE[,ro]     a raw disk image as a virtio-blk device (read-only with ,ro)\n"
	"  --append ARGS        the kernel command line (default \"console=ttyS0 reboot=k panic=-1\");\n"
	"                       persona adds virtio_mmio.device= for its devices\n"
	"  --vcpus N            virtual CPUs, 1 to 8 (default 1)\n"
	"  --memory SIZE        guest memory, 4m to 3g (default 256m)\n"
	"  --virtio-console     add a virtio console (its output goes to stdout too)\n"
	"  --rng                add a virtio entropy device (the host's getrandom)\n"
	"  --help               this text\n"
	"\n"
	"Exit status: the guest's (see above), 125 when persona or the VM failed.\n";

static int vm_fail(struct perr *err)
{
	fprintf(stderr, "persona: vm run: %s\n", err->msg);
	return 125;
}

static int cmd_vm_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },  { "initrd", required_argument, NULL, 'i' },
		{ "disk", required_argument, NULL, 'd' },    { "append", required_argument, NULL, 'a' },
		{ "vcpus", required_argument, NULL, 'c' },   { "memory", required_argument, NULL, 'm' },
		{ "virtio-console", no_argument, NULL, 'C' }, { "rng", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	struct microvm_config cfg = { .vcpus = 1, .memory = VM_DEFAULT_MEMORY };
	struct perr err = { 0 };
	char *disk = NULL;
	int c, status = 125;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg.kernel = optarg;
			break;
		case 'i':
			cfg.initrd = optarg;
			break;
		case 'd': {
			free(disk);
			disk = strdup(optarg);
			if (!disk)
				return 125;
			size_t n = strlen(disk);
			if (n > 3 && !strcmp(disk + n - 3, ",ro")) {
				disk[n - 3] = '\0';
				cfg.disk_ro = true;
			} else if (n > 3 && !strcmp(disk + n - 3, ",rw")) {
				disk[n - 3] = '\0';
			}
			cfg.disk = disk;
			break;
		}
		case 'a':
			cfg.append = optarg;
			break;
		case 'c': {
			uint64_t n;
			if (parse_uint64(optarg, &n, &err) < 0 || n < 1 || n > MICROVM_MAX_VCPUS) {
				fprintf(stderr, "persona: vm run: --vcpus \"%s\": must be 1 to %d\n", optarg,
					MICROVM_MAX_VCPUS);
				free(disk);
				return 125;
			}
			cfg.vcpus = (int)n;
			break;
		}
		case 'm': {
			int64_t bytes;
			if (parse_size(optarg, false, &bytes, &err) < 0) {
				perr_prefix(&err, "--memory");
				free(disk);
				return vm_fail(&err);
			}
			cfg.memory = (uint64_t)bytes;
			break;
		}
		case 'C':
			cfg.virtio_console = true;
			break;
		case 'R':
			cfg.virtio_rng = true;
			break;
		case 'h':
			usage_print(vm_usage);
			free(disk);
			return 0;
		default:
			fputs(vm_usage, stderr);
			free(disk);
			return 125;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "persona: vm run: unexpected argument \"%s\"\n", argv[optind]);
		free(disk);
		return 125;
	}
	if (!cfg.kernel) {
		fputs("persona: vm run: --kernel FILE is required\n", stderr);
		free(disk);
		return 125;
	}
	fflush(stdout);
	if (microvm_run(&cfg, &status, &err) < 0)
		status = vm_fail(&err);
	free(disk);
	return status;
}

int cmd_vm(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run")) {
		optind = 0;
		return cmd_vm_run(argc - 1, argv + 1);
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage_print(vm_usage);
		return 0;
	}
	fputs(vm_usage, stderr);
	return 125;
}
