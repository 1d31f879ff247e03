#!/usr/bin/env bash
# b_ui.sh: the console's drawing under load, against the sandbox.
#
#   start to first useful frame: launch to the services list showing a
#     release (peers: `kubectl get pods` and `helm list` in the same run);
#   while 5,000 pods churn (every pod relabelled by kubectl, over and
#     over, by three loops 500 pods at a time) in the :pods view: frames per second (the debug log's
#     "frame N" lines), bytes written to the terminal per second
#     (tmux pipe-pane), CPU; beside it, the bytes of one full redraw
#     (Ctrl-L) times the frame rate, and the bytes `kubectl get pods -w`
#     prints for the same churn;
#   keystroke-to-screen latency in tmux: a key sent with send-keys until
#     capture-pane shows it (the filter prompt), idle and during churn;
#   the same :pods view while the fault proxy sends RATE (300) pod changes
#     a second on its watch: frames/s, ms per frame, bytes/s and CPU when
#     only the console limits them.
#
# PODS=N changes the pod count (default 5000; the sandbox needs a few
# minutes to start them).  Figures only: nothing passes or fails.
. "$(dirname "$0")/../tests/e2e/lib.sh"
PODS=${PODS:-5000}
WINDOW=${WINDOW:-20}
export DATALAB_LOG=debug
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }
p90() { sort -n | awk '{a[NR]=$1} END {i = int(NR * 0.9 + 0.5); if (i < 1) i = 1; print NR ? a[i] : 0}'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
frames_between() {	# "frames drawing-ms" logged between two ms timestamps
	awk -v a="$1" -v b="$2" '/ debug: frame / {
		split($1, d, "T"); split(d[2], t, ":"); sub("Z", "", t[3]);
		ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000;
		if (ms >= a && ms <= b) { n++; sum += $(NF - 1) } } END { print n + 0, sum + 0 }' "$DATALAB_HOME/state/datalab.log"
}
day_ms() { date -u +%H:%M:%S.%3N | awk -F: '{print ($1 * 3600 + $2 * 60 + $3) * 1000}'; }

sb_start --no-s3 --nodes "10:cpu=64,memory=256Gi,pods=600"
kubectl create namespace bench >/dev/null
helm install nb1 jupyter-demo --repo "$(sb_server)/charts" -n bench >/dev/null 2>&1 || fail "helm install"
per=500
deps=$(((PODS + per - 1) / per))
for i in $(seq 1 "$deps"); do
	n=$((PODS - (i - 1) * per))
	[ "$n" -gt "$per" ] && n=$per
	kubectl -n bench create deployment "churn$i" --image=busybox --replicas="$n" >/dev/null || fail "deployment $i"
done
end=$(($(date +%s) + 900))
until [ "$(kubectl -n bench get pods --no-headers 2>/dev/null | grep -c Running)" -ge "$PODS" ]; do
	[ "$(date +%s)" -lt "$end" ] || fail "$PODS pods not running in 15 min"
	sleep 5
done

# start to first useful frame, and the peers' first output
t0=$(now_ms)
COLS=200 ROWS=50 dl_start -n bench
until pane | grep -qE '^nb1 '; do sleep 0.01; done
t1=$(now_ms)
k0=$(now_ms); kubectl -n bench get pods >/dev/null; k1=$(now_ms)
h0=$(now_ms); helm list -n bench >/dev/null; h1=$(now_ms)
echo "start to first useful frame: $((t1 - t0)) ms (kubectl get pods of $PODS: $((k1 - k0)) ms, helm list: $((h1 - h0)) ms)"

pid=$(dl_pid)
keys : p o d s Enter
wait_for "$((PODS + 1)) pods in bench" 60 || fail "the pods view did not load $PODS pods (and nb1-0)"

# one full redraw, for scale
tmux -L "$SOCK" pipe-pane -o -t dl "cat >>'$T/tty.out'"
sleep 1
b0=$(stat -c %s "$T/tty.out" 2>/dev/null || echo 0)
keys C-l
sleep 1
full=$(($(stat -c %s "$T/tty.out") - b0))

latency() {	# latency N: N keystrokes into the filter prompt, ms each
	keys /
	wait_for "/" 5 >/dev/null
	for i in $(seq 1 "$1"); do
		c=$(printf "\\x$(printf %x $((97 + i % 26)))")
		want=$(pane | tail -1 | tr -d ' ')$c
		a=$(now_ms)
		keys "$c"
		while [ "$(pane | tail -1 | tr -d ' ')" != "$want" ]; do
			[ $(($(now_ms) - a)) -lt 5000 ] || break
		done
		echo $(($(now_ms) - a))
	done
	keys Escape
}
latency 15 >"$T/lat.idle"
# the peer: the same harness typing into cat (the tty echoes), which
# measures tmux and the polling rather than a program
peer_latency() {
	local typed= c a
	tmux -L "$SOCK" new-session -d -s peer -x 80 -y 5 cat
	for i in $(seq 1 "$1"); do
		c=$(printf "\\x$(printf %x $((97 + i % 26)))")
		typed=$typed$c
		a=$(now_ms)
		tmux -L "$SOCK" send-keys -t peer "$c"
		until tmux -L "$SOCK" capture-pane -p -t peer | head -1 | grep -qx "$typed"; do
			[ $(($(now_ms) - a)) -lt 5000 ] || break
		done
		echo $(($(now_ms) - a))
	done
	tmux -L "$SOCK" kill-session -t peer
}
peer_latency 15 >"$T/lat.peer"

