/* persona: docker-style command-line value parsing (see parse.h). */
#include "common/parse.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Accumulate decimal digits from *p into *v; false on overflow of `max`.
 * Stops at the first non-digit; *ndigits counts what was consumed. */
static bool take_digits(const char **p, uint64_t max, uint64_t *v, size_t *ndigits)
{
	uint64_t acc = 0;
	size_t n = 0;
	bool ok = true;

	for (; is_digit(**p); (*p)++, n++) {
		unsigned d = (unsigned)(**p - '0');
		if (acc > (max - d) / 10)
			ok = false;
		else
			acc = acc * 10 + d;
	}
	*v = acc;
	*ndigits = n;
	return ok;
}

int parse_uint64(const char *s, uint64_t *out, struct perr *err)
{
	const char *p = s;
	uint64_t v;
	size_t n;

	if (!s || !*s)
		return perr_set(err, 0, "\"\": not a number");
	if (!take_digits(&p, UINT64_MAX, &v, &n)) {
		if (!*p)
			return perr_set(err, 0, "\"%s\": too large (more than %llu)", s,
					(unsigned long long)UINT64_MAX);
	}
	if (n == 0 || *p)
		return perr_set(err, 0, "\"%s\": not a non-negative decimal integer", s);
	*out = v;
	return 0;
}

int parse_int64(const char *s, int64_t *out, struct perr *err)
{
	const char *p = s;
	bool neg;
	uint64_t v, max;
	size_t n;

	if (!s || !*s)
		return perr_set(err, 0, "\"\": not a number");
	neg = *p == '-';
	if (neg)
		p++;
	/* The magnitude of INT64_MIN is one more than INT64_MAX. */
	max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	bool fits = take_digits(&p, max, &v, &n);
	if (n == 0 || *p)
		return perr_set(err, 0, "\"%s\": not a decimal integer", s);
	if (!fits)
		return perr_set(err, 0, "\"%s\": out of range for a 64-bit integer", s);
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* ---- sizes ---- */

static int size_unit(const char *s, const char *sfx, uint64_t *mul, struct perr *err)
{
	static const char units[] = "kmgtp";
	char lc[4] = "";
	size_t len = strlen(sfx);
	const char *u;

	if (len == 0) {
		*mul = 1;
		return 0;
	}
	if (len > 3)
		goto bad;
	for (size_t i = 0; i < len; i++)
		lc[i] = (char)tolower((unsigned char)sfx[i]);
	if (lc[0] == 'b') {
		if (len != 1)
			goto bad;
		*mul = 1;
		return 0;
	}
	u = lc[0] ? strchr(units, lc[0]) : NULL;
	if (!u)
		goto bad;
	if ((len == 2 && strcmp(lc + 1, "b")) || (len == 3 && strcmp(lc + 1, "ib")))
		goto bad;
	*mul = (uint64_t)1 << (10 * (u - units + 1));
	return 0;
bad:
	return perr_set(err, 0, "\"%s\": unknown unit \"%s\" (use b, k, m, g, t or p)", s, sfx);
}

int parse_size(const char *s, bool allow_minus_one, int64_t *bytes, struct perr *err)
{
	const char *p = s;
	uint64_t ip = 0, frac = 0, denom = 1, mul = 1;
	size_t nip = 0, nfrac = 0;
	bool ip_ok;

	if (!s || !*s)
		return perr_set(err, 0, "\"\": not a size (a number with an optional unit b, k, m, g)");
	if (allow_minus_one && !strcmp(s, "-1")) {
		*bytes = -1;
		return 0;
	}
	if (*p == '-' && (is_digit(p[1]) || p[1] == '.'))
		return perr_set(err, 0, "\"%s\": a size cannot be negative", s);

	ip_ok = take_digits(&p, UINT64_MAX, &ip, &nip);
	if (*p == '.') {
		p++;
		/* Digits past the 19th only change sub-byte amounts (1 PiB *
		 * 1e-19 < 1 byte), so they are read and dropped. */
		for (; is_digit(*p); p++, nfrac++) {
			if (nfrac < 19) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				denom *= 10;
			}
		}
	}
	if (nip + nfrac == 0)
		return perr_set(err, 0, "\"%s\": not a size (a number with an optional unit b, k, m, g)", s);
	/* go-units allows one space between the number and the unit. */
	if (*p == ' ' && p[1] && p[1] != ' ')
		p++;
	for (const char *q = p; *q; q++)
		if (!isalpha((unsigned char)*q))
			return perr_set(err, 0, "\"%s\": not a size (a number with an optional unit b, k, m, g)", s);
	if (size_unit(s, p, &mul, err) < 0)
		return -1;

	unsigned __int128 total = (unsigned __int128)ip * mul
				  + (unsigned __int128)frac * mul / denom;
	if (!ip_ok || total > (unsigned __int128)INT64_MAX)
		return perr_set(err, 0, "\"%s\": too large (at most 8 EiB)", s);
	*bytes = (int64_t)total;
	return 0;
}

