/* persona: building the OCI runtime spec (config.json) for a run.
 * Follows runtime-spec config.md / config-linux.md 1.2, with docker's
 * defaults for what the command line leaves unsaid (default mounts,
 * masked and read-only paths, capabilities, seccomp, device rules). */
#ifndef PERSONA_RUNTIME_SPEC_H
#define PERSONA_RUNTIME_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "common/error.h"

struct strv {
	const char **v;
	size_t n;
};

/* What `persona run` was asked for; zero/NULL means "not given". */
struct run_opts {
	const char *name, *workdir, *user, *hostname, *network;   /* network: none (default), host */
	const char *seccomp;        /* NULL default, "unconfined", or a docker profile file */
	const char *memory, *memory_swap, *cpus, *cpu_shares, *cpuset_cpus, *pids_limit;
	bool rm, detach, interactive, tty, read_only, privileged, init, trace;
	int argc;                   /* IMAGE and its command, as counted on the command line */
	int container_opts;         /* how many options other than --trace were given */
	int no_new_privs;           /* -1 default (on), 0 off, 1 on */
	struct strv env, env_files, volumes, tmpfs, ulimits, cap_add, cap_drop, labels;
	const char *isolation;      /* NULL or "container", or "vm" (the micro-VM) */
	const char *vm_kernel, *vcpus;   /* --kernel, --vcpus with --isolation vm */
	const char *image;          /* as the user named it */
	const char *rootfs;         /* the directory to use as the lower layer */
	const char *const *args;    /* the command, NULL-terminated; may be empty */
	const char *const *default_args;   /* the image's command when none is given */
	/* An image from the store (persona-image prepare): */
	const json_t *image_config; /* its config object: Entrypoint, Cmd, Env, WorkingDir, User, StopSignal, Labels */
	const char *lowerdirs;      /* its layers, top first, ':'-joined (overlay lowerdir) */
};

/* Check every value in `o` and build the spec; `id` names the container
 * (its default hostname is the first 12 digits).  Returns a new
 * reference, or NULL + err naming the flag and value at fault.  Nothing
 * is created on the host. */
json_t *spec_from_run(const struct run_opts *o, const char *id, struct perr *err);

/* The default spec `persona spec` writes: runc's shape, rootfs "rootfs",
 * `sh` as the command, terminal on. */
json_t *spec_default(struct perr *err);

#endif
