/* persona winapi-shim: enter the program (private to winapi-shim). */
#ifndef PERSONA_WINAPI_ENTRY_CALL_H
#define PERSONA_WINAPI_ENTRY_CALL_H

/* Switch to the stack ending at `stack_top` and call `entry` (Microsoft
 * x64, no arguments).  When it returns, win_entry_returned(its result)
 * ends the process. */
__attribute__((noreturn)) void win_call_entry(void *entry, void *stack_top);

/* Call DllMain(module, reason, reserved), a Microsoft x64 function, on
 * the stack ending at `stack_top` (the program's, still unused before its
 * entry point runs); returns its result. */
int win_call_dllmain(void *dllmain, void *module, unsigned reason, void *reserved, void *stack_top);

/* Defined in winapi-shim/win.c. */
__attribute__((noreturn)) void win_entry_returned(unsigned code);

#endif
