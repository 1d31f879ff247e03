#!/usr/bin/env bash
# Transfers cancelled from the transfers pane leave nothing behind: a
# cancelled multipart upload is aborted on the server (no upload left
# open, no object), a cancelled download leaves no file nor temp file in
# the folder; quitting while a transfer runs asks first; replacing an
# object by an upload asks first.
. "$(dirname "$0")/lib.sh"

sb_start
aws_s3() { aws --endpoint-url "$DATALAB_S3_ENDPOINT" "$@"; }
mkdir -p "$HOME/Downloads"
head -c $((400 * 1024 * 1024)) /dev/urandom >"$T/large.bin"
aws_s3 s3 cp "$T/large.bin" s3://user-alice/already.bin --only-show-errors || fail "aws upload"

dl_start
wait_for "datalab" || fail "no console"
keys ':buckets user-alice' Enter
wait_for "README.md" || fail "user-alice not listed"

# upload, cancelled while it runs
keys u
wait_for "upload file:" || fail "no upload prompt"
keys "$T/large.bin" Enter
wait_for "ETA" 20 || fail "upload progress never shown"
keys t
wait_for "x cancel" || fail "transfers pane not focused"
keys x
wait_for "cancelled the upload of 'large.bin'" || fail "upload not cancelled"
no_open_upload() { ! aws_s3 s3api list-multipart-uploads --bucket user-alice | grep -q UploadId; }
wait_cmd no_open_upload || fail "the multipart upload was not aborted"
aws_s3 s3 ls s3://user-alice/large.bin | grep -q large.bin && fail "a cancelled upload left an object"
keys c Tab

# download, cancelled while it runs
keys '/' 'already' Enter
keys d Enter
wait_for "ETA" 20 || fail "download progress never shown"
# quitting now asks first
keys q
wait_for "still running: quit anyway?" || fail "q did not ask while a transfer runs"
keys n
keys t x
wait_for "cancelled the download of 'already.bin'" || fail "download not cancelled"
keys Tab
left=$(ls -A "$HOME/Downloads")
[ -z "$left" ] || fail "a cancelled download left: $left"

# an upload over an existing object asks first
printf 'small\n' >"$T/already.bin"
keys u
wait_for "upload file:" || fail "no upload prompt (2)"
keys "$T/already.bin" Enter
wait_for "already exists: the upload replaces it" || fail "no replace question"
keys Escape
wait_gone "already exists" || fail "question did not close"
aws_s3 s3 ls s3://user-alice/already.bin | grep -q " 419430400 already.bin" || fail "object replaced after Cancel"

keys q
wait_for "[exited 0]" || fail "quit"
ok "upload and download cancelled cleanly, quit asks, replace asks"
