#!/usr/bin/env bash
# Every group callback StarRTC's real servers send, and our refusals as their clients see them: web-SDK
# clients drive the servers, the servers call this project's `wrangler dev` (GUARD_TOKEN 12345678).
# Each step checks the client's verdict (GEN_SUCCESS or the StarRTC error name our answer maps to) and
# the worker's log line for the callback it caused (action and outcome).
#
#   STARRTC_SERVER_GIT=… STARRTC_WEB_DEMO_GIT=… test/starrtc-peer/callbacks.sh   (or npm run test:starrtc)
set -u
source "$(dirname "$(readlink -f "$0")")/lib/lib.sh"
peer_enter "$@"
peer_setup || exit 1
aec_launch; start_servers || exit 1; aec_wait || exit 1
for u in alice bob mallory; do client_start "$u" || { check fail "login $u"; finish; }; done

# step DESCRIPTION VERDICT ACTION OUTCOME -- USER OP ARGS…: run one client command; the client must see
# VERDICT and the worker must have logged ACTION with OUTCOME (OK or our error code) since the command.
step() {
	local what=$1 want=$2 action=$3 outcome=$4 from line; shift 5
	from=$(aec_pos); cl "$@" > /dev/null
	check "$(verdict)" = "$want" "$what: $*: $(verdict)"
	line=$(aec_log "$action" "$from" | tail -1)
	check "$(jget "$line" outcome)" = "$outcome" "  the worker logged $action $outcome: ${line:-nothing}"
}

say "1. every login asks the push mode"
check "$(aec_log AEC_MSG_SERVER_GET_PUSH_MODE | wc -l)" -ge 3 "AEC_MSG_SERVER_GET_PUSH_MODE for each of the 3 logins"

say "2. a group known to groupServer: the plain callbacks"
step "create" GEN_SUCCESS AEC_GROUP_CREATE OK -- alice create bob,carol
G=$(lastgid alice); say "   group $G"
step "add" GEN_SUCCESS AEC_GROUP_ADD_USER OK -- alice add "$G" dave
step "remove" GEN_SUCCESS AEC_GROUP_REMOVE_USER OK -- alice remove "$G" carol
step "do not disturb on" GEN_SUCCESS AEC_SET_GROUP_PUSH_IGNORE OK -- alice ignore "$G"
step "do not disturb off" GEN_SUCCESS AEC_UNSET_GROUP_PUSH_IGNORE OK -- alice unignore "$G"
pos=$(logpos bob); cl alice send "$G" hello > /dev/null
check "$(verdict)" = GEN_SUCCESS "send: $(verdict)"
check "$(wait_event bob onGroupMessage hello 10 "$pos" > /dev/null && echo ok)" "  bob received it"

say "3. groupServer restarted before each step: it forgets the group and asks us for it with the change"
restart_server groupServer && step "add" GEN_SUCCESS AEC_GROUP_ADD_USER_AND_SYNC_ALL OK -- alice add "$G" erin
restart_server groupServer && step "remove" GEN_SUCCESS AEC_GROUP_REMOVE_USER_AND_SYNC_ALL OK -- alice remove "$G" erin
restart_server groupServer && step "do not disturb on" GEN_SUCCESS AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL OK -- alice ignore "$G"
restart_server groupServer && step "do not disturb off" GEN_SUCCESS AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL OK -- alice unignore "$G"
restart_server groupServer
pos=$(logpos bob)
step "send" GEN_SUCCESS AEC_GROUP_SYNC_ALL OK -- alice send "$G" after-restart
check "$(wait_event bob onGroupMessage after-restart 10 "$pos" > /dev/null && echo ok)" "  bob received it (the group was rebuilt from our member list)"
check "$(members "$G")" = alice,bob,dave "  members stored: alice,bob,dave: $(members "$G")"

say "4. refusals reach the client as the StarRTC error our answer names"
step "a member who is not the creator deletes" GROUPPUSH_ERRID_AGENT_AUTH_FAILED AEC_GROUP_DEL PERMISSION_DENIED -- bob del "$G"
step "a non-member adds" GROUPPUSH_ERRID_USERID_IS_NOT_IN_GROUP AEC_GROUP_ADD_USER NOT_A_MEMBER -- mallory add "$G" zed
step "an add to an unknown group" GROUPPUSH_ERRID_GROUPID_NOT_SYNC AEC_GROUP_ADD_USER_AND_SYNC_ALL UNKNOWN_GROUP -- alice add 999999 zed
check "$(members "$G")" = alice,bob,dave "  the group is unchanged: $(members "$G")"
step "the creator deletes" GEN_SUCCESS AEC_GROUP_DEL OK -- alice del "$G"
check "$(api GET "/v1/groups/$G" | grep -c '"code"')" = 1 "  the group is gone: $(api GET "/v1/groups/$G")"

check "$(alive)" = "all 4 servers alive" "$(alive)"
finish
