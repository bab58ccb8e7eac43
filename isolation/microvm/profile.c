/* persona micro-VM: a sampling profile of the guest, for finding where a
 * boot spends its time (on kvm_pvm every guest kernel instruction costs
 * about a microsecond).  With PERSONA_VM_PROFILE=FILE, a thread kicks
 * every vCPU out of KVM_RUN every millisecond; each vCPU records its RIP;
 * at the end FILE gets vCPU 0's "count rip" lines, most frequent first,
 * and FILE.N vCPU N's (N > 0).  Symbolise them with the kernel's
 * System.map or `nm vmlinux`.
 *
 * PERSONA_VM_TRACE=MS (with PERSONA_VM_PROFILE) also prints, every MS
 * milliseconds, one line per vCPU on stderr: its RIP, CS, CR0, MP state
 * and the kernel-text-looking words at the top of its stack, for seeing
 * where a vCPU waits (an AP that never leaves its SIPI wait, a spin). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "isolation/microvm/vm.h"

#define PROFILE_SLOTS 65536
#define PROFILE_SIGNAL SIGUSR1
#define TRACE_STACK_WORDS 64

struct profile_slot {
	uint64_t rip, count;
};

struct profile {
	struct vm *vm;
	const char *path;
	pthread_t thread;
	long trace_ms;
	struct timespec t0;
	struct profile_slot *slot[MICROVM_MAX_VCPUS];
	uint64_t lost[MICROVM_MAX_VCPUS];
	uint64_t next_trace_ms[MICROVM_MAX_VCPUS];
};

static uint64_t elapsed_ms(const struct profile *p)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - p->t0.tv_sec) * 1000 + (uint64_t)((now.tv_nsec - p->t0.tv_nsec) / 1000000);
}

static void *profile_thread(void *arg)
{
	struct profile *p = arg;
	struct timespec ts = { 0, 1000000 };

	while (!atomic_load(&p->vm->stopping)) {
		nanosleep(&ts, NULL);
		for (int i = 0; i < p->vm->nvcpus; i++)
			if (p->vm->vcpus[i].started)
				pthread_kill(p->vm->vcpus[i].thread, PROFILE_SIGNAL);
	}
	return NULL;
}

static const char *mp_state_name(uint32_t s)
{
	static const char *const names[] = { "RUNNABLE", "UNINITIALIZED", "INIT_RECEIVED", "HALTED",
					     "SIPI_RECEIVED", "STOPPED", "CHECK_STOP", "OPERATING", "LOAD" };
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void trace_vcpu(struct profile *p, struct vcpu *v, const struct kvm_regs *regs, uint64_t ms)
{
	struct kvm_sregs sregs;
	struct kvm_mp_state mp = { 0 };
	char stack[TRACE_STACK_WORDS * 20] = "", insn[48] = "";
	size_t n = 0, m = 0;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return;
	ioctl(v->fd, KVM_GET_MP_STATE, &mp);
	for (int i = 0; i < TRACE_STACK_WORDS && (sregs.cr0 & 0x80000000ULL); i++) {
		struct kvm_translation tr = { .linear_address = regs->rsp + (uint64_t)i * 8 };
		uint64_t w;
		uint8_t *q;
		if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid ||
		    !(q = vm_gpa(p->vm, tr.physical_address, 8)))
			break;
		memcpy(&w, q, 8);
		if ((w >> 32) == 0xffffffffULL && w >= 0xffffffff81000000ULL && w < 0xffffffffa0000000ULL)
			n += (size_t)snprintf(stack + n, sizeof(stack) - n, " %llx", (unsigned long long)w);
	}
	struct kvm_translation tr = { .linear_address = sregs.cs.base + regs->rip };
	uint8_t *b;
	if (ioctl(v->fd, KVM_TRANSLATE, &tr) == 0 && tr.valid && (b = vm_gpa(p->vm, tr.physical_address, 8)))
		for (int i = 0; i < 8; i++)
			m += (size_t)snprintf(insn + m, sizeof(insn) - m, "%s%02x", i ? " " : "", b[i]);
	fprintf(stderr,
		"trace %6llu ms vcpu %d %s rip %llx [%s] cs %x/%llx cr0 %llx rflags %llx rax %llx rsp %llx stack:%s\n",
		(unsigned long long)ms, v->id, mp_state_name(mp.mp_state), (unsigned long long)regs->rip, insn,
		sregs.cs.selector, (unsigned long long)sregs.cs.base, (unsigned long long)sregs.cr0,
		(unsigned long long)regs->rflags, (unsigned long long)regs->rax, (unsigned long long)regs->rsp, stack);
}

void profile_sample(struct vm *vm, struct vcpu *v)
{
	struct profile *p = vm->profile;
	struct kvm_regs regs;

	if (!p || ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return;
	if (p->trace_ms > 0) {
		uint64_t ms = elapsed_ms(p);
		if (ms >= p->next_trace_ms[v->id]) {
			p->next_trace_ms[v->id] = ms + (uint64_t)p->trace_ms;
			trace_vcpu(p, v, &regs, ms);
		}
	}
	struct profile_slot *slot = p->slot[v->id];
	uint64_t h = (regs.rip * 0x9e3779b97f4a7c15ULL) >> 48;
	for (int i = 0; i < 64; i++) {
		struct profile_slot *s = &slot[(h + (uint64_t)i) % PROFILE_SLOTS];
		if (s->count == 0 || s->rip == regs.rip) {
			s->rip = regs.rip;
			s->count++;
			return;
		}
	}
	p->lost[v->id]++;
}

static void profile_free(struct profile *p)
{
	for (int i = 0; i < MICROVM_MAX_VCPUS; i++)
		free(p->slot[i]);
	free(p);
}

int profile_start(struct vm *vm)
{
	const char *path = getenv("PERSONA_VM_PROFILE");
	const char *trace = getenv("PERSONA_VM_TRACE");
	struct profile *p;

	if (!path || !*path)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->vm = vm;
	p->path = path;
	p->trace_ms = trace ? strtol(trace, NULL, 10) : 0;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	for (int i = 0; i < vm->nvcpus; i++)
		if (!(p->slot[i] = calloc(PROFILE_SLOTS, sizeof(struct profile_slot)))) {
			profile_free(p);
			return -1;
		}
	vm->profile = p;
	if (pthread_create(&p->thread, NULL, profile_thread, p) != 0) {
		vm->profile = NULL;
		profile_free(p);
		return -1;
	}
	return 0;
}

static int by_count(const void *a, const void *b)
{
	const struct profile_slot *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

void profile_stop(struct vm *vm)
{
	struct profile *p = vm->profile;

	if (!p)
		return;
	pthread_join(p->thread, NULL);
	for (int v = 0; v < vm->nvcpus; v++) {
		char path[4096];
		if (v == 0)
			snprintf(path, sizeof(path), "%s", p->path);
		else
			snprintf(path, sizeof(path), "%s.%d", p->path, v);
		qsort(p->slot[v], PROFILE_SLOTS, sizeof(p->slot[v][0]), by_count);
		FILE *f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "persona: vm: profile %s: %s\n", path, strerror(errno));
			continue;
		}
		for (int i = 0; i < PROFILE_SLOTS && p->slot[v][i].count; i++)
			fprintf(f, "%llu %llx\n", (unsigned long long)p->slot[v][i].count,
				(unsigned long long)p->slot[v][i].rip);
		fclose(f);
	}
	vm->profile = NULL;
	profile_free(p);
}
