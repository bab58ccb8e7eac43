/* persona unit suite: winapi-shim's builtin DLL tables and helpers. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"
#include "winapi-shim/advapi32/advapi32.h"
#include "winapi-shim/loader/builtin.h"
#include "winapi-shim/process.h"
#include "winapi-shim/kernel32/kernel32.h"
#include "winapi-shim/shell32/shell32.h"
#include "winapi-shim/shlwapi/shlwapi.h"
#include "winapi-shim/unicode.h"
#include "winapi-shim/user32/user32.h"
#include "winapi-shim/ws2_32/ws2_32.h"

START_TEST(export_tables_sorted_and_unique)
{
	for (size_t d = 0; win_builtin_dlls[d]; d++) {
		const struct win_dll *dll = win_builtin_dlls[d];
		ck_assert_uint_gt(dll->count, 0);
		for (size_t i = 0; i < dll->count; i++) {
			ck_assert_ptr_nonnull(dll->exports[i].addr);
			if (i)
				ck_assert_msg(strcmp(dll->exports[i - 1].name, dll->exports[i].name) < 0,
					      "%s: \"%s\" is not before \"%s\"", dll->name,
					      dll->exports[i - 1].name, dll->exports[i].name);
			ck_assert_ptr_eq(win_builtin_export(dll, dll->exports[i].name), dll->exports[i].addr);
		}
	}
}
END_TEST

START_TEST(dll_names)
{
	ck_assert_ptr_eq(win_builtin_dll("KERNEL32.dll"), &win_dll_kernel32);
	ck_assert_ptr_eq(win_builtin_dll("kernel32"), &win_dll_kernel32);
	ck_assert_ptr_eq(win_builtin_dll("msvcrt.DLL"), &win_dll_msvcrt);
	ck_assert_ptr_null(win_builtin_dll("kernel3"));
	ck_assert_ptr_null(win_builtin_dll("kernel32.dll.dll"));
	ck_assert_ptr_null(win_builtin_export(&win_dll_kernel32, "getlasterror"));
	ck_assert_ptr_nonnull(win_builtin_export(&win_dll_kernel32, "GetLastError"));
	ck_assert_ptr_nonnull(win_builtin_export(&win_dll_msvcrt, "_fmode"));
}
END_TEST

/* API sets: api-ms-win-crt-* name ucrtbase, api-ms-win-core-* and
 * kernelbase kernel32; the UCRT shares msvcrt's functions where their
 * meaning is the same, but not msvcrt's own start-up or printf family. */
