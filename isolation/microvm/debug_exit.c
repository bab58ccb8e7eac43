/* persona micro-VM: the debug-exit port.  The guest (persona's guest init,
 * the test guest) writes one byte to MICROVM_DEBUG_EXIT_PORT; the VM ends
 * and the byte becomes persona's exit status, unchanged. */
#include "isolation/microvm/vm.h"

static void debug_exit_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	if (is_write)
		vm_stop(opaque, data[0]);
}

int debug_exit_create(struct vm *vm, struct perr *err)
{
	return bus_register_pio(vm, MICROVM_DEBUG_EXIT_PORT, 1, "debug-exit", debug_exit_io, vm, err);
}
