/* persona: Linux capabilities of the container process (libcap).
 *
 * Two halves:
 *  - caps_compute() and caps_oci_object() turn docker's --cap-add,
 *    --cap-drop and --privileged into the OCI `process.capabilities`
 *    object, following moby's oci/caps (TweakCapabilities) and
 *    oci.SetCapabilities;
 *  - caps_check() validates such an object before anything is created,
 *    and caps_apply_user() / caps_apply() put it into effect in the
 *    container's init, following runtime-spec config.md "POSIX process"
 *    (capabilities) and capabilities(7).
 *
 * Names are the kernel's, "CAP_CHOWN" .. "CAP_CHECKPOINT_RESTORE"; a name
 * is known when libcap has it and the running kernel supports it
 * (cap_max_bits()).
 *
 * Capabilities are per thread: caps_apply*() must run in a single-threaded
 * process (the container's init is one).
 */
#ifndef PERSONA_ISOLATION_CAPS_H
#define PERSONA_ISOLATION_CAPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* The 14 capabilities docker grants by default (moby oci/caps/defaults.go),
 * in that order; NULL-terminated.  As a mask: 0x00000000a80425fb. */
extern const char *const caps_docker_default[];
#define CAPS_DOCKER_DEFAULT_COUNT 14

/* Compute the container's capability list from docker's flags.
 *
 * add/drop: --cap-add / --cap-drop values, `nadd` / `ndrop` of them (the
 * arrays may be NULL when the count is 0).  Names are case-insensitive,
 * with or without "CAP_"; "ALL" means every available capability.
 * Rules (moby TweakCapabilities):
 *   privileged          -> every available capability (add/drop ignored)
 *   "ALL" in add        -> every available capability except `drop`
 *   "ALL" in drop       -> exactly `add`
 *   otherwise           -> docker's default set - drop + add
 * "Available" means known to the running kernel AND in persona's own
 * bounding set, as podman does for --privileged: a capability the host
 * took away from persona cannot be granted, so it is left out instead of
 * failing every privileged run.  (An explicit --cap-add of such a
 * capability is kept, and caps_check() reports it.)
 *
 * Out: *names_out = malloc'd, NULL-terminated array of malloc'd canonical
 * names ("CAP_KILL"), sorted alphabetically, without duplicates; *n_out =
 * their number.  Free with cleanup_strvp() (_cleanup_strv_).
 * Errors: an unknown name, e.g.  --cap-add "CAP_FOO": unknown capability
 * (the message starts with the flag it came from). */
int caps_compute(const char *const *add, size_t nadd, const char *const *drop, size_t ndrop,
		 bool privileged, char ***names_out, size_t *n_out, struct perr *err);

/* The OCI `process.capabilities` object docker writes for `names`
 * (moby oci.SetCapabilities): for uid 0, bounding = effective = permitted
 * = names; for any other uid only bounding = names, because execve(2)
 * gives a non-root program no effective capabilities anyway.  No
 * inheritable or ambient set (CVE-2022-24769).
 * Returns a new reference, or NULL when out of memory. */
json_t *caps_oci_object(char *const *names, size_t n, uid_t uid);

/* Validate an OCI `process.capabilities` object without changing
 * anything; call it before creating the container.
 * oci_caps: the object, or NULL (= every set empty).  Keys bounding,
 * effective, inheritable, permitted, ambient, each an array of names
 * ("CAP_KILL"; case-insensitive, the "CAP_" prefix is required); a
 * missing key is an empty set; other keys are ignored.
 * Errors (each one the kernel would otherwise refuse half-way, see
 * capabilities(7) and capset(2)): not an object / not an array of
 * strings; unknown name; a bounding or inheritable name missing from
 * persona's own bounding set; a permitted name persona does not hold
 * itself; CAP_SETPCAP needed but not held; effective not within
 * permitted; inheritable not within bounding; ambient not within both
 * permitted and inheritable. */
int caps_check(const json_t *oci_caps, struct perr *err);

/* Put `oci_caps` (as caps_check) into effect in the calling thread:
 * drop from the bounding set every capability not listed in `bounding`
 * (PR_CAPBSET_DROP), set effective, permitted and inheritable exactly as
 * listed (capset), clear the ambient set and raise the listed ambient
 * capabilities (PR_CAP_AMBIENT_RAISE).
 *
 * Requires: the caller still holds, in its permitted set, CAP_SETPCAP (if
 * the bounding set must shrink) and every capability it grants.  That is
 * true for uid 0 without a uid change, and after a uid change only when
 * PR_SET_KEEPCAPS was set before it: use caps_apply_user(), which does the
 * whole sequence.
 * Errors: those of caps_check(); a failing prctl/capset (with errno). */
int caps_apply(const json_t *oci_caps, struct perr *err);

/* The privilege drop of the container's init, in the order runc uses:
 *   PR_SET_KEEPCAPS 1; setgroups(groups); setresgid(gid); setresuid(uid);
 *   PR_SET_KEEPCAPS 0; caps_apply(oci_caps).
 * The result is exactly the listed sets under the new uid, for uid 0 and
 * for any other uid (e.g. uid 1000 with an empty effective list has
 * CapEff 0, while its bounding set is still the listed one).
 *
 * groups: the supplementary groups (ngroups of them, may be NULL when 0).
 * When ngroups is 0 and setgroups(2) is denied in this user namespace
 * (/proc/self/setgroups is "deny"), setgroups is skipped.
 *
 * Note on execve(2): the kernel recomputes capabilities at exec.  A
 * non-root program keeps only ambient (and file) capabilities; a uid-0
 * program gets permitted = effective = its bounding set.  That is why
 * docker lists the same names in every set for root.
 * Errors: a failing setgroups/setresgid/setresuid/prctl (with errno, naming
 * the ids), or those of caps_apply(). */
int caps_apply_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
		    const json_t *oci_caps, struct perr *err);

#endif
