# The project's test bed against StarRTC's real servers (release 2.9.6 binaries) and web SDK, with this
# project's `wrangler dev` as their AEC URL. Sourced by the scenarios beside ../ (callbacks.sh, names.sh,
# admin.sh, injection.sh); docs/testing.md "Against StarRTC's real servers" says what each proves.
#
#   source "$(dirname "$0")/lib/lib.sh"; peer_enter "$@"   # re-runs the script inside private namespaces
#   peer_setup                          # workdir $W, binaries and SDK extracted from the two git dirs
#   aec_launch [--var K:V …]; start_servers; aec_wait        # wrangler dev starts while the servers do
#   client_start alice; cl alice create bob; G=$(lastgid alice); cl alice send "$G" hi
#   check "$(jget "$CL_RESULT" statusStr)" = GEN_SUCCESS "alice's send"; finish
#
# Nothing from StarRTC is stored in the project: the servers come from `web-supported/` of
# $STARRTC_SERVER_GIT (github.com/starrtc/starrtc-server) and the SDK from `sdk/star_rtc_lib.min.js` of
# $STARRTC_WEB_DEMO_GIT (github.com/starrtc/starrtc-web-demo), read with git at run time.
# Needs bash >= 5, git, util-linux unshare (and setpriv as root), iproute2 ip, curl, node; root or
# unprivileged user namespaces. Knobs: WAIT_MS (per client command, default 8000), AEC_WAIT_S (for
# wrangler dev to listen, default 120), PEER_KEEP=<dir> (keep every log there).

PEER_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$PEER_LIB/../../.." && pwd)
PATH="$ROOT/node_modules/.bin:$PATH"   # the project's own Node and wrangler, as `npm run` would use
AEC_PORT=8090
AEC_URL=http://127.0.0.1:$AEC_PORT/eventCenter
GUARD_TOKEN=12345678                   # StarRTC signs every callback with this fixed key
API_TOKEN=starrtc-peer-api-token-0123456789
API=http://127.0.0.1:$AEC_PORT
PROXY=http://127.0.0.1:19922           # groupPushHttpProxy
SERVERS="msgServer chatDBServer groupServer groupPushHttpProxy"
export WAIT_MS=${WAIT_MS:-8000}

# ---- namespaces: the servers listen on 0.0.0.0 and call auth.starrtc.com at start. In a fresh network
# namespace only loopback exists, so nothing leaks out and nothing collides with another run; the pid
# namespace (--kill-child) takes every process along when the script ends, however it ends.
peer_require() {
	: "${STARRTC_SERVER_GIT:?set STARRTC_SERVER_GIT to a git dir of github.com/starrtc/starrtc-server}"
	: "${STARRTC_WEB_DEMO_GIT:?set STARRTC_WEB_DEMO_GIT to a git dir of github.com/starrtc/starrtc-web-demo}"
}
peer_enter() {
	if [ -z "${STARRTC_PEER_INNER:-}" ]; then
		peer_require
		export STARRTC_PEER_INNER=1
		local user=""; [ "$(id -u)" = 0 ] || user=--map-root-user
		exec unshare $user --net --mount --ipc --propagation private --pid --fork --kill-child bash "$(readlink -f "$0")" "$@"
	fi
	ip link set lo up
	mount -t tmpfs -o mode=1777 tmpfs /run   # the servers write /var/run/<name>.pid
	mount -t proc proc /proc                 # our pid namespace's view, for kill -0 and wrangler
}

peer_setup() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/starrtc-peer.XXXXXX"); chmod 0777 "$W"
	declare -gA PIDS CFD CPID; CID=0; FAILED=0; PASSED=0
	trap peer_cleanup EXIT
	mkdir -p "$W/bin" "$W/out" "$W/state"; chmod 0777 "$W/bin" "$W/out"
	local _mode _type obj path
	git --git-dir "$STARRTC_SERVER_GIT" ls-tree HEAD web-supported/ | while read -r _mode _type obj path; do
		# (a mirror may lack a few large blobs, e.g. liveProxyServer and videoRecServer: not needed here)
		git --git-dir "$STARRTC_SERVER_GIT" cat-file blob "$obj" > "$W/bin/${path##*/}" 2>/dev/null || rm -f "$W/bin/${path##*/}"
	done
	chmod +x "$W/bin/"*Server "$W/bin/groupPushHttpProxy" || return 1
	git --git-dir "$STARRTC_WEB_DEMO_GIT" show HEAD:sdk/star_rtc_lib.min.js > "$W/sdk.js" || return 1
	echo "aecurl=$AEC_URL" > "$W/bin/starrtc.conf"
	# As real root, the servers run as nobody: they are third-party binaries.
	RUNAS=""
	if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1 && [ "$(awk 'NR==1{print $1, $2, $3}' /proc/self/uid_map)" = "0 0 4294967295" ]; then
		RUNAS="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	fi
}

