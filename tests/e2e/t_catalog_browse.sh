#!/usr/bin/env bash
# :catalog against a Helm repository of the project's demo charts (served
# over HTTP the way the sandbox serves them, at <base>/charts/) plus a
# catalog that cannot be reached: tabs, the unreachable one failing alone,
# "/" search over keywords, a favourite kept in the config folder, a
# launch form opened with the command bar, and the stale copy shown with
# its age once the repository is gone.
. "$(dirname "$0")/lib.sh"

# A private repository: helm package + helm repo index (relative urls).
mkdir -p "$T/cat"
demo_repo
mkdir -p "$T/srv/hostile"
cp "$ROOT/../shared/testdata/hostile/yaml/index-hostile.yaml" "$T/srv/hostile/index.yaml"
http_serve "$T/srv"

# Only these catalogs: the sandbox one and one nobody answers for.
cat >"$T/cat/catalogs.yaml" <<EOF
catalogs:
  - id: demo
    name: {en: Demo, fr: Démo}
    location: sandbox://charts
    highlightedCharts: [postgres-demo]
  - id: nowhere
    name: Nowhere
    location: http://127.0.0.1:1/charts
  - id: hostile
    name: Hostile
    location: http://127.0.0.1:$PORT/hostile
EOF
export DATALAB_CATALOGS_DIR=$T/cat DATALAB_SANDBOX_URL=http://127.0.0.1:$PORT KUBECONFIG=/dev/null USER=alice

dl_start
wait_for "? help" || fail "console did not start"
keys ':catalog' Enter
wait_for "4 charts" || fail "demo catalog not listed"
wait_for "jupyter-demo" || fail "no jupyter-demo row"
# highlighted first
pane | grep -A1 "NAME" | tail -1 | grep -q "postgres-demo" || fail "highlighted chart not first"
keys Right
wait_for "127.0.0.1:1" || fail "unreachable catalog has no error"
# a hostile index: escape sequences in names and descriptions stay inert
tmux -L "$SOCK" select-pane -t dl -T e2e-title
keys Right
wait_for "traversal" || fail "hostile catalog's usable charts not listed"
wait_for "datalab │ Catalog" || fail "the screen was cleared by remote text"
[ "$(tmux -L "$SOCK" display -p -t dl '#{pane_title}')" = e2e-title ] || fail "remote text set the terminal title"
keys Left Left
wait_for "4 charts" || fail "back to demo"

# search by keyword (pytorch is only a keyword of gpu-demo)
keys /
keys p y t o r c h
wait_for "1 match" || fail "search did not narrow"
wait_for "gpu-demo" || fail "gpu-demo not found by keyword"
wait_gone "jupyter-demo" || fail "other charts still shown"
keys Enter
keys Escape
wait_for "jupyter-demo" || fail "Esc did not clear the search"

# favourite: starred, saved
keys G f
wait_for "added to favourites" || fail "favourite not toggled"
WAIT=5 wait_cmd grep -q "demo/" "$HOME/config/favourites.json" || fail "favourites.json not written"

# the launch form, with its command bar
keys g
keys Down
keys Enter
wait_form "jupyter-demo 0.1.0" || fail "launch form did not open"
keys c
wait_for "helm repo add demo http://127.0.0.1:$PORT/charts" || fail "command bar lacks helm repo add"
wait_for "cat << EOF > ./values.yaml" || fail "command bar lacks the values heredoc"
wait_for "--version 0.1.0 -f values.yaml" || fail "command bar lacks helm install"
keys Escape
keys Escape

# the repository goes away: the cached index stays, marked stale
http_stop
keys ':catalog' Enter
keys r
wait_for "offline: the copy from" 15 || fail "no stale notice"
wait_for "jupyter-demo" || fail "stale copy not shown"
keys q
wait_for "[exited 0]" || fail "did not quit"
ok "tabs, failing catalog alone, keyword search, favourites, form and command bar, stale copy"
