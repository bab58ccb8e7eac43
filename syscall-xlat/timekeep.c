/* persona syscall-xlat: the FreeBSD timekeep page (see timekeep.h).
 *
 * The guest computes, for the current timehands th:
 *   uptime   = th_offset + th_scale * ((uint32(tsc >> th_x86_shift) - th_offset_count) & mask)
 *   realtime = uptime + th_boottime
 * in bintime (seconds + 2^-64 fractions).  th_scale * delta is a 64-bit
 * product, so it overflows once one second has passed since th_offset was
 * written: FreeBSD's kernel rewinds the timehands every clock tick.  Here a
 * refresh thread does it every XLAT_TK_PERIOD_NS (50 ms).  Each refresh:
 *   - keeps the guest's clock continuous: the new th_offset is the value the
 *     current timehands give at the refresh's TSC reading;
 *   - estimates the TSC frequency against Linux CLOCK_MONOTONIC over the
 *     whole run (the baseline grows, so the estimate tightens);
 *   - slews: the new scale runs the guest clock up to 500 ppm fast or slow
 *     so that the gap to Linux's CLOCK_MONOTONIC closes over ~250 ms; a
 *     guest clock more than 1 ms behind (the thread was not scheduled) is
 *     stepped forward; it is never stepped back;
 *   - sets th_boottime = Linux CLOCK_REALTIME - CLOCK_MONOTONIC, rewritten
 *     only when it moves by more than 20 us (a step of the host clock), so
 *     REALTIME follows Linux's settimeofday/NTP.
 * Writers use FreeBSD's protocol: fill timehands[(current + 1) % 4] with
 * th_gen 0, then store a new non-zero th_gen, then tk_current. */
#include "syscall-xlat/timekeep.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <x86intrin.h>

struct bsd_bintime {
	int64_t sec;
	uint64_t frac;
};

struct bsd_vdso_timehands {
	uint32_t th_algo;
	uint32_t th_gen;
	uint64_t th_scale;
	uint32_t th_offset_count;
	uint32_t th_counter_mask;
	struct bsd_bintime th_offset;
	struct bsd_bintime th_boottime;
	uint32_t th_x86_shift;
	uint32_t th_x86_hpet_idx;
	uint32_t th_res[6];
};

#define BSD_VDSO_TH_NUM 4
struct bsd_vdso_timekeep {
	uint32_t tk_ver;
	uint32_t tk_enabled;
	uint32_t tk_current;
	uint32_t tk_pad;
	struct bsd_vdso_timehands tk_th[BSD_VDSO_TH_NUM];
};

_Static_assert(sizeof(struct bsd_vdso_timehands) == 88, "vdso_timehands is 88 bytes");
_Static_assert(sizeof(struct bsd_vdso_timekeep) == 16 + 4 * 88, "vdso_timekeep");

#define BSD_VDSO_TK_VER_CURR 1
#define BSD_VDSO_TH_ALGO_X86_TSC 1

#define XLAT_TK_PERIOD_NS 50000000L   /* refresh period */
#define XLAT_TK_SLEW_MAX 500e-6       /* most the slew changes the rate */
#define XLAT_TK_SLEW_HORIZON 0.25     /* seconds to close a gap */
#define XLAT_TK_STEP_NS 1000000L      /* behind by more: step forward */
#define XLAT_TK_BOOT_NS 20000L        /* boottime moves by more: rewrite */

static struct bsd_vdso_timekeep *tk;
static unsigned int tk_shift;
static uint32_t tk_gen;
/* Writer state (the refresh thread only, after start). */
static uint64_t base_c;               /* shifted counter at calibration start */
static int64_t base_ns;               /* Linux CLOCK_MONOTONIC then */
static double freq;                   /* shifted-counter ticks per second */
static uint64_t anchor_c;             /* the current timehands' offset_count, 64-bit */
static struct bsd_bintime anchor_bt;  /* and offset */
static uint64_t anchor_scale;
static int64_t boot_ns;
static pthread_t tk_thread;
static volatile int tk_running, tk_stop;

static int64_t ts_ns(const struct timespec *ts) { return ts->tv_sec * 1000000000L + ts->tv_nsec; }

static uint64_t rdtsc_ordered(void)
{
	unsigned int aux;
	return __rdtscp(&aux);
}

/* One (shifted counter, CLOCK_MONOTONIC ns) pair: the narrowest of a few
 * tsc / clock_gettime / tsc windows, the counter taken at its middle. */
static void sample(uint64_t *c, int64_t *ns)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 4; i++) {
		struct timespec ts;
		uint64_t t1 = rdtsc_ordered();
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t t2 = rdtsc_ordered();
		if (t2 - t1 < best) {
			best = t2 - t1;
			*c = (t1 + (t2 - t1) / 2) >> tk_shift;
			*ns = ts_ns(&ts);
		}
	}
}

