#!/usr/bin/env bash
# The newcomer's set-up in one place: makes .venv, installs what is missing, then runs the demo or the tests.
#   ./dev.sh demo   - install syncreport and write the demo report (HTML, PDF, JSON) into ./syncreport-demo
#   ./dev.sh test   - install the test dependencies and run lint, type checks and the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

need_system_packages() {
  # WeasyPrint needs Pango; the PDF checks need pdftoppm/pdftotext (poppler-utils). Install only when absent.
  local missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
  if [ "${1:-}" = test ]; then command -v pdftoppm >/dev/null || missing+=(poppler-utils); fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "dev.sh: installing system packages: ${missing[*]}" >&2
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

venv() {
  local extra="$1"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
}

case "${1:-}" in
  demo)
    need_system_packages demo
    venv ""
    shift; .venv/bin/syncreport demo "$@"
    ;;
  test)
    need_system_packages test
    venv "[test]"
    shift
    .venv/bin/ruff check src tests benchmarks
    .venv/bin/ruff format --check src tests benchmarks
    .venv/bin/mypy
    .venv/bin/pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo [--out DIR] | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
