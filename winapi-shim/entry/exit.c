/* persona winapi-shim: the end of the Windows process.  In entry/: built
 * without sanitizers, which would warn about leaving from a stack that is
 * not the one they know. */
#include <stdio.h>
#include <unistd.h>

#include "winapi-shim/entry/call.h"
#include "winapi-shim/process.h"

void win_exit_process(unsigned code)
{
	fflush(NULL);
	_exit((int)code);
}

void win_entry_returned(unsigned code)
{
	/* mingw's mainCRTStartup calls exit() itself; a bare entry point that
	 * returns ends the process as ExitProcess(result) would */
	win_exit_process(code);
	__builtin_unreachable();
}