static int64_t boottime_ns(void)
{
	struct timespec m1, r, m2;
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	return ts_ns(&r) - (ts_ns(&m1) + (ts_ns(&m2) - ts_ns(&m1)) / 2);
}

static struct bsd_bintime ns_to_bt(int64_t ns)
{
	struct bsd_bintime bt;
	bt.sec = ns / 1000000000L;
	int64_t rem = ns % 1000000000L;
	if (rem < 0) {
		rem += 1000000000L;
		bt.sec--;
	}
	bt.frac = (uint64_t)(((unsigned __int128)rem << 64) / 1000000000U);
	return bt;
}

/* As Go converts: sec * 1e9 + (1e9 * (frac >> 32)) >> 32. */
static int64_t bt_to_ns(struct bsd_bintime bt)
{
	return bt.sec * 1000000000L + (int64_t)((1000000000ULL * (bt.frac >> 32)) >> 32);
}

/* The anchor advanced by `delta` counter ticks at `scale`, with no 64-bit
 * overflow (the guest's own product overflows after one second). */
static struct bsd_bintime bt_advance(struct bsd_bintime bt, uint64_t scale, uint64_t delta)
{
	unsigned __int128 add = (unsigned __int128)scale * delta;
	uint64_t lo = (uint64_t)add, old = bt.frac;
	bt.frac += lo;
	bt.sec += (int64_t)(add >> 64) + (bt.frac < old);
	return bt;
}

static uint64_t scale_for(double hz) { return (uint64_t)(18446744073709551616.0 / hz); }

static void publish(uint64_t c, struct bsd_bintime offset, uint64_t scale, int64_t boot)
{
	uint32_t next = (tk->tk_current + 1) % BSD_VDSO_TH_NUM;
	struct bsd_vdso_timehands *th = &tk->tk_th[next];
	__atomic_store_n(&th->th_gen, 0, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	th->th_algo = BSD_VDSO_TH_ALGO_X86_TSC;
	th->th_scale = scale;
	th->th_offset_count = (uint32_t)c;
	th->th_counter_mask = 0xffffffffU;
	th->th_offset = offset;
	th->th_boottime = ns_to_bt(boot);
	th->th_x86_shift = tk_shift;
	th->th_x86_hpet_idx = 0;
	if (++tk_gen == 0)
		tk_gen = 1;
	__atomic_store_n(&th->th_gen, tk_gen, __ATOMIC_RELEASE);
	__atomic_store_n(&tk->tk_current, next, __ATOMIC_RELEASE);
	anchor_c = c;
	anchor_bt = offset;
	anchor_scale = scale;
}

static void refresh(void)
{
	uint64_t c;
	int64_t ns;
	sample(&c, &ns);
	if (ns - base_ns >= 40000000L && c > base_c)
		freq = (double)(c - base_c) * 1e9 / (double)(ns - base_ns);
	struct bsd_bintime g = bt_advance(anchor_bt, anchor_scale, c - anchor_c);
	int64_t err = ns - bt_to_ns(g);
	double adj = 0;
	if (err > XLAT_TK_STEP_NS) {
		g = ns_to_bt(ns); /* forward only */
	} else {
		adj = (double)err / 1e9 / XLAT_TK_SLEW_HORIZON;
		if (adj > XLAT_TK_SLEW_MAX)
			adj = XLAT_TK_SLEW_MAX;
		if (adj < -XLAT_TK_SLEW_MAX)
			adj = -XLAT_TK_SLEW_MAX;
	}
	int64_t b = boottime_ns();
	if (b - boot_ns > XLAT_TK_BOOT_NS || boot_ns - b > XLAT_TK_BOOT_NS)
		boot_ns = b;
	/* Guest runs (1 + adj) times as fast: fewer ticks per guest second. */
	publish(c, g, scale_for(freq / (1 + adj)), boot_ns);
}

/* Are all `words` on the "flags" line of /proc/cpuinfo? */
static int cpu_has_flags(const char *const *words, int n)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return 0;
	static char line[16384];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		char *save = NULL;
		for (char *w = strtok_r(line, " \t\n:", &save); w; w = strtok_r(NULL, " \t\n:", &save))
			for (int i = 0; i < n; i++)
				if (!strcmp(w, words[i]))
					found |= 1 << i;
		break;
	}
	fclose(f);
	return found == (1 << n) - 1;
}

static int tsc_usable(void)
{
	static const char *const cpu[] = { "constant_tsc", "nonstop_tsc", "rdtscp" };
	if (!cpu_has_flags(cpu, 3))
		return 0;
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (!f)
		return 0;
	char cs[64] = "";
	int ok = fgets(cs, sizeof(cs), f) && !strcmp(cs, "tsc\n");
	fclose(f);
	return ok;
}

/* The TSC frequency measured by an earlier run of this boot, kept in
 * HZ_CACHE ("BOOT_ID HZ"), only where no other user can write it (a
 * root-owned directory of mode 0700, as persona's state root is): a wrong
 * value would only skew the guest's clock until the refresh corrects it,
 * but another user must not be able to. */
