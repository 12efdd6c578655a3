"""The page document asks for the report pages' element code as it loads (coopdash/app/warmup.py,
EagerElements): what it adds to Streamlit's HTML, and that nothing else is touched."""

import asyncio

from coopdash.app.warmup import EagerElements, eager_tags

PAGE = (b'<!DOCTYPE html><html lang="en"><head><title>Streamlit</title>'
        b'<script type="module" crossorigin src="./static/js/index.abc.js"></script></head><body></body></html>')


LATER = (b'["./static/js/PlotlyChart.P2.js"].forEach(function (h) { const l = document.createElement("link"); '
         b'l.rel = "modulepreload"; l.crossOrigin = ""; l.href = h; document.head.appendChild(l); });')


def js_dir(tmp_path):
    for name in ("Metric.M1-x_.js", "PlotlyChart.P2.js", "Video.V3.js", "index.abc.js", "Metric.M1-x_.js.map"):
        (tmp_path / name).write_text("")
    return tmp_path


def served(app, path, headers=(), method="GET"):
    """(the response's start message, its body) for one request."""
    sent = []

    async def run():
        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)
        await app({"type": "http", "method": method, "path": path, "headers": list(headers)}, receive, send)
    asyncio.run(run())
    return sent[0], b"".join(m.get("body", b"") for m in sent[1:])


class Inner:
    """Answers any path with PAGE as HTML, or with JavaScript for a .js path, in two body messages."""

    def __init__(self):
        self.seen = {}

    async def __call__(self, scope, receive, send):
        self.seen = dict(scope["headers"])
        body, kind = (b"console.log(1)", b"text/javascript") if scope["path"].endswith(".js") else (PAGE, b"text/html")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})


def test_the_cards_element_brings_the_chunks_it_imports_but_those_the_document_names(tmp_path):
    js_dir(tmp_path)
    (tmp_path / "Html.H3.js").write_text('import{o as e}from"./runtime.R.js";import{t as i}from"./purify.es.P.js";'
                                         'var a=1;export{a as default};')
    links, _ = eager_tags(tmp_path, have=["runtime.R.js"])
    assert links == (b'<link rel="modulepreload" crossorigin href="./static/js/Metric.M1-x_.js">'
                     b'<link rel="modulepreload" crossorigin href="./static/js/Html.H3.js">'
                     b'<link rel="modulepreload" crossorigin href="./static/js/purify.es.P.js">')


def test_tags_name_the_chunks_this_streamlit_has_in_eager_order(tmp_path):
    links, script = eager_tags(js_dir(tmp_path))
    assert links == b'<link rel="modulepreload" crossorigin href="./static/js/Metric.M1-x_.js">'
    # Plotly's asked for once the page's code has run, fetched and compiled, not run: Streamlit runs it when
    # a chart arrives, after the cards
    assert script == (b'<script type="module">import("./static/js/Metric.M1-x_.js");' + LATER + b'</script>')
    empty = tmp_path / "none"
    empty.mkdir()
    assert eager_tags(empty) == (b"", b"")


def test_the_document_gets_them_with_its_length_and_uncompressed(tmp_path):
    app = EagerElements(Inner(), js_dir(tmp_path))
    start, body = served(app, "/service_orders", [(b"accept-encoding", b"gzip"), (b"cookie", b"a=1")])
    assert body == (b'<!DOCTYPE html><html lang="en"><head><title>Streamlit</title>'
                    b'<link rel="modulepreload" crossorigin href="./static/js/Metric.M1-x_.js">'
                    b'<script type="module" crossorigin src="./static/js/index.abc.js"></script>'
                    b'<script type="module">import("./static/js/Metric.M1-x_.js");' + LATER + b'</script>'
                    b'</head><body></body></html>')
    assert dict(start["headers"])[b"content-length"] == str(len(body)).encode()
    assert app.app.seen == {b"cookie": b"a=1"}  # asked for uncompressed, the rest as it came


def test_everything_else_passes_untouched(tmp_path):
    app = EagerElements(Inner(), js_dir(tmp_path))
    for path in ("/static/js/index.abc.js", "/_stcore/health", "/favicon.png"):
        start, body = served(app, path, [(b"accept-encoding", b"gzip")])
        assert body == (b"console.log(1)" if path.endswith(".js") else PAGE)
        assert app.app.seen == {b"accept-encoding": b"gzip"}
    start, body = served(app, "/", method="HEAD")
    assert body == PAGE
