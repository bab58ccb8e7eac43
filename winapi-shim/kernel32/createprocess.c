/* persona winapi-shim: CreateProcessW and process objects
 * (learn.microsoft.com: CreateProcessW, "STARTUPINFOW structure",
 * "PROCESS_INFORMATION structure", GetExitCodeProcess, TerminateProcess).
 *
 * The program is the application name, or the command line's first
 * argument (CommandLineToArgvW's rules), a Windows path mapped as
 * kernel32 maps paths; a name without a folder is looked for in the
 * program's folder, the current folder and each folder of PATH, as
 * itself and with ".exe".  A Windows program runs through persona again:
 * `$PERSONA_WIN_EXEC` (persona's own environment; default
 * /proc/self/exe, which also works inside a container) is executed as
 * `persona PATH ARGS`; any other file is executed as a Linux program,
 * its arguments that are absolute paths on a mapped drive ("C:\\...")
 * given as the Linux paths they name.
 * The arguments are the command line split by CommandLineToArgvW; the
 * environment block (ANSI, or UTF-16 with CREATE_UNICODE_ENVIRONMENT)
 * replaces the program's; STARTF_USESTDHANDLES gives the child those
 * standard handles.  The process HANDLE is waitable and signaled when
 * the child ends; a thread waits for it (waitpid).  The thread handle and
 * id of PROCESS_INFORMATION stand for the child's main thread. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/kernel32/object.h"
#include "winapi-shim/loader/pe.h"
#include "winapi-shim/process.h"
#include "winapi-shim/shell32/shell32.h"
#include "winapi-shim/unicode.h"

#define CREATE_UNICODE_ENVIRONMENT 0x400
#define ERROR_DIRECTORY 267
#define STARTF_USESTDHANDLES 0x100

/* The file `host` exists and is not a folder. */
static bool is_file(const char *host)
{
	struct stat st;
	return stat(host, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* `dir`/`name`, or with ".exe", if it is a file: malloc'd. */
static char *try_in(const char *dir, const char *name)
{
	for (int ext = 0; ext < 2; ext++) {
		char *w = NULL, *h;
		if (asprintf(&w, "%s%s%s%s", dir ? dir : "", dir ? "\\" : "", name, ext ? ".exe" : "") < 0)
			return NULL;
		h = win_host_path(w);
		free(w);
		if (h && is_file(h))
			return h;
		free(h);
	}
	return NULL;
}

/* The Linux path of the program `name` (UTF-8), or NULL. */
static char *find_program(const char *name)
{
	if (strpbrk(name, "\\/:"))
		return try_in(NULL, name);
	char *found = NULL;
	/* the program's own folder, then the current one */
	char *app = win_proc.image_path ? strdup(win_proc.image_path) : NULL, *cut = app ? strrchr(app, '\\') : NULL;
	if (cut) {
		*cut = 0;
		found = try_in(app, name);
	}
	free(app);
	if (!found)
		found = try_in(".", name);
	const char *path = NULL;
	for (char **e = win_proc.envp; !found && e && *e; e++)
		if (!strncasecmp(*e, "PATH=", 5))
			path = *e + 5;
	/* PATH in Windows' form (";") or Linux's (":") */
	char sep = path && strchr(path, ';') ? ';' : ':';
	while (!found && path && *path) {
		const char *end = strchr(path, sep);
		size_t n = end ? (size_t)(end - path) : strlen(path);
		char *dir = strndup(path, n);
		if (dir && *dir) {
			if (sep == ':') /* a Linux folder: back to a path kernel32 maps onto itself */
				for (char *c = dir; *c; c++)
					if (*c == '/')
						*c = '\\';
			found = try_in(dir, name);
		}
		free(dir);
		path = end ? end + 1 : NULL;
	}
	return found;
}

/* The environment block as a NULL-terminated vector, malloc'd (one
 * allocation for the vector, strings copied). */
static char **env_vector(const void *block, bool wide)
{
	size_t n = 0, i = 0;
	if (wide) {
		for (const WCHAR *p = block; *p; p += win_wcslen(p) + 1)
			n++;
	} else {
		for (const char *p = block; *p; p += strlen(p) + 1)
			n++;
	}
	char **v = calloc(n + 1, sizeof *v);
	if (!v)
		return NULL;
	if (wide) {
		for (const WCHAR *p = block; *p; p += win_wcslen(p) + 1)
			if (!(v[i++] = win_utf8_dup(p)))
				return NULL;
	} else {
		for (const char *p = block; *p; p += strlen(p) + 1)
			if (!(v[i++] = strdup(p)))
				return NULL;
	}
	return v;
}

static void free_vector(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

struct child {
	struct win_object *process, *thread;
};

/* Wait for the child; then both its objects are signaled, with its exit
 * code (a signal's death: 128 + the signal, as a shell shows it). */
static void *reap(void *p)
{
	struct child c = *(struct child *)p;
	int st = 0;
	free(p);
	while (waitpid((pid_t)c.process->tid, &st, 0) < 0 && errno == EINTR)
		;
	DWORD code = WIFEXITED(st) ? (DWORD)WEXITSTATUS(st) : WIFSIGNALED(st) ? 128u + (DWORD)WTERMSIG(st) : 1;
	struct win_object *objs[2] = { c.process, c.thread };
	for (int i = 0; i < 2; i++) {
		pthread_mutex_lock(&objs[i]->mu);
		if (!objs[i]->terminated)
			objs[i]->exit_code = code;
		objs[i]->signaled = true;
		pthread_cond_broadcast(&objs[i]->cv);
		pthread_mutex_unlock(&objs[i]->mu);
	}
	win_objects_signaled();
	return NULL;
}

BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmdline, void *pattr, void *tattr, BOOL inherit, DWORD flags,
			   void *env, LPCWSTR cwd, STARTUPINFOW *si, PROCESS_INFORMATION *pi)
{
	int argc = 0;
	LPWSTR *wargv = cmdline && *cmdline ? CommandLineToArgvW(cmdline, &argc) : NULL;
	char **argv = NULL, **envp = NULL, *host = NULL, *helper_argv0 = NULL, *dir = NULL;
	DWORD error = ERROR_NOT_ENOUGH_MEMORY;
	BOOL ok = FALSE;

	if (!app && !wargv) {
		error = ERROR_INVALID_PARAMETER;
		goto out;
	}
	/* the arguments, UTF-8; argv[0] is the program's name as given */
	argv = calloc((size_t)argc + 3, sizeof *argv);
	if (!argv)
		goto out;
	size_t first = 1; /* argv[0] is the helper, for a Windows program */
	for (int i = 0; i < argc; i++)
		if (!(argv[first + (size_t)i] = win_utf8_dup(wargv[i])))
			goto out;
	if (!argc && !(argv[first] = win_utf8_dup(app)))
		goto out;
	char *name = app ? win_utf8_dup(app) : strdup(argv[first]);
	host = name ? find_program(name) : NULL;
	free(name);
	if (!host) {
		error = ERROR_FILE_NOT_FOUND;
		goto out;
	}
	char *real = realpath(host, NULL);
	if (real) {
		free(host);
		host = real;
	}
	int fd = open(host, O_RDONLY | O_CLOEXEC);
	int pe = fd < 0 ? -1 : pe_detect(fd, NULL);
	if (fd >= 0)
		close(fd);
	if (pe < 0) {
		error = win_error_from_errno(errno);
		goto out;
	}
	const char *exec_path;
	char **exec_argv;
	if (pe) {
		/* persona PATH ARGS...: PATH stands for argv[0] */
		const char *helper = getenv("PERSONA_WIN_EXEC");
		exec_path = helper && *helper ? helper : "/proc/self/exe";
		if (!(helper_argv0 = strdup("persona")))
			goto out;
		argv[0] = helper_argv0;
		free(argv[1]);
		argv[1] = host;
		host = NULL;
		exec_argv = argv;
	} else {
		exec_path = host;
		exec_argv = argv + 1;
		/* a Linux program cannot open Windows paths: an argument that is
		 * an absolute path on a mapped drive ("C:\\dir\\file") is given
		 * as the Linux path it names */
		for (int i = 1; i < argc; i++) {
			char *a = exec_argv[i];
			if (((a[0] | 0x20) >= 'a' && (a[0] | 0x20) <= 'z') && a[1] == ':' && (a[2] == '\\' || a[2] == '/')) {
				char *lin = win_host_path(a);
				if (lin) {
					free(a);
					exec_argv[i] = lin;
				}
			}
		}
	}
	envp = env ? env_vector(env, flags & CREATE_UNICODE_ENVIRONMENT) : NULL;
	if (env && !envp)
		goto out;
	if (cwd && !(dir = win_host_path_w(cwd))) {
		error = ERROR_DIRECTORY;
		goto out;
	}
	int in = 0, outfd = 1, errfd = 2;
	if (si && (si->dwFlags & STARTF_USESTDHANDLES)) {
		in = win_fd_from_handle(si->hStdInput);
		outfd = win_fd_from_handle(si->hStdOutput);
		errfd = win_fd_from_handle(si->hStdError);
	}
	HANDLE ph = win_new_object(OBJ_PROCESS), th = ph ? win_new_object(OBJ_THREAD) : NULL;
	struct win_object *po = ph ? win_get_object(ph, OBJ_PROCESS) : NULL;
	struct win_object *to = th ? win_get_object(th, OBJ_THREAD) : NULL;
	if (!po || !to)
		goto out;
	po->exit_code = STILL_ACTIVE;
	to->exit_code = STILL_ACTIVE;
	char **child_env = envp ? envp : win_proc.envp;

	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls from here */
		if ((in >= 0 && in != 0 && dup2(in, 0) < 0) || (outfd >= 0 && outfd != 1 && dup2(outfd, 1) < 0) ||
		    (errfd >= 0 && errfd != 2 && dup2(errfd, 2) < 0))
			_exit(126);
		if (dir && chdir(dir) < 0)
			_exit(126);
		execve(exec_path, exec_argv, child_env);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0) {
		error = win_error_from_errno(errno);
		goto out;
	}
	po->tid = (DWORD)pid;
	to->tid = (DWORD)pid;
	struct child *c = malloc(sizeof *c);
	pthread_t t;
	pthread_attr_t pa;
	if (!c)
		goto out;
	c->process = po;
	c->thread = to;
	pthread_attr_init(&pa);
	pthread_attr_setdetachstate(&pa, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &pa, reap, c) != 0) {
		pthread_attr_destroy(&pa);
		free(c);
		goto out;
	}
	pthread_attr_destroy(&pa);
	if (pi) {
		pi->hProcess = ph;
		pi->hThread = th;
		pi->dwProcessId = (DWORD)pid;
		pi->dwThreadId = (DWORD)pid;
	}
	ok = TRUE;
	error = ERROR_SUCCESS;
out:
	if (argv) {
		for (int i = 0; i < argc + 2; i++)
			if (argv[i] != helper_argv0)
				free(argv[i]);
		free(argv);
	}
	free(helper_argv0);
	free(host);
	free(dir);
	free_vector(envp);
	if (wargv)
		LocalFree(wargv);
	if (!ok)
		SetLastError(error);
	return ok;
}

BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmdline, void *pattr, void *tattr, BOOL inherit, DWORD flags, void *env,
			   LPCSTR cwd, STARTUPINFOW *si, PROCESS_INFORMATION *pi)
{
	WCHAR *a = app ? win_utf16_dup(app) : NULL, *c = cmdline ? win_utf16_dup(cmdline) : NULL;
	WCHAR *d = cwd ? win_utf16_dup(cwd) : NULL;
	BOOL r = FALSE;
	/* STARTUPINFOA has the same layout but for its strings, unused here */
	if ((app && !a) || (cmdline && !c) || (cwd && !d))
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	else
		r = CreateProcessW(a, c, pattr, tattr, inherit, flags, env, d, si, pi);
	free(a);
	free(c);
	free(d);
	return r;
}

BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code)
{
	struct win_object *o = win_get_object(h, OBJ_PROCESS);
	if (h == GetCurrentProcess()) {
		*code = STILL_ACTIVE;
		return TRUE;
	}
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	*code = o->exit_code;
	pthread_mutex_unlock(&o->mu);
	return TRUE;
}

BOOL WINAPI TerminateProcess(HANDLE h, UINT code)
{
	struct win_object *o = win_get_object(h, OBJ_PROCESS);
	if (h == GetCurrentProcess()) {
		win_exit_process(code);
		__builtin_unreachable();
	}
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&o->mu);
	bool running = !o->signaled;
	if (running) {
		o->terminated = true;
		o->exit_code = code;
		kill((pid_t)o->tid, SIGKILL);
	}
	pthread_mutex_unlock(&o->mu);
	if (!running) {
		SetLastError(ERROR_ACCESS_DENIED);
		return FALSE;
	}
	return TRUE;
}

DWORD WINAPI GetProcessId(HANDLE h)
{
	struct win_object *o = win_get_object(h, OBJ_PROCESS);
	if (h == GetCurrentProcess())
		return GetCurrentProcessId();
	if (!o) {
		SetLastError(ERROR_INVALID_HANDLE);
		return 0;
	}
	return o->tid;
}
