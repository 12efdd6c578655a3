#!/usr/bin/env bash
# 多进程部署 / Serve many viewers: N replicas behind nginx, supervised. ./serve.sh   (stop: ./serve.sh stop)
# REPLICAS=2 (default: the number of cores), PORT=8501, COOP_DATA_DIR as for ./start.sh; docs/deploy.md
set -euo pipefail
cd "$(dirname "$0")"
REQUIREMENTS=requirements.txt
source scripts/bootstrap.sh
if [ "${1:-start}" = start ]; then
  source scripts/font-deps.sh
  source scripts/nginx-deps.sh
fi
exec .venv/bin/python -m deploy.serve "$@"
