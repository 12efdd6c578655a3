# Sourced by test.sh (and .ci/run): Debian's Chromium and CJK fonts for the real-browser tests.
# Installs them when missing and we may (root + apt-get); otherwise the browser tests skip and say why.
if [ -z "${COOP_SKIP_BROWSER_DEPS:-}" ] && { [ ! -x /usr/bin/chromium ] || ! ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装 Chromium 与中文字体 / installing chromium and fonts-noto-cjk …" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
      || echo "无法安装 Chromium，浏览器测试将跳过 / could not install chromium; browser tests will skip" >&2
  else
    echo "未找到 Chromium 且无法安装，浏览器测试将跳过 / no chromium and cannot install it; browser tests will skip" >&2
  fi
fi
