#!/usr/bin/env bash
# CustomResourceDefinitions make new kinds at runtime: discovery (with
# short names and categories), CRUD, printer columns in kubectl get, watch,
# the status and scale subresources, OpenAPI v3 (server-side strict field
# validation with the CRD's schema, kubectl explain), merge patches (and a
# 415 for strategic ones), and deleting the CRD deletes its objects.
. "$(dirname "$0")/lib.sh"

sb_start --no-s3
API=$(sed -n 's/^api=//p' "$T/sb/ready")

kubectl apply -f - >/dev/null <<'EOF' || fail "apply CRD"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: notebooks.lab.example.com
spec:
  group: lab.example.com
  scope: Namespaced
  names:
    plural: notebooks
    singular: notebook
    kind: Notebook
    shortNames: [nb]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Image, type: string, jsonPath: .spec.image}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        description: A notebook server.
        properties:
          spec:
            type: object
            description: What the user asked for.
            properties:
              image: {type: string, description: The container image.}
              replicas: {type: integer}
          status:
            type: object
            properties:
              replicas: {type: integer}
EOF
crd=$(kubectl get crd notebooks.lab.example.com -o json)
jq -e '.status.conditions[] | select(.type == "Established" and .status == "True")' <<<"$crd" >/dev/null ||
	fail "CRD not Established: $crd"
kubectl get --raw /apis/lab.example.com/v1 | jq -e '.resources[] | select(.name == "notebooks" and
	.shortNames == ["nb"] and .namespaced)' >/dev/null || fail "discovery"
kubectl get --raw /apis | jq -e '.groups[] | select(.name == "lab.example.com")' >/dev/null || fail "group list"
kubectl api-resources | grep -qE '^notebooks +nb +lab.example.com/v1 +true +Notebook$' || fail "api-resources"

printf 'apiVersion: lab.example.com/v1\nkind: Notebook\nmetadata: {name: nb1}\nspec: {image: jupyter:1, replicas: 1}\n' |
	kubectl apply -f - | grep -qx 'notebook.lab.example.com/nb1 created' || fail "create custom object"
out=$(kubectl get nb)
grep -qE '^NAME +IMAGE +REPLICAS +AGE$' <<<"$out" || fail "printer columns: $out"
grep -qE '^nb1 +jupyter:1 +1 +[0-9]+s$' <<<"$out" || fail "printer row: $out"
kubectl get all | grep -q 'notebook.lab.example.com/nb1' || fail "category all"
[ "$(kubectl get nb nb1 -o jsonpath='{.metadata.generation}')" = 1 ] || fail "generation"

# strict field validation from the CRD's schema
out=$(printf 'apiVersion: lab.example.com/v1\nkind: Notebook\nmetadata: {name: nb2}\nspec: {imag: x}\n' |
	kubectl apply -f - 2>&1) && fail "unknown field accepted"
grep -qF 'unknown field "spec.imag"' <<<"$out" || fail "strict: $out"
out=$(kubectl explain notebooks.spec 2>&1) || fail "explain: $out"
grep -q 'What the user asked for' <<<"$out" || fail "explain text: $out"
grep -q 'image' <<<"$out" || fail "explain fields: $out"

# patches: merge yes, strategic no (415)
kubectl patch nb nb1 --type=merge -p '{"spec":{"image":"jupyter:2"}}' >/dev/null || fail "merge patch"
[ "$(kubectl get nb nb1 -o jsonpath='{.spec.image}')" = jupyter:2 ] || fail "merge patch value"
[ "$(kubectl get nb nb1 -o jsonpath='{.metadata.generation}')" = 2 ] || fail "generation after a spec change"
code=$(curl -s -o "$T/o" -w '%{http_code}' -X PATCH -H 'Content-Type: application/strategic-merge-patch+json' \
	--data '{"spec":{"image":"x"}}' "$API/apis/lab.example.com/v1/namespaces/user-alice/notebooks/nb1")
[ "$code" = 415 ] || fail "strategic patch on a CR: $code $(cat "$T/o")"

# status and scale subresources
code=$(curl -s -o "$T/o" -w '%{http_code}' -X PATCH -H 'Content-Type: application/merge-patch+json' \
	--data '{"status":{"replicas":1},"spec":{"image":"ignored"}}' \
	"$API/apis/lab.example.com/v1/namespaces/user-alice/notebooks/nb1/status")
[ "$code" = 200 ] || fail "status patch: $code $(cat "$T/o")"
o=$(kubectl get nb nb1 -o json)
[ "$(jq -r .status.replicas <<<"$o")" = 1 ] || fail "status not written"
[ "$(jq -r .spec.image <<<"$o")" = jupyter:2 ] || fail "a status write changed the spec"
[ "$(jq -r .metadata.generation <<<"$o")" = 2 ] || fail "a status write bumped the generation"
kubectl scale nb nb1 --replicas=4 | grep -qx 'notebook.lab.example.com/nb1 scaled' || fail "scale"
[ "$(kubectl get nb nb1 -o jsonpath='{.spec.replicas}')" = 4 ] || fail "scaled value"

# watch a custom kind
rv=$(kubectl get --raw /apis/lab.example.com/v1/namespaces/user-alice/notebooks | jq -r .metadata.resourceVersion)
curl -sN "$API/apis/lab.example.com/v1/namespaces/user-alice/notebooks?watch=true&resourceVersion=$rv&timeoutSeconds=3" \
	>"$T/w" &
wp=$!
kubectl delete nb nb1 >/dev/null
wait $wp
[ "$(jq -r '.type + ":" + .object.kind' "$T/w")" = DELETED:Notebook ] || fail "custom watch: $(cat "$T/w")"

# deleting the CRD deletes its objects, then the kind goes
printf 'apiVersion: lab.example.com/v1\nkind: Notebook\nmetadata: {name: nb3}\nspec: {image: x}\n' | kubectl apply -f - >/dev/null
kubectl delete crd notebooks.lab.example.com >/dev/null || fail "delete CRD"
WAIT=10 wait_cmd sh -c '! kubectl get crd notebooks.lab.example.com' || fail "CRD not deleted"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/apis/lab.example.com/v1/namespaces/user-alice/notebooks")
[ "$code" = 404 ] || fail "the kind is still served: $code"
kubectl get --raw /apis | jq -e '[.groups[].name] | index("lab.example.com") | not' >/dev/null ||
	fail "group still listed"
ok "CRD: discovery, CRUD, printer columns, strict schema, explain, patches, status, scale, watch, cleanup"
