/* persona micro-VM: the debug-exit ports.  The guest (persona's guest
 * init, the test guest) writes one byte to MICROVM_DEBUG_EXIT_PORT; the VM
 * ends and the byte becomes persona's exit status, unchanged.  A write to
 * MICROVM_CONSOLE_READY_PORT (the next port) says the guest's console is
 * ready for input (persona's guest init, once its tty no longer echoes):
 * the serial console holds persona's stdin back until then. */
#include "isolation/microvm/vm.h"

static void debug_exit_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write)
		return;
	if (offset == 0)
		vm_stop(vm, data[0]);
	else
		atomic_store(&vm->console_ready, true);
}

int debug_exit_create(struct vm *vm, struct perr *err)
{
	return bus_register_pio(vm, MICROVM_DEBUG_EXIT_PORT, 2, "debug-exit", debug_exit_io, vm, err);
}
