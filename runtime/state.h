/* persona: container state on disk, under the state root (--root,
 * /run/persona by default, runc's meaning).
 *
 *   ROOT/ID/             the bundle: one directory per container, 0700
 *     config.json        the OCI runtime spec the container was made from
 *     state.json         the OCI state (runtime-spec runtime.md "State")
 *                        plus persona's own fields under "persona"
 *     upper/ work/       the overlay's writable layer
 *     rootfs.merged/     the overlay's mount point (mounted only inside
 *                        the container's mount namespace)
 *     exec.fifo          create/start handshake, as runc's
 *     container.log      stdout and stderr of a detached container
 *   ROOT/.names/NAME     symlink to ID: the name's reservation
 */
#ifndef PERSONA_RUNTIME_STATE_H
#define PERSONA_RUNTIME_STATE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include "common/error.h"

#define ID_LEN 64

struct state {
	char id[ID_LEN + 1];
	char name[256];
	char dir[PATH_MAX];             /* ROOT/ID */
	char status[16];                /* creating, created, running, stopped */
	pid_t pid;                      /* container init, host PID; 0 when none */
	unsigned long long pid_start;   /* its start time (/proc/PID/stat field 22) */
	pid_t monitor;                  /* the persona process that waits for it */
	unsigned long long monitor_start;
	int exit_code;
	bool oom_killed;
	bool autoremove;                /* --rm */
	bool detached;                  /* -d */
	char created[40], started[40], finished[40];   /* RFC 3339, UTC */
	char image[PATH_MAX];
	char command[1024];
	json_t *cgroup;                 /* pcgroup_to_json() paths, or NULL */
};

/* The state root in use (set once by main from --root). */
extern const char *state_root;

/* Make a fresh 64-hex-digit ID from getrandom(2). */
void state_new_id(char id[ID_LEN + 1]);

/* Start time of process `pid` in clock ticks since boot, 0 if it is gone. */
unsigned long long proc_start_time(pid_t pid);
/* True when `pid` is alive and still the process that started at `start`. */
bool proc_alive(pid_t pid, unsigned long long start);

/* Reserve NAME and make ROOT/ID with its subdirectories.  Errors: the name
 * is in use (naming the container that holds it), or I/O.  Nothing is left
 * behind on failure. */
int state_create(struct state *st, struct perr *err);

/* Write st as ROOT/ID/state.json, atomically. */
int state_save(const struct state *st, struct perr *err);
/* Read ROOT/ID/state.json. */
int state_load(const char *id, struct state *st, struct perr *err);
void state_release(struct state *st);

/* Find a container by full ID, name, or unique ID prefix.  Errors name the
 * reference: -2 no such container, -1 a prefix that matches several (or
 * an empty reference). */
int state_lookup(const char *ref, struct state *st, struct perr *err);

/* Remove ROOT/ID and the name reservation. */
int state_remove(const struct state *st, struct perr *err);

/* Lock ROOT/ID against concurrent changes (flock on the directory);
 * returns the fd to close, -1 + err when gone. */
int state_lock(const struct state *st, struct perr *err);

/* All container IDs in the state root, NULL-terminated, malloc'd. */
char **state_list(void);

/* Clean up after persona processes that died (kill -9): for each
 * container whose monitor is gone, kill what is left of it, remove its
 * cgroup, and remove its state when it was never started or was --rm;
 * otherwise mark it stopped.  Called at the start of every command. */
void state_gc(void);

/* Current time in RFC 3339 (UTC, nanoseconds). */
void state_now(char buf[40]);

#endif
