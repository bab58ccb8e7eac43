/* persona: seccomp filters for containers.
 *
 * Three steps, as docker and runc split them:
 *   1. a docker-format profile (the built-in default, or a file given with
 *      --security-opt seccomp=FILE) is resolved for this host and this
 *      container's capabilities into an OCI `linux.seccomp` object, which
 *      goes into config.json;
 *   2. at create time that object is compiled into a libseccomp filter;
 *   3. just before execve the filter is loaded into the container process.
 *
 * Sources: OCI runtime-spec config-linux.md "Seccomp"; docker's
 * docs/security/seccomp.md and moby/profiles seccomp (default profile and
 * its includes/excludes rules); seccomp(2), seccomp_init(3),
 * seccomp_rule_add(3), seccomp_attr_set(3), seccomp_load(3).
 *
 * Limits: JSON integers are read by jansson as signed 64-bit, so an arg
 * value above 2^63-1 cannot be expressed.  Syscall names this libseccomp
 * does not know are skipped, so such calls get the default action.
 */
#ifndef PERSONA_ISOLATION_SECCOMP_H
#define PERSONA_ISOLATION_SECCOMP_H

#include <stddef.h>

#include <jansson.h>
#include <seccomp.h>
#include <linux/filter.h>

#include "common/error.h"

/* The OCI `linux.seccomp` object equivalent to docker's default profile
 * (moby/profiles seccomp default.json) for a container whose capability
 * bounding set is `caps` (names as in the OCI spec, e.g. "CAP_SYS_ADMIN",
 * compared exactly; `ncaps` entries; `caps` may be NULL when `ncaps` is 0).
 *
 * The result has defaultAction SCMP_ACT_ERRNO with defaultErrnoRet EPERM,
 * architectures SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 (on x86-64
 * hosts), and the allow rules whose includes/excludes match `caps`, this
 * host's architecture and its kernel version.  Rules docker writes only
 * for other architectures (arm, s390, ppc64le, riscv64) are left out.
 *
 * Returns a new reference; NULL + err only when memory runs out. */
json_t *seccomp_default_profile(const char *const *caps, size_t ncaps, struct perr *err);

/* Read the docker seccomp profile in the file `path` and convert it, as
 * docker's setupSeccomp() does, into an OCI `linux.seccomp` object:
 *   - `architectures` is copied, or else the `archMap` entry whose
 *     architecture is this host's (SCMP_ARCH_X86_64) gives it and its
 *     subArchitectures (both present is an error);
 *   - each syscalls[] rule (`names`, or the old single `name`) is kept
 *     unless its `excludes` match (any listed cap is in `caps`, the host
 *     arch, e.g. "amd64", is listed, or the kernel is >= minKernel "X.Y")
 *     or its `includes` do not (all listed caps in `caps`, the host arch
 *     listed, kernel >= minKernel);
 *   - `comment`, `includes`, `excludes` are dropped; defaultAction,
 *     defaultErrnoRet, flags, listenerPath, listenerMetadata, and each
 *     rule's action, errnoRet and args are copied; unknown fields are
 *     ignored as docker ignores them.
 * Every rule, kept or not, is checked the way seccomp_compile_oci() checks
 * it (known action and op names, SCMP_ACT_NOTIFY refused, errnoRet only
 * with SCMP_ACT_ERRNO/SCMP_ACT_TRACE, arg index 0-5, non-negative
 * integers, types), as are the architectures used and the flags; syscall
 * names are not: names this libseccomp does not know are skipped at
 * compile time.
 *
 * A profile with neither defaultAction nor syscalls means "unconfined" to
 * docker: the result is then JSON null, and the caller leaves
 * `linux.seccomp` out of the spec.
 *
 * Returns a new reference, or NULL + err; messages name the file, the line
 * and column (of the JSON syntax error, or of the offending value), and
 * the field, e.g.
 *   seccomp profile "/p.json": line 3 column 17: syscalls[2].action: unknown action "SCMP_ACT_FOO" */
json_t *seccomp_docker_profile_load(const char *path, const char *const *caps, size_t ncaps,
				    struct perr *err);

