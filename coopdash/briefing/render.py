"""A briefing `Document` as .docx (python-docx: offices edit and forward Word files) and as PDF (fpdf2,
with Noto Sans CJK SC embedded as a subset, for print and the archive). Both walk the same blocks."""

from __future__ import annotations

import io

from docx import Document as Word
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode

from coopdash.briefing import fonts
from coopdash.briefing.document import Chart, Document, Heading, Paragraph, Table

BODY_ZH, HEADING_ZH = "宋体", "黑体"  # the fonts Word on an office machine has; others substitute their own
MARK_FILL = {"top": "FDECEA", "bottom": "E5E8EC"}  # 红榜 light red, 黑榜 light grey
HEADER_FILL = "DCE6F1"


# ------------------------------------------------------------------------------------------ .docx
def _east_asian(run, name: str) -> None:
    props = run._element.get_or_add_rPr()
    fonts_el = props.find(qn("w:rFonts"))
    if fonts_el is None:
        fonts_el = OxmlElement("w:rFonts")
        props.append(fonts_el)
    fonts_el.set(qn("w:eastAsia"), name)


def _shade(cell, fill: str) -> None:
    props = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def to_docx(doc: Document) -> bytes:
    word = Word()
    section = word.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    normal = word.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr()
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        normal.element.rPr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), BODY_ZH)
    word.core_properties.title = f"{doc.title} {doc.subtitle}"
    word.core_properties.language = "zh-CN"

    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold, run.font.size = True, Pt(20)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)  # the red masthead of a 简报
    _east_asian(run, HEADING_ZH)
    sub = word.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _east_asian(sub.add_run(doc.subtitle), HEADING_ZH)
    meta = word.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = meta.add_run(doc.meta)
    run.font.size = Pt(8)

    for block in doc.blocks:
        if isinstance(block, Heading):
            heading = word.add_heading(level=block.level)
            run = heading.add_run(block.text)
            _east_asian(run, HEADING_ZH)
        elif isinstance(block, Paragraph):
            para = word.add_paragraph()
            run = para.add_run(block.text)
            if block.small:
                run.font.size = Pt(8)
        elif isinstance(block, Chart):
            word.add_picture(io.BytesIO(block.png), width=Cm(15.5))
            word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap = word.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = cap.add_run(block.caption)
            run.font.size = Pt(9)
        elif isinstance(block, Table):
            cap = word.add_paragraph()
            run = cap.add_run(block.title)
            run.bold = True
            _east_asian(run, HEADING_ZH)
            table = word.add_table(rows=1, cols=len(block.columns))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, text in zip(table.rows[0].cells, block.columns):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
                _shade(cell, HEADER_FILL)
            for i, values in enumerate(block.rows):
                cells = table.add_row().cells
                mark = block.marks[i] if i < len(block.marks) else ""
                for cell, text in zip(cells, values):
                    cell.text = text
                    if mark in MARK_FILL:
                        _shade(cell, MARK_FILL[mark])
            for row in table.rows:
                for cell in row.cells:
                    for para in cell.paragraphs:
                        for run in para.runs:
                            run.font.size = Pt(9)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------ PDF
class _Pdf(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text}    {self.page_no()} / {{nb}}", align="C")


def to_pdf(doc: Document) -> bytes:
    """The PDF, or fonts.NoFont when no CJK font can be embedded."""
    regular, bold = fonts.find("regular"), fonts.find("bold")
    pdf = _Pdf(format="A4")
    pdf.footer_text = f"{doc.title} · {doc.subtitle}"
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("cjk", "", str(regular.path), collection_font_number=regular.face)
    pdf.add_font("cjk", "B", str(bold.path), collection_font_number=bold.face)
    pdf.set_title(f"{doc.title} {doc.subtitle}")
    pdf.set_lang("zh-CN")
    pdf.set_creator("共享物业社看板 / coopdash")
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("cjk", "B", 20)
    pdf.set_text_color(192, 0, 0)
    pdf.multi_cell(width, 11, doc.title, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
    pdf.set_text_color(0)
    pdf.set_font("cjk", "", 12)
    pdf.multi_cell(width, 7, doc.subtitle, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
    pdf.set_font("cjk", "", 8)
    pdf.set_text_color(90)
    pdf.multi_cell(width, 5, doc.meta, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
    pdf.set_text_color(0)
    pdf.set_draw_color(192, 0, 0)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.l_margin + width, pdf.get_y() + 2)
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    pdf.ln(5)

    for block in doc.blocks:
        if isinstance(block, Heading):
            if pdf.get_y() > pdf.h - 45:  # a heading does not sit alone at a page's foot
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font("cjk", "B", 13)
            pdf.multi_cell(width, 8, block.text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
            pdf.ln(1)
        elif isinstance(block, Paragraph):
            pdf.set_font("cjk", "", 8 if block.small else 10.5)
            pdf.multi_cell(width, 4.5 if block.small else 6.2, block.text, new_x="LMARGIN", new_y="NEXT",
                           wrapmode=WrapMode.CHAR)
            pdf.ln(1.5)
        elif isinstance(block, Chart):
            image_w = width * 0.92
            from PIL import Image  # fpdf2's own dependency

            with Image.open(io.BytesIO(block.png)) as im:
                image_h = image_w * im.height / im.width
            if pdf.get_y() + image_h + 8 > pdf.h - pdf.b_margin:
                pdf.add_page()
            pdf.image(io.BytesIO(block.png), x=pdf.l_margin + (width - image_w) / 2, w=image_w)
            pdf.set_font("cjk", "", 9)
            pdf.multi_cell(width, 5, block.caption, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
            pdf.ln(2)
        elif isinstance(block, Table):
            if pdf.get_y() > pdf.h - 40:
                pdf.add_page()
            pdf.set_font("cjk", "B", 10)
            pdf.multi_cell(width, 6, block.title, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
            pdf.set_font("cjk", "", 8.5)
            heading = FontFace(emphasis="BOLD", fill_color=_rgb(HEADER_FILL))
            with pdf.table(width=width, line_height=5, text_align="CENTER", headings_style=heading,
                           wrapmode=WrapMode.CHAR, first_row_as_headings=True) as table:
                table.row(block.columns)
                for i, values in enumerate(block.rows):
                    mark = block.marks[i] if i < len(block.marks) else ""
                    style = FontFace(fill_color=_rgb(MARK_FILL[mark])) if mark in MARK_FILL else None
                    row = table.row()
                    for text in values:
                        row.cell(text, style=style)
            pdf.ln(3)
    return bytes(pdf.output())


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
