#!/usr/bin/env bash
# npm run test:starrtc: every scenario against StarRTC's real servers, one after another (each starts its
# own servers and `wrangler dev` in its own namespaces), then a summary. Exits non-zero if any check
# failed or a scenario ended without its verdicts. Not part of `npm test`. docs/testing.md "Against StarRTC's real servers".
#
#   STARRTC_SERVER_GIT=<git dir of starrtc-server> STARRTC_WEB_DEMO_GIT=<git dir of starrtc-web-demo> \
#     npm run test:starrtc [-- SCENARIO…]          # e.g. -- injection; default: all five
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
missing=""
for v in STARRTC_SERVER_GIT STARRTC_WEB_DEMO_GIT; do
	if [ -z "${!v:-}" ]; then missing+=" $v"
	elif ! git --git-dir "${!v}" rev-parse --verify -q HEAD > /dev/null; then echo "$v=${!v} is not a git dir with a HEAD" >&2; exit 2; fi
done
if [ -n "$missing" ]; then
	echo "test:starrtc needs$missing: git dirs (bare or .git) of clones of github.com/starrtc/starrtc-server" >&2
	echo "and github.com/starrtc/starrtc-web-demo, e.g. STARRTC_SERVER_GIT=~/src/starrtc-server/.git (docs/testing.md)" >&2
	exit 2
fi

scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(callbacks names admin injection ids)
summary=(); bad=0; t0=$(date +%s)
for s in "${scenarios[@]}"; do
	[ -x "$here/$s.sh" ] || { echo "no scenario $s ($here/$s.sh)" >&2; exit 2; }
	echo "===== $s"
	start=$(date +%s); out=$(mktemp)
	"$here/$s.sh" 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
	pass=$(grep -cE '^(\[[0-9:.]+\] )?PASS ' "$out"); fail=$(grep -cE '^(\[[0-9:.]+\] )?FAIL ' "$out"); rm -f "$out"
	verdict=ok
	if [ "$fail" -gt 0 ] || [ "$rc" -ne 0 ] || [ "$pass" -eq 0 ]; then verdict=FAILED; bad=1; fi
	summary+=("$(printf '%-10s %3d PASS %3d FAIL  exit %d  %4d s  %s' "$s" "$pass" "$fail" "$rc" $(($(date +%s) - start)) "$verdict")")
done
echo "===== test:starrtc summary"
printf '%s\n' "${summary[@]}"
echo "total $(($(date +%s) - t0)) s: $([ $bad = 0 ] && echo 'all passed' || echo 'FAILED')"
exit $bad
