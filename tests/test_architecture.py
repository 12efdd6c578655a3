"""The layout's rules, checked on the code itself (docs/architecture.md):

- the data layer and the commands (coopdash.data, coopdash.i18n, coopdash.workbench, coopdash.synth,
  ingest) never load Streamlit, neither when imported nor when the commands run;
- no import cycles between the project's modules (coopdash/, ingest/, pages/, dashboard.py);
- the layers import one way: those packages never import the app layer or the pages; only
  coopdash/app/cache.py holds `st.cache_data` / `st.cache_resource`; the pages never reach the query
  layer (coopdash.data.db) but through coopdash.app.cache;
- docs/architecture.md's table "What each folder may import" is read and held as written: every import
  of every file, project or third-party, is in its row (the standard library aside).

The import graph is read with `ast` from the source files (imports inside functions count too), so a
module that is never imported at run time is checked as well.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow.parquet as pq

from coopdash import ROOT
from ingest.store import read_tables
from tests.fixture_data import write_fixture
from tests.test_ingest import GOOD_ORDER, TODAY, orders

COMMAND_LAYERS = ("coopdash.data", "coopdash.i18n", "coopdash.workbench", "coopdash.synth", "coopdash.auth",
                  "coopdash.briefing",
                  "coopdash.users", "coopdash.backup", "ingest")
APP_LAYERS = ("coopdash.app", "pages")
CACHE_MODULE = "coopdash.app.cache"
CACHE_DECORATORS = {"cache_data", "cache_resource"}
LEGACY_CACHES = {"cache", "experimental_memo", "experimental_singleton"}  # st.cache & co, where st is streamlit


# ---------------------------------------------------------------------------- the project's import graph
def source_files() -> list[Path]:
    return sorted([*(ROOT / "coopdash").rglob("*.py"), *(ROOT / "ingest").rglob("*.py"),
                   *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py", ROOT / "server.py"])


def module_name(path: Path) -> str:
    """coopdash/app/cache.py → coopdash.app.cache; coopdash/app/__init__.py → coopdash.app;
    pages/overview.py → pages.overview (a page script; nothing imports it); dashboard.py → dashboard."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def project_modules() -> dict[str, Path]:
    return {module_name(p): p for p in source_files()}


