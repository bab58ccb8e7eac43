/* persona: the container lifecycle behind run, create and start.
 *
 * create clones the container's init process into new namespaces, puts
 * it in its cgroup, builds its root and waits until it is ready to exec;
 * the process then blocks on BUNDLE/exec.fifo (as runc's does) until
 * start opens the FIFO.  The caller (a `persona run`, or the monitor of a
 * detached one) stays the init's parent and waits for it.
 * Follows runtime-spec runtime.md "Lifecycle" and "Operations".
 */
#ifndef PERSONA_RUNTIME_CONTAINER_H
#define PERSONA_RUNTIME_CONTAINER_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include "common/error.h"
#include "runtime/state.h"

struct pcgroup;

struct container {
	struct state *st;
	json_t *spec;           /* borrowed */
	int stdio[3];           /* fds to give the workload (non-tty), -1 = inherit */
	bool interactive;       /* -i: copy our stdin to the pty */
	int log_fd;             /* -d -t: where the pty output goes; -1 = stdout */
	bool start_now;         /* start follows create at once: skip saving "created" */
	/* filled by container_create */
	pid_t pid;
	int sync_fd;            /* our end of the init's socket */
	int pty_master;         /* -1 without a terminal */
	struct pcgroup *cgroup;
	sigset_t saved_mask;    /* the mask to restore for the workload */
};

/* The annotations through which `persona run` asks for what the OCI spec
 * has no field for. */
#define ANNOT_OVERLAY "io.persona.rootfs.overlay"   /* "true": root.path is a lower layer */
#define ANNOT_INIT "io.persona.init"                /* "true": --init */
#define ANNOT_LOWERDIRS "io.persona.rootfs.lowerdirs" /* an image's layers, top first, ':'-joined */

/* Signals persona forwards to the workload (docker's sig-proxy set). */
extern const int forwarded_signals[];

/* Create the container described by c->spec in c->st->dir: on success the
 * init process is ready and waiting on the FIFO, c->pid is its host PID
 * and the state says "created".  On failure every process, cgroup and
 * mount made so far is gone (the state directory is the caller's); the
 * error carries exit status 125, or 126/127 when the command cannot be
 * executed or found. */
int container_create(struct container *c, struct perr *err);

/* Release the created container (open the FIFO) and wait until its
 * process has executed the workload (the init's socket closes) or failed
 * to (its error).  State becomes "running". */
int container_start(struct container *c, struct perr *err);

/* Wait for the workload to end, forwarding signals and copying the
 * terminal; then remove the cgroup and record the exit in the state.
 * Returns the exit status as docker reports it (code, 128+N for signal N,
 * 137 with a message when the OOM killer ended it). */
int container_wait(struct container *c);

/* Kill what is left of the container's process (SIGKILL) and reap it,
 * close the init's socket and the terminal, remove the cgroup.  Safe to
 * call more than once. */
void container_release(struct container *c);

/* Block the forwarded signals and SIGCHLD in the caller (before create),
 * keeping the old mask in c->saved_mask. */
void container_block_signals(struct container *c);

#endif
