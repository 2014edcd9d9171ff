#!/usr/bin/env bash
# Set up Curtain on a fresh machine and run it.
#
#   ./project.sh main        install Curtain into .venv, then run the main job
#   ./project.sh test        install Curtain with its test tools into .venv, then run the tests
#   ./project.sh dashboard   install Curtain with only what the dashboard needs into .venv,
#                            then serve the teaching dashboard (arguments go to
#                            `curtain dashboard`, e.g. ./project.sh dashboard --port 8800)
#
# Needs Python 3.12 or newer; finds one by itself (python3.13, python3.12, python3, pyenv).
set -euo pipefail
cd "$(dirname "$0")"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

find_python() {
  local candidates=(python3.13 python3.12 python3)
  local root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for dir in "$root"/versions/3.1[2-9]* "$root"/versions/3.[2-9][0-9]*; do
    [ -x "$dir/bin/python" ] && candidates+=("$dir/bin/python")
  done
  for py in "${candidates[@]}"; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

ensure_venv() {
  local extra="$1"
  if [ ! -x .venv/bin/python ] ||
     ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    local py
    if ! py="$(find_python)"; then
      echo "project.sh: Curtain needs Python 3.12 or newer and found none" \
           "(looked for python3.13, python3.12, python3 and pyenv versions)." \
           "Install one, e.g. 'pyenv install 3.12', and run this again." >&2
      exit 1
    fi
    echo "project.sh: creating .venv with $py ($("$py" --version))"
    rm -rf .venv
    "$py" -m venv .venv
  fi
  echo "project.sh: installing Curtain${extra:+ with [$extra]} into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra:+[$extra]}" \
    2> >(grep -v "^WARNING: Location" >&2)
}

case "${1:-}" in
  main)
    ensure_venv ""
    exec .venv/bin/curtain experiment experiments/compare_cultures.toml --out results/compare_cultures
    ;;
  test)
    ensure_venv "test"
    # The dashboard's browser tests drive Debian's Chromium, never a test tool's own download.
    if ! command -v chromium >/dev/null 2>&1; then
      sudo=""
      [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
      if command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || sudo -n true 2>/dev/null; }; then
        echo "project.sh: installing Debian's chromium for the dashboard's browser tests"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
          { $sudo apt-get update -qq >/dev/null 2>&1 &&
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } ||
          echo "project.sh: 'apt-get install chromium' failed; the browser tests will be skipped" >&2
      else
        echo "project.sh: chromium is missing and cannot be installed here (needs apt-get as" \
             "root or with sudo: 'apt-get install chromium'); the browser tests will be skipped" >&2
      fi
    fi
    exec .venv/bin/python -m pytest -q
    ;;
  dashboard)
    shift
    ensure_venv "dashboard"
    exec .venv/bin/curtain dashboard "$@"
    ;;
  *)
    usage
    exit 2
    ;;
esac