@cache
def syntax_tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def ancestors(name: str) -> list[str]:
    """coopdash.app.cache → [coopdash.app, coopdash]."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def imports_of(tree: ast.Module, importer: str, packages: set[str]) -> list[tuple[str, int]]:
    """What a module names in its import statements, anywhere in it (functions included), resolved:
    `import a.b` → a.b; `from a import b` → a.b when that is a module, else a; relative imports
    against the importer's package. Third-party names are returned too (as written)."""
    package = importer if importer in packages else importer.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, *([node.module] if node.module else [])])
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def resolve(name: str, modules) -> str | None:
    """The project module an imported name stands for (a.b.c, or the package a.b if c is an attribute
    of it); None for third-party names."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def edges_of(importer: str, tree: ast.Module, modules) -> dict[str, int]:
    """The project modules that importing `importer` runs first, with the line that asks for each.

    Importing a module runs its parent packages' __init__ first, so an import of a.b.c is an edge to
    a.b.c and to a.b and a. But the importer's own parent packages are left out: they are always
    initialised before the importer's first line (Python imports a package before its submodules), so
    `from coopdash.app import cache` in coopdash/app/sidebar.py is an edge to coopdash.app.cache only, and
    coopdash/app/__init__.py importing coopdash.app.state is not a cycle with state → coopdash.app."""
    packages = {m for m, path in modules.items() if path.name == "__init__.py"}
    own_parents = set(ancestors(importer))
    edges: dict[str, int] = {}
    for name, line in imports_of(tree, importer, packages):
        target = resolve(name, modules)
        if target is None:
            continue
        for implied in [target, *ancestors(target)]:
            if implied in own_parents or (implied == importer and implied != target):
                continue
            edges.setdefault(implied, line)
    return edges


@cache
def import_graph() -> dict[str, dict[str, int]]:
    """module → {imported project module: line}, for every module of coopdash/, ingest/, pages/ and dashboard.py."""
    modules = project_modules()
    return {name: edges_of(name, syntax_tree(path), modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, dict | set]) -> list[list[str]]:
    """The import cycles: strongly connected components of more than one module, and modules that
    import themselves (Tarjan's algorithm), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(cycles)


def reachable(graph: dict[str, dict], roots) -> dict[str, list[str]]:
    """Every module the roots import, directly or not, with one import path to it."""
    paths = {r: [r] for r in roots}
    todo = list(roots)
    while todo:
        v = todo.pop()
        for w in graph.get(v, ()):
            if w not in paths:
                paths[w] = [*paths[v], w]
                todo.append(w)
    return paths


def where(importer: str, target: str) -> str:
    path = project_modules()[importer].relative_to(ROOT)
    return f"{path}:{import_graph()[importer][target]}"


# ---------------------------------------------------------------------------- a. no Streamlit below the app
IMPORT_ALL = """
import importlib, json, pkgutil, sys
names = []
for package in {packages!r}:
    names.append(importlib.import_module(package).__name__)
    for info in pkgutil.walk_packages(getattr(sys.modules[package], "__path__", []), package + "."):
        if info.name.rsplit(".", 1)[-1] != "__main__":  # `python -m` entry points run their command
            names.append(importlib.import_module(info.name).__name__)
print(json.dumps({{"modules": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}}))
"""

RUN_COMMAND = """
import runpy, sys
sys.argv = {argv!r}
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
finally:  # also when the command ends with sys.exit
    print("\\nSTREAMLIT MODULES:", sorted(m for m in sys.modules if m.split(".")[0] == "streamlit"), flush=True)
"""


def python(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COOP_DATA_DIR"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=600)


def run_command(*argv) -> subprocess.CompletedProcess:
    """`python -m argv[0] argv[1:]` in a fresh interpreter; stdout ends with the Streamlit modules loaded."""
    done = python(RUN_COMMAND.format(argv=[str(a) for a in argv]))
    assert "No runtime found" not in done.stderr, done.stderr  # a st.cache_* ran outside Streamlit
    assert done.stdout.rstrip().endswith("STREAMLIT MODULES: []"), (argv, done.stdout[-2000:], done.stderr[-2000:])
    return done


def test_data_layer_and_commands_never_load_streamlit(tmp_path):
    imported = python(IMPORT_ALL.format(packages=COMMAND_LAYERS))
    assert imported.returncode == 0, imported.stderr
    assert "No runtime found" not in imported.stderr
    result = json.loads(imported.stdout.splitlines()[-1])
    assert result["streamlit"] == []
    # every module of those packages was imported (the walk missed none of the files)
    files = {m for m in project_modules()
             if any(is_within(m, p) for p in COMMAND_LAYERS) and not m.endswith("__main__")}
    assert set(result["modules"]) == files and len(files) > 25

    # the commands, run for real: python -m ingest on a small ledger, its rollback, both generators
    dataset = write_fixture(tmp_path / "ds")
    ledger = orders(tmp_path, GOOD_ORDER)
    done = run_command("ingest", ledger, "--dataset", dataset, "--today", TODAY)
    assert done.returncode == 0, done.stdout
    assert dataset.is_symlink() and os.readlink(dataset).endswith("v0002")
    assert "O8" in read_tables(dataset, {"service_orders"})["service_orders"].column("order_id").to_pylist()
    assert run_command("ingest", "--rollback", "--dataset", dataset).returncode == 0
    assert os.readlink(dataset).endswith("v0001")

    done = run_command("coopdash.synth.demo", "--out", tmp_path / "demo")
    assert done.returncode == 0, done.stderr
    assert pq.read_metadata(tmp_path / "demo" / "service_orders.parquet").num_rows > 0
    done = run_command("coopdash.synth.citygen", "--orders", 2000, "--out", tmp_path / "city")
    assert done.returncode == 0, done.stderr
    assert read_tables(tmp_path / "city", {"service_orders"})["service_orders"].num_rows == 2000


# ---------------------------------------------------------------------------- b. no import cycles
def test_no_import_cycles():
    """No module imports, directly or through others, a module that imports it back.

    Rule for packages: importing a submodule runs its parent packages first, so `import a.b.c` (or
    `from a.b import c`) from outside a.b counts as an edge to a.b.c, a.b and a. Inside a package, the
    edge from a submodule to one of its own parent packages is not counted: Python initialises a
    package before any of its submodules, so that edge can never be what starts a circle (it is what
    makes coopdash/app/__init__.py importing coopdash.app.state, and state living in coopdash.app,
    no cycle). Imports inside functions count like the others."""
    graph = import_graph()
    assert len(graph) > 50 and graph["coopdash.app"]  # the files were read
    cycles = find_cycles(graph)
    listed = ["\n  ".join(f"{a} → {b} ({where(a, b)})" for a in c for b in graph[a] if b in c) for c in cycles]
    assert not cycles, "import cycles:\n  " + "\n\n  ".join(listed)


def test_the_cycle_finder_finds_cycles():
    """find_cycles and the package rule, on small graphs whose answer is known."""
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a", "f"}, "f": set()}) == \
        [["a", "b", "c"], ["d"]]
    assert find_cycles({"x": {"y"}, "y": {"x", "z"}, "z": {"y"}, "w": {"x"}}) == [["x", "y", "z"]]

    modules = {"pkg": Path("pkg/__init__.py"), "pkg.a": Path("pkg/a.py"), "pkg.b": Path("pkg/b.py"),
               "lib": Path("lib.py")}

    def graph(sources: dict[str, str]) -> dict[str, dict[str, int]]:
        return {m: edges_of(m, ast.parse(sources.get(m, "")), modules) for m in modules}

    # the package imports its submodules, they import from the package (an attribute, the package
    # itself): no cycle; from outside, importing pkg.a runs pkg first
    sources = {"pkg": "from pkg import a\nfrom . import b", "pkg.a": "from pkg import b\nimport pkg",
               "pkg.b": "from pkg import VERSION", "lib": "from pkg.a import g"}
    ok = graph(sources)
    assert ok == {"pkg": {"pkg.a": 1, "pkg.b": 2}, "pkg.a": {"pkg.b": 1}, "pkg.b": {}, "lib": {"pkg.a": 1, "pkg": 1}}
    assert find_cycles(ok) == []
    # b importing a back, even inside a function, closes a circle
    assert find_cycles(graph({**sources, "pkg.b": "def f():\n    from .a import g"})) == [["pkg.a", "pkg.b"]]
    # a module outside the package that the package imports, and that imports a submodule of it:
    # lib → pkg.a runs pkg first, and pkg imports lib
    assert find_cycles(graph({"pkg": "import lib", "lib": "from pkg import a"})) == [["lib", "pkg"]]
    assert find_cycles(graph({"lib": "import lib"})) == [["lib"]]


# ---------------------------------------------------------------------------- c. one way down
def test_layers_import_one_way():
    graph, modules = import_graph(), project_modules()
    lower = sorted(m for m in modules if any(is_within(m, p) for p in COMMAND_LAYERS))
    assert len(lower) > 25

    # the data layer and the commands never import the app layer or the pages, not even through others
    wrong: dict[tuple, list[str]] = {}  # by the import that crosses into the app layer, one path to it
    for module in lower:
        for path in reachable(graph, [module]).values():
            crossing = next((i for i, m in enumerate(path) if any(is_within(m, p) for p in APP_LAYERS)), None)
            if crossing is not None:
                wrong.setdefault((path[crossing - 1], path[crossing]), path[: crossing + 1])
    assert not wrong, "below the app layer, imports of the app layer:\n" + "\n".join(
        " → ".join(path) + f" ({where(*edge)})" for edge, path in sorted(wrong.items()))
    # … nor Streamlit itself
    direct = [f"{modules[m].relative_to(ROOT)}:{line} imports {name}" for m in lower
              for name, line in imports_of(syntax_tree(modules[m]), m, set())
              if name.split(".")[0] == "streamlit"]
    assert not direct, direct

    # every st.cache_data / st.cache_resource is in coopdash/app/cache.py
    caching: dict[str, list[int]] = {}
    for module, path in modules.items():
        for node in ast.walk(syntax_tree(path)):
            hit = isinstance(node, ast.Attribute) and (
                node.attr in CACHE_DECORATORS
                or (node.attr in LEGACY_CACHES and isinstance(node.value, ast.Name)
                    and node.value.id in {"st", "streamlit"}))
            hit = hit or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit"
                          and any(a.name in CACHE_DECORATORS | LEGACY_CACHES for a in node.names))
            if hit:
                caching.setdefault(module, []).append(node.lineno)
    assert set(caching) == {CACHE_MODULE}, {m: lines for m, lines in caching.items() if m != CACHE_MODULE}
    assert len(caching[CACHE_MODULE]) >= 5  # the check sees them where they are

    # the pages (and the entry point) run queries through coopdash.app.cache, never coopdash.data.db
    pages = [m for m in modules if is_within(m, "pages") or m == "dashboard"]
    assert len(pages) >= 8
    to_db = [where(p, "coopdash.data.db") for p in pages if "coopdash.data.db" in graph[p]]
    assert not to_db, f"pages importing coopdash.data.db: {to_db}"
    assert [p for p in pages if CACHE_MODULE not in reachable(graph, [p])] == []


def test_tests_do_not_import_bench():
    """The benchmarks may use the tests' helpers, not the other way round (tests/streamlit_ws.py)."""
    found = [f"{path.relative_to(ROOT)}:{line} imports {name}" for path in sorted((ROOT / "tests").glob("*.py"))
             for name, line in imports_of(ast.parse(path.read_text(encoding="utf-8")), "tests." + path.stem, set())
             if name.split(".")[0] == "bench"]
    assert not found, found


# ---------------------------------------------------------------------------- d. the table of docs/architecture.md
@dataclass(frozen=True)
class Rule:
    files: tuple[str, ...]  # paths from the repo root: "coopdash/data/" (a folder) or "server.py"
    may: tuple[tuple[str, bool, tuple[str, ...], bool], ...]  # (name, exact, only these files, inside functions)
    must_not: tuple[str, ...]


def _entries(cell: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """A cell's backticked names, each with the files of its "(only `file`, …)" and its "inside functions";
    other words in brackets explain and are passed over."""
    import re
    out = []
    cell = re.sub(r"\((?!only )[^)]*\)", "", cell)
    for m in re.finditer(r"`([^`]+)`(\s*\(only ((?:`[^`]+`,?\s*)+)(inside functions)?[^)]*\))?", cell):
        only = tuple(re.findall(r"`([^`]+)`", m.group(3) or ""))
        out.append((m.group(1), only, bool(m.group(4))))
    return out


def table_rules() -> list[Rule]:
    import re
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## 各层可以引用什么", 1)[1].split("\n## ", 1)[0]
    rules = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        files = tuple(re.findall(r"`([^`]+)`", cells[0].split("(")[0]))
        if any(f in ("tests/", "bench/") for f in files):
            continue
        may = tuple((name, name == "coopdash.ROOT", only, inside) for name, only, inside in _entries(cells[1]))
        rules.append(Rule(files, may, tuple(name for name, _, _ in _entries(cells[2]))))
    return rules


def rule_of(path: Path, rules: list[Rule]) -> Rule | None:
    """The row for a file: one naming the file, else the one of its innermost folder."""
    rel = path.relative_to(ROOT).as_posix()
    best = None
    for rule in rules:
        for f in rule.files:
            if rel == f:
                return rule
            if f.endswith("/") and rel.startswith(f) and (best is None or len(f) > len(best[0])):
                best = (f, rule)
    return best[1] if best else None


def _module_of_file(f: str) -> str:
    return module_name(ROOT / f) if f.endswith(".py") else f.rstrip("/").replace("/", ".")


def imports_in_functions(tree: ast.Module) -> set[int]:
    """The lines of the import statements inside a function (run when it is called, not on import)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines |= {n.lineno for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)}
    return lines


def table_breaches(rules: list[Rule]) -> list[str]:
    import sys
    modules, stdlib = project_modules(), set(sys.stdlib_module_names) | {"__future__"}
    found = []
    for module, path in modules.items():
        rule = rule_of(path, rules)
        if rule is None:
            found.append(f"{path.relative_to(ROOT)}: no row of the table names it")
            continue
        rel = path.relative_to(ROOT).as_posix()
        own = [_module_of_file(f) for f in rule.files if f.endswith("/")]
        tree = syntax_tree(path)
        nested = imports_in_functions(tree)
        for name, line in imports_of(tree, module, {m for m, p in modules.items() if p.name == "__init__.py"}):
            target = resolve(name, modules) or name.split(".")[0]
            third_party = resolve(name, modules) is None
            if third_party and target in stdlib:
                continue
            at = f"{rel}:{line} imports {name}"
            if any(is_within(target, bad) or (bad == name) for bad in rule.must_not):
                found.append(f"{at}: the table says it must not")
                continue
            if not third_party and any(is_within(target, o) for o in own):
                continue
            allowed = False
            for entry, exact, only, inside in rule.may:
                entry_module = resolve(entry, modules) or entry
                hit = (target == entry_module) if exact else (is_within(target, entry_module) or name == entry)
                if hit and (not only or rel in only) and (not inside or line in nested):
                    allowed = True
                    break
            if not allowed:
                found.append(f"{at}: not in its row of the table")
    return found


def test_the_import_table_of_the_architecture_document_holds():
    rules = table_rules()
    assert len(rules) >= 14
    by_file = {f: r for r in rules for f in r.files}
    assert ("coopdash.i18n.labels", False, ("coopdash/data/contract.py",), True) in by_file["coopdash/data/"].may
    assert "streamlit" in by_file["coopdash/data/"].must_not
    breaches = table_breaches(rules)
    assert not breaches, "docs/architecture.md's import table is not what the code does:\n" + "\n".join(breaches)


def test_the_table_check_sees_a_breach_of_each_kind():
    rules = table_rules()
    by_file = {f: r for r in rules for f in r.files}
    data, app = by_file["coopdash/data/"], by_file["coopdash/app/"]
    # the data layer without pandas: its modules that import pandas are named
    import dataclasses
    no_pandas = dataclasses.replace(data, may=tuple(e for e in data.may if e[0] != "pandas"))
    found = table_breaches([no_pandas if r is data else r for r in rules])
    assert any(line.startswith("coopdash/data/") and "imports pandas: not in its row" in line for line in found)
    # ingest allowed to the whole app layer instead of data_office.py: still fine; restricted to another file: not
    other = dataclasses.replace(app, may=tuple((n, x, ("coopdash/app/ui.py",) if n == "ingest" else o, i)
                                               for n, x, o, i in app.may))
    found = table_breaches([other if r is app else r for r in rules])
    assert found and all(line.startswith("coopdash/app/data_office.py") for line in found), found
    # labels imported at the top of contract.py would break "inside functions"; forbidding streamlit to the app: named
    banned = dataclasses.replace(app, must_not=app.must_not + ("streamlit",))
    found = table_breaches([banned if r is app else r for r in rules])
    assert any("coopdash/app/cache.py" in line and "imports streamlit: the table says it must not" in line
               for line in found)
