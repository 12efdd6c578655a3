"""The CJK font the PDF embeds and the charts draw with: Noto Sans CJK SC from Debian's fonts-noto-cjk
(./start.sh and ./test.sh install it), found on the usual paths or through fontconfig. Nothing is
fetched: without the font the PDF is refused with the reason, and the .docx (which embeds no font)
is still made."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from coopdash.data.errors import CoopError

FAMILY = "Noto Sans CJK SC"
# In Debian's .ttc collections the faces are JP, KR, SC, TC, HK: SC (Simplified Chinese) is face 2.
SC_FACE = 2
CANDIDATES = {
    "regular": ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"],
    "bold": ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
             "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
             "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"],
}


class NoFont(CoopError):
    """No CJK font to embed."""


@dataclass(frozen=True)
class Font:
    path: Path
    face: int  # the face within a .ttc collection (0 for a plain .ttf / .otf)


def _fontconfig(style: str) -> Path | None:
    if not shutil.which("fc-match"):
        return None
    pattern = f"{FAMILY}:style={'Bold' if style == 'bold' else 'Regular'}"
    command = ["fc-match", "-f", "%{file}", pattern]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    path = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    return path if path and "CJK" in path.name and path.is_file() else None


@cache
def find(style: str = "regular") -> Font:
    """The Noto Sans CJK SC face of `style` ("regular" or "bold"), or NoFont saying what to install."""
    for candidate in CANDIDATES[style]:
        if Path(candidate).is_file():
            return Font(Path(candidate), SC_FACE)
    found = _fontconfig(style)
    if found:
        return Font(found, SC_FACE if found.suffix.lower() == ".ttc" else 0)
    if style == "bold":  # the regular face drawn for bold rather than no PDF at all
        return find("regular")
    raise NoFont("找不到中文字体（Noto Sans CJK SC），无法生成 PDF：请安装 fonts-noto-cjk（./start.sh 会自动安装）",
                 "no CJK font (Noto Sans CJK SC) to embed in the PDF: install fonts-noto-cjk (./start.sh installs it)")
