/* persona winapi-shim: KUSER_SHARED_DATA, the page Windows maps read-only
 * at 0x7FFE0000 in every process, which some programs read instead of
 * calling (Go's runtime takes nanotime and walltime from its
 * InterruptTime and SystemTime).  Its layout is the one the Windows
 * Driver Kit's ntddk.h documents.  persona maps it only for programs
 * that need it (Go's, recognised by their build ID; see win.c) and keeps
 * the times current from a thread every millisecond, writing each
 * KSYSTEM_TIME as Windows does: High2Time, LowPart, then High1Time, so
 * that a reader that finds High1Time == High2Time has a consistent
 * value. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "winapi-shim/kuser.h"
#include "winapi-shim/teb.h"

#define KUSER_ADDR 0x7ffe0000ul
#define EPOCH_DIFF 116444736000000000ull

/* offsets in KUSER_SHARED_DATA */
#define TICK_COUNT_MULTIPLIER 0x004
#define INTERRUPT_TIME 0x008
#define SYSTEM_TIME 0x014
#define TIME_ZONE_BIAS 0x020
#define NT_MAJOR_VERSION 0x26c
#define NT_MINOR_VERSION 0x270
#define NUMBER_OF_PHYSICAL_PAGES 0x2e8
#define TICK_COUNT 0x320

static volatile uint8_t *page;

static void put_ksystem_time(size_t off, uint64_t v)
{
	volatile uint32_t *t = (volatile uint32_t *)(page + off);
	t[2] = (uint32_t)(v >> 32); /* High2Time */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t[0] = (uint32_t)v;         /* LowPart */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t[1] = (uint32_t)(v >> 32); /* High1Time */
}

static void update(void)
{
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	uint64_t interrupt = (uint64_t)mono.tv_sec * 10000000ull + (uint64_t)mono.tv_nsec / 100;
	put_ksystem_time(INTERRUPT_TIME, interrupt);
	put_ksystem_time(SYSTEM_TIME, (uint64_t)real.tv_sec * 10000000ull + (uint64_t)real.tv_nsec / 100 + EPOCH_DIFF);
	/* TickCount in ticks of TickCountMultiplier / 2^24 ms: 1 ms here */
	put_ksystem_time(TICK_COUNT, interrupt / 10000);
}

static void *ticker(void *arg)
{
	struct timespec ms = { 0, 1000000 };
	for (;;) {
		update();
		while (nanosleep(&ms, NULL) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

int win_kuser_start(void)
{
	if (page)
		return 0;
	void *p = mmap((void *)KUSER_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p == MAP_FAILED || p != (void *)KUSER_ADDR) {
		if (p != MAP_FAILED)
			munmap(p, 4096);
		return -1;
	}
	page = p;
	*(volatile uint32_t *)(page + TICK_COUNT_MULTIPLIER) = 1u << 24;
	*(volatile uint32_t *)(page + NT_MAJOR_VERSION) = 10;
	*(volatile uint32_t *)(page + NT_MINOR_VERSION) = 0;
	update();
	pthread_t t;
	pthread_attr_t pa;
	pthread_attr_init(&pa);
	pthread_attr_setdetachstate(&pa, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&pa, 64 * 1024);
	int e = pthread_create(&t, &pa, ticker, NULL);
	pthread_attr_destroy(&pa);
	return e ? -1 : 0;
}
