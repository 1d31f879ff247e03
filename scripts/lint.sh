#!/usr/bin/env bash
# lint.sh: what the compiler does not catch (as curl's checksrc): banned
# functions, trailing white space, spaces for indentation, missing
# top-of-file comments, and exported names without their module prefix.
set -u
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
report() { echo "lint: $*" | tee -a "$out"; }

files=$(git ls-files 'src/*.c' 'include/*.h' 'tests/*.c')
for f in $files; do
	grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|strtok|atoi|atol)\s*\(' "$f" |
		grep -vE '(snprintf|vsnprintf|strncat)' | while read -r l; do report "$f:$l: banned function"; done
	grep -nE '[[:space:]]+$' "$f" | head -3 | while read -r l; do report "$f:${l%%:*}: trailing white space"; done
	grep -nE '^    +[^ *]' "$f" | head -3 | while read -r l; do report "$f:${l%%:*}: indent with tabs"; done
	head -3 "$f" | grep -q '^/\*' || report "$f: no top-of-file comment"
done
# every exported function of src/<layer>/<module>.c starts with a prefix of
# its header: module_, or layer_module_ where the bare module name would
# say too little (s3_config_init), or layer_ for a layer's client module
# (s3_list_objects, kube_call; STYLE.md's s3/s3.h); x* allocators in core/mem
for h in include/datalab/*/*.h; do
	mod=$(basename "$h" .h)
	layer=$(basename "$(dirname "$h")")
	[ "$mod" = client ] && mod_client="${layer}_" || mod_client="${layer}_${mod}_"
	sed -nE 's/^[a-z].*[ *]([a-z_0-9]+)\(.*/\1/p' "$h" | while read -r fn; do
		case $fn in
		"$mod"_*|"$layer"_"$mod"_*|"$mod_client"*|x*|fatal|"${mod%s}"_*|error_*|log_*|time_*|str_*|file_*|json_*|yaml_*|utf8_*) ;;
		*) echo "lint: $h: '$fn' lacks the '${mod}_' prefix (warning)" ;;
		esac
	done
done
if [ -s "$out" ]; then exit 1; fi
echo "lint: clean"
