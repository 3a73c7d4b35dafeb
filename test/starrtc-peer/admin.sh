#!/usr/bin/env bash
# The admin API against StarRTC's real servers (issue 9, "3. Proof"): our `wrangler dev` is the AEC
# endpoint and tells the real groupPushHttpProxy; logged-in web-SDK clients show the effect.
#
#   STARRTC_SERVER_GIT=… STARRTC_WEB_DEMO_GIT=… test/starrtc-peer/admin.sh   (or npm run test:starrtc)
#
# SAMPLES (default 6) timing samples in f. Prints one line per step; exits 1 if any check failed.
set -u
source "$(dirname "$(readlink -f "$0")")/lib/lib.sh"
peer_enter "$@"
SAMPLES=${SAMPLES:-6}
peer_setup || exit 1
aec_launch --var "STARRTC_PROXY_URL:$PROXY/"; start_servers || exit 1; aec_wait || exit 1

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
pending() { api GET "/v1/groups/$1" | grep -q '"pending":true'; }
# told GID: ms until GET /v1/groups/GID shows starrtc.pending=false (polled every ~20 ms, 10 s at most).
told() { local t0; t0=$(now_ms); while pending "$1"; do [ $(( $(now_ms) - t0 )) -gt 10000 ] && { echo timeout; return 1; }; sleep 0.02; done; echo $(( $(now_ms) - t0 )); }
# seen USER TEXT FROM: USER received a group message with TEXT within 0.3 s.
seen() { local n; for n in 1 2 3; do tail -c +$(( $3 + 1 )) "$W/out/client_$1.jsonl" | grep -a '"ev":"onGroupMessage"' | grep -qaF -- "$2" && return 0; sleep 0.1; done; return 1; }
# stats "list of ms": p50 and max.
stats() { echo "$1" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | awk '{v[NR]=$1} END {printf "n=%d p50=%d ms max=%d ms (all: ", NR, v[int((NR+1)/2)], v[NR]; for (i=1;i<=NR;i++) printf "%s%s", v[i], i<NR?" ":""; print ")"}'; }

for u in alice bob carol dave; do client_start "$u" || { check fail "login $u"; finish; }; done
say "servers up, wrangler dev up, alice bob carol dave logged in"

# Setup: a group made by a client (the AEC_GROUP_CREATE callback to us).
cl alice create bob >/dev/null; G=$(lastgid alice)
pos=$(logpos bob); cl alice send "$G" setup-hello >/dev/null
wait_event bob onGroupMessage setup-hello 10 "$pos" >/dev/null; check "$([ $? = 0 ] && echo ok)" "setup: alice created $G with bob; bob got alice's message"

# a. admin add of a logged-in user: carol receives the next group message, no restart.
say "a. POST /v1/groups/$G/members {carol} -> $(api POST "/v1/groups/$G/members" '{"userIds":["carol"]}')"
say "   told after $(told "$G") ms: $(api GET "/v1/groups/$G")"
pos=$(logpos carol); cl alice send "$G" a-after-add >/dev/null
line=$(wait_event carol onGroupMessage a-after-add 10 "$pos"); check "$([ -n "$line" ] && echo ok)" "a. carol got alice's next message: ${line:0:200}"

# b. admin remove: bob's next send fails.
say "b. DELETE /v1/groups/$G/members/bob -> $(api DELETE "/v1/groups/$G/members/bob")"
say "   told after $(told "$G") ms"
cl bob send "$G" b-after-remove >/dev/null; st=$(jget "$CL_RESULT" statusStr)
check "$([ "$st" = GROUPPUSH_ERRID_USERID_IS_NOT_IN_GROUP ] && echo ok)" "b. bob's send after the remove: $st"

# c. admin create of a group no client created: its members message each other.
out=$(api POST /v1/groups '{"creator":"dave","members":["carol"],"name":"made by the app"}'); H=$(echo "$out" | sed -nE 's/.*"groupId":"([0-9]+)".*/\1/p')
say "c. POST /v1/groups {creator dave, members carol} -> $out"
say "   told after $(told "$H") ms"
pos=$(logpos carol); cl dave send "$H" c-from-dave >/dev/null; st1=$(jget "$CL_RESULT" statusStr)
l1=$(wait_event carol onGroupMessage c-from-dave 10 "$pos")
pos=$(logpos dave); cl carol send "$H" c-from-carol >/dev/null; st2=$(jget "$CL_RESULT" statusStr)
l2=$(wait_event dave onGroupMessage c-from-carol 10 "$pos")
check "$([ -n "$l1" ] && [ -n "$l2" ] && echo ok)" "c. dave->carol ($st1, received: ${l1:+yes}) and carol->dave ($st2, received: ${l2:+yes}) in $H"

