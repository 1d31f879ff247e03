#!/usr/bin/env bash
# 10,000 objects: created 16 at a time, listed by kubectl in pages, counted
# by label selector, removed by one DELETE on the collection; the journal
# is compacted (past 4 MiB and twice the live data), and a restart sees
# the result.
. "$(dirname "$0")/lib.sh"

sb_start --no-s3 --no-fsync
API=$(sed -n 's/^api=//p' "$T/sb/ready")
CM=$API/api/v1/namespaces/user-alice/configmaps
N=10000

for i in $(seq 1 $N); do
	[ "$i" -gt 1 ] && echo next
	printf 'url = "%s"\nheader = "Content-Type: application/json"\noutput = /dev/null\nwrite-out = "%%{http_code}\\n"\n' "$CM"
	printf 'data = "{\\"metadata\\":{\\"name\\":\\"big-%05d\\",\\"labels\\":{\\"batch\\":\\"big\\"}},\\"data\\":{\\"i\\":\\"%d\\"}}"\n' "$i" "$i"
done >"$T/creates.cfg"
ok_count=$(curl -s --no-progress-meter --parallel --parallel-max 16 -K "$T/creates.cfg" | grep -c '^201$')
[ "$ok_count" = $N ] || fail "only $ok_count of $N creates answered 201"

n=$(kubectl get cm -l batch=big --no-headers | wc -l)
[ "$n" = $N ] || fail "kubectl lists $n objects"
kubectl get cm big-09999 -o jsonpath='{.data.i}' | grep -qx 9999 || fail "object content"
# the apiserver's order: by name
[ "$(curl -s "$CM?limit=3&labelSelector=batch%3Dbig" | jq -r '[.items[].metadata.name] | join(",")')" = \
	big-00001,big-00002,big-00003 ] || fail "list order"
size_before=$(stat -c %s "$T/sb/store/journal")

code=$(curl -s -o "$T/del" -w '%{http_code}' -X DELETE "$CM?labelSelector=batch%3Dbig")
[ "$code" = 200 ] || fail "deletecollection: $code"
[ "$(jq '.items | length' "$T/del")" = $N ] || fail "deletecollection answered $(jq '.items | length' "$T/del") items"
[ -z "$(kubectl get cm -l batch=big -o name)" ] || fail "objects left"
size_after=$(stat -c %s "$T/sb/store/journal")
# compaction runs once the journal passes 4 MiB and twice the live data
[ "$size_after" -lt "$size_before" ] || fail "the journal was not compacted ($size_before -> $size_after bytes)"

sb_stop
sb_start --no-s3
[ -z "$(kubectl get cm -l batch=big -o name)" ] || fail "deleted objects came back after a restart"
kubectl get ns user-alice >/dev/null || fail "seed objects lost in compaction"
ok "$N objects created, listed, selected, deleted at once; journal compacted ($size_before -> $size_after bytes)"
