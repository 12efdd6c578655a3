#!/usr/bin/env bash
# 启动看板（演示数据）/ Start the dashboard on the bundled demo data: ./start.sh
# Another dataset: COOP_DATA_DIR=/path/to/dataset ./start.sh ; another port: PORT=8600 ./start.sh
set -euo pipefail
cd "$(dirname "$0")"
REQUIREMENTS=requirements.txt
source scripts/bootstrap.sh
source scripts/font-deps.sh
echo "看板 / dashboard: http://localhost:${PORT:-8501}" >&2
exec .venv/bin/python -m streamlit run server.py --server.port "${PORT:-8501}" "$@"
