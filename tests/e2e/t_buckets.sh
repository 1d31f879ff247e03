#!/usr/bin/env bash
# The bucket browser against the sandbox's S3: the seeded buckets, an
# upload with progress seen by the aws CLI, a download with the same
# sha256, an overwrite refused then a numbered copy, a shared link that
# curl fetches (copied through OSC 52 into tmux's buffer), a delete, a
# public folder made private, a 2,000-object prefix paged as the user
# scrolls, and a key full of escape sequences drawn inert.
. "$(dirname "$0")/lib.sh"

sb_start
aws_s3() { aws --endpoint-url "$DATALAB_S3_ENDPOINT" "$@"; }
mkdir -p "$HOME/Downloads"
head -c 75497472 /dev/urandom | base64 -w 99 >"$T/upload.csv"	# 96 MiB of text
want=$(sha256sum <"$T/upload.csv" | cut -d' ' -f1)
size=$(stat -c %s "$T/upload.csv")
# a key whose name is terminal escapes: title, clear screen, clipboard
printf 'x\n' >"$T/small.txt"
evil=$'evil\e]0;PWNED-TITLE\a\e[2J\e]52;c;cHduZWQ=\aname.txt'
aws_s3 s3api put-object --bucket user-alice --key "$evil" --body "$T/small.txt" >/dev/null ||
	fail "aws put-object of the hostile key"

dl_start
tmux -L "$SOCK" set -s set-clipboard on
wait_for "datalab" || fail "no console"
keys ':buckets' Enter
wait_for "projet-demo" || fail "bucket list: no projet-demo"
wait_for "user-alice" || fail "bucket list: no user-alice"
wait_for "aws --endpoint-url $DATALAB_S3_ENDPOINT s3 ls" || fail "no aws command for the listing"

# browse down and up
keys ':buckets user-alice' Enter
wait_for "README.md" || fail "user-alice not listed"
wait_for "data/" || fail "no data/ folder"
keys '/' 'data/' Enter
keys Enter
wait_for "s3://user-alice/data/" || fail "data/ not opened"
wait_for "measures.csv" || fail "data/ not listed"
keys BSpace
wait_for "README.md" || fail "Backspace did not go up"

# the hostile key: drawn, but nothing it carries reached the terminal
wait_for "name.txt" || fail "hostile key not listed"
pane | grep -qF "README.md" || fail "screen cleared by a key"
[ "$(tmux -L "$SOCK" display -p -t dl '#{pane_title}')" != "PWNED-TITLE" ] || fail "title changed by a key"
tmux -L "$SOCK" show-buffer 2>/dev/null | grep -q pwned && fail "clipboard written by a key"

# upload with progress
keys u
wait_for "upload file:" || fail "no upload prompt"
keys "$T/upl" Tab
wait_for "$T/upload.csv" 3 || fail "Tab did not complete the path"
keys Enter
saw=
end=$(($(date +%s) + 60))
until pane | grep -qF "uploaded to s3://user-alice/upload.csv"; do
	pane | grep -q "ETA" && saw=1
	[ "$(date +%s)" -lt "$end" ] || { pane; fail "upload did not finish"; }
	sleep 0.05
done
[ -n "$saw" ] || echo "note: the upload finished before a progress frame was seen"
aws_s3 s3 ls s3://user-alice/upload.csv | grep -q " $size upload.csv" || fail "aws does not see the upload"
wait_for "aws --endpoint-url $DATALAB_S3_ENDPOINT s3 cp $T/upload.csv s3://user-alice/upload.csv" ||
	fail "no aws command for the upload"

# download, same bytes
keys '/' 'upload.csv' Enter
keys d
wait_for "save into folder: $HOME/Downloads" || fail "no download prompt"
keys Enter
wait_for "saved as $HOME/Downloads/upload.csv" 60 || fail "download did not finish"
got=$(sha256sum <"$HOME/Downloads/upload.csv" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "downloaded bytes differ"
ls -a "$HOME/Downloads" | grep -q datalab- && fail "temp file left"

# never overwritten silently: asked, refused, then kept both
keys d Enter
wait_for "File exists" || fail "no overwrite question"
keys Escape
wait_gone "File exists" || fail "question did not close"
[ -e "$HOME/Downloads/upload (1).csv" ] && fail "cancel still saved a copy"
keys d Enter
wait_for "File exists" || fail "no overwrite question (2)"
keys k
wait_for "saved as $HOME/Downloads/upload (1).csv" 60 || fail "keep both did not save a copy"
[ "$(sha256sum <"$HOME/Downloads/upload.csv" | cut -d' ' -f1)" = "$want" ] || fail "original changed"

# share: presigned link, copied with OSC 52, fetched by curl
keys s
wait_for "link valid for" || fail "no lifetime prompt"
keys Enter
wait_for "link to upload.csv, valid 60m" || fail "no link shown"
wait_for "s3 presign s3://user-alice/upload.csv --expires-in 3600" || fail "no aws presign command"
keys c
wait_for "copied to the clipboard" || fail "link not copied"
url=$(tmux -L "$SOCK" show-buffer)
case $url in http://127.0.0.1:*X-Amz-Signature=*) ;; *) fail "clipboard holds '$url'" ;; esac
[ "$(curl -sf "$url" | sha256sum | cut -d' ' -f1)" = "$want" ] || fail "curl of the shared link differs"
keys Escape

# delete
keys x
wait_for "will be deleted" || fail "no delete question"
keys d
wait_for "deleted s3://user-alice/upload.csv" || fail "not deleted"
aws_s3 s3 ls s3://user-alice/upload.csv | grep -q upload.csv && fail "aws still sees the object"

# a public folder (seeded with Onyxia's policy) made private
keys ':buckets projet-demo' Enter
wait_for "diffusion/" || fail "projet-demo not listed"
pane | grep "diffusion/" | grep -q public || fail "diffusion/ not shown public"
keys '/' 'diffusion' Enter
keys p
wait_for "will need keys again" || fail "no private question"
keys Enter
wait_for "s3://projet-demo/diffusion/ is private again" || fail "not made private"
aws_s3 s3api get-bucket-policy --bucket projet-demo 2>/dev/null | grep -q diffusion &&
	fail "policy still names diffusion/"

# 2,000 objects: the first page at once, the next as the user scrolls
keys ':buckets projet-demo/logs/events/' Enter
wait_for "1000 items, more as you scroll" || fail "first page not shown alone"
keys G
wait_for "2000 items" || fail "second page not fetched at the end of the first"
keys G
wait_for "event-01999.json" || fail "last object not shown"

keys q
wait_for "[exited 0]" || fail "quit"
ok "browse, upload, download, overwrite refused, share, delete, private, paging, hostile key"
