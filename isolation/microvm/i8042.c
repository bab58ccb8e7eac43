/* persona micro-VM: the i8042 keyboard controller, only as far as a guest
 * resets the machine with it: command 0xfe (pulse the reset line) written
 * to port 0x64 ends the VM with status 0, as Linux's `reboot=k` does (125
 * when the guest was to report its status through the debug-exit port).
 * Everything else reads as an idle controller (status 0: no data, input
 * buffer empty), so that a probing driver finds nothing to wait for. */
#include <stdio.h>

#include "isolation/microvm/vm.h"

#define I8042_DATA_PORT 0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET 0xfe

static void i8042_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	(void)offset;
	if (!is_write || data[0] != I8042_CMD_RESET)
		return;
	if (vm->reset_is_failure) {
		fprintf(stderr, "persona: vm: the guest kernel reset the machine before persona's guest init "
			"reported a status (a kernel panic? run with --append without \"quiet\" to see it)\n");
		vm_stop(vm, 125);
		return;
	}
	vm_stop(vm, 0);
}

static void i8042_data_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
}

int i8042_create(struct vm *vm, struct perr *err)
{
	if (bus_register_pio(vm, I8042_DATA_PORT, 1, "i8042 data", i8042_data_io, vm, err) < 0)
		return -1;
	return bus_register_pio(vm, I8042_COMMAND_PORT, 1, "i8042", i8042_io, vm, err);
}
