/* persona micro-VM: a sampling profile of the guest, for finding where a
 * boot spends its time (on kvm_pvm every guest kernel instruction costs
 * about a microsecond).  With PERSONA_VM_PROFILE=FILE, a thread kicks
 * vCPU 0 out of KVM_RUN every millisecond; the vCPU records its RIP; at
 * the end FILE gets "count rip" lines, most frequent first.  Symbolise
 * them with the kernel's System.map or `nm vmlinux`. */
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

struct profile_slot {
	uint64_t rip, count;
};

struct profile {
	struct vm *vm;
	const char *path;
	pthread_t thread;
	struct profile_slot slot[PROFILE_SLOTS];
	uint64_t lost;
};

static void *profile_thread(void *arg)
{
	struct profile *p = arg;
	struct timespec ts = { 0, 1000000 };

	while (!atomic_load(&p->vm->stopping)) {
		nanosleep(&ts, NULL);
		if (p->vm->vcpus[0].started)
			pthread_kill(p->vm->vcpus[0].thread, PROFILE_SIGNAL);
	}
	return NULL;
}

void profile_sample(struct vm *vm, struct vcpu *v)
{
	struct profile *p = vm->profile;
	struct kvm_regs regs;

	if (!p || v->id != 0 || ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return;
	uint64_t h = (regs.rip * 0x9e3779b97f4a7c15ULL) >> 48;
	for (int i = 0; i < 64; i++) {
		struct profile_slot *s = &p->slot[(h + (uint64_t)i) % PROFILE_SLOTS];
		if (s->count == 0 || s->rip == regs.rip) {
			s->rip = regs.rip;
			s->count++;
			return;
		}
	}
	p->lost++;
}

int profile_start(struct vm *vm)
{
	const char *path = getenv("PERSONA_VM_PROFILE");
	struct profile *p;

	if (!path || !*path)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->vm = vm;
	p->path = path;
	vm->profile = p;
	if (pthread_create(&p->thread, NULL, profile_thread, p) != 0) {
		vm->profile = NULL;
		free(p);
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
	qsort(p->slot, PROFILE_SLOTS, sizeof(p->slot[0]), by_count);
	FILE *f = fopen(p->path, "w");
	if (f) {
		for (int i = 0; i < PROFILE_SLOTS && p->slot[i].count; i++)
			fprintf(f, "%llu %llx\n", (unsigned long long)p->slot[i].count,
				(unsigned long long)p->slot[i].rip);
		fclose(f);
	} else {
		fprintf(stderr, "persona: vm: profile %s: %s\n", p->path, strerror(errno));
	}
	vm->profile = NULL;
	free(p);
}
