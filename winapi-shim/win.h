/* persona winapi-shim: run a Windows x86-64 console program.
 *
 * The program's code runs natively in this process; what it imports from
 * kernel32.dll, msvcrt.dll and ntdll.dll is served by persona's builtin
 * DLLs (winapi-shim/<dll>/).  See docs/windows.md.
 */
#ifndef PERSONA_WINAPI_WIN_H
#define PERSONA_WINAPI_WIN_H

#include "common/error.h"

/* Is the file open on `fd` a PE image ("MZ" with a "PE\0\0" header)?
 * 1 yes, 0 no, -1 read error (fills `err`).  The file offset is kept. */
int pe_detect(int fd, struct perr *err);

/* Load the PE32+ executable `path` (Microsoft "PE Format"), bind its
 * imports to the builtin DLLs, build the TEB and PEB (GS base), its static
 * TLS, run its TLS callbacks and call its entry point on a stack of its
 * own (SizeOfStackReserve, at least 1 MiB).
 *
 *   argc, argv  the program's arguments, UTF-8; argv[0] is the program
 *               name the program sees (GetCommandLineA joins them with
 *               Windows quoting, CommandLineToArgvW rules).
 *   envp        the environment the program sees (getenv,
 *               GetEnvironmentVariableA), NULL-terminated "NAME=value".
 *
 * Does not return when the program runs: it ends the process with the
 * program's exit code (ExitProcess, exit(), or return from main; Linux
 * keeps the low 8 bits), after flushing stdio.  Since the GS base, the
 * address space and stdio are the process's, call it from a process of its
 * own (persona's `run` does; tests fork).
 *
 * Returns -1 when the program cannot be run, with `err` naming the file
 * and the problem: status 127 when it does not exist, 126 for a malformed
 * image or a missing import ("prog.exe: import "msvcrt.dll"!"foo": no such
 * function in persona's msvcrt.dll"), 125 when persona itself failed. */
int win_run(const char *path, int argc, char **argv, char **envp, struct perr *err);

#endif
