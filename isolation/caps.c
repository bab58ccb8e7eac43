/* persona: Linux capabilities of the container process (see caps.h). */
#include "isolation/caps.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/cleanup.h"

const char *const caps_docker_default[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
	NULL,
};

/* The sets of an OCI process.capabilities object, as bit masks; the masks
 * hold 64 capabilities and the kernel has 41 (6.x). */
enum { SET_BOUNDING, SET_EFFECTIVE, SET_INHERITABLE, SET_PERMITTED, SET_AMBIENT, NSETS };
static const char *const set_keys[NSETS] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

#define BIT(c) ((uint64_t)1 << (c))

static int kernel_caps(void)
{
	int n = (int)cap_max_bits();
	return n > 64 ? 64 : n;
}

/* The canonical name of capability `c` into buf ("CAP_CHOWN"); false when
 * libcap has no name for it (it prints such ones as numbers). */
static bool cap_name(int c, char *buf, size_t len)
{
	char *n = cap_to_name((cap_value_t)c);
	bool ok = n && !isdigit((unsigned char)n[0]) && strlen(n) < len;

	if (ok) {
		for (size_t i = 0; n[i]; i++)
			buf[i] = (char)toupper((unsigned char)n[i]);
		buf[strlen(n)] = '\0';
	}
	cap_free(n);
	return ok;
}

/* Capability number of canonical-form `name` ("CAP_X", any case).
 * Returns -1 and fills err, as `<where>"NAME": unknown capability`, when
 * the name is unknown or the running kernel lacks it. */
static int cap_lookup(const char *where, const char *name, struct perr *err)
{
	char lc[64];
	cap_value_t v;
	size_t len = strlen(name);

	if (len < 5 || len >= sizeof(lc) || strncasecmp(name, "CAP_", 4))
		return perr_set(err, 0, "%s\"%s\": unknown capability", where, name);
	for (size_t i = 0; i <= len; i++)
		lc[i] = (char)tolower((unsigned char)name[i]);
	/* cap_from_name also takes bare numbers; with the prefix required,
	 * only "cap_<digits>" could slip through, and libcap refuses it. */
	if (cap_from_name(lc, &v) < 0 || isdigit((unsigned char)lc[4]))
		return perr_set(err, 0, "%s\"%s\": unknown capability", where, name);
	if (v < 0 || (int)v >= kernel_caps())
		return perr_set(err, 0, "%s\"%s\": unknown capability (the running kernel does not "
				"support it)", where, name);
	return (int)v;
}

static bool in_bounding(int c)
{
	return cap_get_bound((cap_value_t)c) == 1;
}

/* ---- docker flags -> list ---- */