# d. admin delete ends it: a send then fails (and nobody receives it).
say "d. DELETE /v1/groups/$H -> $(api DELETE "/v1/groups/$H")"
sleep 1 # GET answers 404 once deleted, so pending cannot be read: give the alarm a moment.
pos=$(logpos carol); cl dave send "$H" d-after-delete >/dev/null; st=$(jget "$CL_RESULT" statusStr)
l=$(wait_event carol onGroupMessage d-after-delete 3 "$pos")
check "$([ "$st" != GEN_SUCCESS ] && [ -z "$l" ] && echo ok)" "d. dave's send after the delete: $st; carol received it: ${l:+yes}${l:-no}"
say "   GET /v1/groups/$H -> $(api GET "/v1/groups/$H")"

# e. a message from the backend arrives as onGroupPushMessage with msg and digest.
pa=$(logpos alice); pc=$(logpos carol)
say "e. POST /v1/groups/$G/messages -> $(api POST "/v1/groups/$G/messages" '{"msg":"{\"text\":\"from the backend\"}","digest":"backend-digest"}')"
la=$(wait_event alice onGroupPushMessage backend-digest 10 "$pa"); lc=$(wait_event carol onGroupPushMessage backend-digest 10 "$pc")
check "$([ -n "$la" ] && [ -n "$lc" ] && echo "$lc" | grep -q 'from the backend' && echo ok)" "e. alice and carol got onGroupPushMessage: ${lc:0:220}"
pd=$(logpos dave)
say "e2. POST /v1/messages {toUsers dave} -> $(api POST /v1/messages '{"toUsers":["dave"],"msg":"system hello","digest":"sys-digest"}')"
sleep 3; l=$(tail -c +$((pd + 1)) "$W/out/client_dave.jsonl" | grep -a 'system hello' | head -1)
say "   dave saw: ${l:-nothing with that text in 5 s}"

# f. pending -> told, and until a client sees the effect; carol is added to / removed from G in turn.
tolds=""; effects=""
for i in $(seq 1 "$SAMPLES"); do
  # told: from the admin answer until GET shows pending=false.
  api POST "/v1/groups/$G/members" '{"userIds":["dave"]}' >/dev/null; tolds+=" $(told "$G")"
  api DELETE "/v1/groups/$G/members/dave" >/dev/null; tolds+=" $(told "$G")"
  # effect: from the admin answer until dave receives a message alice sends (she sends again until he does).
  api POST "/v1/groups/$G/members" '{"userIds":["dave"]}' >/dev/null; t0=$(now_ms); got=""
  for k in $(seq 1 30); do pos=$(logpos dave); cl alice send "$G" "f-$i-$k" >/dev/null
    seen dave "f-$i-$k" "$pos" && { got=$(( $(now_ms) - t0 )); break; }; done
  effects+=" ${got:-timeout}"; told "$G" >/dev/null
  # effect of a remove: until dave's own send fails.
  api DELETE "/v1/groups/$G/members/dave" >/dev/null; t0=$(now_ms); got=""
  for k in $(seq 1 30); do cl dave send "$G" "f-out-$i-$k" >/dev/null
    [ "$(jget "$CL_RESULT" statusStr)" = GROUPPUSH_ERRID_USERID_IS_NOT_IN_GROUP ] && { got=$(( $(now_ms) - t0 )); break; }; sleep 0.1; done
  effects+=" ${got:-timeout}"; told "$G" >/dev/null
done
say "f. admin answer -> GET shows pending=false: $(stats "$tolds")"
say "f. admin answer -> client sees it (add: receives; remove: send fails): $(stats "$effects")"
check "$(echo "$tolds$effects" | grep -q timeout || echo ok)" "f. every sample told and seen"

say "GET /v1/groups/$G -> $(api GET "/v1/groups/$G")"
say "$(alive)"; check "$([ "$(alive)" = 'all 4 servers alive' ] && echo ok)" "servers alive"
say "proxy retries logged by the worker: $(grep -c '"outcome":"RETRY"' "$W/out/aec_cmd.out")"
grep -a '"outcome":"RETRY"' "$W/out/aec_cmd.out" | head -5
finish
