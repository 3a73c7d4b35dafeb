#!/usr/bin/env bash
# The highest group id, MAX_GROUP_ID = 2^53-1 (docs/protocol.md "Group ids"), through StarRTC's real
# servers: a group imported under it is one StarRTC holds like any other (groupServer keeps ids as text),
# and once it is taken, a client's create is refused with GROUP_IDS_EXHAUSTED ("1") without harm.
#
#   STARRTC_SERVER_GIT=… STARRTC_WEB_DEMO_GIT=… test/starrtc-peer/ids.sh   (or npm run test:starrtc)
set -u
source "$(dirname "$(readlink -f "$0")")/lib/lib.sh"
peer_enter "$@"
peer_setup || exit 1
aec_launch; start_servers || exit 1; aec_wait || exit 1
for u in alice bob carol; do client_start "$u" || { check fail "login $u"; finish; }; done
MAX=9007199254740991

say "PUT /v1/groups/$MAX {creator alice, members bob} -> $(api PUT "/v1/groups/$MAX" '{"creator":"alice","members":["bob"],"createdAt":0}')"
# groupServer has never seen the group: alice's send makes it ask us (AEC_GROUP_SYNC_ALL) under that id.
pos=$(logpos bob); cl alice send "$MAX" hello-max > /dev/null
check "$(verdict)" = GEN_SUCCESS "alice sends to group $MAX: $(verdict)"
check "$(wait_event bob onGroupMessage hello-max 10 "$pos" > /dev/null && echo ok)" "bob received it"
check "$(aec_log AEC_GROUP_SYNC_ALL | grep -c "\"groupId\":\"$MAX\"")" -ge 1 "StarRTC asked for its members by id $MAX"
cl alice add "$MAX" carol > /dev/null
check "$(verdict)" = GEN_SUCCESS "alice adds carol to $MAX: $(verdict)"
check "$(members "$MAX")" = "alice,bob,carol" "members of $MAX: $(members "$MAX")"
pos=$(logpos carol); cl bob send "$MAX" from-bob > /dev/null
check "$(wait_event carol onGroupMessage from-bob 10 "$pos" > /dev/null && echo ok)" "carol receives bob's message in $MAX"

# Every id is taken now: a create is refused, nothing is made, and StarRTC takes the answer.
cl alice create bob > /dev/null
check "$(verdict)" = GEN_ERRID_INTERNALL_ERR "a create once every id is taken: $(verdict)"
check "$(aec_log AEC_GROUP_CREATE | grep -c GROUP_IDS_EXHAUSTED)" -ge 1 "the worker logged GROUP_IDS_EXHAUSTED"
created=$(api POST /v1/groups '{"creator":"alice","members":["bob"]}')
check "$(echo "$created" | grep -c GROUP_IDS_EXHAUSTED)" = 1 "the API's create: $created"
say "$(alive)"; check "$(alive)" = "all 4 servers alive" "$(alive)"
finish
