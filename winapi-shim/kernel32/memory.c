/* persona winapi-shim: kernel32 memory (learn.microsoft.com: VirtualAlloc,
 * VirtualProtect, VirtualQuery, HeapAlloc).  Virtual memory maps onto
 * mmap/mprotect; the process heap is glibc's malloc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "winapi-shim/kernel32/kernel32.h"

#define PAGE 4096ul

static int prot_from_page(DWORD p)
{
	switch (p & 0xff) {
	case PAGE_NOACCESS: return PROT_NONE;
	case PAGE_READONLY: return PROT_READ;
	case PAGE_READWRITE:
	case PAGE_WRITECOPY: return PROT_READ | PROT_WRITE;
	case PAGE_EXECUTE: return PROT_EXEC;
	case PAGE_EXECUTE_READ: return PROT_READ | PROT_EXEC;
	case PAGE_EXECUTE_READWRITE:
	case PAGE_EXECUTE_WRITECOPY: return PROT_READ | PROT_WRITE | PROT_EXEC;
	default: return -1;
	}
}

static DWORD page_from_prot(const char *rwx)
{
	bool r = rwx[0] == 'r', w = rwx[1] == 'w', x = rwx[2] == 'x';
	if (x)
		return w ? PAGE_EXECUTE_READWRITE : r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
	if (w)
		return PAGE_READWRITE;
	return r ? PAGE_READONLY : PAGE_NOACCESS;
}

/* Find the mapping holding `addr` in /proc/self/maps. */
static bool find_mapping(uintptr_t addr, uintptr_t *lo, uintptr_t *hi, char rwx[4], uintptr_t *next_lo)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool found = false;

	*next_lo = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		unsigned long a, b;
		char perm[5];
		if (sscanf(line, "%lx-%lx %4s", &a, &b, perm) != 3)
			continue;
		if (addr >= a && addr < b) {
			*lo = a, *hi = b;
			memcpy(rwx, perm, 3);
			rwx[3] = 0;
			found = true;
			break;
		}
		if (a > addr) {
			*next_lo = a;
			break;
		}
	}
	fclose(f);
	return found;
}

SIZE_T WINAPI VirtualQuery(LPCVOID addr, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
	uintptr_t a = (uintptr_t)addr & ~(PAGE - 1), lo, hi, next;
	char rwx[4];

	if (len < sizeof *mbi) {
		SetLastError(ERROR_INSUFFICIENT_BUFFER);
		return 0;
	}
	memset(mbi, 0, sizeof *mbi);
	mbi->BaseAddress = (void *)a;
	if (find_mapping(a, &lo, &hi, rwx, &next)) {
		mbi->AllocationBase = (void *)lo;
		mbi->AllocationProtect = page_from_prot(rwx);
		mbi->RegionSize = hi - a;
		mbi->State = MEM_COMMIT;
		mbi->Protect = page_from_prot(rwx);
		mbi->Type = MEM_PRIVATE;
	} else {
		mbi->RegionSize = next > a ? next - a : PAGE;
		mbi->State = MEM_FREE;
		mbi->Protect = PAGE_NOACCESS;
	}
	return sizeof *mbi;
}

