/* persona: the sub-commands.  Each takes argc/argv after the sub-command
 * name (argv[0] is the sub-command) and returns the process exit status. */
#ifndef PERSONA_RUNTIME_COMMANDS_H
#define PERSONA_RUNTIME_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_binfmt(int argc, char **argv);
int cmd_vm(int argc, char **argv); /* runtime/cmd_vm.c: persona vm run */

/* persona run --isolation vm (runtime/cmd_vm.c): run the spec's process
 * (args, env, cwd, user.uid/gid, terminal), hostname and tmpfs mounts in
 * a micro-VM whose root is an ext2 disk made of `rootfs`, with persona's
 * guest init (docs/microvm.md).  The options as the user gave them, NULL
 * for the default: `kernel` the bundled one (persona-vmlinux next to
 * persona, or $PERSONA_VM_KERNEL; the -smp one for more than one vCPU),
 * `vcpus` 1, `memory` (docker's size syntax) 128m.  `ready_fd` > 0: a
 * byte is written there once the VM is built, just before its vCPUs run
 * (0: none).  Returns the workload's exit status, or 125 with a message
 * on stderr when the VM could not run. */
struct json_t;
int vm_run_spec(const char *rootfs, struct json_t *spec, const char *kernel, const char *vcpus,
		const char *memory, int ready_fd);

/* The image commands, in the persona-image helper: the registry ones in
 * runtime/cmd_registry.c, the store ones in runtime/cmd_image.c. */
int cmd_pull(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_image_inspect(int argc, char **argv);
int cmd_image_prune(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_rmi(int argc, char **argv);


/* persona's own argv (main's), for the --init process to rename itself. */
extern char **persona_argv;
extern int persona_argc;

/* Run the foreign program `path` (a FreeBSD amd64 ELF executable, or a
 * Windows PE32+ console program through the Win32 shims) on the host; argv[0..argc) are its arguments, argv[0] its name.
 * Does not return when the program starts (its exit is persona's); else
 * the exit status: 126 not a program persona runs or a bad one, 127 not
 * found, 125 persona failed.  `trace`: print each translated call. */
#include <stdbool.h>
int foreign_run(const char *path, int argc, char **argv, bool trace);

/* The persona-image helper's path: next to this binary (the build tree),
 * else ../libexec/persona/ (make install).  -1 when neither exists. */
#include <stddef.h>
int image_helper_path(char *out, size_t len);

/* Execute the helper with `argv` (NULL-terminated: the image command and
 * its arguments).  Returns only on failure, with 125 (message printed). */
int run_image_helper(char *const *argv);

/* What `persona run IMAGE` needs of an image in the store: the
 * prepared-root cache's answer (images/prepared.h) when it holds, else
 * `persona-image prepare IMAGE`'s (which unpacks the layers when needed):
 * {"lowerdirs": [top first], "passwd_layer": DIR or null, "config": {...}},
 * a new reference.  NULL with *status the exit status to return (the
 * helper printed why). */
struct json_t;
struct json_t *image_prepare(const char *image, int *status);

/* The image's root filesystem as one directory, for the micro-VM: its
 * only layer, or its layers stacked read-only with overlayfs on a
 * /tmp/persona-merged-XXXXXX directory in a new mount namespace of this
 * process (unshare(CLONE_NEWNS); root only), gone when it exits.
 * 0, or the exit status after a message. */
int image_merged_root(const char *image, char *out, size_t len);
/* Undo image_merged_root (unmount and remove the directory it made). */
void image_merged_release(const char *dir);

/* Print usage for a sub-command to stdout. */
void usage_print(const char *text);

#endif
