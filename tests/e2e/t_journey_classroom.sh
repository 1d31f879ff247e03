#!/usr/bin/env bash
# t_journey_classroom.sh: a trainer and a class of thirty on one machine.
#
# The class is `datalab-sandbox --class 30`: namespaces user-student01 ...
# user-student30, each with its quota and bucket, and one kubeconfig per
# student in DIR/class/NAME/kubeconfig (see datalab-sandbox(1), CLASSROOM).
# The trainer, in her console, picks jupyter-demo, changes the image and
# the CPU limit, and exports the form as a launcher link (x, then y copies
# it: read back from tmux's buffer).  Every student then runs
#     datalab --kubeconfig DIR/class/NAME/kubeconfig launch 'LINK&autoLaunch=true'
# with nothing else of the trainer's (no KUBECONFIG, their own HOME): all
# thirty through the real console, each in its own tmux window, six at a
# time (the launch pane showing the commands before helm runs is
# t_launch_link.sh's; here the console's log proves the order).  Then:
# thirty releases (helm list -A), one per namespace, each with the link's
# values and the student's own S3 folder and host; the trainer sees every
# pod on :pods (a: every namespace) and a student's services on :ns; and
# a student's second launch of the same link is a second release, not an
# error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/journey_lib.sh"

t0=$(date +%s)
N=30
BATCH=${CLASS_BATCH:-6}
sb_start --class $N
[ "$(wc -l <"$T/sb/class/students")" = $N ] || fail "the class has not $N students"
server=$(sb_server)

# the trainer's link, from her launch form
dl_start
tmux -L "$SOCK" set -g set-clipboard on
wait_for "My services" 15 || fail "the trainer's console did not come up"
keys ':catalog' Enter
wait_for "jupyter-demo" 15 || fail "jupyter-demo not listed"
wait_for "$server/charts" || fail "the Demo catalog is not the one shown"
keys / j u p y t e r Enter
wait_for "1 match" || fail "search did not find jupyter-demo alone"
keys Enter
wait_form "jupyter-demo 0.1.0" || fail "the launch form did not open"
form_to service/image/version || fail "Tab does not reach the image: at '$(form_field)'"
keys Right
wait_for "jupyter/datascience-notebook:2024-09-30" || fail "the image list did not move"
form_to resources/limits/cpu || fail "Tab does not reach the CPU limit: at '$(form_field)'"
wait_for "Maximum CPU allocation" || fail "the CPU limit slider is not selected"
for _ in $(seq 20); do keys Left; done
wait_for "1000m" || fail "the CPU limit did not go down to 1000m"
keys x
wait_for "Launcher link for this form" || fail "x did not show the link"
keys y
WAIT=5 wait_cmd sh -c "tmux -L $SOCK show-buffer | grep -q '^/launcher/demo/jupyter-demo?'" ||
	fail "the link was not copied: $(tmux -L "$SOCK" show-buffer 2>&1)"
link=$(tmux -L "$SOCK" show-buffer)
case $link in
*"service.image.version=«jupyter%2Fdatascience-notebook%3A2024-09-30»"*"resources.limits.cpu=«1000m»"* | \
*"resources.limits.cpu=«1000m»"*"service.image.version=«jupyter%2Fdatascience-notebook%3A2024-09-30»"*) ;;
*) fail "the link lacks the trainer's values: $link" ;;
esac
case $link in *AWS* | *accessKeyId* | *password*) fail "the link carries the trainer's secrets: $link" ;; esac
keys Escape
echo "link: $link"

# the students: their own console, kubeconfig and HOME, nothing else
tmux -L "$SOCK" new-session -d -s class -x 120 -y 40 -n idle "sleep 900"
student_start() {	# student_start NAME: NAME's console launching the link, in window NAME
	local s=$1 cmd
	mkdir -p "$T/students/$s"
	cmd=$(printf '%q ' env -u KUBECONFIG HOME="$T/students/$s" DATALAB_HOME="$T/students/$s" USER="$s" \
		TERM=xterm-256color "$ROOT/bin/datalab" --kubeconfig "$T/sb/class/$s/kubeconfig" launch "$link&autoLaunch=true")
	tmux -L "$SOCK" new-window -d -t class -n "$s" "$cmd; echo \"[exited \$?]\"; sleep 60"
}
spane() { tmux -L "$SOCK" capture-pane -p -t "class:$1"; }
launched() { grep -c "toast: jupyter-demo-[0-9]* launched" "$T/students/$1/state/datalab.log" 2>/dev/null; }
# student_wait NAME COUNT: NAME's console has launched COUNT times, and says so
student_wait() {
	local end=$(($(date +%s) + 90))
	until [ "$(launched "$1")" = "$2" ]; do
		if [ "$(date +%s)" -ge "$end" ]; then
			spane "$1"; tail -5 "$T/students/$1/state/datalab.log" 2>/dev/null
			fail "$1's launch did not finish"
		fi
		grep -q "launch failed" "$T/students/$1/state/datalab.log" 2>/dev/null &&
			{ spane "$1"; fail "$1's launch failed: $(grep 'launch failed' "$T/students/$1/state/datalab.log")"; }
		sleep 0.2
	done
}
mapfile -t students <"$T/sb/class/students"
tl=$(date +%s)
for ((i = 0; i < N; i += BATCH)); do
	batch=("${students[@]:i:BATCH}")
	for s in "${batch[@]}"; do student_start "$s"; done
	for s in "${batch[@]}"; do student_wait "$s" 1; done
	# what a student sees: My services with the new service
	s=${batch[0]}
	WAIT=20 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t class:$s | grep -E '^jupyter-demo-[0-9]+ +jupyter-demo 0.1.0 ' | grep -q ." ||
		{ spane "$s"; fail "$s does not see the service in My services"; }
	spane "$s" | grep -q "ns user-$s" || fail "$s's console is not on user-$s"
	for s in "${batch[@]}"; do tmux -L "$SOCK" kill-window -t "class:$s"; done
