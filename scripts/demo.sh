#!/usr/bin/env bash
# demo.sh: a fresh sandbox on free loopback ports, the console against it,
# and the sandbox stopped when the console exits, even on Ctrl-C.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${DATALAB_DEMO_DIR:-$root/build/demo}
mkdir -p "$dir"
rm -f "$dir/ready"
"$root/bin/datalab-sandbox" --dir "$dir" --port 0 --s3-port 0 >"$dir/sandbox.log" 2>&1 &
sb=$!
stop() { kill -TERM "$sb" 2>/dev/null; wait "$sb" 2>/dev/null; }
trap stop EXIT
trap 'exit 130' INT TERM HUP
for _ in $(seq 200); do
	[ -f "$dir/ready" ] && break
	kill -0 "$sb" 2>/dev/null || { cat "$dir/sandbox.log"; echo "demo: the sandbox did not start" >&2; exit 1; }
	sleep 0.05
done
[ -f "$dir/ready" ] || { echo "demo: the sandbox is not ready after 10 s" >&2; exit 1; }
export KUBECONFIG=$dir/kubeconfig
# shellcheck disable=SC1091
[ -f "$dir/s3.env" ] && . "$dir/s3.env"
export PATH=$root/.tools/bin:$PATH
echo "demo: sandbox ready ($(tr '\n' ' ' <"$dir/ready")); kubectl and helm use KUBECONFIG=$KUBECONFIG"
"$root/bin/datalab" "$@"
