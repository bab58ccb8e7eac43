/* persona: cgroup v1 limits, one hierarchy per controller (see cgroup.h).
 * Sources: kernel Documentation/admin-guide/cgroup-v1/{memory,cpusets,
 * devices,pids}.rst, scheduler/sched-bwc.rst; runc's write order. */
#include "isolation/cgroup_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

static void perr_append(struct perr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr_append(struct perr *err, const char *fmt, ...)
{
	size_t n = strlen(err->msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

/* A plain write, not cgroup_modify_cgroup(): libcgroup re-reads
 * /proc/mounts on every call (~0.1 ms each), and docker's device rules
 * alone are a dozen values on every container start. */
int pcg_v1_set(const struct cgdir *d, const char *file, const char *value, struct perr *err)
{
	if (pcg_write_str(d->path, file, value))
		return perr_set(err, errno, is_number(value) ? "cgroup \"%s\": %s = %s" : "cgroup \"%s\": %s = \"%s\"",
				d->h->key, file, value);
	return 0;
}

static int v1_set_ll(const struct cgdir *d, const char *file, long long v, struct perr *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return pcg_v1_set(d, file, buf, err);
}

/* memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes at every
 * step, so the order depends on the current limit, as in runc's
 * setMemoryAndSwap: swap first when it becomes unlimited or rises above the
 * current memory limit, memory first otherwise (always, for a new cgroup). */
static int v1_memory(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	char buf[32];
	long long mem = l->mem, swap = l->swap, cur = -1;
	bool memsw = pcg_read_str(d->path, "memory.memsw.limit_in_bytes", buf, sizeof(buf)) == 0;

	if (mem == -1 && swap == 0 && memsw)
		swap = -1;  /* runc: unlimited memory means unlimited memory+swap */
	if (!memsw && swap > 0 && swap != mem)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: this host has no swap accounting "
				"(no memory.memsw.limit_in_bytes), so memory+swap can only be unset, -1 or "
				"equal to memory.limit (%lld)", swap, mem);
	if (!memsw)
		swap = 0;
	if (mem && swap) {
		if (pcg_read_str(d->path, "memory.limit_in_bytes", buf, sizeof(buf)) == 0)
			cur = strtoll(buf, NULL, 10);
		if (swap == -1 || (cur >= 0 && cur < swap))
			return v1_set_ll(d, "memory.memsw.limit_in_bytes", swap, err) ||
			       v1_set_ll(d, "memory.limit_in_bytes", mem, err) ? -1 : 0;
	}
	if (mem && v1_set_ll(d, "memory.limit_in_bytes", mem, err))
		return -1;
	if (swap && v1_set_ll(d, "memory.memsw.limit_in_bytes", swap, err))
		return -1;
	return 0;
}

/* As runc: a shorter period may be refused (EINVAL) while the old quota is
 * still in place, so then it is written again after the quota. */
static int v1_cpu(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	bool period_later = false;

	if (l->shares && v1_set_ll(d, "cpu.shares", l->shares, err))
		return -1;
	if (l->period && v1_set_ll(d, "cpu.cfs_period_us", l->period, err)) {
		if (err->errnum != EINVAL || !l->quota)
			return -1;
		period_later = true;
	}
	if (l->quota && v1_set_ll(d, "cpu.cfs_quota_us", l->quota, err))
		return -1;
	if (period_later && v1_set_ll(d, "cpu.cfs_period_us", l->period, err))
		return -1;
	return 0;
}

/* A new v1 cpuset starts with empty cpus and mems, and no task can join it
 * until both are filled (cgroup-v1/cpusets.rst): use the spec's value or the
 * parent's. */
static int v1_cpuset(const struct cgdir *d, const struct limits *l, struct perr *err)
{
	static const char *const files[2] = { "cpuset.cpus", "cpuset.mems" };
	const char *want[2] = { l->cpus, l->mems };
	_cleanup_free_ char *parent = strndup(d->path, strrchr(d->path, '/') - d->path);

	for (int i = 0; i < 2; i++) {
		char have[4096] = "";

		if (!parent)
			return perr_set(err, ENOMEM, "cgroup");
		pcg_read_str(parent, files[i], have, sizeof(have));
		if (!want[i] && !have[0])
			continue;  /* nothing to copy: joining will fail and say so */
		if (pcg_v1_set(d, files[i], want[i] ? want[i] : have, err)) {
			if (want[i])
				perr_append(err, " (the parent cgroup allows \"%s\")", have);
			return -1;
		}
	}
	return 0;
}

static int v1_devices(const struct cgdir *d, const json_t *devs, struct perr *err)
{
	size_t i;
	const json_t *r;

	json_array_foreach(devs, i, r) {
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *acc = json_string_value(json_object_get(r, "access"));
		char num[2][24], rule[96];

		for (int k = 0; k < 2; k++) {
			const json_t *n = json_object_get(r, k ? "minor" : "major");

			if (!json_is_integer(n) || json_integer_value(n) < 0)
				strcpy(num[k], "*");
			else
				snprintf(num[k], sizeof(num[k]), "%lld", (long long)json_integer_value(n));
		}
		snprintf(rule, sizeof(rule), "%s %s:%s %s", type ? type : "a", num[0], num[1], acc ? acc : "rwm");
		if (pcg_v1_set(d, json_is_true(json_object_get(r, "allow")) ? "devices.allow" : "devices.deny", rule, err))
			return perr_prefix(err, "linux.resources.devices[%zu]", i);
	}
	return 0;
}

static int need(const struct pcgroup *cg, const char *ctrl, struct cgdir **d, struct perr *err)
{
	if (!(*d = pcg_dir_with(cg, ctrl)))
		return perr_set(err, 0, "cgroup: linux.resources asks for the %s controller, which is not mounted", ctrl);
	return 0;
}

int pcg_v1_apply(const struct pcgroup *cg, const struct limits *l, struct perr *err)
{
	struct cgdir *d;
	char buf[32];

	if ((d = pcg_dir_with(cg, "cpuset")) && v1_cpuset(d, l, err))
		return -1;
	if ((l->cpus || l->mems) && !d)
		return need(cg, "cpuset", &d, err);
	if ((l->mem || l->swap) && (need(cg, "memory", &d, err) || v1_memory(d, l, err)))
		return -1;
	if ((l->shares || l->quota || l->period) && (need(cg, "cpu", &d, err) || v1_cpu(d, l, err)))
		return -1;
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%lld", l->pids);
		if (need(cg, "pids", &d, err) || pcg_v1_set(d, "pids.max", l->pids > 0 ? buf : "max", err))
			return -1;
	}
	if (l->devices && json_array_size(l->devices) &&
	    (need(cg, "devices", &d, err) || v1_devices(d, l->devices, err)))
		return -1;
	return 0;
}