/* ---- CPUs ---- */

static long online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

int parse_cpus(const char *s, int64_t *nano_cpus, struct perr *err)
{
	const char *p = s;
	uint64_t ip = 0, frac = 0;
	size_t nip = 0, nfrac = 0, last_nonzero = 0;
	bool neg = false, ip_ok;
	long ncpu = online_cpus();
	char fdigits[10] = "";

	if (!s || !*s)
		return perr_set(err, 0, "\"\": not a number of CPUs");
	if (*p == '-') {
		neg = true;
		p++;
	}
	ip_ok = take_digits(&p, UINT64_MAX, &ip, &nip);
	if (*p == '.') {
		p++;
		for (; is_digit(*p); p++) {
			nfrac++;
			if (*p != '0')
				last_nonzero = nfrac;
			if (nfrac <= 9)
				fdigits[nfrac - 1] = *p;
		}
	}
	if (nip + nfrac == 0 || *p)
		return perr_set(err, 0, "\"%s\": not a number of CPUs (a decimal such as 1.5)", s);
	/* docker/cli computes value * 1e9 exactly and refuses a remainder. */
	if (last_nonzero > 9)
		return perr_set(err, 0, "\"%s\": value is too precise (at most 9 decimal places)", s);
	for (size_t i = 0; i < 9; i++)
		frac = frac * 10 + (uint64_t)(fdigits[i] ? fdigits[i] - '0' : 0);

	/* Any integer part above the CPU count fails the range check below;
	 * clamping first keeps the multiplication from overflowing. */
	if (!ip_ok || ip > (uint64_t)ncpu + 1)
		ip = (uint64_t)ncpu + 1;
	int64_t nano = (int64_t)(ip * 1000000000ULL + frac);
	if (neg)
		nano = -nano;
	if (nano < 10000000 || nano > (int64_t)ncpu * 1000000000LL)
		return perr_set(err, 0,
				"\"%s\": range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
				s, ncpu, ncpu);
	*nano_cpus = nano;
	return 0;
}

/* ---- signals ---- */

