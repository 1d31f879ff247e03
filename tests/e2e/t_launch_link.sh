#!/usr/bin/env bash
# `datalab launch LINK` with an Onyxia launcher link: the form opens with
# the link's values (an edited slider, a password, a friendly name); an
# invalid value in an autoLaunch link is refused with the schema's message
# and helm never runs; a valid autoLaunch link shows the equivalent
# commands, runs helm, and shows helm's own error (no cluster here: the
# launch against the sandbox is t_launch_sandbox.sh).  The form exports the
# same link back.
. "$(dirname "$0")/lib.sh"

# dl_stop: the console's tmux server gone, before the next dl_start
dl_stop() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	WAIT=5 wait_cmd sh -c "! tmux -L '$SOCK' has-session 2>/dev/null" || fail "tmux server did not stop"
}

mkdir -p "$T/cat"
demo_repo
http_serve "$T/srv"
cp "$ROOT/catalogs/demo.yaml" "$T/cat/"
export DATALAB_CATALOGS_DIR=$T/cat DATALAB_SANDBOX_URL=http://127.0.0.1:$PORT KUBECONFIG=/dev/null USER=alice

# 1. an invalid value with autoLaunch: refused before helm, with the rule
dl_start launch "https://datalab.example.test/launcher/demo/postgres-demo?autoLaunch=true&auth.database=%C2%ABBad-Name%C2%BB"
wait_for "postgres-demo 0.1.0" || fail "form did not open from the link"
wait_for "not launched: 'auth/database' does not match the pattern" || fail "invalid value not refused"
pane | grep -q "helm upgrade" && fail "helm ran on an invalid form"
keys q
wait_for "[exited 0]" || fail "did not quit"
dl_stop

# 2. a valid link, without autoLaunch: the values are in the form
LINK="/launcher/demo/jupyter-demo?name=course-1&version=0.1.0&resources.limits.cpu=%C2%AB1000m%C2%BB&security.password=%C2%ABclassroom42%C2%BB&git.enabled=false"
dl_start launch "$LINK"
wait_form "jupyter-demo 0.1.0" || fail "form did not open"
wait_for "1000m" || fail "slider value from the link not shown"
pane | grep -q "Personal access token" && fail "git fields shown although git.enabled=false"
pane | grep -q "classroom42" && fail "password shown in clear"
# the form gives the same values back as a link
keys x
wait_for "Launcher link for this form" || fail "no link pane"
wait_for "resources.limits.cpu=" || fail "link lacks the edited slider"
wait_for "git.enabled=false" || fail "link lacks the edited switch"
keys Escape
# the diff names the edited values
keys d
wait_for "resources/limits/cpu" || fail "diff lacks the edited slider"
keys Escape
keys q
wait_for "[exited 0]" || fail "did not quit"
dl_stop

# 3. autoLaunch: the commands show, helm runs, its error is shown as written
dl_start launch "$LINK&autoLaunch=true"
wait_for "Launching jupyter-demo-" || fail "no launch pane"
wait_for "helm repo add demo http://127.0.0.1:$PORT/charts" || fail "commands not shown before the launch"
wait_for "helm upgrade --install" || fail "helm not run"
wait_for "helm failed (exit status 1)" 30 || fail "helm's failure not reported"
wait_for "cluster unreachable" || fail "helm's own error not shown"
keys Escape
wait_for "jupyter-demo 0.1.0" || fail "form not back after the output"
keys q
wait_for "[exited 0]" || fail "did not quit"
ok "link values in the form, refused invalid autoLaunch, link and diff out, autoLaunch runs helm and shows its error"