done
echo "$N launches through $N consoles, $BATCH at a time: $(($(date +%s) - tl)) s"
# the log's order: the launch was announced (commands shown) before helm ran
log=$T/students/student01/state/datalab.log
a=$(grep -n "toast: launching jupyter-demo-" "$log" | head -1 | cut -d: -f1)
b=$(grep -n "helm upgrade --install" "$log" | head -1 | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "student01's log does not show the launch before helm"

# a second launch of the same link by student07: a second release
student_start student07
student_wait student07 2
tmux -L "$SOCK" kill-window -t class:student07

# thirty-one releases: one per namespace, student07's two, the link's values
# in each, and each student's own folder and host (their account's, not the
# trainer's); read from the release Secrets in one kubectl call
kubectl get secrets -A -l owner=helm,status=deployed -o json >"$T/releases.json" || fail "kubectl get secrets"
python3 - "$T/releases.json" $N >"$T/check.out" 2>&1 <<'EOF' || fail "releases: $(cat "$T/check.out")"
import base64, gzip, json, sys
items = json.load(open(sys.argv[1]))["items"]
n = int(sys.argv[2])
per_ns = {}
for it in items:
    ns = it["metadata"]["namespace"]
    if not ns.startswith("user-student"):
        continue
    rel = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(it["data"]["release"]))))
    v = rel.get("config") or {}
    assert rel["chart"]["metadata"]["name"] == "jupyter-demo", rel["name"]
    assert v["service"]["image"]["version"] == "jupyter/datascience-notebook:2024-09-30", (rel["name"], v)
    assert v["resources"]["limits"]["cpu"] == "1000m", (rel["name"], v)
    assert v["s3"]["workingDirectoryPath"] == ns + "/", (rel["name"], v["s3"])
    assert v["ingress"]["hostname"].startswith(ns + "-"), (rel["name"], v["ingress"])
    per_ns.setdefault(ns, []).append(rel["name"])
want = ["user-student%02d" % i for i in range(1, n + 1)]
assert sorted(per_ns) == want, sorted(per_ns)
for ns, names in per_ns.items():
    assert len(names) == (2 if ns == "user-student07" else 1), (ns, names)
    assert len(set(names)) == len(names), (ns, names)
print(sum(len(x) for x in per_ns.values()), "releases")
EOF
cat "$T/check.out"
[ "$(helm list -A -o json | jq '[.[] | select(.namespace | startswith("user-student"))] | length')" = $((N + 1)) ] ||
	fail "helm list -A does not count $((N + 1)) student releases"
WAIT=60 wait_cmd sh -c "[ \$(kubectl get pods -A --field-selector status.phase=Running --no-headers | grep -c '^user-student') = $((N + 1)) ]" ||
	fail "not every student's pod runs: $(kubectl get pods -A --no-headers | grep -vc Running) not running"

# the trainer's view: every student's pod, then one student's services
keys ':pods' Enter
wait_for "READY" || fail ":pods did not open"
keys a
wait_for "a this namespace" 10 || fail "a did not show every namespace"
wait_for "user-student30" 15 || fail "the last student's pod is not listed"
WAIT=20 wait_cmd sh -c "[ \$(tmux -L $SOCK capture-pane -p -t dl | grep -cE '^user-student[0-9]+ +jupyter-demo-[0-9]+-0 +Running') = $((N + 1)) ]" ||
	{ pane; fail "the trainer does not see $((N + 1)) running pods"; }
keys ':ns user-student07' Enter
keys ':services' Enter
wait_for "ns user-student07" || fail ":ns did not switch"
WAIT=20 wait_cmd sh -c "[ \$(tmux -L $SOCK capture-pane -p -t dl | grep -cE '^jupyter-demo-[0-9]+ .* running ') = 2 ]" ||
	{ pane; fail "student07's two services are not shown running"; }
# and headless, as a script of hers would
datalab services -A >"$T/services.txt" 2>&1 || fail "datalab services -A: $(cat "$T/services.txt")"
[ "$(grep -cE '^user-student[0-9]+ +jupyter-demo-[0-9]+ .* running ' "$T/services.txt")" = $((N + 1)) ] ||
	fail "datalab services -A: $(cat "$T/services.txt")"
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "--class $N, link exported, $N consoles launched it, $((N + 1)) releases with its values, trainer's views ($(($(date +%s) - t0)) s)"
