/* persona: checking OCI linux.resources into struct limits (see cgroup.h
 * for the fields used and their meanings). */
#include "isolation/cgroup_private.h"

#include <string.h>

static int get_int(const json_t *obj, const char *where, const char *key, long long *out,
		   struct perr *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return perr_set(err, 0, "linux.resources.%s.%s: must be an integer", where, key);
	*out = json_integer_value(v);
	return 0;
}

static int get_str(const json_t *obj, const char *where, const char *key, const char **out,
		   struct perr *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return perr_set(err, 0, "linux.resources.%s.%s: must be a string", where, key);
	*out = *json_string_value(v) ? json_string_value(v) : NULL;  /* "" = not set, as runc */
	return 0;
}

static int get_obj(const json_t *res, const char *key, const json_t **out, struct perr *err)
{
	const json_t *v = json_object_get(res, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return perr_set(err, 0, "linux.resources.%s: must be an object", key);
	*out = v;
	return 0;
}

static int check_devices(const json_t *devs, struct perr *err)
{
	size_t i;
	const json_t *r;

	if (!json_is_array(devs))
		return perr_set(err, 0, "linux.resources.devices: must be an array");
	json_array_foreach(devs, i, r) {
		const json_t *type = json_object_get(r, "type"), *acc = json_object_get(r, "access");
		const char *ts = json_is_string(type) ? json_string_value(type) : NULL;
		const char *as = json_is_string(acc) ? json_string_value(acc) : NULL;

		if (!json_is_object(r) || !json_is_boolean(json_object_get(r, "allow")))
			return perr_set(err, 0, "linux.resources.devices[%zu]: needs \"allow\": true or false", i);
		if ((type && !ts) || (ts && (strlen(ts) != 1 || !strchr("abc", ts[0]))))
			return perr_set(err, 0, "linux.resources.devices[%zu].type: must be \"a\", \"b\" or \"c\"", i);
		if ((acc && !as) || (as && (!*as || as[strspn(as, "rwm")])))
			return perr_set(err, 0, "linux.resources.devices[%zu].access = \"%s\": must be letters of \"rwm\"",
					i, as ? as : "?");
		for (int k = 0; k < 2; k++) {
			const char *name = k ? "minor" : "major";
			const json_t *n = json_object_get(r, name);

			if (n && !json_is_null(n) && (!json_is_integer(n) || json_integer_value(n) < -1))
				return perr_set(err, 0, "linux.resources.devices[%zu].%s: must be a number >= 0 (or -1 for all)",
						i, name);
		}
	}
	return 0;
}

int pcg_parse_limits(const json_t *res, struct limits *l, struct perr *err)
{
	const json_t *mem, *cpu, *pids;

	memset(l, 0, sizeof(*l));
	if (!res || json_is_null(res))
		return 0;
	if (!json_is_object(res))
		return perr_set(err, 0, "linux.resources: must be an object");
	if (get_obj(res, "memory", &mem, err) || get_obj(res, "cpu", &cpu, err) ||
	    get_obj(res, "pids", &pids, err) ||
	    get_int(mem, "memory", "limit", &l->mem, err) ||
	    get_int(mem, "memory", "swap", &l->swap, err) ||
	    get_int(cpu, "cpu", "shares", &l->shares, err) ||
	    get_int(cpu, "cpu", "quota", &l->quota, err) ||
	    get_int(cpu, "cpu", "period", &l->period, err) ||
	    get_str(cpu, "cpu", "cpus", &l->cpus, err) ||
	    get_str(cpu, "cpu", "mems", &l->mems, err) ||
	    get_int(pids, "pids", "limit", &l->pids, err))
		return -1;
	l->devices = json_object_get(res, "devices");
	if (json_is_null(l->devices))
		l->devices = NULL;
	if (l->devices && check_devices(l->devices, err))
		return -1;

	if (l->mem < -1)
		return perr_set(err, 0, "linux.resources.memory.limit = %lld: must be a byte count, or -1 for unlimited",
				l->mem);
	if (l->swap < -1)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: must be a byte count, or -1 for unlimited",
				l->swap);
	if (l->swap > 0 && l->mem <= 0)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: needs memory.limit too (swap is memory plus swap)",
				l->swap);
	if (l->swap > 0 && l->swap < l->mem)
		return perr_set(err, 0, "linux.resources.memory.swap = %lld: is below memory.limit = %lld (swap is memory plus swap)",
				l->swap, l->mem);
	if (l->shares < 0)
		return perr_set(err, 0, "linux.resources.cpu.shares = %lld: must not be negative", l->shares);
	if (l->quota < -1)
		return perr_set(err, 0, "linux.resources.cpu.quota = %lld: must be microseconds, or -1 for unlimited",
				l->quota);
	if (l->period < 0)
		return perr_set(err, 0, "linux.resources.cpu.period = %lld: must be microseconds", l->period);
	return 0;
}
