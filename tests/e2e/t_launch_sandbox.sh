#!/usr/bin/env bash
# Launches against datalab-sandbox, as a user would: the demo catalog found
# through the kubeconfig's "datalab-sandbox" cluster (its /charts/), a
# chart launched with its defaults, one with an edited field (which reaches
# the cluster), one refused for an invalid field (nothing installed), one
# from an autoLaunch launcher link; `helm list` agrees with each, and
# :saved lists the launches.
. "$(dirname "$0")/lib.sh"

# dl_stop: the console's tmux server gone, before the next dl_start
dl_stop() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	WAIT=5 wait_cmd sh -c "! tmux -L '$SOCK' has-session 2>/dev/null" || fail "tmux server did not stop"
}

sb_start
if [ ! -f "$T/sb/kubeconfig" ]; then
	echo "skip $TEST_NAME: this datalab-sandbox serves no Kubernetes API yet"
	exit 0
fi
SERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
CLUSTER=$(kubectl config view --minify -o jsonpath='{.clusters[0].name}')
NS=$(kubectl config view --minify -o jsonpath='{.contexts[0].context.namespace}')
NS=${NS:-default}
[ "$CLUSTER" = datalab-sandbox ] || fail "the sandbox's kubeconfig cluster is '$CLUSTER', not datalab-sandbox"
curl -sf "$SERVER/charts/index.yaml" | grep -q "jupyter-demo" || fail "the sandbox does not serve catalogs/charts at /charts/"
export USER=alice

releases() { helm list -n "$NS" -o json 2>/dev/null; }

dl_start
wait_for "? help" || fail "console did not start"
keys ':catalog' Enter
wait_for "jupyter-demo" 15 || fail "demo catalog not listed from the sandbox"

# 1. defaults
keys / j u p y t e r Enter
wait_for "1 match" || fail "search"
keys Enter
wait_form "jupyter-demo 0.1.0" || fail "form did not open"
keys l
WAIT=60 wait_cmd sh -c "helm list -n '$NS' -o json | grep -q '\"jupyter-demo-'" || fail "helm list lacks jupyter-demo"
REL=$(releases | grep -o '"jupyter-demo-[0-9]*"' | head -1 | tr -d '"')
# then My services, with the new release in it
wait_for "My services" 20 || fail "not switched to My services"
wait_for "$REL" || fail "$REL not in My services"

# 2. an edited field reaches the cluster
keys ':catalog' Enter
keys Escape / p o s t g r e s Enter
keys Enter
wait_for "postgres-demo 0.1.0" || fail "postgres form did not open"
keys Tab Tab Tab Tab
wait_for "auth/database" || fail "database field not selected"
keys Enter C-u s a l e s Enter
keys l
WAIT=60 wait_cmd sh -c "helm list -n '$NS' -o json | grep -q '\"postgres-demo-'" || fail "postgres-demo not launched"
REL=$(releases | grep -o '"postgres-demo-[0-9]*"' | head -1 | tr -d '"')
[ -n "$REL" ] || fail "helm list lacks postgres-demo"
helm get values "$REL" -n "$NS" | grep -q "database: sales" || fail "the edited value is not in the release"
kubectl get secret "$REL" -n "$NS" -o jsonpath='{.data.POSTGRES_DB}' | base64 -d | grep -qx sales ||
	fail "the edited value did not reach the Secret"

# 3. an invalid field is refused; nothing new is installed
before=$(releases | grep -o '"name"' | wc -l)
keys ':catalog' Enter
keys Escape / p o s t g r e s Enter
keys Enter
wait_for "postgres-demo 0.1.0" || fail "postgres form did not open again"
keys Tab Tab Tab Tab Enter C-u B a d - N a m e Enter
keys l
wait_for "not launched: 'auth/database' does not match the pattern" || fail "invalid field not refused"
after=$(releases | grep -o '"name"' | wc -l)
[ "$before" = "$after" ] || fail "a release appeared for an invalid form"
keys q
wait_for "[exited 0]" 15 || fail "did not quit"
dl_stop

# 4. a launcher link with autoLaunch
dl_start launch "/launcher/demo/job-demo?autoLaunch=true&name=nightly&job.parallelism=2"
WAIT=60 wait_cmd sh -c "helm list -n '$NS' -o json | grep -q '\"job-demo-'" || fail "job-demo not launched from the link"
REL=$(releases | grep -o '"job-demo-[0-9]*"' | head -1 | tr -d '"')
[ -n "$REL" ] || fail "helm list lacks job-demo"
helm get values "$REL" -n "$NS" | grep -q "parallelism: 2" || fail "the link's value is not in the release"
keys ':saved' Enter
wait_for "nightly" || fail ":saved lacks the launch from the link"
wait_for "postgres-demo" || fail ":saved lacks postgres-demo"
keys q
wait_for "[exited 0]" 15 || fail "did not quit"
ok "defaults, edited field, refused invalid field, autoLaunch link; helm list agrees; saved launches listed"
