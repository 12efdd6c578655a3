# Sourced by test.sh: axe-core (npm, pinned) for the accessibility tests, into the gitignored .axe/.
# Installed when missing and npm is there; otherwise those tests skip and say why.
AXE_CORE_VERSION=4.10.3
if [ -z "${COOP_SKIP_AXE_DEPS:-}" ] && ! grep -qs "\"version\": \"$AXE_CORE_VERSION\"" .axe/node_modules/axe-core/package.json; then
  if command -v npm >/dev/null; then
    echo "安装 axe-core $AXE_CORE_VERSION / installing axe-core …" >&2
    mkdir -p .axe && (cd .axe && npm install --silent --no-audit --no-fund --no-save --prefix . "axe-core@$AXE_CORE_VERSION" >/dev/null) \
      || echo "无法安装 axe-core，无障碍测试将跳过 / could not install axe-core: accessibility tests will skip" >&2
  else
    echo "未找到 npm，无障碍测试将跳过 / no npm: accessibility tests will skip" >&2
  fi
fi