#define HZ_CACHE_DIR "/run/persona"
#define HZ_CACHE HZ_CACHE_DIR "/.tsc-hz"

static int boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	int ok = f && fgets(out, 40, f) && strlen(out) >= 36;
	if (f)
		fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

static int hz_cache_dir_ok(void)
{
	struct stat sb;
	return geteuid() == 0 && stat(HZ_CACHE_DIR, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == 0 &&
	       !(sb.st_mode & 077);
}

static double hz_cache_read(void)
{
	char id[40], line[128], want[40];
	double hz = 0;
	FILE *f;

	if (!hz_cache_dir_ok() || boot_id(want) < 0 || !(f = fopen(HZ_CACHE, "re")))
		return 0;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%39s %lf", id, &hz) != 2 || strcmp(id, want) ||
	    !(hz > 1e8 && hz < 1e11))
		hz = 0;
	fclose(f);
	return hz;
}

static void hz_cache_write(double hz)
{
	char id[40], tmp[64], text[128];
	int fd, n;

	if (!hz_cache_dir_ok() || boot_id(id) < 0)
		return;
	snprintf(tmp, sizeof(tmp), HZ_CACHE ".%d", (int)getpid());
	n = snprintf(text, sizeof(text), "%s %.1f\n", id, hz);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int ok = write(fd, text, (size_t)n) == n;
	if (close(fd) == 0 && ok && rename(tmp, HZ_CACHE) == 0)
		return;
	unlink(tmp);
}

uint64_t xlat_timekeep_init(void)
{
	const char *env = getenv("PERSONA_XLAT_TIMEKEEP");
	if (tk)
		return (uint64_t)(uintptr_t)tk;
	if (env && !strcmp(env, "0"))
		return 0;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	tk = m;
	tk->tk_ver = BSD_VDSO_TK_VER_CURR;
	tk->tk_enabled = 0;
	tk->tk_current = 0;
	if (!tsc_usable())
		return (uint64_t)(uintptr_t)tk; /* present but disabled: Go uses the syscall */

	/* Counter frequency below 2^31 Hz: the 32-bit counter wraps after
	 * 2 s or more, beyond the 1 s the guest's product allows anyway. */
	uint64_t c1, c2;
	int64_t n1, n2;
	tk_shift = 0;
	sample(&c1, &n1);
	/* A first estimate over 2 ms, refined later; or, when an earlier run
	 * of this boot kept one, a 100 us check of it. */
	double kept = hz_cache_read(), hz;
	int64_t span = kept > 0 ? 100000L : 2000000L;
	do
		sample(&c2, &n2);
	while (n2 - n1 < span);
	hz = (double)(c2 - c1) * 1e9 / (double)(n2 - n1);
	if (kept > 0 && kept > hz * 0.99 && kept < hz * 1.01)
		hz = kept;
	else
		hz_cache_write(hz);
	while (hz / (double)(1UL << tk_shift) >= 2147483648.0)
		tk_shift++;
	freq = hz / (double)(1UL << tk_shift);
	base_c = c1 >> tk_shift;
	base_ns = n1;
	boot_ns = boottime_ns();
	sample(&c2, &n2);
	publish(c2, ns_to_bt(n2), scale_for(freq), boot_ns);
	return (uint64_t)(uintptr_t)tk;
}

uint64_t xlat_timekeep_addr(void) { return (uint64_t)(uintptr_t)tk; }

static void *refresher(void *arg)
{
	(void)arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!tk_stop) {
		next.tv_nsec += XLAT_TK_PERIOD_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (tk_stop)
			break;
		refresh();
		/* Late by more than a period (stopped process): start afresh. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_ns(&now) - ts_ns(&next) > XLAT_TK_PERIOD_NS)
			next = now;
	}
	return NULL;
}

int xlat_timekeep_start(void)
{
	if (!tk || tk_running || tk->tk_current >= BSD_VDSO_TH_NUM || !tk->tk_th[tk->tk_current].th_gen)
		return -1;
	sigset_t all, old;
	sigfillset(&all);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	refresh(); /* before the thread exists: one writer at a time */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int r = pthread_create(&tk_thread, &attr, refresher, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0)
		return -1;
	tk_running = 1;
	__atomic_store_n(&tk->tk_enabled, 1, __ATOMIC_RELEASE);
	return 0;
}

void xlat_timekeep_stop(void)
{
	if (!tk)
		return;
	__atomic_store_n(&tk->tk_enabled, 0, __ATOMIC_RELEASE);
	if (tk_running) {
		tk_stop = 1;
		pthread_join(tk_thread, NULL);
		tk_running = 0;
	}
	munmap(tk, 4096);
	tk = NULL;
}

void xlat_timekeep_forked(void)
{
	if (tk)
		__atomic_store_n(&tk->tk_enabled, 0, __ATOMIC_RELEASE);
}
