"""How the app looks: projection mode (放映模式) for meeting rooms, print styles for A4 handouts,
and the page carousel. Pure CSS served by the app itself: nothing is fetched from outside."""

from __future__ import annotations

import json
import re
import time

import streamlit as st

from coopdash.app import session
from coopdash.app.state import K_CAROUSEL, K_CAROUSEL_SHOWN, K_PRESENT, K_PRESENT_ALLOWED
from coopdash.i18n.catalogue import builtin
from coopdash.i18n.labels import lang, t

CHART_HEIGHT_PRESENT = 480  # two charts side by side fill most of a 1080-pixel screen
PRESENT_TEXT_PX = 22  # the smallest text of projection mode (issue 23 asks at least 20 px at 1080p)
CHART_HEIGHT_PHONE = 300  # a chart and its title in a third of a 390×844 phone screen
PHONE_AGENT = re.compile(r"Mobi|Android|iPhone|iPod|HarmonyOS", re.IGNORECASE)  # phones' browsers say so

# A4 landscape handouts: only the page's content, no chrome, buttons or widgets; the page laid out at the
# width of a desktop window and printed at 68 % (charts keep the size they were drawn at, four cards a row,
# two charts a row), cards dense, headings kept with what follows, cards, charts and tables not split.
# The header line on every sheet is ui.header's (print_header).
PRINT_CSS = """
@media print {
  @page { size: A4 landscape; margin: 12mm 9mm 8mm 9mm; }
  section[data-testid="stSidebar"], header[data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stSidebarCollapsedControl"],
  .stDownloadButton, .stButton, [data-testid="stPopover"], [data-testid="stElementToolbar"], [data-testid="stWidgetLabel"], .stDateInput, .stMultiSelect, .stSelectbox,
  .stSegmentedControl, .stToggle, .stCheckbox, .stTextInput, .stNumberInput, .stRadio, .stFileUploader,
  [data-testid="stTooltipIcon"], .coop-kpi-help, hr, .st-key-page_workbook { display: none !important; }
  .stMainBlockContainer, .block-container { padding: 0 !important; max-width: 100% !important; zoom: .68; }
  [data-testid="stMain"] { overflow: visible !important; }
  [data-testid="stMetric"], .coop-kpi { break-inside: avoid; padding: .3rem .6rem !important; }
  [data-testid="stMetricValue"], .coop-kpi-value { font-size: 1.6rem !important; }
  [data-testid="stMetricValue"] > div, .coop-kpi-value { line-height: 1.2 !important; }
  .coop-kpis { gap: .6rem !important; }
  [data-testid="stVerticalBlock"] { gap: .45rem !important; }
  [data-testid="stHorizontalBlock"] { display: flex !important; gap: .6rem !important; flex-wrap: nowrap !important; }
  [data-testid="stColumn"] { min-width: 0 !important; }
  .stPlotlyChart { overflow: hidden !important; max-width: 100% !important; }
  h1 { font-size: 2rem !important; padding: 0 !important; }
  h2, h3 { font-size: 1.35rem !important; padding: .3rem 0 0 0 !important; }
  h1, h2, h3, [data-testid="stHeading"], .stElementContainer:has(h2), .stElementContainer:has(h3) {
    break-after: avoid !important; break-inside: avoid; }
  .stPlotlyChart, [data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stHorizontalBlock"] {
    break-inside: avoid; }
  /* a table prints as its text copy (ui.table), whole at the width of its place: the grid is a canvas drawn
     for the screen's width, cut on paper */
  .stElementContainer:has([data-testid="stDataFrame"]) { display: none !important; }
  .stElementContainer:has(.coop-print-table) { display: block !important; width: 100% !important; }
  .coop-print-table { border-collapse: collapse; width: 100%; font-size: .8rem; line-height: 1.3; }
  .coop-print-table th, .coop-print-table td { border: 1px solid #c8c9ce; padding: .15rem .35rem; text-align: left;
    overflow-wrap: anywhere; }
  .coop-print-table td.num { text-align: right; white-space: nowrap; }
  .coop-print-table thead { display: table-header-group; }
  .coop-print-table tr { break-inside: avoid; }
  .coop-print-more { font-size: .75rem; color: #5c5d66; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# Projection: no sidebar or toolbar, large high-contrast type readable from the back of a room.
PRESENT_CSS = """
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], .stDownloadButton { display: none !important; }
.stMainBlockContainer, .block-container { padding: 1.2rem 2.5rem 1rem 2.5rem !important; max-width: 100% !important; }
.stApp { background: #ffffff; color: #000000; }
h1 { font-size: 3rem !important; font-weight: 800 !important; padding: 0 0 .2rem 0 !important; color: #000 !important; }
h2, h3 { font-size: 2rem !important; font-weight: 700 !important; color: #000 !important; padding: .4rem 0 .2rem 0 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 1.3rem !important; color: #111 !important; }
[data-testid="stMetric"], .coop-kpi { border: 3px solid #000 !important; border-radius: .6rem; padding: .6rem .9rem !important; }
[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div, .coop-kpi-label { font-size: 1.45rem !important; color: #000 !important; font-weight: 700 !important; }
.coop-kpi-help { width: 1.6rem; height: 1.6rem; font-size: 1.25rem; line-height: 1.5rem; border-color: #000; color: #000; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, .coop-kpi-value { font-size: 3.6rem !important; color: #8b0000 !important; font-weight: 800 !important; line-height: 1.15 !important; }
[data-testid="stMarkdownContainer"] p { font-size: 1.35rem; }
[data-testid="stDataFrame"] { font-size: 1.2rem; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.4rem !important; padding: .3rem .9rem !important;
  color: #000 !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] *, [data-testid="stMetric"] [data-testid="stCaptionContainer"] p,
.coop-kpi-delta, .coop-kpi-note { font-size: 1.4rem !important; }
.coop-kpi-note { color: #111 !important; }
[data-testid="stMarkdownContainer"] li, [data-testid="stAlert"] p, [data-testid="stWidgetLabel"] p, button p,
[data-testid="stExpander"] summary p { font-size: 1.4rem !important; }
"""


# A narrow screen (a phone, whatever its browser says): KPI cards two per row, values sized to fit them,
# and no chart toolbar on a touch screen (it covers titles and legends; charts are static there).
PHONE_CSS = """
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) {
    flex-direction: row !important; flex-wrap: wrap !important; gap: .5rem !important; }
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) > [data-testid="stColumn"] {
    flex: 1 1 calc(50% - .25rem) !important; min-width: calc(50% - .25rem) !important;
    max-width: calc(50% - .25rem) !important; width: calc(50% - .25rem) !important; }
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) > [data-testid="stColumn"]:not(:has([data-testid="stMetric"])) {
    display: none !important; }
  .coop-kpis { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; gap: .5rem !important; }
  [data-testid="stMetric"], .coop-kpi { padding: .55rem .6rem !important; }
  [data-testid="stMetricValue"], .coop-kpi-value { font-size: 1.55rem !important; }
  [data-testid="stMetricLabel"] p, .coop-kpi-label { font-size: .85rem !important; }
  [data-testid="stMetricDelta"], [data-testid="stMetric"] [data-testid="stCaptionContainer"] p, .coop-kpi-delta,
  .coop-kpi-note { font-size: .75rem !important; }
  h1 { font-size: 1.8rem !important; }
  .stMainBlockContainer, .block-container { padding-left: .75rem !important; padding-right: .75rem !important;
                                            padding-top: 3.75rem !important; }
}
@media (pointer: coarse) { .modebar-container { display: none !important; } }
"""

# A phone's browser (presentation.is_phone): the map is a picture a finger scrolls past (deck.gl takes every
# touch on its canvas, whatever touch-action says); a compound is chosen from the list under it instead.
PHONE_AGENT_CSS = """
[data-testid="stDeckGlJsonChart"], [data-testid="stDeckGlJsonChart"] * { pointer-events: none !important; }
"""

# Every mode: a card's value sized to its card (in English "113.8 hours" was cut to "113.8 ho…") and its
# 环比/同比 note wrapped, not cut. A table wider than its place says so (Streamlit's scroll bar is transparent until hovered, so
# nothing showed that columns were hidden to the right): its scroll bar, a shade on its right edge and a
# line under it (LANG_SCRIPT marks the tables that overflow). Captions (the as-of line, the 环比/同比 notes, footnotes) dark enough to read (Streamlit's
# grey, its text colour at 60 % opacity, is 3.88:1 on white; #5c5d66 opaque is 6.5:1, WCAG AA asks 4.5:1).
A11Y_CSS = """
.stElementContainer:has(.coop-print-table) { display: none !important; }
.coop-kpis { display: grid; grid-template-columns: repeat(var(--coop-per-row, 4), minmax(0, 1fr)); gap: 1rem;
  margin: 0 !important; padding: 0 !important; }
.coop-kpi { border: 1px solid rgba(49, 51, 63, .2); border-radius: .5rem; padding: .75rem 1rem; min-width: 0; line-height: 1.45;
  container-type: inline-size; }
.coop-kpi dt, .coop-kpi dd { margin: 0; }
.coop-kpi-label { font-size: .875rem; color: #31333f; line-height: 1.4; }
.coop-kpi-help { display: inline-block; margin-left: .3rem; width: 1rem; height: 1rem; border-radius: 50%;
  border: 1px solid #5c5d66; color: #5c5d66; font-size: .7rem; line-height: .9rem; text-align: center;
  cursor: help; vertical-align: .1rem; }
.coop-kpi-help { position: relative; }
/* the help reached with the keyboard (tab) shows its text, as hovering shows the title */
.coop-kpi-help:focus-visible { outline: 2px solid #b22222; outline-offset: 2px; }
.coop-kpi-help:focus-visible::after { content: attr(aria-label); position: absolute; left: 0; top: 1.4rem; z-index: 10;
  background: #31333f; color: #fff; padding: .4rem .6rem; border-radius: .3rem; width: max-content; max-width: 16rem;
  font-size: .8rem; line-height: 1.4; white-space: normal; text-align: left; font-weight: normal; }
.coop-kpi-value { font-size: clamp(1.25rem, 13cqi, 2.25rem); line-height: 1.3; color: #31333f; padding: .15rem 0 .2rem;
  overflow-wrap: break-word; }
.coop-kpi-delta { display: inline-block; font-size: .875rem; padding: .05rem .5rem; border-radius: 1rem;
  margin: .1rem .5rem 0 0 !important; }
.coop-green { color: #0e6b2b; background: #e3f4e8; }
.coop-red { color: #b01a1f; background: #fde8e9; }
.coop-gray { color: #4a4b55; background: #ececef; }
.coop-kpi-note { display: inline; font-size: .875rem; color: #5c5d66; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { color: #5c5d66; }
.st-key-coop_page_lang, .st-key-coop_carousel_walk { display: none !important; }
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricLabel"] * { white-space: normal !important; text-overflow: clip !important; }
[data-testid="stMetricValue"] { font-size: clamp(1.25rem, 12cqi, 2.25rem); }
[data-testid="stMetric"] [data-testid="stCaptionContainer"], [data-testid="stMetric"] [data-testid="stCaptionContainer"] * {
  white-space: normal !important; text-overflow: clip !important; }
.stDataFrameGlideDataEditor.dvn-scroller { scrollbar-color: #8a8b94 #ecedf0 !important; }
[data-testid="stDataFrame"][data-coop-scrolls] { position: relative; margin-bottom: 1.3rem; }
[data-testid="stDataFrame"][data-coop-scrolls]::before { content: ""; position: absolute; top: 0; right: 0; bottom: 0;
  width: 2.2rem; pointer-events: none; z-index: 2; border-radius: 0 .5rem .5rem 0;
  background: linear-gradient(to right, rgba(255, 255, 255, 0), rgba(178, 34, 34, .16)); }
[data-testid="stDataFrame"][data-coop-scrolls]::after { content: attr(data-coop-scrolls); position: absolute; right: 0;
  bottom: -1.35rem; font-size: .8rem; color: #5c5d66; white-space: nowrap; }
"""

# The document's language follows the session's (Streamlit's page says lang="en" whatever it shows), the
# English that Streamlit and Plotly write on their own controls is said in it (coopdash/i18n/catalogue/builtin.py;
# screen readers read those labels out), and the sectioned page list, which Streamlit draws as <ul><div><header/><li/>…</div></ul> (not a valid list),
# is made a plain group of links. Kept true across re-renders by one observer per tab.
LANG_SCRIPT = """<script>
(function () {
  const w = window;
  w.__coopLang = "%s";
  w.__coopScrolls = "%s";
  w.__coopWords = %s;
  w.__coopFix = w.__coopFix || function () {
    const root = document.documentElement;
    if (root.lang !== w.__coopLang) root.lang = w.__coopLang;
    ["aria-label", "title", "data-title"].forEach(function (a) {
      document.querySelectorAll("[" + a + "]").forEach(function (e) {
        const zh = w.__coopWords[e.getAttribute(a)];
        if (zh) e.setAttribute(a, zh);
      });
    });
    document.querySelectorAll('[data-testid="stSidebarNavItems"]:not([role]), '
                              + '[data-testid="stSidebarNavItems"] li:not([role])')
      .forEach(function (e) { e.setAttribute("role", "none"); });
    document.querySelectorAll('[data-testid="stDataFrame"]').forEach(function (d) {
      const sc = d.querySelector(".dvn-scroller");
      const wide = !!sc && sc.scrollWidth > sc.clientWidth + 1;
      if (wide && d.getAttribute("data-coop-scrolls") !== w.__coopScrolls) d.setAttribute("data-coop-scrolls", w.__coopScrolls);
      if (!wide && d.hasAttribute("data-coop-scrolls")) d.removeAttribute("data-coop-scrolls");
    });
  };
  w.__coopFix();
  if (!w.__coopObserver) {  // at most one pass per 250 ms, however many nodes a run adds (not one per node)
    w.__coopObserver = new MutationObserver(function () {
      if (!w.__coopPending) w.__coopPending = setTimeout(function () { w.__coopPending = 0; w.__coopFix(); }, 250);
    });
    w.__coopObserver.observe(document.body, {childList: true, subtree: true});
    setInterval(w.__coopFix, 1000);  // a grid's width changes without a node added
  }
})();
</script>"""


def html_lang() -> str:
    """The session's language as a BCP 47 tag for <html lang>: zh-CN or en."""
    return "en" if lang() == "en" else "zh-CN"


def styles(present: bool) -> None:
    """Inject the print and accessibility styles, the projection styles when `present`, and the script
    that keeps <html lang> in the session's language."""
    st.html(f"<style>{A11Y_CSS}{PHONE_CSS}{PHONE_AGENT_CSS if is_phone() else ''}{PRINT_CSS}"
            f"{PRESENT_CSS if present else ''}</style>")
    with st.sidebar.container(key="coop_page_lang"):  # hidden; its script runs all the same
        hint = t("table.scrolls").replace("\\", "").replace('"', "")
        words = json.dumps({} if lang() == "en" else builtin.ZH, ensure_ascii=False).replace("</", "<\\/")
        st.html(LANG_SCRIPT % (html_lang(), hint, words), unsafe_allow_javascript=True)


def allow(allowed: bool) -> None:
    """Whether this run's role may use projection mode and the carousel (dashboard.py, after the gate).
    A link that asks for them on a role that may not says so and shows the normal view."""
    ss = st.session_state
    ss[K_PRESENT_ALLOWED] = allowed
    if not allowed and (ss.get(K_PRESENT) or ss.get(K_CAROUSEL)):
        ss[K_PRESENT] = ss[K_CAROUSEL] = False
        r = session.role()
        session.say("warning", "auth.present_refused", {"role": r.zh}, {"role": r.en})


def is_present() -> bool:
    return bool(st.session_state.get(K_PRESENT, False))


def is_phone() -> bool:
    """Whether this session's browser is a phone's (its User-Agent says Mobile, Android, iPhone …): charts
    static on touch, the filters at the top of the page, the map half a screen, tables their key columns.
    Never in projection mode; False outside a browser session."""
    if is_present():
        return False
    try:
        agent = st.context.headers.get("User-Agent") or ""
    except Exception:  # noqa: BLE001 — no browser session (tests, the command line)
        return False
    return bool(PHONE_AGENT.search(agent))


# The carousel walks each page a screen at a time: its time on the page shared between its screens, the
# first screen first, so the charts and the ranking below the cards reach the room too.
WALK_SCRIPT = """<script>
(function () {
  const w = window, page = "%s", seconds = %d;
  if (w.__coopWalk && w.__coopWalk.page === page) return;  // a rerun of the same page: keep walking
  if (w.__coopWalk) clearInterval(w.__coopWalk.timer);
  const start = Date.now();
  const main = () => document.querySelector('[data-testid="stMain"]');
  const m0 = main();
  if (m0) m0.scrollTop = 0;
  w.__coopWalk = {page: page, timer: setInterval(function () {
    const m = main();
    if (!m) return;
    const step = Math.max(1, m.clientHeight - 80);  // a screen, a strip of the last one kept for context
    const screens = Math.max(1, Math.ceil((m.scrollHeight - 80) / step));
    const at = Math.min(screens - 1, Math.floor((Date.now() - start) / (seconds * 1000 / screens)));
    const top = Math.min(at * step, m.scrollHeight - m.clientHeight);
    if (Math.abs(m.scrollTop - top) > 2) m.scrollTo({top: top, behavior: "smooth"});
  }, 500)};
})();
</script>"""


def walk(page: str, seconds: float) -> None:
    """Scroll the page in screens over the `seconds` the carousel shows it (projection mode)."""
    with st.sidebar.container(key="coop_carousel_walk"):  # the sidebar is hidden when projecting
        st.html(WALK_SCRIPT % (re.sub(r"[^a-z_]", "", page), int(seconds)), unsafe_allow_javascript=True)


def carousel(pages: list, current, seconds: float) -> None:
    """Advance to the next of `pages` every `seconds`, keeping the session's filters.

    A fragment that reruns on its own timer; when the current page has been shown long enough it
    switches to the next chosen page (the filters live in session state and travel along)."""
    if len(pages) < 2 and (not pages or pages[0].url_path == current.url_path):
        return
    ss = st.session_state
    shown = ss.get(K_CAROUSEL_SHOWN)
    if shown is None or shown[0] != current.url_path:
        ss[K_CAROUSEL_SHOWN] = (current.url_path, time.monotonic())

    walk(current.url_path or "overview", seconds)

    @st.fragment(run_every=max(seconds / 3, 1.0))
    def _tick() -> None:
        path, since = ss[K_CAROUSEL_SHOWN]
        if time.monotonic() - since >= seconds - 0.2:
            paths = [p.url_path for p in pages]
            nxt = pages[(paths.index(path) + 1) % len(pages)] if path in paths else pages[0]
            ss[K_CAROUSEL_SHOWN] = (nxt.url_path, time.monotonic())
            st.switch_page(nxt)

    _tick()
