/* persona: binfmt_misc registration of foreign programs (see binfmt.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/binfmt.h"

#define REGISTER BINFMT_DIR "/register"

/* The first 20 bytes of the ELF header: e_ident, e_type, e_machine. */
static const unsigned char freebsd_magic[20] = {
	0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_FREEBSD,
	0, 0, 0, 0, 0, 0, 0, 0, /* EI_ABIVERSION, padding */
	ET_EXEC, 0,             /* ET_EXEC (2) or, through the mask, ET_DYN (3) */
	EM_X86_64, 0,
};
static const unsigned char freebsd_mask[20] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0, 0, 0, 0, 0, 0, 0, 0,
	0xfe, 0xff,
	0xff, 0xff,
};
/* The DOS header's e_magic. */
static const unsigned char pe_magic[2] = { 'M', 'Z' }, pe_mask[2] = { 0xff, 0xff };

const struct binfmt_format binfmt_formats[] = {
	{ "persona-freebsd", "freebsd", "FreeBSD amd64 executables", freebsd_magic, freebsd_mask,
	  sizeof(freebsd_magic) },
	{ "persona-pe", "windows", "Windows PE programs", pe_magic, pe_mask, sizeof(pe_magic) },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct binfmt_format *binfmt_format(const char *key)
{
	for (const struct binfmt_format *f = binfmt_formats; f->name; f++)
		if (!strcmp(f->key, key))
			return f;
	return NULL;
}

/* BINFMT_DIR/NAME */
static void entry_path(const struct binfmt_format *f, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", BINFMT_DIR, f->name);
}

static void hex_escaped(char *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 4 * i, "\\x%02x", b[i]);
}

/* As the kernel prints them in the entry: plain hex. */
static void hex_plain(char *out, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

int binfmt_rule(const struct binfmt_format *f, const char *interp, char *buf, size_t len, struct perr *err)
{
	char m[20 * 4 + 1], k[20 * 4 + 1];

	if (!interp || interp[0] != '/')
		return perr_set(err, EINVAL, "binfmt_misc interpreter \"%s\": not an absolute path",
				interp ? interp : "");
	if (strpbrk(interp, ":\n"))
		return perr_set(err, EINVAL, "binfmt_misc interpreter \"%s\": holds ':' or a newline", interp);
	hex_escaped(m, f->magic, f->len);
	hex_escaped(k, f->mask, f->len);
	int n = snprintf(buf, len, ":%s:M:0:%s:%s:%s:F", f->name, m, k, interp);
	if (n < 0 || (size_t)n >= len)
		return perr_set(err, ENAMETOOLONG, "binfmt_misc interpreter \"%s\"", interp);
	return 0;
}

int binfmt_mount(struct perr *err)
{
	struct stat sb;

	if (stat(REGISTER, &sb) == 0)
		return 0;
	if (stat(BINFMT_DIR, &sb) < 0)
		return perr_set(err, errno, "no %s: this kernel has no binfmt_misc support "
				"(CONFIG_BINFMT_MISC; modprobe binfmt_misc)", BINFMT_DIR);
	if (mount("binfmt_misc", BINFMT_DIR, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		int e = errno;
		if (e == ENODEV)
			return perr_set(err, e, "mount binfmt_misc: this kernel has no binfmt_misc support "
					"(CONFIG_BINFMT_MISC; modprobe binfmt_misc)");
		if (e == EPERM || e == EACCES)
			return perr_set(err, e, "mount binfmt_misc on %s: not permitted (run as root, "
					"outside a container)", BINFMT_DIR);
		return perr_set(err, e, "mount binfmt_misc on %s", BINFMT_DIR);
	}
	if (stat(REGISTER, &sb) < 0)
		return perr_set(err, errno, "binfmt_misc mounted on %s but %s is missing", BINFMT_DIR, REGISTER);
	return 0;
}

/* Copy the rest of a "key value" line. */
static void take(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%.*s", (int)strcspn(v, "\n"), v);
}

int binfmt_status(const struct binfmt_format *f, struct binfmt_state *st, struct perr *err)
{
	char buf[8192], entry[256];
	ssize_t n;

	memset(st, 0, sizeof(*st));
	if (binfmt_mount(err) < 0)
		return -1;
	entry_path(f, entry, sizeof(entry));
	_cleanup_close_ int fd = open(entry, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return perr_set(err, errno, "read %s", entry);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return perr_set(err, errno, "read %s", entry);
	buf[n] = '\0';
	st->installed = true;
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "enabled", 7))
			st->enabled = true;
		else if (!strncmp(line, "interpreter ", 12))
			take(st->interpreter, sizeof(st->interpreter), line + 12);
		else if (!strncmp(line, "flags: ", 7))
			take(st->flags, sizeof(st->flags), line + 7);
		else if (!strncmp(line, "magic ", 6))
			take(st->magic, sizeof(st->magic), line + 6);
		else if (!strncmp(line, "mask ", 5))
			take(st->mask, sizeof(st->mask), line + 5);
	}
	return 0;
}

