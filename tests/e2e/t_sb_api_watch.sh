#!/usr/bin/env bash
# Lists and watches as client-go uses them: limit/continue pages that stay
# consistent while objects change, an expired token (410), resourceVersion
# semantics, Tables; watches from a version (ADDED, MODIFIED, DELETED, the
# DELETED of an object leaving a label selector), too old (ERROR 410),
# sendInitialEvents with the initial-events-end BOOKMARK, periodic
# bookmarks, timeoutSeconds, one-row Table events, 100 watchers at once.
. "$(dirname "$0")/lib.sh"

export DATALAB_SANDBOX_BOOKMARK_MS=300 DATALAB_SANDBOX_RING=200
sb_start --no-s3
API=$(sed -n 's/^api=//p' "$T/sb/ready")
CM=$API/api/v1/namespaces/user-alice/configmaps
get() { curl -sf "$@"; }

for i in 1 2 3 4 5; do kubectl create configmap "c$i" >/dev/null; done

# paging: 2 + 2 + 1, consistent with the first page's version
p1=$(get "$CM?limit=2")
[ "$(jq -r '[.items[].metadata.name] | join(",")' <<<"$p1")" = c1,c2 ] || fail "page 1: $p1"
[ "$(jq -r .metadata.remainingItemCount <<<"$p1")" = 3 ] || fail "remainingItemCount: $p1"
tok=$(jq -r .metadata.continue <<<"$p1")
kubectl delete configmap c3 >/dev/null
kubectl create configmap c0 >/dev/null
p2=$(get "$CM?limit=2&continue=$tok")
[ "$(jq -r '[.items[].metadata.name] | join(",")' <<<"$p2")" = c3,c4 ] || fail "page 2 not from the snapshot: $p2"
[ "$(jq -r .metadata.resourceVersion <<<"$p2")" = "$(jq -r .metadata.resourceVersion <<<"$p1")" ] ||
	fail "page 2's resourceVersion differs"
p3=$(get "$CM?limit=2&continue=$(jq -r .metadata.continue <<<"$p2")")
[ "$(jq -r '[.items[].metadata.name] | join(",")' <<<"$p3")" = c5 ] || fail "page 3: $p3"
[ "$(jq -r '.metadata.continue // "none"' <<<"$p3")" = none ] || fail "a last page with a token"
# kubectl pages with limit=500: all current objects
[ "$(kubectl get cm -o name | wc -l)" = 5 ] || fail "kubectl get after changes"
# resourceVersion semantics
rv=$(get "$CM" | jq -r .metadata.resourceVersion)
code=$(curl -s -o "$T/o" -w '%{http_code}' "$CM?resourceVersion=$((rv + 1000))")
[ "$code" = 504 ] || fail "future resourceVersion: $code $(cat "$T/o")"
old=$(jq -r .metadata.resourceVersion <<<"$p1")
[ "$(get "$CM?resourceVersion=$old&resourceVersionMatch=Exact" | jq -r '[.items[].metadata.name] | join(",")')" = c1,c2,c3,c4,c5 ] ||
	fail "Exact list at an old version"
# Table
get -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$CM?limit=2" |
	jq -e '.kind == "Table" and (.columnDefinitions[0].name == "Name") and (.rows | length == 2) and
	       .rows[0].object.kind == "PartialObjectMetadata" and (.metadata.continue | length > 0)' >/dev/null ||
	fail "Table list"

# watch from a version: the changes after it
rv=$(get "$CM" | jq -r .metadata.resourceVersion)
curl -sN "$CM?watch=true&resourceVersion=$rv&timeoutSeconds=5" >"$T/w1" &
w1=$!
curl -sN "$CM?watch=true&resourceVersion=$rv&labelSelector=team%3Dblue&timeoutSeconds=5" >"$T/w2" &
w2=$!
curl -sN -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' \
	"$CM?watch=true&resourceVersion=$rv&timeoutSeconds=5" >"$T/w3" &