# churn: every pod relabelled, again and again, for WINDOW seconds, by
# three kubectl loops each walking its share of the deployments, 500 pods
# at a time (one `label --all` lists all 5,000 pods first: seconds in
# which nothing changes, so the frames would measure kubectl)
churners=
for c in 1 2 3; do
	(
		i=0
		while :; do
			i=$((i + 1))
			for k in $(seq "$c" 3 "$deps"); do
				kubectl -n bench label pods -l "app=churn$k" "churn=$c-$i" --overwrite >/dev/null 2>&1
			done
		done
	) &
	churners="$churners $!"
done
timeout $((WINDOW + 10)) kubectl -n bench get pods -w --no-headers >"$T/peer.out" 2>/dev/null &
peer=$!
sleep 3
d0=$(day_ms); c0=$(ticks "$pid"); b0=$(stat -c %s "$T/tty.out"); p0=$(stat -c %s "$T/peer.out")
(latency 15 >"$T/lat.churn"; peer_latency 15 >"$T/lat.peer.churn") &
lat=$!
sleep "$WINDOW"
d1=$(day_ms); c1=$(ticks "$pid"); b1=$(stat -c %s "$T/tty.out"); p1=$(stat -c %s "$T/peer.out")
wait "$lat"
# shellcheck disable=SC2086
kill $churners "$peer" 2>/dev/null
# shellcheck disable=SC2086
wait $churners "$peer" 2>/dev/null
secs=$(((d1 - d0) / 1000))
[ "$secs" -gt 0 ] || secs=1
read -r frames drawms <<<"$(frames_between "$d0" "$d1")"
fps=$((frames / secs))
echo "frames while $PODS pods churn: $fps frames/s (cap 30), $((frames ? drawms / frames : 0)) ms to build and draw one"
echo "bytes to the terminal while $PODS pods churn: $(((b1 - b0) / secs)) bytes/s (full redraw each frame: $((full * fps)) bytes/s; kubectl get pods -w: $(((p1 - p0) / secs)) bytes/s)"
echo "full redraw: $full bytes"
echo "console CPU while $PODS pods churn: $(((c1 - c0) * 100 / secs / $(getconf CLK_TCK)))% of a core"
echo "keystroke to screen, idle: $(median <"$T/lat.idle") ms median, $(p90 <"$T/lat.idle") ms p90 (cat in the same tmux: $(median <"$T/lat.peer") ms median, $(p90 <"$T/lat.peer") ms p90)"
echo "keystroke to screen, $PODS pods churning: $(median <"$T/lat.churn") ms median, $(p90 <"$T/lat.churn") ms p90 (cat in the same tmux: $(median <"$T/lat.peer.churn") ms median, $(p90 <"$T/lat.peer.churn") ms p90)"

# the same view against a churn only the console limits: the fault proxy
# sends RATE pod changes a second on the pods watch (the sandbox itself
# writes a few pods a second at 5,000 pods, however many kubectl loops
# ask), each one more restart for a pod, so the rows on screen change
RATE=${RATE:-300}
. "$(dirname "$0")/../tests/e2e/clients_lib.sh"
tmux -L "$SOCK" kill-server 2>/dev/null
proxy_start
echo "{\"match\": \"/namespaces/bench/pods?watch=true\", \"do\": \"churn\", \"go\": \"$T/go\", \"rate\": $RATE, \"s\": $((WINDOW + 5))}" >>"$T/faults"
COLS=200 ROWS=50 dl_start --kubeconfig "$PROXY_KUBECONFIG" -n bench
wait_for "nb1" 120 >/dev/null || fail "no console through the proxy"
pid=$(dl_pid)
keys : p o d s Enter
wait_for "$((PODS + 1)) pods in bench" 120 >/dev/null || fail "the pods view did not load through the proxy"
tmux -L "$SOCK" pipe-pane -o -t dl "cat >>'$T/tty2.out'"
sleep 2
touch "$T/go"
sleep 1
d0=$(day_ms); c0=$(ticks "$pid"); b0=$(stat -c %s "$T/tty2.out" 2>/dev/null || echo 0)
sleep "$WINDOW"
d1=$(day_ms); c1=$(ticks "$pid"); b1=$(stat -c %s "$T/tty2.out")
secs=$(((d1 - d0) / 1000))
[ "$secs" -gt 0 ] || secs=1
read -r frames drawms <<<"$(frames_between "$d0" "$d1")"
echo "frames while $RATE pod changes/s arrive (fault proxy): $((frames / secs)) frames/s (cap 30), $((frames ? drawms / frames : 0)) ms to build and draw one, $(((b1 - b0) / secs)) bytes/s, console CPU $(((c1 - c0) * 100 / secs / $(getconf CLK_TCK)))% of a core"
keys q
exit 0