static const struct {
	const char *name;
	int signo;
} signal_names[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },
	{ "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "FPE", SIGFPE }, { "HUP", SIGHUP }, { "ILL", SIGILL },
	{ "INT", SIGINT }, { "IO", SIGIO }, { "IOT", SIGIOT },
	{ "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },
	{ "PROF", SIGPROF }, { "PWR", SIGPWR }, { "QUIT", SIGQUIT },
	{ "SEGV", SIGSEGV }, { "STKFLT", SIGSTKFLT }, { "STOP", SIGSTOP },
	{ "SYS", SIGSYS }, { "TERM", SIGTERM }, { "TRAP", SIGTRAP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },
};

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" -> signal number, or 0. */
static int realtime_signal(const char *name)
{
	bool from_min = !strncmp(name, "RTMIN", 5);
	const char *p = name + 5;
	uint64_t off = 0;
	size_t n;

	if (!from_min && strncmp(name, "RTMAX", 5))
		return 0;
	if (*p) {
		if (*p != (from_min ? '+' : '-'))
			return 0;
		p++;
		if (!take_digits(&p, 1000, &off, &n) || n == 0 || *p)
			return 0;
	}
	if (off > (uint64_t)(SIGRTMAX - SIGRTMIN))
		return 0;
	return from_min ? SIGRTMIN + (int)off : SIGRTMAX - (int)off;
}

int parse_signal(const char *s, int *signo, struct perr *err)
{
	char up[32];
	const char *name;
	size_t len;

	if (!s || !*s)
		return perr_set(err, 0, "\"\": not a signal");
	if (is_digit(*s)) {
		uint64_t v;
		const char *p = s;
		size_t n;
		bool fits = take_digits(&p, UINT64_MAX, &v, &n);
		if (*p)
			return perr_set(err, 0, "\"%s\": invalid signal", s);
		if (!fits || v < 1 || v > (uint64_t)SIGRTMAX)
			return perr_set(err, 0, "\"%s\": invalid signal (numbers go from 1 to %d)",
					s, SIGRTMAX);
		*signo = (int)v;
		return 0;
	}
	len = strlen(s);
	if (len >= sizeof(up))
		return perr_set(err, 0, "\"%.40s...\": invalid signal", s);
	for (size_t i = 0; i <= len; i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	name = strncmp(up, "SIG", 3) ? up : up + 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (!strcmp(name, signal_names[i].name)) {
			*signo = signal_names[i].signo;
			return 0;
		}
	}
	int rt = realtime_signal(name);
	if (rt > 0) {
		*signo = rt;
		return 0;
	}
	return perr_set(err, 0, "\"%s\": invalid signal", s);
}

/* ---- id lists (cpuset.cpus, cpuset.mems) ---- */

static int id_list(const char *s, uint64_t limit, const char *what, const char *avail,
		   struct perr *err)
{
	const char *p = s;

	if (!s)
		return perr_set(err, 0, "\"\": not a list of %ss", what);
	if (!*s)
		return 0;
	for (;;) {
		const char *part = p, *end;
		uint64_t lo, hi;
		size_t n;
		bool ok = take_digits(&p, UINT64_MAX, &lo, &n) && n > 0;

		hi = lo;
		if (ok && *p == '-') {
			p++;
			ok = take_digits(&p, UINT64_MAX, &hi, &n) && n > 0;
		}
		end = strchr(part, ',');
		if (!end)
			end = part + strlen(part);
		if (!ok || p != end)
			return perr_set(err, 0, "\"%s\": invalid part \"%.*s\" (want ids and ranges such as 0-2,4)",
					s, (int)(end - part), part);
		if (hi < lo)
			return perr_set(err, 0, "\"%s\": range \"%.*s\" ends before it starts",
					s, (int)(end - part), part);
		if (hi >= limit)
			return perr_set(err, 0, "\"%s\": %s %llu is not available (%s)", s, what,
					(unsigned long long)hi, avail);
		if (!*p)
			return 0;
		p++; /* the ',' */
		if (!*p)
			return perr_set(err, 0, "\"%s\": trailing comma", s);
	}
}

int parse_id_list(const char *s, uint64_t limit, struct perr *err)
{
	char avail[64];

	snprintf(avail, sizeof(avail), "ids must be below %llu", (unsigned long long)limit);
	return id_list(s, limit, "id", avail, err);
}

int parse_cpuset(const char *s, struct perr *err)
{
	long n = online_cpus();
	char avail[96];

	if (n == 1)
		snprintf(avail, sizeof(avail), "this host has 1 online CPU: 0");
	else
		snprintf(avail, sizeof(avail), "this host has %ld online CPUs: 0-%ld", n, n - 1);
	return id_list(s, (uint64_t)n, "CPU", avail, err);
}