w3=$!
curl -sN "$CM?watch=true&allowWatchBookmarks=true&resourceVersion=$rv&timeoutSeconds=2" >"$T/w4" &
w4=$!
kubectl label configmap c1 team=blue >/dev/null
kubectl label configmap c1 team- >/dev/null
kubectl delete configmap c2 >/dev/null
wait $w1 $w2 $w3 $w4
[ "$(jq -r '.type + ":" + .object.metadata.name' "$T/w1" | paste -sd' ')" = "MODIFIED:c1 MODIFIED:c1 DELETED:c2" ] ||
	fail "watch events: $(cat "$T/w1")"
[ "$(jq -r '.type + ":" + .object.metadata.name' "$T/w2" | paste -sd' ')" = "ADDED:c1 DELETED:c1" ] ||
	fail "selector watch events: $(cat "$T/w2")"
jq -e 'select(.type == "DELETED") | .object.metadata.resourceVersion' "$T/w1" >/dev/null || fail "DELETED without rv"
[ "$(jq -r '.object.kind' "$T/w3" | sort -u)" = Table ] || fail "Table watch: $(cat "$T/w3")"
[ "$(jq -r '.object.rows | length' "$T/w3" | sort -u)" = 1 ] || fail "one row per Table event"
grep -q '"type":"BOOKMARK"' "$T/w4" || fail "no periodic bookmark: $(cat "$T/w4")"

# too old: the ring holds 200 changes
for i in $(seq 1 220); do
	curl -sf -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data "{\"metadata\":{\"labels\":{\"n\":\"$i\"}}}" "$CM/c4" || fail "patch $i"
done
out=$(curl -s -m 5 "$CM?watch=true&resourceVersion=$rv")
[ "$(jq -r .type <<<"$out")" = ERROR ] && [ "$(jq -r .object.code <<<"$out")" = 410 ] ||
	fail "no 410 for a version older than the ring: $out"
jq -r .object.message <<<"$out" | grep -qE '^too old resource version: [0-9]+ \([0-9]+\)$' || fail "410 wording: $out"
code=$(curl -s -o "$T/o" -w '%{http_code}' "$CM?limit=2&continue=$tok")
[ "$code" = 410 ] || fail "an expired continue token: $code $(cat "$T/o")"
[ "$(jq -r .reason "$T/o")" = Expired ] || fail "expired token reason: $(cat "$T/o")"

# streaming list (client-go's WatchList, helm --wait)
out=$(curl -s -m 5 "$CM?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1")
[ "$(grep -c '"type":"ADDED"' <<<"$out")" = "$(kubectl get cm -o name | wc -l)" ] || fail "initial events: $out"
grep '"type":"BOOKMARK"' <<<"$out" | head -n 1 |
	jq -e '.object.metadata.annotations["k8s.io/initial-events-end"] == "true"' >/dev/null ||
	fail "no initial-events-end bookmark: $out"
code=$(curl -s -o "$T/o" -w '%{http_code}' "$CM?watch=true&sendInitialEvents=true")
[ "$code" = 422 ] || fail "sendInitialEvents without resourceVersionMatch: $code"

# 100 watchers all see one change (from their version: no race with the create)
rv=$(get "$CM" | jq -r .metadata.resourceVersion)
pids=
for i in $(seq 1 100); do
	curl -sN "$CM?watch=true&resourceVersion=$rv&timeoutSeconds=8" >"$T/fan.$i" &
	pids="$pids $!"
done
kubectl create configmap fanout >/dev/null
WAIT=10 wait_cmd sh -c "[ \$(cat '$T'/fan.* | grep -c '\"name\":\"fanout\"') -ge 100 ]" ||
	fail "fan-out: $(cat "$T"/fan.* | grep -c fanout) of 100"
kill $pids 2>/dev/null
ok "paging (consistent, expired), rv semantics, Tables, watch events, selectors, 410, bookmarks, 100 watchers"