/* Compile the OCI `linux.seccomp` object `oci_seccomp` into a libseccomp
 * filter context, not loaded.  Every field is checked:
 *   defaultAction, syscalls[].action: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO,
 *     SCMP_ACT_KILL (= KILL_THREAD), SCMP_ACT_KILL_PROCESS,
 *     SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG;
 *     SCMP_ACT_NOTIFY is refused (persona has no seccomp agent);
 *   defaultErrnoRet, errnoRet: 0-65535, only with SCMP_ACT_ERRNO or
 *     SCMP_ACT_TRACE; EPERM when absent (as runc);
 *   architectures: SCMP_ARCH_* names this libseccomp knows;
 *   flags: SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW (others refused);
 *   syscalls[].names: non-empty array of strings; names this libseccomp
 *     does not know are skipped, as runc and docker skip them;
 *   syscalls[].args[]: index 0-5, value, valueTwo, op SCMP_CMP_NE, _LT,
 *     _LE, _EQ, _GE, _GT, _MASKED_EQ (value is the mask, valueTwo the
 *     datum).  Conditions on different args are ANDed; when one arg index
 *     repeats, each condition becomes its own rule (ORed), as runc does.
 * Rules whose action equals the default action are skipped (libseccomp
 * refuses them).  The filter keeps no_new_privs untouched on load
 * (SCMP_FLTATR_CTL_NNP = 0), so the spec's process.noNewPrivileges alone
 * decides it, is optimized as a binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2),
 * and kills a thread that calls in with an architecture not listed
 * (libseccomp's default SCMP_FLTATR_ACT_BADARCH).
 *
 * Returns the context (release with seccomp_release(), or hand it to
 * seccomp_apply()), or NULL + err naming the field, e.g.
 *   linux.seccomp.syscalls[4].args[0].op: unknown op "SCMP_CMP_FOO" */
scmp_filter_ctx seccomp_compile_oci(const json_t *oci_seccomp, struct perr *err);

/* A compiled BPF program, ready for seccomp(2) SECCOMP_SET_MODE_FILTER. */
struct seccomp_prog {
	unsigned flags;                          /* SECCOMP_FILTER_FLAG_* */
	unsigned len;                            /* instructions used */
	struct sock_filter insns[BPF_MAXINSNS];  /* 32 KiB */
};

/* Export the program of `ctx` (libseccomp's BPF generator) into *out,
 * releasing ctx whatever the outcome.  -1 + err when generation fails or
 * the program is over the kernel's BPF_MAXINSNS. */
int seccomp_export(scmp_filter_ctx ctx, struct seccomp_prog *out, struct perr *err);

/* Load *p into the calling thread (and, with TSYNC, its other threads).
 * The kernel requires that the caller has set PR_SET_NO_NEW_PRIVS or
 * holds CAP_SYS_ADMIN in its user namespace (seccomp(2)); otherwise this
 * fails with EACCES.  Nothing but the return runs under the new filter;
 * from then on it applies to every syscall of the caller.  0, or -1 + err. */
int seccomp_load_prog(const struct seccomp_prog *p, struct perr *err);

/* seccomp_export() then seccomp_load_prog(): load `ctx` into the calling
 * thread, releasing it whatever the outcome.  0, or -1 + err. */
int seccomp_apply(scmp_filter_ctx ctx, struct perr *err);

/* The program for an OCI linux.seccomp object, through a cache: libseccomp
 * takes ~10 ms to generate docker's default profile for three
 * architectures, on every container start.  The key is the object's
 * canonical JSON (sorted keys, compact), stored in the cache file and
 * compared in full (the file name is a 64-bit FNV-1a hash of it);
 * `cache_dir` (made 0700 when missing; NULL: no cache) holds one file
 * per key.  A miss compiles with seccomp_compile_oci() (so every
 * field is checked) and stores the result atomically; an unreadable or
 * malformed cache file is treated as a miss.  `*out` is malloc'd; free()
 * it.  0, or -1 + err naming the field at fault. */
int seccomp_prog_cached(const json_t *oci_seccomp, const char *cache_dir, struct seccomp_prog **out,
			struct perr *err);

#endif
