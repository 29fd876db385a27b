#!/usr/bin/env bash
# The first step of `npm test`: install what the tests need that npm cannot (Debian packages), so README's test
# command works on a fresh machine. As root it installs what is missing; as another user it stops at once with the
# one command to run. Each entry: what a test uses (a command, or an absolute path the package installs), and the
# Debian package that provides it.
set -euo pipefail

required=(
  "chromium chromium" # the browser tests (playwright-core drives Debian's Chromium; it never downloads one)
  "go golang-go"      # test/sdk/go-sdk.test.ts builds its probe of the official Go SDK with Debian's Go (GOPATH mode, offline)
  # the official OSS Go SDK (1.5) itself, as Debian packages it (test/sdk/go-sdk.test.ts)
  "/usr/share/gocode/src/github.com/aliyun/aliyun-oss-go-sdk/oss golang-github-aliyun-aliyun-oss-go-sdk-dev"
  "openssl openssl" # test/functions/bundle-auth.test.ts makes a self-signed certificate for an https key set
)

missing=()
for entry in "${required[@]}"; do
  read -r needed package <<<"$entry"
  if [[ "$needed" == /* ]]; then
    [ -e "$needed" ] || missing+=("$package")
  else
    command -v "$needed" >/dev/null 2>&1 || missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian packages that are not installed: ${missing[*]}" >&2
  echo "Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing what the tests need: ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
