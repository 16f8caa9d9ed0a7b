#!/usr/bin/env bash
# The newcomer's set-up in one place: makes .venv, installs what is missing, then runs the demo or the tests.
#   ./dev.sh demo   - install syncreport and write the demo report (HTML, PDF, JSON) into ./syncreport-demo
#   ./dev.sh test   - install the test dependencies and run lint, type checks, the CLI reference check and the
#                     whole test suite with branch coverage (the floor is in pyproject.toml)
#   ./dev.sh test-fast [pytest args] - the unit tests alone (no simulator end to end, nothing slow): under a minute
#   ./dev.sh docs   - regenerate docs/cli.md, the CLI reference, from the code
#   ./dev.sh wheel  - build the wheel, install it into a clean virtual environment (no checkout on the
#                     path) and run `syncreport demo` from there: what `pipx install` users get
set -euo pipefail
cd "$(dirname "$0")"

apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "dev.sh: installing system packages: $*" >&2
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_system_packages() {
  # WeasyPrint needs Pango; the tests read PDFs back with poppler-utils (pdftoppm, pdftotext) and drive the
  # HTML in Chromium.
  # Fonts: DejaVu for text, Droid Sans Fallback for CJK status names, Noto Color Emoji for emoji in summaries.
  # Each is installed only when absent.
  local missing=()
  local libs fonts
  libs=$(ldconfig -p 2>/dev/null || true)
  grep -q 'libpango-1.0.so' <<<"$libs" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  if [ "${1:-}" = test ]; then
    command -v pdftoppm >/dev/null || missing+=(poppler-utils)
    # the HTML report's browser tests drive Debian's Chromium through its chromedriver (no browser download)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
    # libfaketime: date-sensitive code checked under fake dates, and cron_benchmark.py's run a day later
    command -v faketime >/dev/null || missing+=(faketime)
  fi
  if command -v fc-list >/dev/null; then
    fonts=$(fc-list 2>/dev/null || true)
    grep -q 'DejaVuSans' <<<"$fonts" || missing+=(fonts-dejavu-core)
    [ -n "$(fc-list :lang=zh 2>/dev/null || true)" ] || missing+=(fonts-droid-fallback)
    grep -q 'Noto Color Emoji' <<<"$fonts" || missing+=(fonts-noto-color-emoji)
  else
    missing+=(fontconfig fonts-dejavu-core fonts-droid-fallback fonts-noto-color-emoji)
  fi
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

venv() {
  local extra="$1"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
}

cli_reference() {
  .venv/bin/typer syncreport.cli utils docs --name syncreport --title "syncreport command reference" --output "$1" >/dev/null
}

check_cli_reference() {
  local fresh
  fresh=$(mktemp)
  cli_reference "$fresh"
  if ! diff -u docs/cli.md "$fresh" >&2; then
    rm -f "$fresh"
    echo "dev.sh: docs/cli.md does not match the code's commands: run ./dev.sh docs and commit it" >&2
    exit 1
  fi
  rm -f "$fresh"
}

case "${1:-}" in
  demo)
    need_system_packages demo
    venv ""
    shift; .venv/bin/syncreport demo "$@"
    ;;
  test)
    need_system_packages test
    venv "[dev]"
    shift
    .venv/bin/ruff check src tests benchmarks
    .venv/bin/ruff format --check src tests benchmarks
    .venv/bin/mypy
    check_cli_reference
    .venv/bin/pytest --cov --cov-report=term:skip-covered "$@"
    ;;
  test-fast)
    need_system_packages test
    venv "[dev]"
    shift
    .venv/bin/pytest -q -m "not e2e and not slow" "$@"
    ;;
  wheel)
    need_system_packages demo
    venv "[dev]"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    .venv/bin/python -m pip wheel -q --disable-pip-version-check --no-deps -w "$work/dist" .
    python3 -m venv "$work/venv"
    "$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$work"/dist/syncreport-*.whl
    (cd "$work" && "$work/venv/bin/syncreport" demo --out "$work/demo" --issues 200 >/dev/null)
    for ext in html pdf json; do
      ls "$work"/demo/orbit-art-*."$ext" >/dev/null
    done
    echo "dev.sh: the wheel installs into a clean venv and runs the demo" >&2
    ;;
  docs)
    venv "[dev]"
    cli_reference docs/cli.md
    echo "dev.sh: wrote docs/cli.md" >&2
    ;;
  *)
    echo "usage: ./dev.sh demo [--out DIR] | ./dev.sh test [pytest args] | ./dev.sh test-fast [pytest args] | ./dev.sh docs | ./dev.sh wheel" >&2
    exit 2
    ;;
esac
