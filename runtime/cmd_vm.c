/* persona vm run: boot a guest kernel in persona's micro-VM
 * (isolation/microvm, docs/microvm.md), console on the terminal. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/parse.h"
#include "isolation/rootfs.h"
#include "isolation/microvm/microvm.h"
#include "runtime/commands.h"

/* QEMU's and Firecracker's default; on kvm_pvm hosts each MiB costs the
 * guest kernel ~5 ms of boot (its memmap). */
#define VM_DEFAULT_MEMORY (128ULL << 20)
/* Free space on a workload's root disk for its writes (sparse: it costs
 * the host only what the guest writes). */
#define VM_ROOT_ROOM (1ULL << 30)

static const char vm_usage[] =
	"Usage: persona vm run --kernel FILE [OPTIONS]\n"
	"       persona vm run [--kernel FILE] --rootfs DIR|IMAGE [OPTIONS] [--] CMD [ARG...]\n"
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
	"  --memory SIZE        guest memory, 4m to 3g (default 128m)\n"
	"  --virtio-console     add a virtio console (its output goes to stdout too)\n"
	"  --rng                add a virtio entropy device (the host's getrandom)\n"
	"  --rootfs DIR|IMAGE   run CMD from DIR in the guest: DIR becomes an ext2 disk (made by\n"
	"                       mke2fs in $TMPDIR, default /var/tmp, as a file without a name), its\n"
	"                       root; the kernel defaults to the bundled one.  DIR or an image\n"
	"                       of the store (\"busybox\": the default one)\n"
	"  --workdir DIR, --env NAME=VALUE, --hostname NAME, --user UID[:GID]\n"
	"                       the command's, with --rootfs\n"
	"  --help               this text\n"
	"\n"
	"Exit status: the guest's (see above), 125 when persona or the VM failed.\n";


/* A workload for the guest init (isolation/microvm/guest/init.c): what
 * the OCI spec's process and hostname say. */
struct vm_workload {
	char *const *args;     /* NULL-terminated */
	char *const *env;      /* NULL-terminated NAME=VALUE, or NULL */
	const char *cwd, *hostname;
	unsigned uid, gid;
	const json_t *mounts;  /* the OCI spec's mounts (its tmpfs ones are
				  made in the guest), or NULL */
	bool terminal;         /* docker's -t: the console is its terminal */
	bool readonly;         /* the spec's root.readonly */
};

/* The guest init's /persona-spec (isolation/microvm/guest/init.c):
 * NUL-terminated KEY=VALUE records. */
struct spec_buf {
	char *data;
	size_t len, cap;
	unsigned args, env;
};

#define GUEST_SPEC_MAX (256 * 1024 - 1)   /* init.c's SPEC_MAX, less one */
#define GUEST_MAX_ARGS 4096                /* init.c's MAX_ARGS */
#define GUEST_MAX_ENV 1023                 /* init.c's MAX_ENV, less PATH */

static int spec_add(struct spec_buf *b, const char *key, const char *value, struct perr *err)
{
	size_t need = strlen(key) + 1 + strlen(value) + 1;

	if (b->len + need > GUEST_SPEC_MAX)
		return perr_set(err, 0, "the command, environment and options exceed what the guest init takes "
				"(%d KiB)", (GUEST_SPEC_MAX + 1) / 1024);
	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + need)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return perr_set(err, ENOMEM, "guest spec");
		b->data = d;
		b->cap = cap;
	}
	b->len += (size_t)sprintf(b->data + b->len, "%s=%s", key, value) + 1;
	return 0;
}

/* The spec's tmpfs mounts (OCI runtime-spec config.md "Mounts"), but /dev,
 * which is the guest kernel's devtmpfs there: their options split here,
 * as a container's are (rootfs_parse_options), into mount(2) flags and
 * tmpfs's data. */