static int write_ctl(const char *path, const char *text, struct perr *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			return perr_set(err, e, "write %s: not permitted (run as root)", path);
		return perr_set(err, e, "write %s", path);
	}
	return 0;
}

/* 1 when the ELF file needs a dynamic loader, 0 when not; *type = e_type. */
static int elf_info(const char *path, int *type)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return -1;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph) || eh.e_phnum > 512)
		return -1;
	if (type)
		*type = eh.e_type;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof(ph))) != (ssize_t)sizeof(ph))
			return -1;
		if (ph.p_type == PT_INTERP)
			return 1;
	}
	return 0;
}

int binfmt_interp_is_dynamic(const char *path)
{
	return elf_info(path, NULL);
}

int binfmt_install(const struct binfmt_format *f, const char *interp, bool *changed, struct perr *err)
{
	char rule[4096 + 256], entry[256];
	struct binfmt_state st;
	struct stat sb;
	int type = 0;

	if (changed)
		*changed = false;
	entry_path(f, entry, sizeof(entry));
	if (binfmt_rule(f, interp, rule, sizeof(rule), err) < 0)
		return -1;
	if (stat(interp, &sb) < 0)
		return perr_set(err, errno, "binfmt_misc interpreter \"%s\"", interp);
	if (!S_ISREG(sb.st_mode) || access(interp, X_OK) < 0)
		return perr_set(err, EACCES, "binfmt_misc interpreter \"%s\": not an executable file", interp);
	if (elf_info(interp, &type) < 0)
		return perr_set(err, ENOEXEC, "binfmt_misc interpreter \"%s\": not an ELF64 executable", interp);
	if (type != ET_DYN)
		return perr_set(err, ENOEXEC, "binfmt_misc interpreter \"%s\": not position-independent; "
				"it would occupy 0x400000, where FreeBSD executables are linked (build it "
				"with -pie or -static-pie)", interp);
	if (geteuid() != 0)
		return perr_set(err, EPERM, "register with binfmt_misc: run as root");
	if (binfmt_status(f, &st, err) < 0)
		return -1;

	char m[20 * 2 + 1], k[20 * 2 + 1];
	hex_plain(m, f->magic, f->len);
	hex_plain(k, f->mask, f->len);
	bool same = st.installed && st.enabled && !strcmp(st.interpreter, interp) && !strcmp(st.flags, "F") &&
		    !strcmp(st.magic, m) && !strcmp(st.mask, k);
	/* Registered again even when the same: flag F holds the file opened
	 * at registration, and a rebuilt binary is a new file. */
	if (st.installed && write_ctl(entry, "-1", err) < 0)
		return -1;
	if (write_ctl(REGISTER, rule, err) < 0) {
		if (err && err->errnum == ENOENT)
			perr_set(err, ENOENT, "register with binfmt_misc: interpreter \"%s\" cannot be opened",
				 interp);
		return -1;
	}
	if (changed)
		*changed = !same;
	return 0;
}

int binfmt_uninstall(const struct binfmt_format *f, bool *removed, struct perr *err)
{
	struct binfmt_state st;
	char entry[256];

	if (removed)
		*removed = false;
	if (binfmt_status(f, &st, err) < 0)
		return -1;
	if (!st.installed)
		return 0;
	entry_path(f, entry, sizeof(entry));
	if (write_ctl(entry, "-1", err) < 0) {
		if (err && err->errnum == ENOENT) /* removed meanwhile */
			return 0;
		return -1;
	}
	if (removed)
		*removed = true;
	return 0;
}
