#!/usr/bin/env bash
# `:` commands are not cut: `:launch LINK` with a 2,000-character launcher
# link (an STS session token in it, as Onyxia links carry) opens the form
# with the value that ends the link.  The command line was cut at 256
# characters, so the form never saw it.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/cat"
demo_repo
http_serve "$T/srv"
cp "$ROOT/catalogs/demo.yaml" "$T/cat/"
export DATALAB_CATALOGS_DIR=$T/cat DATALAB_SANDBOX_URL=http://127.0.0.1:$PORT KUBECONFIG=/dev/null USER=alice

head="/launcher/demo/jupyter-demo?name=course-1&version=0.1.0&s3.enabled=true&s3.sessionToken=%C2%AB"
tail="%C2%BB&resources.limits.cpu=%C2%AB1500m%C2%BB"
pad=$((2000 - ${#head} - ${#tail}))
token=$(head -c "$pad" /dev/zero | tr '\0' 'T')
LINK=$head$token$tail
[ ${#LINK} -eq 2000 ] || fail "the link is ${#LINK} characters, not 2000"

dl_start
wait_for "? help" || fail "console did not start"
keys :
keys -l "launch $LINK"
keys Enter
wait_for "jupyter-demo 0.1.0" 20 || fail "the form did not open from a 2,000-character :launch"
wait_for "1500m" || fail "the value at the end of the link is not in the form (the command was cut)"
keys q
wait_for "[exited 0]" || fail "did not quit"
ok ":launch with a 2,000-character link opens its form with the last value"
