#!/bin/sh
# Run each Check suite binary given; print its output; fail if any failed.
# The closing line sums the suites: "N passed, N failed".
set -u
pass=0; fail=0; rc=0
for t in "$@"; do
	out=$("$t" 2>&1); st=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	n=$(printf '%s' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/p')
	if [ -z "$n" ]; then
		echo "$t: no Check summary (exit $st)"; fail=$((fail + 1)); rc=1; continue
	fi
	nf=$(printf '%s' "$f" | awk '{print $1 + $2}')
	pass=$((pass + n - nf)); fail=$((fail + nf))
	[ "$st" -ne 0 ] && rc=1
done
echo "$pass passed, $fail failed"
exit $rc
