#!/usr/bin/env bash
# Group names against StarRTC's real servers (not run by `npm test`): a web-SDK client creates
# groups with names StarRTC sends unescaped, against this project's `wrangler dev`; then the
# names stored in the groups' SQLite files are compared with what was typed.
#
#   STARRTC_SERVER_GIT=… STARRTC_WEB_DEMO_GIT=… test/starrtc-peer/names.sh   # from the project root
#
# Uses ../shared/anchors/starrtc-peer/multi/lib.sh (STARRTC_PEER_MULTI to point elsewhere); needs
# what it needs, and the project's own Node 22 (node:sqlite) after `npm install`.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${NAMES_PERSIST:-}" ]; then
	# Outer stage: the scenario runs in the toolkit's namespaces; storage outlives them here.
	NAMES_PERSIST=$(mktemp -d "${TMPDIR:-/tmp}/aec-names.XXXXXX"); export NAMES_PERSIST
	bash "$0" "$@"; rc=$?
	echo "--- stored names (group_info.user_define_data), compared with what was typed:"
	"$ROOT/node_modules/.bin/node" --no-warnings - "$NAMES_PERSIST" <<'JS' || rc=1
const { DatabaseSync } = require("node:sqlite");
const fs = require("node:fs"), path = require("node:path");
const dir = process.argv[2];
const expected = fs.readFileSync(path.join(dir, "expected.tsv"), "utf8").trim().split("\n").map((l) => l.split("\t"));
const stored = new Map();
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
	const p = path.join(d, e.name);
	if (e.isDirectory()) walk(p);
	else if (e.name.endsWith(".sqlite")) {
		const db = new DatabaseSync(p);
		try { for (const r of db.prepare("SELECT group_id, user_define_data FROM group_info").all()) stored.set(r.group_id, r.user_define_data); } catch {}
		db.close();
	}
});
walk(dir);
let bad = 0;
for (const [id, encoded] of expected) {
	const typed = decodeURIComponent(encoded), got = stored.get(id);
	const same = got === typed;
	if (!same) bad++;
	console.log(`${same ? "same" : "DIFFERENT"}  group ${id}  typed ${JSON.stringify(typed)}  stored ${JSON.stringify(got)}`);
}
process.exit(bad || expected.length === 0 ? 1 : 0);
JS
	rm -rf "$NAMES_PERSIST"
	exit $rc
fi

source "${STARRTC_PEER_MULTI:-$ROOT/../shared/anchors/starrtc-peer/multi}/lib.sh"
multi_enter "$@"
export AEC_CMD="cd '$ROOT' && WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false npx wrangler dev --ip 127.0.0.1 --port 8090 --var GUARD_TOKEN:12345678 --persist-to '$NAMES_PERSIST'"
multi_setup
aec_launch; start_servers; aec_wait || exit 1
client_start alice || { echo "alice could not log in"; exit 1; }
client_start bob || { echo "bob could not log in"; exit 1; }

# Names as `cl` takes them: URL-encoded.
fails=0
: > "$NAMES_PERSIST/expected.tsv"
for name in 'say%20%22hi%22%20%5Cback' 'a%5Cb' '%E4%B8%AD%E6%96%87' '%7B%22k%22%3A1%7D' \
	'end%22%7D%20x' '%7B%20%22k%22%20%3A%201%20%7D' '%5Burgent%5D%20team' '%5Cu4e2d'; do
	cl alice create bob "$name" > /dev/null
	verdict=$(jget "$CL_RESULT" statusStr); gid=$(lastgid alice)
	echo "create $(printf '%b' "${name//%/\\x}") -> $verdict (group $gid)"
	[ "$verdict" = GEN_SUCCESS ] || fails=$((fails + 1))
	printf '%s\t%s\n' "$gid" "$name" >> "$NAMES_PERSIST/expected.tsv"
done
# The group named with quotes works like any other: bob receives alice's message.
G=$(head -1 "$NAMES_PERSIST/expected.tsv" | cut -f1)
pos=$(logpos bob); cl alice send "$G" hello > /dev/null
echo "send to $G -> $(jget "$CL_RESULT" statusStr)"
wait_event bob onGroupMessage hello 10 "$pos" > /dev/null && echo "bob got it" || fails=$((fails + 1))
echo "--- wrangler dev's log lines for the creates:"
grep -a '"action":"AEC_GROUP_CREATE"' "$W/out/aec_cmd.out"
echo "$(alive)"
exit $fails
