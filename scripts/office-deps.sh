# Sourced by test.sh: LibreOffice (Debian's libreoffice-calc-nogui), the real office software that writes the
# ledger corpus the import tests read (tests/office_corpus.py). Installed when missing and we may (root +
# apt-get); otherwise the test that converts afresh skips and says why (the committed corpus is still tested).
if [ -z "${COOP_SKIP_OFFICE_DEPS:-}" ] && ! command -v soffice >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装 LibreOffice（台账测试）/ installing libreoffice-calc-nogui for the ledger tests …" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null) \
      || echo "无法安装 LibreOffice，相关测试将跳过 / could not install LibreOffice; that test will skip" >&2
  else
    echo "未找到 LibreOffice 且无法安装，相关测试将跳过 / no LibreOffice and cannot install it; that test will skip" >&2
  fi
fi
