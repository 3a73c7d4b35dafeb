#!/usr/bin/env bash
# Issue 20: StarRTC pastes client-chosen text (groupId, addUsers, removeUsers, the name) into the callback's
# `data` unescaped and signs the result, so a client can add a second "userId" and pose as someone else.
# Five such calls through the real web SDK and servers, each on a fresh group alice creates with bob and
# carol. Each must be refused (the client sees GROUPPUSH_ERRID_AGENT_AUTH_FAILED, our "53"), leave the
# group as it was, and an honest add right after must still work. StarRTC's own log shows the data it
# sent carried the repeated key; the worker's log shows what it made of it.
#
#   STARRTC_SERVER_GIT=… STARRTC_WEB_DEMO_GIT=… test/starrtc-peer/injection.sh   (or npm run test:starrtc)
set -u
source "$(dirname "$(readlink -f "$0")")/lib/lib.sh"
peer_enter "$@"
peer_setup || exit 1
aec_launch; start_servers || exit 1; aec_wait || exit 1
for u in alice bob carol mallory; do client_start "$u" || { check fail "login $u"; finish; }; done

# attack TITLE SENT POSED_AS -- USER OP ARGS…: on a fresh group $G (alice, bob, carol), USER runs the
# command (a literal $G in ARGS stands for the group); SENT is the end of the data StarRTC must have sent (with "{G}" for the group),
# POSED_AS the repeated key's value.
attack() {
	local title=$1 sent=$2 posed=$3 from before line; shift 4
	say "== $title"
	# A name of its own: the same create data in the same second (StarRTC's ts) is one create resent, and gets its id again.
	attacks=$((${attacks:-0} + 1))
	cl alice create bob,carol "attack-$attacks" > /dev/null; G=$(lastgid alice)
	check "$(verdict)" = GEN_SUCCESS "  a fresh group $G by alice with bob and carol: $(verdict)"
	before=$(members "$G"); from=$(aec_pos)
	set -- "${@//\$G/$G}"
	cl "$@" > /dev/null
	check "$(verdict)" = GROUPPUSH_ERRID_AGENT_AUTH_FAILED "  refused: $* -> $(verdict)"
	sent=${sent//\{G\}/$G}
	check "$(starrtc_sent "$sent}&sign=" > /dev/null && echo ok)" "  StarRTC sent and signed data ending …$sent}"
	# The worker's log line for it: the repeated key is refused by name (REPEATED_FIELD, 'names "userId"
	# twice'); without that rule the last of the two wins, and the log's requester is the posed-as user.
	line=$(tail -c +$((from + 1)) "$W/out/aec_cmd.out" | grep -a -e 'REPEATED_FIELD.*userId' -e "\"requester\":\"$posed\"" | head -1)
	check "$([ -n "$line" ] && echo ok)" "  the worker got it with the repeated key: ${line:-no such log line}"
	check "$(members "$G")" = "$before" "  group $G unchanged: $(members "$G") (was $before)"
	cl alice add "$G" dave > /dev/null
	check "$(verdict)" = GEN_SUCCESS "  an honest add right after: alice add $G dave -> $(verdict)"
	check "$(members "$G")" = "$before,dave" "  dave is a member: $(members "$G")"
}

attack "a non-member deletes the group, posing as its creator" \
	'"userId":"mallory","groupId":"{G}","userId":"alice"' alice -- mallory del '$G","userId":"alice'
attack "a non-member turns on a member's do-not-disturb, posing as her" \
	'"userId":"mallory","groupId":"{G}","userId":"carol"' carol -- mallory ignore '$G","userId":"carol'
attack "the creator adds, posing as a non-member" \
	'"userId":"alice","groupId":"{G}","addUsers":"x","userId":"victor"' victor -- alice add '$G' 'x","userId":"victor'
attack "a member removes another, posing as the creator" \
	'"userId":"bob","groupId":"{G}","removeUsers":"carol","userId":"alice"' alice -- bob remove '$G' 'carol","userId":"alice'

# The create: the group would be victor's, with alice and q in it.
attack "a create posing as another creator" \
	'"userId":"alice","addUsers":"alice,q","userId":"victor","userDefineData":"probe"' victor -- alice create 'q","userId":"victor'
sleep 2 # the user index is fed after the answer
check "$(api GET /v1/users/victor/groups | grep -c '"groupId"')" = 0 "  no group has victor: $(api GET /v1/users/victor/groups)"

say "$(alive)"; check "$(alive)" = "all 4 servers alive" "$(alive)"
finish