peer_cleanup() {
	local u p
	for u in "${!CFD[@]}"; do eval "exec ${CFD[$u]}>&-"; done
	disown -a   # no "Killed" job notices for what is stopped below
	for p in "${CPID[@]}" "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	sleep 0.3
	for p in "${CPID[@]}" "${PIDS[@]}"; do kill -9 "$p" 2> /dev/null; done
	if [ -n "${PEER_KEEP:-}" ]; then mkdir -p "$PEER_KEEP"; cp -r "$W/out/." "$PEER_KEEP/"; cp -r "$W/bin/log" "$PEER_KEEP/serverlogs"; fi 2> /dev/null
	rm -rf "$W"
}

# ---- this project's `wrangler dev` as the AEC endpoint; its output (one JSON line per callback) goes to
# $W/out/aec_cmd.out. Extra arguments go to wrangler (e.g. --var STARRTC_PROXY_URL:$PROXY/).
# AEC_PERSIST (default $W/state) is its storage, for a scenario that reads it after the run.
aec_launch() {
	(cd "$ROOT" && WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false exec wrangler dev \
		--ip 127.0.0.1 --port "$AEC_PORT" --show-interactive-dev-session=false --persist-to "${AEC_PERSIST:-$W/state}" \
		--var "GUARD_TOKEN:$GUARD_TOKEN" --var "API_TOKEN:$API_TOKEN" "$@" >> "$W/out/aec_cmd.out" 2>&1 < /dev/null) &
	PIDS[aec]=$!
}
aec_wait() { # wrangler dev takes 10-60 s to listen on a busy machine
	local i
	for i in $(seq 1 $((${AEC_WAIT_S:-120} * 5))); do
		(exec 3<> "/dev/tcp/127.0.0.1/$AEC_PORT") 2> /dev/null && return 0
		kill -0 "${PIDS[aec]}" 2> /dev/null || break
		sleep 0.2
	done
	echo "wrangler dev is not listening on $AEC_PORT:" >&2; tail -20 "$W/out/aec_cmd.out" >&2; return 1
}
# aec_log ACTION [FROM_BYTE]: the worker's log lines for ACTION written after FROM_BYTE of its output.
aec_log() { tail -c +$((${2:-0} + 1)) "$W/out/aec_cmd.out" | grep -a "\"action\":\"$1\""; }
aec_pos() { size "$W/out/aec_cmd.out"; }
# starrtc_sent TEXT: StarRTC's own log shows a callback it sent whose data contains TEXT (fixed string):
# what went on the wire, before our parser saw it. The servers write their log lines late at times, so
# this waits up to 5 s.
starrtc_sent() {
	local i
	for i in $(seq 1 25); do
		cat "$W/out/"*Server.out "$W/bin/log/"*.log 2> /dev/null | grep -a 'sendAEC post(.*):data={' | grep -aF -- "$1" && return 0
		sleep 0.2
	done
	return 1
}
# api METHOD PATH [JSON]: this project's HTTP API with the app's token; prints the body.
api() { curl -sS --max-time 10 -X "$1" -H "Authorization: Bearer $API_TOKEN" -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2"; }
# members GID: the group's members in join order as the worker stores them, comma-separated, "(dnd)"
# after one with do-not-disturb on; or the API's answer when there is no such list.
members() { api GET "/v1/groups/$1/members?limit=100" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
	try { console.log(JSON.parse(s).members.map((m) => m.userId + (m.doNotDisturb ? "(dnd)" : "")).join(",")); } catch { console.log(s.slice(0, 200)); } });'; }