static int spec_add_tmpfs(struct spec_buf *b, const json_t *mounts, struct perr *err)
{
	const json_t *m;
	size_t i;

	json_array_foreach(mounts, i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *dest = json_string_value(json_object_get(m, "destination"));
		unsigned long flags = 0, propagation = 0;
		bool bind = false, recursive = false;
		char *data = NULL, hex[32];
		if (!type || strcmp(type, "tmpfs") || !dest || !strcmp(dest, "/dev"))
			continue;
		if (dest[0] != '/')
			return perr_set(err, 0, "tmpfs \"%s\": the path must be absolute", dest);
		if (rootfs_parse_options(json_object_get(m, "options"), &flags, &propagation, &bind, &recursive, &data,
					 err) < 0)
			return -1;
		snprintf(hex, sizeof(hex), "%lx", flags);
		int rc = spec_add(b, "tmpfs.flags", hex, err) < 0 || spec_add(b, "tmpfs.data", data ? data : "", err) < 0 ||
				 spec_add(b, "tmpfs", dest, err) < 0
			 ? -1
			 : 0;
		free(data);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* `name` next to this binary (the build tree), else in
 * ../libexec/persona/ (make install).  -1 when neither exists. */
static int find_beside_self(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *dir = dirname(self);
	snprintf(out, len, "%s/%s", dir, name);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, len, "%s/../libexec/persona/%s", dir, name);
	return access(out, R_OK) == 0 ? 0 : -1;
}

static int vm_run_workload(const char *rootfs, const struct vm_workload *w, const struct microvm_config *base,
			   int *status, struct perr *err)
{
	struct microvm_config cfg = *base;
	char kernel[PATH_MAX], init[PATH_MAX], initrd[64], disk[64], cmdline[2048];
	int fd, disk_fd;

	if (!w->args || !w->args[0])
		return perr_set(err, 0, "no command to run");
	if (!cfg.kernel) {
		/* More than one vCPU: the SMP variant of the bundled kernel (the
		 * uniprocessor one boots faster and sees one CPU). */
		const char *k = getenv("PERSONA_VM_KERNEL"), *smp = getenv("PERSONA_VM_KERNEL_SMP");
		if (cfg.vcpus > 1 && smp && *smp)
			snprintf(kernel, sizeof(kernel), "%s", smp);
		else if (cfg.vcpus > 1 && !(k && *k) && find_beside_self("persona-vmlinux-smp", kernel, sizeof(kernel)) == 0)
			;
		else if (k && *k)
			snprintf(kernel, sizeof(kernel), "%s", k);
		else if (find_beside_self("persona-vmlinux", kernel, sizeof(kernel)) < 0)
			return perr_set(err, 0, "no guest kernel: build the bundled one (make microvm-kernel), "
					"set PERSONA_VM_KERNEL or give --kernel");
		if (cfg.vcpus > 1 && kernel[0] && !strstr(kernel, "-smp") && !(smp && *smp))
			fprintf(stderr, "persona: vm: %s is not the SMP guest kernel (persona-vmlinux-smp, "
				"$PERSONA_VM_KERNEL_SMP): the guest may see one CPU\n", kernel);
		cfg.kernel = kernel;
	}
	if (find_beside_self("persona-guest-init", init, sizeof(init)) < 0)
		return perr_set(err, 0, "persona-guest-init not found next to persona (make builds it)");
	/* quiet: the console is the workload's output.  rdinit: ours.  The
	 * workload goes in the initramfs's /persona-spec, not on this line:
	 * the kernel would count its words toward its 32 init arguments. */
	snprintf(cmdline, sizeof(cmdline), "%s", cfg.append ? cfg.append
			 : "console=ttyS0 quiet loglevel=1 reboot=k panic=-1 rdinit=/persona-init");
	struct spec_buf sb = { 0 };
	char user[32], size[32];
	snprintf(user, sizeof(user), "%u:%u", w->uid, w->gid);
	int bad = spec_add(&sb, "root", "/dev/vda", err) < 0 || spec_add(&sb, "user", user, err) < 0 ||
		  (w->readonly && spec_add(&sb, "readonly", "1", err) < 0) ||
		  (w->hostname && *w->hostname && spec_add(&sb, "hostname", w->hostname, err) < 0) ||
		  (w->cwd && *w->cwd && spec_add(&sb, "workdir", w->cwd, err) < 0);
	if (!bad && w->terminal) {
		struct winsize ws = { 0 };
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
			ws.ws_row = ws.ws_col = 0;
		snprintf(size, sizeof(size), "%ux%u", ws.ws_row, ws.ws_col);
		bad = spec_add(&sb, "tty", size, err) < 0;
	}
	if (!bad)
		bad = spec_add_tmpfs(&sb, w->mounts, err) < 0;
	for (char *const *e = w->env; !bad && e && *e; e++) {
		if (++sb.env > GUEST_MAX_ENV)
			bad = perr_set(err, 0, "more than %d environment variables", GUEST_MAX_ENV) < 0;
		else
			bad = spec_add(&sb, "env", *e, err) < 0;
	}
	for (char *const *a = w->args; !bad && *a; a++) {
		if (++sb.args > GUEST_MAX_ARGS)
			bad = perr_set(err, 0, "more than %d arguments", GUEST_MAX_ARGS) < 0;
		else
			bad = spec_add(&sb, "arg", *a, err) < 0;
	}
	if (bad) {
		free(sb.data);
		return -1;
	}
	cfg.append = cmdline;
	cfg.reset_is_failure = true;
	cfg.split_output = !w->terminal;
	cfg.console_terminal = w->terminal;
	cfg.console_tty = true;
	cfg.virtio_console = false;
	/* The root: an ext2 disk of the tree (the guest kernel maps a file's
	 * pages as virtio-blk fills them); the initramfs: the guest init
	 * alone, which mounts the disk and switches to it. */
	const char *tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/var/tmp";
	if (microvm_root_disk(rootfs, tmpdir, VM_ROOT_ROOM, &disk_fd, err) < 0) {
		free(sb.data);
		return -1;
	}
	int rc = microvm_initramfs(NULL, init, "persona-init", sb.data, sb.len, "persona-spec", &fd, err);
	free(sb.data);
	if (rc < 0) {
		close(disk_fd);
		return -1;
	}
	snprintf(initrd, sizeof(initrd), "/proc/self/fd/%d", fd);
	snprintf(disk, sizeof(disk), "/proc/self/fd/%d", disk_fd);
	cfg.initrd = initrd;
	cfg.disk = disk;
	cfg.disk_ro = false;
	rc = microvm_run(&cfg, status, err);
	close(fd);
	close(disk_fd);
	return rc;
}

static char **json_strv(const json_t *arr)
{
	size_t n = json_array_size(arr), i;
	char **v = calloc(n + 1, sizeof(char *));
	json_t *x;

	if (!v)
		return NULL;
	json_array_foreach(arr, i, x)
		v[i] = (char *)(json_string_value(x) ? json_string_value(x) : "");
	return v;
}

int vm_run_spec(const char *rootfs, json_t *spec, const char *kernel, const char *vcpus, const char *memory,
		int ready_fd)
{
	json_t *proc = json_object_get(spec, "process"), *user = json_object_get(proc, "user");
	struct microvm_config cfg = { .kernel = kernel, .vcpus = 1, .memory = VM_DEFAULT_MEMORY,
				      .ready_fd = ready_fd };
	struct perr err = { 0 };
	char **args = NULL, **env = NULL;
	int status = 125;

	if (vcpus) {
		uint64_t n;
		if (parse_uint64(vcpus, &n, &err) < 0 || n < 1 || n > MICROVM_MAX_VCPUS) {
			fprintf(stderr, "persona: --vcpus \"%s\": must be 1 to %d\n", vcpus, MICROVM_MAX_VCPUS);
			return 125;
		}
		cfg.vcpus = (int)n;
	}
	if (memory) {
		int64_t bytes;
		if (parse_size(memory, false, &bytes, &err) < 0) {
			fprintf(stderr, "persona: --memory: %s\n", err.msg);
			return 125;
		}
		cfg.memory = (uint64_t)bytes;
	}
	args = json_strv(json_object_get(proc, "args"));
	env = json_strv(json_object_get(proc, "env"));
	struct vm_workload w = {
		.args = args,
		.env = env,
		.cwd = json_string_value(json_object_get(proc, "cwd")),
		.hostname = json_string_value(json_object_get(spec, "hostname")),
		.uid = (unsigned)json_integer_value(json_object_get(user, "uid")),
		.gid = (unsigned)json_integer_value(json_object_get(user, "gid")),
		.mounts = json_object_get(spec, "mounts"),
		.terminal = json_is_true(json_object_get(proc, "terminal")),
		.readonly = json_is_true(json_object_get(json_object_get(spec, "root"), "readonly")),
	};
	fflush(stdout);
	if (!args || !env)
		perr_set(&err, ENOMEM, "spec");
	if ((!args || !env) || vm_run_workload(rootfs, &w, &cfg, &status, &err) < 0) {
		fprintf(stderr, "persona: vm: %s\n", err.msg);
		status = 125;
	}
	free(args);
	free(env);
	return status;
}

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
		{ "rootfs", required_argument, NULL, 'r' },  { "workdir", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },     { "hostname", required_argument, NULL, 'H' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	struct vm_workload w = { .hostname = "persona" };
	const char *rootfs = NULL;
	char *envv[65] = { 0 };
	int nenv = 0;
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
		case 'r':
			rootfs = optarg;
			break;
		case 'w':
			w.cwd = optarg;
			break;
		case 'H':
			w.hostname = optarg;
			break;
		case 'u':
			if (sscanf(optarg, "%u:%u", &w.uid, &w.gid) < 1) {
				fprintf(stderr, "persona: vm run: --user \"%s\": not UID[:GID]\n", optarg);
				free(disk);
				return 125;
			}
			break;
		case 'e':
			if (nenv < 64)
				envv[nenv++] = optarg;
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
	if (rootfs) {
		char merged[PATH_MAX];
		struct stat sb;
		/* not a directory: an image of the store ("busybox", the default
		 * one, is made there on first use), its layers stacked */
		if (stat(rootfs, &sb) < 0 && rootfs[0] != '/' && rootfs[0] != '.') {
			int r = image_merged_root(rootfs, merged, sizeof(merged));
			if (r) {
				free(disk);
				return r;
			}
			rootfs = merged;
		}
		w.args = argv + optind;
		w.env = envv;
		fflush(stdout);
		if (vm_run_workload(rootfs, &w, &cfg, &status, &err) < 0)
			status = vm_fail(&err);
		if (rootfs == merged)
			image_merged_release(merged);
		free(disk);
		return status;
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