BOOL WINAPI VirtualProtect(LPVOID addr, SIZE_T size, DWORD newprot, PDWORD oldprot)
{
	MEMORY_BASIC_INFORMATION mbi;
	int prot = prot_from_page(newprot);
	uintptr_t a = (uintptr_t)addr & ~(PAGE - 1);
	uintptr_t end = ((uintptr_t)addr + size + PAGE - 1) & ~(PAGE - 1);

	if (prot < 0 || !oldprot) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	if (VirtualQuery(addr, &mbi, sizeof mbi) == 0 || mbi.State != MEM_COMMIT) {
		SetLastError(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (mprotect((void *)a, end - a, prot) < 0) {
		SetLastError(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	*oldprot = mbi.Protect;
	return TRUE;
}

/* Every region VirtualAlloc reserved, base and size: MEM_RELEASE frees
 * exactly one (Linux merges neighbouring mappings, so their extent
 * cannot be read back from /proc/self/maps). */
static struct region {
	uintptr_t base;
	size_t size;
} *regions;
static size_t nregions, cap_regions;
static pthread_mutex_t regions_mu = PTHREAD_MUTEX_INITIALIZER;

static bool region_add(uintptr_t base, size_t size)
{
	pthread_mutex_lock(&regions_mu);
	if (nregions == cap_regions) {
		size_t cap = cap_regions ? 2 * cap_regions : 64;
		struct region *r = realloc(regions, cap * sizeof *r);
		if (!r) {
			pthread_mutex_unlock(&regions_mu);
			return false;
		}
		regions = r;
		cap_regions = cap;
	}
	regions[nregions].base = base;
	regions[nregions].size = size;
	nregions++;
	pthread_mutex_unlock(&regions_mu);
	return true;
}

/* The size of the region reserved at `base`, removed; 0 if none. */
static size_t region_take(uintptr_t base)
{
	size_t size = 0;
	pthread_mutex_lock(&regions_mu);
	for (size_t i = 0; i < nregions; i++)
		if (regions[i].base == base) {
			size = regions[i].size;
			regions[i] = regions[--nregions];
			break;
		}
	pthread_mutex_unlock(&regions_mu);
	return size;
}

LPVOID WINAPI VirtualAlloc(LPVOID addr, SIZE_T size, DWORD type, DWORD protect)
{
	int prot = prot_from_page(protect);

	if (prot < 0 || size == 0 || !(type & (MEM_COMMIT | MEM_RESERVE))) {
		SetLastError(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if (!(type & MEM_COMMIT))
		prot = PROT_NONE;
	if (addr && (type & MEM_COMMIT) && !(type & MEM_RESERVE)) {
		/* commit inside an earlier reservation */
		uintptr_t a = (uintptr_t)addr & ~(PAGE - 1);
		uintptr_t end = ((uintptr_t)addr + size + PAGE - 1) & ~(PAGE - 1);
		if (mprotect((void *)a, end - a, prot) < 0) {
			SetLastError(ERROR_INVALID_ADDRESS);
			return NULL;
		}
		return (void *)a;
	}
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED_NOREPLACE : 0);
	size = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
	void *p = mmap(addr, size, prot, flags | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		SetLastError(errno == EEXIST ? ERROR_INVALID_ADDRESS : ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	if (!region_add((uintptr_t)p, size)) {
		munmap(p, size);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	return p;
}

BOOL WINAPI VirtualFree(LPVOID addr, SIZE_T size, DWORD type)
{
	if (type & MEM_RELEASE) {
		/* size must be 0 and addr a base VirtualAlloc returned: that
		 * whole reservation goes */
		size_t n = size == 0 ? region_take((uintptr_t)addr) : 0;
		if (!n) {
			SetLastError(ERROR_INVALID_PARAMETER);
			return FALSE;
		}
		munmap(addr, n);
		return TRUE;
	}
	if (type & MEM_DECOMMIT) {
		uintptr_t a = (uintptr_t)addr & ~(PAGE - 1);
		uintptr_t end = ((uintptr_t)addr + size + PAGE - 1) & ~(PAGE - 1);
		madvise((void *)a, end - a, MADV_DONTNEED);
		mprotect((void *)a, end - a, PROT_NONE);
		return TRUE;
	}
	SetLastError(ERROR_INVALID_PARAMETER);
	return FALSE;
}

/* One heap: the process heap.  HEAP_ZERO_MEMORY asks for zeroed memory. */
#define HEAP_ZERO_MEMORY 0x8
static int process_heap;

HANDLE WINAPI GetProcessHeap(void)
{
	return &process_heap;
}

LPVOID WINAPI HeapAlloc(HANDLE heap, DWORD flags, SIZE_T size)
{
	void *p = (flags & HEAP_ZERO_MEMORY) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (!p)
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	return p;
}

LPVOID WINAPI HeapReAlloc(HANDLE heap, DWORD flags, LPVOID mem, SIZE_T size)
{
	size_t old = malloc_usable_size(mem);
	void *p = realloc(mem, size ? size : 1);
	if (!p) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	if ((flags & HEAP_ZERO_MEMORY) && size > old)
		memset((char *)p + old, 0, size - old);
	return p;
}

BOOL WINAPI HeapFree(HANDLE heap, DWORD flags, LPVOID mem)
{
	free(mem);
	return TRUE;
}

SIZE_T WINAPI HeapSize(HANDLE heap, DWORD flags, LPCVOID mem)
{
	return malloc_usable_size((void *)mem);
}

HANDLE WINAPI LocalFree(HANDLE mem)
{
	free(mem);
	return NULL;
}

/* LocalAlloc, GlobalAlloc (learn.microsoft.com): the process heap.  A
 * LMEM_MOVEABLE/GMEM_MOVEABLE block never moves, so its handle is its
 * address, as LocalLock would return it. */
#define LMEM_ZEROINIT 0x40

HANDLE WINAPI LocalAlloc(UINT flags, SIZE_T size)
{
	return HeapAlloc(GetProcessHeap(), flags & LMEM_ZEROINIT ? HEAP_ZERO_MEMORY : 0, size);
}

HANDLE WINAPI GlobalAlloc(UINT flags, SIZE_T size)
{
	return LocalAlloc(flags, size);
}

HANDLE WINAPI GlobalFree(HANDLE mem)
{
	return LocalFree(mem);
}

/* HeapCreate, HeapDestroy (learn.microsoft.com): private heaps share the
 * process heap's allocator; a heap HANDLE is a token.  HeapDestroy frees
 * nothing the program did not free itself (blocks are not tracked per
 * heap): memory it leaves is released only at exit. */
#define MAX_HEAPS 256
static int heaps[MAX_HEAPS];
static bool heap_used[MAX_HEAPS];
static pthread_mutex_t heaps_mu = PTHREAD_MUTEX_INITIALIZER;

HANDLE WINAPI HeapCreate(DWORD options, SIZE_T initial, SIZE_T maximum)
{
	pthread_mutex_lock(&heaps_mu);
	for (int i = 0; i < MAX_HEAPS; i++)
		if (!heap_used[i]) {
			heap_used[i] = true;
			pthread_mutex_unlock(&heaps_mu);
			return &heaps[i];
		}
	pthread_mutex_unlock(&heaps_mu);
	SetLastError(ERROR_NOT_ENOUGH_MEMORY);
	return NULL;
}

BOOL WINAPI HeapDestroy(HANDLE heap)
{
	int *h = heap;
	if (h < heaps || h >= heaps + MAX_HEAPS) {
		SetLastError(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	pthread_mutex_lock(&heaps_mu);
	bool was = heap_used[h - heaps];
	heap_used[h - heaps] = false;
	pthread_mutex_unlock(&heaps_mu);
	if (!was)
		SetLastError(ERROR_INVALID_HANDLE);
	return was;
}

BOOL WINAPI HeapValidate(HANDLE heap, DWORD flags, LPCVOID mem)
{
	return TRUE;
}

SIZE_T WINAPI HeapCompact(HANDLE heap, DWORD flags)
{
	return 1 << 20; /* the largest free block: not known; a plausible size */
}

/* LMEM_MOVEABLE blocks never move: the handle is the pointer. */
LPVOID WINAPI LocalLock(HANDLE mem)
{
	return mem;
}

BOOL WINAPI LocalUnlock(HANDLE mem)
{
	SetLastError(ERROR_SUCCESS);
	return FALSE; /* "no longer locked" */
}

SIZE_T WINAPI LocalSize(HANDLE mem)
{
	return mem ? malloc_usable_size(mem) : 0;
}

HANDLE WINAPI LocalReAlloc(HANDLE mem, SIZE_T size, UINT flags)
{
	return HeapReAlloc(GetProcessHeap(), flags & LMEM_ZEROINIT ? HEAP_ZERO_MEMORY : 0, mem, size);
}

LPVOID WINAPI GlobalLock(HANDLE mem)
{
	return mem;
}

BOOL WINAPI GlobalUnlock(HANDLE mem)
{
	return LocalUnlock(mem);
}

SIZE_T WINAPI GlobalSize(HANDLE mem)
{
	return LocalSize(mem);
}

HANDLE WINAPI GlobalReAlloc(HANDLE mem, SIZE_T size, UINT flags)
{
	return LocalReAlloc(mem, size, flags);
}
