#include "isolation/microvm/vm.h"
int virtio_blk_create(struct vm *vm, const char *path, bool ro, struct perr *err) { return perr_set(err,0,"todo"); }
int virtio_console_create(struct vm *vm, struct perr *err) { return perr_set(err,0,"todo"); }
int virtio_rng_create(struct vm *vm, struct perr *err) { return perr_set(err,0,"todo"); }
