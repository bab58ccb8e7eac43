/* persona: cgroup v2 limits, in the one unified directory (see cgroup.h).
 * Source: kernel Documentation/admin-guide/cgroup-v2.rst; runc's
 * conversions of OCI values. */
#include "isolation/cgroup_private.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Write `value` to d/file.  When the file is missing its controller is not
 * enabled for `d`: enable it in the parent's cgroup.subtree_control first.
 * The parent is the caller's cgroup, which refuses (EBUSY) when it holds
 * processes itself (cgroup-v2.rst, "No Internal Process Constraint"). */
static int v2_set(const struct cgdir *d, const char *ctrl, const char *file, const char *value,
		  struct perr *err)
{
	_cleanup_free_ char *p = NULL, *parent = strndup(d->path, strrchr(d->path, '/') - d->path);
	char plus[64], avail[1024] = "";

	if (!parent || asprintf(&p, "%s/%s", d->path, file) < 0)
		return perr_set(err, ENOMEM, "cgroup");
	if (access(p, F_OK)) {
		pcg_read_str(parent, "cgroup.controllers", avail, sizeof(avail));
		if (!pcg_has_token(avail, ctrl, ' '))
			return perr_set(err, 0, "cgroup \"%s\": %s needs the %s controller, which %s does not offer "
					"(its cgroup.controllers: \"%s\")", d->h->key, file, ctrl, parent, avail);
		snprintf(plus, sizeof(plus), "+%s", ctrl);
		if (pcg_write_str(parent, "cgroup.subtree_control", plus)) {
			int e = errno;

			return perr_set(err, e, "cgroup \"%s\": %s needs the %s controller; enabling it in "
					"%s/cgroup.subtree_control failed%s", d->h->key, file, ctrl, parent,
					e == EBUSY ? " (that cgroup holds processes, so it cannot delegate)" : "");
		}
	}
	if (pcg_write_str(d->path, file, value))
		return perr_set(err, errno, is_number(value) ? "cgroup \"%s\": %s = %s" : "cgroup \"%s\": %s = \"%s\"",
				d->h->key, file, value);
	return 0;
}

/* runc's conversions (ConvertMemorySwapToCgroupV2Value,
 * ConvertCPUSharesToCgroupV2Value, ConvertCPUQuotaCPUPeriodToCgroupV2Value).
 * Device rules are not applied: v2 has no devices files, the kernel wants a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the directory instead. */
int pcg_v2_apply(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	char buf[64];

	if (l->mem) {
		snprintf(buf, sizeof(buf), "%lld", l->mem);
		if (v2_set(d, "memory", "memory.max", l->mem > 0 ? buf : "max", err))
			return -1;
	}
	if (l->swap || l->mem == -1) {
		long long s = l->swap > 0 ? l->swap - l->mem : -1;  /* memory.swap.max is swap alone */
		char probe[32];
		/* memory controller on but no memory.swap.max: no swap accounting */
		bool no_swap = !pcg_read_str(d->path, "memory.max", probe, sizeof(probe)) &&
			       pcg_read_str(d->path, "memory.swap.max", probe, sizeof(probe));

		if (no_swap && s > 0)
			return perr_set(err, 0, "linux.resources.memory.swap = %lld: this host has no swap accounting "
					"(no memory.swap.max), so memory+swap can only be unset, -1 or equal to "
					"memory.limit (%lld)", l->swap, l->mem);
		snprintf(buf, sizeof(buf), "%lld", s);
		if (!no_swap && v2_set(d, "memory", "memory.swap.max", s >= 0 ? buf : "max", err))
			return -1;
	}
	if (l->shares) {
		long long sh = l->shares < 2 ? 2 : l->shares > 262144 ? 262144 : l->shares;

		snprintf(buf, sizeof(buf), "%lld", 1 + ((sh - 2) * 9999) / 262142);
		if (v2_set(d, "cpu", "cpu.weight", buf, err))
			return -1;
	}
	if (l->quota > 0 || l->period) {
		long long period = l->period ? l->period : 100000;

		if (l->quota > 0)
			snprintf(buf, sizeof(buf), "%lld %lld", l->quota, period);
		else
			snprintf(buf, sizeof(buf), "max %lld", period);
		if (v2_set(d, "cpu", "cpu.max", buf, err))
			return -1;
	}
	if (l->cpus && v2_set(d, "cpuset", "cpuset.cpus", l->cpus, err))
		return -1;
	if (l->mems && v2_set(d, "cpuset", "cpuset.mems", l->mems, err))
		return -1;
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%lld", l->pids);
		if (v2_set(d, "pids", "pids.max", l->pids > 0 ? buf : "max", err))
			return -1;
	}
	return 0;
}
