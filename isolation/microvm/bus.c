/* persona micro-VM: the device registry.  Devices claim I/O port and MMIO
 * ranges here; the vCPU loop dispatches each exit to the claiming device
 * and knows no device itself (kvmtool's split of core and devices). */
#include <stdio.h>
#include <string.h>

#include "isolation/microvm/vm.h"

static int claim(struct vm_range *tab, int *n, uint64_t base, uint64_t len, const char *name, vm_io_fn io,
		 void *opaque, struct perr *err)
{
	if (len == 0 || base + len < base)
		return perr_set(err, 0, "device %s: empty or wrapping range", name);
	if (*n >= VM_MAX_DEVICES)
		return perr_set(err, 0, "device %s: too many devices", name);
	for (int i = 0; i < *n; i++)
		if (base < tab[i].base + tab[i].len && tab[i].base < base + len)
			return perr_set(err, 0, "device %s: range 0x%llx+0x%llx overlaps %s", name,
					(unsigned long long)base, (unsigned long long)len, tab[i].name);
	tab[(*n)++] = (struct vm_range){ .base = base, .len = len, .io = io, .opaque = opaque, .name = name };
	return 0;
}

int bus_register_pio(struct vm *vm, uint16_t base, uint16_t len, const char *name, vm_io_fn io, void *opaque,
		     struct perr *err)
{
	return claim(vm->pio, &vm->npio, base, len, name, io, opaque, err);
}

int bus_register_mmio(struct vm *vm, uint64_t base, uint64_t len, const char *name, vm_io_fn io, void *opaque,
		      struct perr *err)
{
	return claim(vm->mmio, &vm->nmmio, base, len, name, io, opaque, err);
}

static void dispatch(struct vm *vm, struct vm_range *tab, int n, uint64_t addr, uint8_t *data, uint32_t len,
		     bool is_write)
{
	if (!is_write)
		memset(data, 0xff, len);
	if (len == 0 || len > 8)
		return;
	for (int i = 0; i < n; i++) {
		struct vm_range *r = &tab[i];
		if (addr < r->base || addr - r->base >= r->len || len > r->len - (addr - r->base))
			continue;
		if (!is_write)
			memset(data, 0, len);
		pthread_mutex_lock(&vm->dev_lock);
		r->io(r->opaque, addr - r->base, data, len, is_write);
		pthread_mutex_unlock(&vm->dev_lock);
		return;
	}
}

void bus_pio(struct vm *vm, uint16_t port, uint8_t *data, uint32_t len, bool is_write)
{
	dispatch(vm, vm->pio, vm->npio, port, data, len, is_write);
}

void bus_mmio(struct vm *vm, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	dispatch(vm, vm->mmio, vm->nmmio, addr, data, len, is_write);
}

void bus_at_stop(struct vm *vm, void (*fn)(void *), void *opaque)
{
	if (vm->nat_stop < VM_MAX_DEVICES) {
		vm->at_stop[vm->nat_stop] = fn;
		vm->at_stop_opaque[vm->nat_stop++] = opaque;
	}
}