# ---- the four StarRTC servers, each in $W/bin (they read ./starrtc.conf and write ./log/) ----
start() { (cd "$W/bin" && exec $RUNAS "./$1" >> "$W/out/$1.out" 2>&1 < /dev/null) & PIDS[$1]=$!; }
size() { stat -c %s "$1" 2> /dev/null || echo 0; }
wait_port() {
	local i
	for i in $(seq 1 50); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.2; done
	echo "port $1 not up" >&2; return 1
}
wait_linked() { # msgServer connects to groupServer by itself, a few seconds after either starts
	local i
	for i in $(seq 1 60); do
		tail -c +$(($1 + 1)) "$W/out/msgServer.out" | grep -q 'groupPushMoonServer 0 connect success' && return 0; sleep 0.5
	done
	echo "msgServer did not link to groupServer" >&2; return 1
}
start_servers() {
	local off; off=$(size "$W/out/msgServer.out")
	start msgServer && wait_port 19903 && start chatDBServer && wait_port 19908 &&
		start groupServer && wait_port 19923 && start groupPushHttpProxy && wait_port 19922 && wait_linked "$off"
}
# restart_server groupServer: it forgets every group, so the next action on one makes StarRTC send the
# *_AND_SYNC_ALL variant (or AEC_GROUP_SYNC_ALL for a send) and rebuild the group from our answer.
restart_server() {
	local off; off=$(size "$W/out/msgServer.out")
	kill "${PIDS[$1]}" 2> /dev/null; wait "${PIDS[$1]}" 2> /dev/null; start "$1"
	case $1 in
		msgServer) wait_port 19903 ;; chatDBServer) wait_port 19908 ;; groupPushHttpProxy) wait_port 19922 ;;
		groupServer) wait_port 19923 && wait_linked "$off" ;;
	esac
}
alive() { local n s=""; for n in $SERVERS; do kill -0 "${PIDS[$n]}" 2> /dev/null || s+="${s:+, }$n died"; done; echo "${s:-all 4 servers alive}"; }
# px ENDPOINT k=v …: a form POST to groupPushHttpProxy (values URL-encoded); prints its body.
px() { local ep=$1 a args=(); shift; for a in "$@"; do args+=(--data-urlencode "$a"); done; curl -sS --max-time 5 "${args[@]}" "$PROXY/$ep"; echo; }

# ---- clients: one logged-in SDK client per user (client.js), commands through a fifo; every callback it
# sees goes to $W/out/client_<user>.jsonl ----
client_start() {
	local u=$1 fd
	mkfifo "$W/$u.in"; touch "$W/out/client_$u.jsonl"
	(cd "$W" && exec node "$PEER_LIB/client.js" "$W/sdk.js" 19903 "$u" < "$W/$u.in" >> "$W/out/client_$u.jsonl" 2>&1) &
	CPID[$u]=$!
	exec {fd}> "$W/$u.in"; CFD[$u]=$fd
	cl "$u" login > /dev/null; [ "$(jget "$CL_RESULT" status)" = success ]
}
# cl USER OP ARGS…: one client command (see client.js); waits for its outcome, sets CL_RESULT and prints it.
cl() {
	local u=$1 id l i; shift; CID=$((CID + 1)); id=c$CID
	echo "$id $*" >&"${CFD[$u]}"
	for i in $(seq 1 $((WAIT_MS / 100 + 50))); do
		l=$(grep -a "\"id\":\"$id\"" "$W/out/client_$u.jsonl" | head -1)
		if [ -n "$l" ]; then CL_RESULT=$(jget "$l" result); echo "$CL_RESULT"; return 0; fi
		sleep 0.1
	done
	CL_RESULT='{"timeout":"no answer from client.js"}'; echo "$CL_RESULT"; return 1
}
verdict() { jget "$CL_RESULT" statusStr; }   # of the last cl: GEN_SUCCESS or a StarRTC error name
# jget JSON KEY: a top-level field (objects as JSON, strings bare, missing: empty).
jget() { node -e 'let v; try { v = JSON.parse(process.argv[1])[process.argv[2]]; } catch {}
	if (v !== undefined && v !== null) process.stdout.write(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"; }
bare_gid() { echo "${1##*_}"; }   # the SDK says APPID-FREE_100001; callbacks and the proxy use 100001
lastgid() { local l; l=$(grep -a '"ev":"onCreateGroupFin"' "$W/out/client_$1.jsonl" | tail -1); [ -n "$l" ] && bare_gid "$(jget "$(jget "$l" data)" groupId)"; }
logpos() { size "$W/out/client_$1.jsonl"; }
# wait_event USER EVENT TEXT SECONDS [FROM_BYTE]: USER's client saw callback EVENT with TEXT in it (after
# FROM_BYTE of its log) within SECONDS; prints the line.
wait_event() {
	local u=$1 ev=$2 txt=$3 from=${5:-0} l end=$(($(date +%s) + $4))
	while :; do
		l=$(tail -c +$((from + 1)) "$W/out/client_$u.jsonl" | grep -a "\"ev\":\"$ev\"" | grep -aF -- "$txt" | head -1)
		[ -n "$l" ] && { echo "$l"; return 0; }
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# ---- verdicts: every scenario prints PASS/FAIL lines (run-all.sh counts them) and ends with finish ----
say() { echo "[$(date +%T)] $*"; }
# check A OP B DESCRIPTION (a `test` comparison: = != -eq …) or check ok|fail DESCRIPTION
check() {
	local good
	if [ $# -ge 4 ]; then test "$1" "$2" "$3" && good=1; shift 3; else [ "$1" = ok ] && good=1; shift; fi
	if [ -n "${good:-}" ]; then PASSED=$((PASSED + 1)); echo "PASS $*"; else FAILED=$((FAILED + 1)); echo "FAIL $*"; fi
}
finish() { say "$(basename "$0"): $PASSED passed, $FAILED failed"; exit $((FAILED > 0)); }
