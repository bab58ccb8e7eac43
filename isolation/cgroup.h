/* persona: one container's cgroup, across every cgroup hierarchy.
 *
 * The container's cgroup is a directory named `persona-<ID>` made below the
 * CALLER'S OWN cgroup in each hierarchy (as runc does), so the container
 * stays inside whatever limits the caller itself lives under.
 *
 * Hierarchies used:
 *   cgroup v1  the hierarchies that limit or account for the container:
 *              memory, pids, devices and cpuacct always; cpu and cpuset only
 *              when a limit asks for them; never blkio or freezer, where
 *              persona sets nothing, nor named hierarchies (name=systemd).
 *              Each directory costs a mkdir, a join and an rmdir on every
 *              start.  Created, joined and removed through libcgroup; values
 *              are plain writes (see cgroup.c for why).
 *   hybrid     the v1 hierarchies above only: the cgroup2 ("unified")
 *              hierarchy of a hybrid host holds no controller persona uses,
 *              and moving a task in cgroup2 waits for an RCU grace period.
 *   cgroup v2  the unified hierarchy only; limits become memory.max,
 *              memory.swap.max, cpu.max, cpu.weight, cpuset.*, pids.max.
 *              Done with plain file writes (see cgroup.c for why).
 *
 * Sources: OCI runtime-spec config-linux.md ("Control groups", linux.resources);
 * kernel Documentation/admin-guide/cgroup-v1/{memory,cpusets,devices,
 * freezer-subsystem,pids}.rst, scheduler/sched-bwc.rst and
 * Documentation/admin-guide/cgroup-v2.rst; runc's conversions of OCI values
 * (v1 write order, shares -> weight, swap -> memory.swap.max, quota -> cpu.max).
 *
 * Thread safety: the host layout is discovered once per process (libcgroup's
 * cgroup_init() and the mount table, under pthread_once) and is read-only
 * afterwards; calls on different `struct pcgroup` objects may run in
 * parallel, calls on the same object may not.
 *
 * Errors: functions that can fail return -1 and fill `err`; the message names
 * the hierarchy, the control file and the value, e.g.
 *   cgroup "cpuset": cpuset.cpus = "7-9": Invalid argument (the parent allows "0-1")
 */
#ifndef PERSONA_ISOLATION_CGROUP_H
#define PERSONA_ISOLATION_CGROUP_H

#include <jansson.h>
#include <sys/types.h>

#include "common/error.h"

/* One container's cgroup across all hierarchies (opaque). */
struct pcgroup;

/* Create `persona-<id>` below the caller's cgroup in every hierarchy and
 * apply `resources`, the OCI `linux.resources` object (NULL: no limits).
 *
 * `id`: the container ID; letters, digits, '_', '-', '.', 1 to 128 characters,
 * not starting with '.' (persona uses 64 hex digits).
 *
 * Fields used (runtime-spec config-linux.md), with runc's meanings:
 *   memory.limit   bytes; -1 unlimited; 0 or absent: not set
 *   memory.swap    bytes of memory PLUS swap (not swap alone); -1 unlimited;
 *                  must be >= memory.limit.  v1: memory.memsw.limit_in_bytes;
 *                  v2: memory.swap.max = swap - limit.  Without swap
 *                  accounting (no memsw files) only -1 or a value equal to
 *                  memory.limit is accepted.
 *   cpu.shares     relative weight; v1 cpu.shares; v2 cpu.weight =
 *                  1 + ((shares - 2) * 9999) / 262142 (shares clamped to
 *                  [2, 262144] as the v1 kernel does)
 *   cpu.quota      microseconds per period; -1 unlimited (v1 cpu.cfs_quota_us)
 *   cpu.period     microseconds (v1 cpu.cfs_period_us); v2: cpu.max "QUOTA PERIOD"
 *   cpu.cpus, cpu.mems   cpuset lists ("0-3,6"); v1 copies the parent's value
 *                  when absent, because a v1 cpuset child starts empty and no
 *                  task may join it then
 *   pids.limit     > 0 the limit; < 0 unlimited ("max"); 0 not set
 *   devices        [{allow, type, major, minor, access}] in order, v1
 *                  devices.allow / devices.deny.  NOT ENFORCED on cgroup v2
 *                  (it needs a BPF program); the rules are ignored there.
 * Other fields (blockIO, hugepageLimits, network, rdma, unified, memory
 * reservation/swappiness/kernel, cpu realtime*) are ignored.
 *
 * On success *out is the new cgroup (free with pcgroup_free()).  On failure
 * (bad JSON type, bad value, the kernel refusing a value, a `persona-<id>`
 * directory that already exists) returns -1 with one error naming the value,
 * and every directory this call made has been removed again. */
