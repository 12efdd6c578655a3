# Sourced by start.sh: the CJK font the briefing's PDF embeds and its charts draw with (Noto Sans CJK SC,
# Debian's fonts-noto-cjk). Installed when missing and we may (root + apt-get); otherwise the dashboard
# still starts and the briefing's PDF button says what to install (the .docx does not need it).
if [ -z "${COOP_SKIP_FONT_DEPS:-}" ] && ! ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 \
   && ! { command -v fc-list >/dev/null && fc-list | grep -q "Noto Sans CJK SC"; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装中文字体 / installing fonts-noto-cjk …" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null) \
      || echo "无法安装中文字体，工作简报将没有 PDF / could not install fonts-noto-cjk: the briefing has no PDF" >&2
  else
    echo "未找到中文字体且无法安装，工作简报将没有 PDF / no CJK font and cannot install it: the briefing has no PDF" >&2
  fi
fi