START_TEST(api_sets_and_ucrtbase)
{
	ck_assert_ptr_eq(win_builtin_dll("ucrtbase.dll"), &win_dll_ucrtbase);
	ck_assert_ptr_eq(win_builtin_dll("api-ms-win-crt-runtime-l1-1-0.dll"), &win_dll_ucrtbase);
	ck_assert_ptr_eq(win_builtin_dll("API-MS-WIN-CRT-STDIO-L1-1-0.DLL"), &win_dll_ucrtbase);
	ck_assert_ptr_eq(win_builtin_dll("api-ms-win-core-synch-l1-2-0.dll"), &win_dll_kernel32);
	ck_assert_ptr_eq(win_builtin_dll("KernelBase.dll"), &win_dll_kernel32);
	ck_assert_ptr_null(win_builtin_dll("api-ms-win-crt-"));
	ck_assert_ptr_null(win_builtin_dll("api-ms-win-foo-l1-1-0.dll"));
	ck_assert_ptr_eq(win_builtin_export(&win_dll_ucrtbase, "malloc"), win_builtin_export(&win_dll_msvcrt, "malloc"));
	ck_assert_ptr_nonnull(win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vfprintf"));
	ck_assert_ptr_nonnull(win_builtin_export(&win_dll_ucrtbase, "_configure_narrow_argv"));
	ck_assert_ptr_null(win_builtin_export(&win_dll_ucrtbase, "__getmainargs"));
	ck_assert_ptr_null(win_builtin_export(&win_dll_ucrtbase, "printf"));
	ck_assert_ptr_null(win_builtin_export(&win_dll_ucrtbase, "_fmode"));
}
END_TEST

typedef int(CDECL *common_vsprintf)(ULONGLONG, char *, size_t, const char *, void *, const uint64_t *);

/* __stdio_common_vsprintf's options: C99 snprintf, _vsnprintf's legacy
 * termination, and the default (truncate, terminate, -1). */
START_TEST(ucrt_common_vsprintf_options)
{
	common_vsprintf f = (common_vsprintf)win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vsprintf");
	uint64_t args[] = { 12345 };
	char buf[8];

	memset(buf, 'x', sizeof buf);
	ck_assert_int_eq(f(2, buf, 4, "%d", NULL, args), 5);
	ck_assert_str_eq(buf, "123");
	ck_assert_int_eq(f(2, NULL, 0, "%d", NULL, args), 5);
	memset(buf, 'x', sizeof buf);
	ck_assert_int_eq(f(1, buf, 5, "%d", NULL, args), 5);
	ck_assert(!memcmp(buf, "12345x", 6));
	ck_assert_int_eq(f(1, buf, 3, "%d", NULL, args), -1);
	ck_assert(!memcmp(buf, "12345x", 6));
	memset(buf, 'x', sizeof buf);
	ck_assert_int_eq(f(0, buf, 4, "%d", NULL, args), -1);
	ck_assert_str_eq(buf, "123");
	ck_assert_int_eq(f(0, buf, 8, "%d", NULL, args), 5);
	ck_assert_str_eq(buf, "12345");
}
END_TEST

START_TEST(utf16_round_trip)
{
	const char *s = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
	WCHAR *w = win_utf16_dup(s);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(win_wcslen(w), 10); /* the emoji is a surrogate pair */
	ck_assert_uint_eq(w[1], 0xe9);
	ck_assert_uint_eq(w[8], 0xd83d);
	char *u = win_utf8_dup(w);
	ck_assert_str_eq(u, s);
	free(u);
	free(w);

	WCHAR out[4];
	ck_assert_uint_eq(win_utf8_to_utf16("\xff\xc3", 2, out, 4), 2); /* invalid, truncated */
	ck_assert_uint_eq(out[0], 0xfffd);
	ck_assert_uint_eq(out[1], 0xfffd);
	WCHAR lone = 0xdc00;
	char b[4];
	ck_assert_uint_eq(win_utf16_to_utf8(&lone, 1, b, sizeof b), 3);
}
END_TEST

START_TEST(command_line_quoting)
{
	char *argv[] = { "prog.exe", "a b", "", "q\"x", "tail\\", "in\\side", "sp\\ \\", NULL };
	char *s = win_quote_cmdline(7, argv);
	ck_assert_str_eq(s, "prog.exe \"a b\" \"\" \"q\\\"x\" tail\\ in\\side \"sp\\ \\\\\"");
	free(s);
}
END_TEST

/* CommandLineToArgvW (shell32) on UTF-8 `cmd`: the arguments joined by
 * '|'. */
static char *split_cmdline(const char *cmd)
{
	WCHAR w[256];
	size_t n = win_utf8_to_utf16(cmd, strlen(cmd), w, 255);
	ck_assert(n < 255);
	w[n] = 0;
	int argc = -1;
	LPWSTR *argv = CommandLineToArgvW(w, &argc);
	ck_assert_ptr_nonnull(argv);
	ck_assert_ptr_null(argv[argc]);
	char *out = calloc(1, 1024);
	for (int i = 0; i < argc; i++) {
		char *u = win_utf8_dup(argv[i]);
		if (i)
			strcat(out, "|");
		strcat(out, u);
		free(u);
	}
	free(argv);
	return out;
}

START_TEST(command_line_to_argv)
{
	static const struct {
		const char *cmd, *want;
	} cases[] = {
		/* learn.microsoft.com, "Parsing C++ command-line arguments" */
		{ "p \"a b c\" d e", "p|a b c|d|e" },
		{ "p \"ab\\\"c\" \"\\\\\" d", "p|ab\"c|\\|d" },
		{ "p a\\\\\\b d\"e f\"g h", "p|a\\\\\\b|de fg|h" },
		{ "p a\\\\\\\"b c d", "p|a\\\"b|c|d" },
		{ "p a\\\\\\\\\"b c\" d e", "p|a\\\\b c|d|e" },
		/* shell32's own rules (as Windows and wine64 give them) */
		{ "p a\"b\"\" c d", "p|ab\"|c|d" },
		{ "\"C:\\Program Files\\x.exe\" a", "C:\\Program Files\\x.exe|a" },
		{ "C:\\a\\\"b c", "C:\\a\\\"b|c" },
		{ " a b", "|a|b" },
		{ "p \"\" x", "p||x" },
		{ "p \"\"\"\" x", "p|\" x" },
		{ "p \"a\"\"b\" c", "p|a\"b c" },
		{ "p  \t ", "p" },
		{ "p h\xc3\xa9 \"\xe2\x82\xac x\"", "p|h\xc3\xa9|\xe2\x82\xac x" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = split_cmdline(cases[i].cmd);
		ck_assert_msg(!strcmp(got, cases[i].want), "[%s]: got [%s], want [%s]", cases[i].cmd, got, cases[i].want);
		free(got);
	}
	/* persona's quoting of argv comes back unchanged */
	char *argv[] = { "prog", "a b", "", "q\"uo\"te", "back\\slash\\", "\\\\\"", "tab\there", NULL };
	char *line = win_quote_cmdline(7, argv);
	char *got = split_cmdline(line);
	ck_assert_str_eq(got, "prog|a b||q\"uo\"te|back\\slash\\|\\\\\"|tab\there");
	free(got);
	free(line);
}
END_TEST

typedef int(CDECL *common_vsscanf)(ULONGLONG, const char *, size_t, const char *, void *, const uint64_t *);
typedef int(CDECL *common_vswscanf)(ULONGLONG, const WCHAR *, size_t, const WCHAR *, void *, const uint64_t *);

/* The UCRT's scanf: a bounded input, msvcrt's 32-bit %ld, the secure
 * form's buffer sizes (a field is cut at the buffer: persona truncates
 * where the UCRT would fail the field), wide targets in the wide form. */
START_TEST(ucrt_common_scanf)
{
	common_vsscanf ss = (common_vsscanf)win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vsscanf");
	common_vswscanf sw = (common_vswscanf)win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vswscanf");
	int32_t a = 0, b[2] = { 0, 0x5a5a5a5a };
	char word[8];
	uint64_t args[4] = { (uint64_t)(uintptr_t)&a, (uint64_t)(uintptr_t)b };

	ck_assert_int_eq(ss(0, "123456", 3, "%d", NULL, args), 1);
	ck_assert_int_eq(a, 123);
	ck_assert_int_eq(ss(0, "-9 77", (size_t)-1, "%d %ld", NULL, args), 2);
	ck_assert_int_eq(a, -9);
	ck_assert_int_eq(b[0], 77);
	ck_assert_int_eq(b[1], 0x5a5a5a5a); /* %ld stored 32 bits */
	memset(word, 'x', sizeof word);
	uint64_t sargs[] = { (uint64_t)(uintptr_t)word, 4 };
	ck_assert_int_eq(ss(1, "abcdefgh", (size_t)-1, "%s", NULL, sargs), 1);
	ck_assert_str_eq(word, "abc");
	ck_assert_int_eq(word[4], 'x');

	WCHAR in[] = { 'h', 0xe9, 'l', 'l', 'o', ' ', '5', 0 }, fmt[] = { '%', 's', ' ', '%', 'd', 0 }, out[8];
	uint64_t wargs[] = { (uint64_t)(uintptr_t)out, (uint64_t)(uintptr_t)&a };
	ck_assert_int_eq(sw(2, in, (size_t)-1, fmt, NULL, wargs), 2);
	ck_assert_int_eq(a, 5);
	ck_assert(out[0] == 'h' && out[1] == 0xe9 && out[4] == 'o' && out[5] == 0);
}
END_TEST

typedef int(CDECL *common_vsprintf_s)(ULONGLONG, char *, size_t, const char *, void *, const uint64_t *);
typedef int(CDECL *common_vsnprintf_s)(ULONGLONG, char *, size_t, size_t, const char *, void *, const uint64_t *);
typedef void *(CDECL *set_handler_fn)(void *);

static int handler_calls;
static void CDECL count_invalid(const WCHAR *e, const WCHAR *f, const WCHAR *file, unsigned line, uintptr_t r)
{
	handler_calls++;
}

/* The secure printf forms: what fits is written; _TRUNCATE truncates and
 * returns -1; output that does not fit otherwise empties the buffer and
 * calls the invalid parameter handler. */
START_TEST(ucrt_secure_printf)
{
	common_vsprintf_s sp = (common_vsprintf_s)win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vsprintf_s");
	common_vsnprintf_s snp = (common_vsnprintf_s)win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vsnprintf_s");
	set_handler_fn set = (set_handler_fn)win_builtin_export(&win_dll_ucrtbase, "_set_invalid_parameter_handler");
	uint64_t args[] = { 12345 };
	char buf[8];

	ck_assert_ptr_null(set((void *)count_invalid));
	ck_assert_int_eq(sp(0, buf, sizeof buf, "%d", NULL, args), 5);
	ck_assert_str_eq(buf, "12345");
	ck_assert_int_eq(snp(0, buf, 4, (size_t)-1, "%d", NULL, args), -1);
	ck_assert_str_eq(buf, "123");
	ck_assert_int_eq(snp(0, buf, sizeof buf, 2, "%d", NULL, args), -1);
	ck_assert_str_eq(buf, "12");
	ck_assert_int_eq(handler_calls, 0);
	ck_assert_int_eq(sp(0, buf, 4, "%d", NULL, args), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(handler_calls, 1);
	ck_assert_int_eq(snp(0, buf, 4, 10, "%d", NULL, args), -1);
	ck_assert_int_eq(handler_calls, 2);
	typedef int(CDECL * wsnp_fn)(ULONGLONG, WCHAR *, size_t, size_t, const WCHAR *, void *, const uint64_t *);
	wsnp_fn wsnp = (wsnp_fn)win_builtin_export(&win_dll_ucrtbase, "__stdio_common_vsnwprintf_s");
	WCHAR wbuf[8], wfmt[] = { '%', 'd', 0 };
	ck_assert_int_eq(wsnp(0, wbuf, 8, (size_t)-1, wfmt, NULL, args), 5);
	ck_assert(wbuf[0] == '1' && wbuf[4] == '5' && wbuf[5] == 0);
	ck_assert_int_eq(wsnp(0, wbuf, 3, (size_t)-1, wfmt, NULL, args), -1);
	ck_assert(wbuf[0] == '1' && wbuf[1] == '2' && wbuf[2] == 0);
	set(NULL);
}
END_TEST

/* advapi32 without a registry, user32 without windows, ws2_32's
 * start-up and byte order. */
START_TEST(advapi32_user32_ws2_32)
{
	HKEY k = (HKEY)1;
	ck_assert_int_eq(RegOpenKeyExA((HKEY)(uintptr_t)0x80000002u, "SOFTWARE\\GNU", 0, 0, &k), ERROR_FILE_NOT_FOUND);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(RegOpenKeyExA((HKEY)(uintptr_t)0x1234, "x", 0, 0, &k), ERROR_INVALID_HANDLE);
	ck_assert_int_eq(RegCloseKey((HKEY)(uintptr_t)0x80000001u), ERROR_SUCCESS);
	char name[256];
	DWORD n = sizeof name;
	ck_assert(GetUserNameA(name, &n) && n == strlen(name) + 1 && n >= 2);
	ck_assert_ptr_null(GetDesktopWindow());
	POINT pt = { 5, 5 };
	ck_assert(GetCursorPos(&pt) && pt.x == 0 && pt.y == 0);
	ck_assert_uint_eq(ws2_inet_addr("192.168.1.2"), 0x0201a8c0u);
	ck_assert_uint_eq(ws2_inet_addr("300.1.1.1"), 0xffffffffu);
	ck_assert_uint_eq(ws2_htons(0x1234), 0x3412);
	WSADATA wd;
	ck_assert_int_eq(WSAStartup(0x0202, &wd), 0);
	ck_assert_uint_eq(wd.wVersion, 0x0202);
	ck_assert_ptr_eq(win_builtin_dll("WS2_32.dll"), &win_dll_ws2_32);
	ck_assert_ptr_eq(win_builtin_dll("ADVAPI32.dll"), &win_dll_advapi32);
	ck_assert_ptr_eq(win_builtin_dll("USER32"), &win_dll_user32);
}
END_TEST

static void w(WCHAR *out, const char *s)
{
	while ((*out++ = (WCHAR)(unsigned char)*s++))
		;
}

static bool weq(const WCHAR *a, const char *b)
{
	while (*a && *a == (unsigned char)*b)
		a++, b++;
	return *a == 0 && *b == 0;
}

/* shlwapi's path and string helpers; kernel32's string comparison and
 * mapping. */
START_TEST(shlwapi_and_strings)
{
	WCHAR a[260], b[260], out[260];
	w(a, "C:\\dir\\sub\\file.txt");
	ck_assert(PathRemoveFileSpecW(a) && weq(a, "C:\\dir\\sub"));
	w(a, "C:\\");
	ck_assert(!PathRemoveFileSpecW(a) && weq(a, "C:\\"));
	w(a, "C:\\file");
	ck_assert(PathRemoveFileSpecW(a) && weq(a, "C:\\"));
	w(a, "C:\\dir");
	w(b, "..\\other\\.\\x.exe");
	ck_assert_ptr_eq(PathCombineW(out, a, b), out);
	ck_assert(weq(out, "C:\\other\\x.exe"));
	w(b, "D:\\abs");
	ck_assert(PathCombineW(out, a, b) && weq(out, "D:\\abs"));
	w(a, "C:\\dir\\name.txt");
	ck_assert(weq(PathFindFileNameW(a), "name.txt"));
	w(a, "Hello World");
	w(b, "WORLD");
	ck_assert_ptr_eq(StrStrIW(a, b), a + 6);
	w(b, "planet");
	ck_assert_ptr_null(StrStrIW(a, b));
	w(a, "abc");
	w(b, "ABD");
	ck_assert_int_eq(CompareStringW(0, 1 /* NORM_IGNORECASE */, a, -1, b, -1), 1);
	ck_assert_int_eq(CompareStringW(0, 1, a, 2, b, 2), 2);
	ck_assert_int_eq(LCMapStringW(0, 0x200 /* LCMAP_UPPERCASE */, a, -1, out, 260), 4);
	ck_assert(weq(out, "ABC"));
	WORD types[3];
	w(a, "a1 ");
	ck_assert(GetStringTypeW(1, a, 3, types));
	ck_assert(types[0] & 0x2 && types[1] & 0x4 && types[2] & 0x8);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("win_builtin");
	TCase *tc = tcase_create("builtin");

	tcase_add_test(tc, export_tables_sorted_and_unique);
	tcase_add_test(tc, dll_names);
	tcase_add_test(tc, api_sets_and_ucrtbase);
	tcase_add_test(tc, ucrt_common_vsprintf_options);
	tcase_add_test(tc, ucrt_common_scanf);
	tcase_add_test(tc, ucrt_secure_printf);
	tcase_add_test(tc, advapi32_user32_ws2_32);
	tcase_add_test(tc, shlwapi_and_strings);
	tcase_add_test(tc, utf16_round_trip);
	tcase_add_test(tc, command_line_quoting);
	tcase_add_test(tc, command_line_to_argv);
	suite_add_tcase(s, tc);
	return s;
}

PERSONA_TEST_MAIN()