int pcgroup_create(const char *id, const json_t *resources, struct pcgroup **out,
		   struct perr *err);

/* Move process `pid` and all its threads into the cgroup in every hierarchy;
 * pid 0 moves the calling thread only (for a freshly cloned, single-threaded
 * child that attaches itself).
 *
 * When: after clone() and BEFORE the child runs the workload.  If the child
 * is to get a cgroup namespace, it must unshare(CLONE_NEWCGROUP) only after
 * the attach (so the namespace root is the container's cgroup): clone without
 * CLONE_NEWCGROUP, attach, then let the child unshare.
 *
 * Cost: moving ANOTHER task takes the kernel's global threadgroup lock, which
 * waits for an RCU grace period when idle: about 10 ms on this host, once per
 * call.  A thread moving itself (pid 0) skips that lock on cgroup v1: about
 * 0.4 ms for all hierarchies.  cgroup v2 always takes it, unless the task is
 * already in the directory: clone3(CLONE_INTO_CGROUP) with a descriptor of
 * the "unified" path from pcgroup_to_json() puts it there at birth, and then
 * this call leaves v2 alone.  Fastest start: clone3 into the unified dir,
 * then pcgroup_attach(cg, 0) in the child.
 *
 * With a pid, libcgroup moves the threads one by one (v1 "tasks"): threads
 * created meanwhile may be missed, so attach before the child starts threads. */
int pcgroup_attach(struct pcgroup *cg, pid_t pid, struct perr *err);

/* The directories, as a new JSON object mapping the hierarchy (the controller
 * field of /proc/self/cgroup, e.g. "memory" or "cpu,cpuacct"; "unified" for
 * cgroup2) to the full path:
 *   {"memory": "/sys/fs/cgroup/memory/.../persona-ID", ..., "unified": "..."}
 * For state files and `persona inspect`.  NULL only when out of memory. */
json_t *pcgroup_to_json(const struct pcgroup *cg);

/* Reopen a cgroup from pcgroup_to_json()'s object, in another process
 * (persona exec, rm, stale-state cleanup).  Every path must lie below the
 * mount of a hierarchy of this host and end in `persona-<id>`; the
 * directories need not exist any more.  Returns -1 on a malformed object. */
int pcgroup_from_json(const json_t *paths, struct pcgroup **out, struct perr *err);

/* How many times the OOM killer killed a task in this cgroup: v1
 * memory.oom_control "oom_kill", v2 memory.events "oom_kill".  0 when unknown
 * (no memory hierarchy, old kernel, directory gone). */
long pcgroup_oom_kills(const struct pcgroup *cg);

/* CPU time used by the cgroup's tasks, in nanoseconds: v1 cpuacct.usage,
 * v2 cpu.stat usage_usec * 1000.  -1 when unknown. */
long long pcgroup_cpu_usage_ns(const struct pcgroup *cg);

/* Kill every task still in the cgroup (v1: freeze, SIGKILL each task listed in
 * cgroup.procs, thaw; v2: cgroup.kill, else SIGKILL each task) and remove the
 * directories, nested ones first, in every hierarchy, retrying for up to 2 s
 * while the kernel still counts exiting tasks (EBUSY).  Idempotent: missing
 * directories are fine.  Returns -1 if a directory could not be removed. */
int pcgroup_destroy(struct pcgroup *cg, struct perr *err);

/* Free the object; does not touch the directories.  NULL is fine. */
void pcgroup_free(struct pcgroup *cg);

#endif
