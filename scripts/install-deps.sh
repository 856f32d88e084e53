#!/usr/bin/env bash
# Installs the Debian packages tinyforge builds with (see README). Idempotent: skips what is present.
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config nlohmann-json3-dev libcli11-dev libssl-dev libgtest-dev clang-format libcpp-httplib-dev libcurl4-openssl-dev libonig-dev libicu-dev)
# The Python wheel (python/pyproject.toml) sets RUNPATHs of the libraries it bundles.
packages+=(patchelf)
# The test suite also needs a Python that can make virtual environments.
if [ "${1:-}" = "--test" ] && ! python3 -m venv --help >/dev/null 2>&1; then packages+=(python3-venv python3-pip); fi
# Held-out multilingual text for the tokenizer parity oracle (read from /usr/share/games/fortunes), and
# spm_train, which writes the real sentencepiece models (precompiled charsmaps) the oracle reads.
if [ "${1:-}" = "--test" ]; then packages+=(fortunes fortunes-de fortunes-ru fortunes-es fortunes-it sentencepiece); fi
# The fuzzers (scripts/fuzz.sh): clang, and libFuzzer's runtime (-fsanitize=fuzzer), which Debian ships in
# libclang-rt-14-dev.
if [ "${1:-}" = "--test" ]; then packages+=(clang libclang-rt-14-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
