#!/usr/bin/env bash
# Group names against StarRTC's real servers: a web-SDK client creates groups with names StarRTC sends
# unescaped (quotes, backslashes, `"}`, JSON, CJK) to this project's `wrangler dev`; then the names stored
# in the groups' SQLite files are compared with what was typed, byte for byte.
#
#   STARRTC_SERVER_GIT=… STARRTC_WEB_DEMO_GIT=… test/starrtc-peer/names.sh   (or npm run test:starrtc)
#
# Reads the stored names with the project's own Node 22 (node:sqlite), after `npm install`.
set -u
source "$(dirname "$(readlink -f "$0")")/lib/lib.sh"

if [ -z "${NAMES_PERSIST:-}" ]; then
	# Outer stage: the scenario runs in the namespaces; wrangler's storage outlives them here.
	peer_require
	NAMES_PERSIST=$(mktemp -d "${TMPDIR:-/tmp}/aec-names.XXXXXX"); export NAMES_PERSIST
	bash "$(readlink -f "$0")" "$@"; rc=$?
	say "stored names (group_info.user_define_data), compared with what was typed:"
	node --no-warnings - "$NAMES_PERSIST" <<'JS' || rc=1
const { DatabaseSync } = require("node:sqlite");
const fs = require("node:fs"), path = require("node:path");
const dir = process.argv[2];
const expected = fs.readFileSync(path.join(dir, "expected.tsv"), "utf8").trim().split("\n").filter(Boolean).map((l) => l.split("\t"));
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
	if (got !== typed) bad++;
	console.log(`${got === typed ? "PASS" : "FAIL"} group ${id} stored the name as typed: typed ${JSON.stringify(typed)}, stored ${JSON.stringify(got)}`);
}
if (expected.length === 0) console.log("FAIL no group was created");
process.exit(bad || expected.length === 0 ? 1 : 0);
JS
	rm -rf "$NAMES_PERSIST"
	exit $rc
fi

peer_enter "$@"
peer_setup || exit 1
AEC_PERSIST=$NAMES_PERSIST aec_launch; start_servers || exit 1; aec_wait || exit 1
for u in alice bob; do client_start "$u" || { check fail "login $u"; finish; }; done

# Names as `cl` takes them: URL-encoded.
: > "$NAMES_PERSIST/expected.tsv"
for name in 'say%20%22hi%22%20%5Cback' 'a%5Cb' '%E4%B8%AD%E6%96%87' '%7B%22k%22%3A1%7D' \
	'end%22%7D%20x' '%7B%20%22k%22%20%3A%201%20%7D' '%5Burgent%5D%20team' '%5Cu4e2d'; do
	cl alice create bob "$name" > /dev/null
	gid=$(lastgid alice)
	check "$(verdict)" = GEN_SUCCESS "create named $(printf '%b' "${name//%/\\x}") -> $(verdict) (group $gid)"
	printf '%s\t%s\n' "$gid" "$name" >> "$NAMES_PERSIST/expected.tsv"
done
# The group named with quotes works like any other: bob receives alice's message.
G=$(head -1 "$NAMES_PERSIST/expected.tsv" | cut -f1)
pos=$(logpos bob); cl alice send "$G" hello > /dev/null
check "$(verdict)" = GEN_SUCCESS "send to $G -> $(verdict)"
check "$(wait_event bob onGroupMessage hello 10 "$pos" > /dev/null && echo ok)" "  bob got it"
say "wrangler dev's log lines for the creates:"
grep -a '"action":"AEC_GROUP_CREATE"' "$W/out/aec_cmd.out"
check "$(alive)" = "all 4 servers alive" "$(alive)"
finish
