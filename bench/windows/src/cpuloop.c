/* persona bench/windows: a CPU-bound program, the same source built for
 * Windows (x86_64-w64-mingw32-gcc -O2) and Linux (gcc -O2).  The timed
 * work is plain integer and floating-point arithmetic: no calls into the C
 * library or the OS until the result is printed, so it measures how fast
 * the program's own code runs, not the API layer under it.
 *
 *   cpuloop [ITERATIONS]     default 85,000,000 (about 0.5 s on the development VM)
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 85000000ULL;
	unsigned long long x = 0x9e3779b97f4a7c15ULL, acc = 0;
	double f = 1.0, g = 0.0;

	for (unsigned long long i = 0; i < n; i++) {
		/* xorshift64*: integer multiply, shifts, xors */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		acc += (x * 0x2545f4914f6cdd1dULL) >> 7;
		acc ^= acc / (i | 1);            /* an integer division */
		/* a Newton step toward sqrt(2) perturbed by the integer stream,
		 * with a floating-point division */
		double d = (double)(x >> 11) * 0x1.0p-53;
		f = 0.5 * (f + (2.0 + d * 1e-9) / f);
		g += f * d - g * 1e-7;
	}
	printf("cpuloop: n=%llu acc=%016llx f=%.12f g=%.6f\n", n, acc, f, g);
	return 0;
}