/* One --cap-add/--cap-drop list as a mask; *all set when "ALL" is in it. */
static int flag_mask(const char *flag, const char *const *v, size_t n, uint64_t *mask,
		     bool *all, struct perr *err)
{
	*mask = 0;
	*all = false;
	for (size_t i = 0; i < n; i++) {
		char canon[64], where[32];
		int c;

		if (!v[i] || !v[i][0])
			return perr_set(err, 0, "%s \"\": unknown capability", flag);
		if (!strcasecmp(v[i], "ALL")) {
			*all = true;
			continue;
		}
		snprintf(canon, sizeof(canon), "%s%s",
			 strncasecmp(v[i], "CAP_", 4) ? "CAP_" : "", v[i]);
		for (char *p = canon; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		snprintf(where, sizeof(where), "%s ", flag);
		c = cap_lookup(where, canon, err);
		if (c < 0)
			return -1;
		*mask |= BIT(c);
	}
	return 0;
}

static uint64_t available_mask(void)
{
	uint64_t m = 0;
	char buf[64];

	for (int c = 0; c < kernel_caps(); c++)
		if (in_bounding(c) && cap_name(c, buf, sizeof(buf)))
			m |= BIT(c);
	return m;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int caps_compute(const char *const *add, size_t nadd, const char *const *drop, size_t ndrop,
		 bool privileged, char ***names_out, size_t *n_out, struct perr *err)
{
	uint64_t addm, dropm, result = 0;
	bool add_all, drop_all;
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;

	if (privileged) {
		result = available_mask();
	} else {
		if (flag_mask("--cap-drop", drop, ndrop, &dropm, &drop_all, err) < 0 ||
		    flag_mask("--cap-add", add, nadd, &addm, &add_all, err) < 0)
			return -1;
		if (add_all) {
			result = available_mask() & ~dropm;
		} else if (drop_all) {
			result = addm;
		} else {
			for (size_t i = 0; caps_docker_default[i]; i++) {
				int c = cap_lookup("", caps_docker_default[i], err);
				if (c < 0)
					return -1;
				result |= BIT(c);
			}
			result = (result & ~dropm) | addm;
		}
	}

	names = calloc(65, sizeof(char *));
	if (!names)
		return perr_set(err, ENOMEM, "capabilities");
	for (int c = 0; c < 64; c++) {
		char buf[64];
		if (!(result & BIT(c)) || !cap_name(c, buf, sizeof(buf)))
			continue;
		names[n] = strdup(buf);
		if (!names[n])
			return perr_set(err, ENOMEM, "capabilities");
		n++;
	}
	qsort(names, n, sizeof(char *), cmp_str);
	*names_out = steal_ptr(names);
	*n_out = n;
	return 0;
}

static json_t *names_array(char *const *names, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++) {
		if (json_array_append_new(list, json_string(names[i])) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

json_t *caps_oci_object(char *const *names, size_t n, uid_t uid)
{
	json_t *obj = json_object();

	if (!obj || json_object_set_new(obj, "bounding", names_array(names, n)) < 0)
		goto fail;
	/* Separate arrays per key, so editing one set never edits another. */
	if (uid == 0 &&
	    (json_object_set_new(obj, "effective", names_array(names, n)) < 0 ||
	     json_object_set_new(obj, "permitted", names_array(names, n)) < 0))
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/* ---- OCI object -> masks ---- */

static int oci_masks(const json_t *oci_caps, uint64_t m[NSETS], struct perr *err)
{
	memset(m, 0, NSETS * sizeof(m[0]));
	if (!oci_caps || json_is_null(oci_caps))
		return 0;
	if (!json_is_object(oci_caps))
		return perr_set(err, 0, "process.capabilities: not an object");
	for (int s = 0; s < NSETS; s++) {
		const json_t *list = json_object_get(oci_caps, set_keys[s]), *v;
		size_t i;

		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return perr_set(err, 0, "process.capabilities.%s: not an array of names",
					set_keys[s]);
		json_array_foreach(list, i, v) {
			int c;
			if (!json_is_string(v))
				return perr_set(err, 0, "process.capabilities.%s[%zu]: not a string",
						set_keys[s], i);
			char where[64];
			snprintf(where, sizeof(where), "process.capabilities.%s: ", set_keys[s]);
			c = cap_lookup(where, json_string_value(v), err);
			if (c < 0)
				return -1;
			m[s] |= BIT(c);
		}
	}
	return 0;
}

/* The lowest capability in mask, named, for error messages. */
static const char *first_name(uint64_t mask, char *buf, size_t len)
{
	for (int c = 0; c < 64; c++)
		if ((mask & BIT(c)) && cap_name(c, buf, len))
			return buf;
	snprintf(buf, len, "capability %d", __builtin_ctzll(mask));
	return buf;
}

static int proc_mask(cap_flag_t flag, uint64_t *mask, struct perr *err)
{
	cap_t cur = cap_get_proc();

	if (!cur)
		return perr_set(err, errno, "read persona's own capabilities");
	*mask = 0;
	for (int c = 0; c < kernel_caps(); c++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(cur, (cap_value_t)c, flag, &v) == 0 && v == CAP_SET)
			*mask |= BIT(c);
	}
	cap_free(cur);
	return 0;
}

static int check_masks(const uint64_t m[NSETS], struct perr *err)
{
	uint64_t bnd = 0, prm, inh, bad;
	char buf[64];

	for (int c = 0; c < kernel_caps(); c++)
		if (in_bounding(c))
			bnd |= BIT(c);
	if (proc_mask(CAP_PERMITTED, &prm, err) < 0 || proc_mask(CAP_INHERITABLE, &inh, err) < 0)
		return -1;

	/* The kernel's rules (capabilities(7), capset(2)): the bounding set
	 * only shrinks, the permitted set never grows, the inheritable set
	 * grows only within the bounding set.  What persona lacks, the
	 * container cannot get. */
	if ((bad = m[SET_BOUNDING] & ~bnd) || (bad = m[SET_INHERITABLE] & ~(bnd | inh)))
		return perr_set(err, 0, "process.capabilities: %s is not available: persona's own "
				"bounding set does not have it", first_name(bad, buf, sizeof(buf)));
	if ((bad = m[SET_PERMITTED] & ~prm))
		return perr_set(err, 0, "process.capabilities: %s is not available: persona itself "
				"does not hold it", first_name(bad, buf, sizeof(buf)));
	if (((bnd & ~m[SET_BOUNDING]) || (m[SET_INHERITABLE] & ~(prm | inh))) &&
	    !(prm & BIT(CAP_SETPCAP)))
		return perr_set(err, 0, "process.capabilities: changing the bounding or inheritable "
				"set needs CAP_SETPCAP, which persona does not hold");
	if ((bad = m[SET_EFFECTIVE] & ~m[SET_PERMITTED]))
		return perr_set(err, 0, "process.capabilities: effective %s is not in the permitted set",
				first_name(bad, buf, sizeof(buf)));
	if ((bad = m[SET_INHERITABLE] & ~m[SET_BOUNDING] & ~inh))
		return perr_set(err, 0, "process.capabilities: inheritable %s is not in the bounding set",
				first_name(bad, buf, sizeof(buf)));
	if ((bad = m[SET_AMBIENT] & ~(m[SET_PERMITTED] & m[SET_INHERITABLE])))
		return perr_set(err, 0, "process.capabilities: ambient %s is not in both the permitted "
				"and the inheritable set", first_name(bad, buf, sizeof(buf)));
	return 0;
}

int caps_check(const json_t *oci_caps, struct perr *err)
{
	uint64_t m[NSETS];

	if (oci_masks(oci_caps, m, err) < 0)
		return -1;
	return check_masks(m, err);
}

/* ---- applying ---- */

static int set_proc_masks(uint64_t eff, uint64_t prm, uint64_t inh, struct perr *err)
{
	cap_t c = cap_init();
	int ret = 0;

	if (!c)
		return perr_set(err, errno, "capabilities");
	for (int i = 0; i < kernel_caps() && ret == 0; i++) {
		cap_value_t v = (cap_value_t)i;
		if (((eff & BIT(i)) && cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0) ||
		    ((prm & BIT(i)) && cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0) ||
		    ((inh & BIT(i)) && cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) < 0))
			ret = perr_set(err, errno, "capabilities");
	}
	if (ret == 0 && cap_set_proc(c) < 0)
		ret = perr_set(err, errno, "set the process capabilities (capset)");
	cap_free(c);
	return ret;
}

int caps_apply(const json_t *oci_caps, struct perr *err)
{
	uint64_t m[NSETS], prm, cur_inh;
	char buf[64];

	if (oci_masks(oci_caps, m, err) < 0)
		return -1;
	/* Check against what we hold before changing anything, so a bad
	 * spec fails whole rather than half-applied. */
	if (check_masks(m, err) < 0)
		return -1;
	if (proc_mask(CAP_PERMITTED, &prm, err) < 0 || proc_mask(CAP_INHERITABLE, &cur_inh, err) < 0)
		return -1;

	/* After setuid the effective set is empty even with KEEPCAPS;
	 * PR_CAPBSET_DROP needs CAP_SETPCAP effective, so raise all that is
	 * permitted for the time of the change. */
	if (set_proc_masks(prm, prm, cur_inh, err) < 0)
		return perr_prefix(err, "raise the permitted capabilities");

	for (int c = 0; c < kernel_caps(); c++) {
		if ((m[SET_BOUNDING] & BIT(c)) || !in_bounding(c))
			continue;
		if (cap_drop_bound((cap_value_t)c) < 0) {
			int e = errno;
			if (!cap_name(c, buf, sizeof(buf)))
				snprintf(buf, sizeof(buf), "capability %d", c);
			return perr_set(err, e, "drop %s from the bounding set", buf);
		}
	}

	/* Ambient capabilities from before would survive into the workload
	 * if still permitted and inheritable; start from none. */
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return perr_set(err, errno, "clear the ambient capabilities");

	if (set_proc_masks(m[SET_EFFECTIVE], m[SET_PERMITTED], m[SET_INHERITABLE], err) < 0)
		return -1;

	for (int c = 0; c < kernel_caps(); c++) {
		if (!(m[SET_AMBIENT] & BIT(c)))
			continue;
		if (cap_set_ambient((cap_value_t)c, CAP_SET) < 0) {
			int e = errno;
			if (!cap_name(c, buf, sizeof(buf)))
				snprintf(buf, sizeof(buf), "capability %d", c);
			return perr_set(err, e, "raise ambient %s", buf);
		}
	}
	return 0;
}

/* setgroups(2) is refused in a user namespace whose setgroups file says
 * "deny" (user_namespaces(7)); an empty list is then simply left alone. */
static bool setgroups_denied(void)
{
	_cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	char buf[16] = "";

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return false;
	return !strncmp(buf, "deny", 4);
}

int caps_apply_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
		    const json_t *oci_caps, struct perr *err)
{
	uint64_t m[NSETS];

	/* Validate first: after setresuid there is no way back. */
	if (oci_masks(oci_caps, m, err) < 0 || check_masks(m, err) < 0)
		return -1;

	/* Without KEEPCAPS, leaving uid 0 clears the permitted set and
	 * caps_apply could grant nothing (capabilities(7), "Effect of user ID
	 * changes on capabilities"). */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return perr_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	if (ngroups > 0 || !setgroups_denied()) {
		if (setgroups(ngroups, ngroups ? groups : NULL) < 0)
			return perr_set(err, errno, "setgroups (%zu supplementary groups)", ngroups);
	}
	/* gid before uid: after the uid change we may no longer hold
	 * CAP_SETGID in the effective set. */
	if (setresgid(gid, gid, gid) < 0)
		return perr_set(err, errno, "setresgid %lu", (unsigned long)gid);
	if (setresuid(uid, uid, uid) < 0)
		return perr_set(err, errno, "setresuid %lu", (unsigned long)uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return perr_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return caps_apply(oci_caps, err);
}
