#!/usr/bin/env bash
# 运行全部测试 / Run the whole test suite: ./test.sh  (extra arguments go to pytest)
set -euo pipefail
cd "$(dirname "$0")"
REQUIREMENTS=requirements-dev.txt
source scripts/bootstrap.sh
source scripts/browser-deps.sh
source scripts/axe-deps.sh
source scripts/nginx-deps.sh
source scripts/office-deps.sh
exec .venv/bin/python -m pytest "$@"
