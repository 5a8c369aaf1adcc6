#!/usr/bin/python3
"""Checks permerge notebooks (stdlib + nbformat only; run with /usr/bin/python3).

  check_notebook_outputs.py --sources NB...      committed notebooks: no outputs, the permerge-java kernel,
                                                 a first code cell tagged "parameters"
  check_notebook_outputs.py EXECUTED.ipynb...    executed copies: no error output, no Java exception on
                                                 stderr, plotly.js emitted once when there are figures, and
                                                 every expectation a cell declares in its metadata
  check_notebook_outputs.py --rendered DOM --console LOG --html HTML
                                                 what Chromium drew: every figure div of the HTML export
                                                 became a Plotly plot with an SVG inside; no "Uncaught"

Expectations: a cell's metadata "permerge": {"expect": [ ... ]}, each one of
  {"table": NAME, "rows": N}          an HTML table with that data-table name and row count (rows optional)
  {"figures": N}                      N figures drawn by the cell
  {"contains": TEXT}                  TEXT appears in the cell's output (any MIME type or stream)
  {"pattern": REGEX, "min": A, "max": B, "equals": V}
                                      REGEX (one group) matches the output; the number it captures is
                                      within [A, B] / equal to V (each bound optional)
"""
import html
import html.parser
import re
import sys

import nbformat

PLOTLY_MARK = "plotly.js 2.35.3, shipped by permerge"
FIGURE_DIV = re.compile(r'<div id="(permerge_fig_[A-Za-z0-9_]+)" class="permerge-figure">')


def fail(msg):
    print("check-notebooks: " + msg, file=sys.stderr)
    return 1


def output_texts(cell):
    """(kind, text) for every output of a code cell."""
    for out in cell.get("outputs", []):
        t = out.get("output_type")
        if t == "stream":
            yield "stream:" + out.get("name", ""), out.get("text", "")
        elif t in ("display_data", "execute_result"):
            for mime, data in out.get("data", {}).items():
                yield mime, data if isinstance(data, str) else "".join(data) if isinstance(data, list) else str(data)
        elif t == "error":
            yield "error", out.get("ename", "") + ": " + out.get("evalue", "") + "\n" + "\n".join(out.get("traceback", []))


def check_sources(paths):
    bad = 0
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        spec = nb.metadata.get("kernelspec", {}).get("name")
        if spec != "permerge-java":
            bad += fail(f"{p}: kernelspec is {spec!r}, expected 'permerge-java'")
        code = [c for c in nb.cells if c.cell_type == "code"]
        if not code or "parameters" not in code[0].metadata.get("tags", []):
            bad += fail(f"{p}: the first code cell must be the parameters cell (tag 'parameters')")
        for i, c in enumerate(code):
            if c.get("outputs") or c.get("execution_count") is not None:
                bad += fail(f"{p}: code cell {i} has outputs; commit notebooks without outputs")
                break
    return bad


def number(text):
    return float(text.replace("\u2212", "-"))


def check_cell_expectations(path, index, cell, texts):
    bad = 0
    joined = "\n".join(t for _, t in texts)
    plain = html.unescape(re.sub(r"<[^>]+>", "", joined))
    for exp in cell.metadata.get("permerge", {}).get("expect", []):
        where = f"{path}: cell {index} ({cell.source.splitlines()[0][:60] if cell.source else ''})"
        if "table" in exp:
            name = html.escape(exp["table"], quote=True)
            m = re.search(r'data-table="' + re.escape(name) + r'" data-rows="(\d+)"', joined)
            if not m:
                bad += fail(f"{where}: no table named {exp['table']!r}")
            elif "rows" in exp and int(m.group(1)) != exp["rows"]:
                bad += fail(f"{where}: table {exp['table']!r} has {m.group(1)} rows, expected {exp['rows']}")
        if "figures" in exp:
            n = len(FIGURE_DIV.findall(joined))
            if n != exp["figures"]:
                bad += fail(f"{where}: {n} figures, expected {exp['figures']}")
        if "contains" in exp and exp["contains"] not in joined and exp["contains"] not in plain:
            bad += fail(f"{where}: output lacks {exp['contains']!r}")
        if "pattern" in exp:
            m = re.search(exp["pattern"], plain) or re.search(exp["pattern"], joined)
            if not m:
                bad += fail(f"{where}: output does not match {exp['pattern']!r}")
                continue
            v = number(m.group(1))
            if "min" in exp and not v >= exp["min"]:
                bad += fail(f"{where}: {m.group(0)!r}: {v} < {exp['min']}")
            if "max" in exp and not v <= exp["max"]:
                bad += fail(f"{where}: {m.group(0)!r}: {v} > {exp['max']}")
            if "equals" in exp and v != exp["equals"]:
                bad += fail(f"{where}: {m.group(0)!r}: {v} != {exp['equals']}")
    return bad


def check_executed(path):
    nb = nbformat.read(path, as_version=4)
    bad = 0
    figures = 0
    libraries = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        texts = list(output_texts(cell))
        for kind, text in texts:
            if kind == "error":
                bad += fail(f"{path}: cell {i} raised:\n{strip_ansi(text)[:2000]}")
            if kind == "stream:stderr" and re.search(r"(^|\n)(Exception|Caused by|\S+Exception:|\tat )", text):
                bad += fail(f"{path}: cell {i} printed an exception on stderr:\n{text[:2000]}")
            if kind == "text/html":
                figures += len(FIGURE_DIV.findall(text))
                libraries += text.count(PLOTLY_MARK)
        bad += check_cell_expectations(path, i, cell, texts)
    if figures and libraries != 1:
        bad += fail(f"{path}: {figures} figures but plotly.js emitted {libraries} times (expected once)")
    print(f"check-notebooks: {path}: {'ok' if not bad else 'FAILED'} ({figures} figures)", file=sys.stderr)
    return bad


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", s)


class FigureScan(html.parser.HTMLParser):
    """Finds each permerge figure div and whether Plotly turned it into a plot with an SVG inside."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, figure id or None)
        self.figures = {}  # id -> {"plot": bool, "svg": bool}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        fid = a.get("id") if "permerge-figure" in classes else None
        if fid:
            self.figures[fid] = {"plot": "js-plotly-plot" in classes, "svg": False}
        if "main-svg" in classes:
            for _, owner in reversed(self.stack):
                if owner:
                    self.figures[owner]["svg"] = True
                    break
        if tag not in ("br", "img", "input", "meta", "link", "hr", "area", "base", "col", "embed", "source",
                       "track", "wbr", "path", "rect", "line", "circle", "stop", "use", "image"):
            self.stack.append((tag, fid))

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break


def check_rendered(dom_path, console_path, html_path):
    bad = 0
    with open(html_path, encoding="utf-8") as f:
        expected = set(FIGURE_DIV.findall(f.read()))
    with open(dom_path, encoding="utf-8", errors="replace") as f:
        dom = f.read()
    if not dom.strip():
        return fail(f"{dom_path}: Chromium returned no DOM")
    scan = FigureScan()
    scan.feed(dom)
    for fid in sorted(expected):
        st = scan.figures.get(fid)
        if st is None:
            bad += fail(f"{html_path}: figure {fid} missing from the rendered page")
        elif not (st["plot"] and st["svg"]):
            bad += fail(f"{html_path}: figure {fid} not drawn (js-plotly-plot: {st['plot']}, main-svg: {st['svg']})")
    with open(console_path, encoding="utf-8", errors="replace") as f:
        errors = [line for line in f if "Uncaught" in line]
    for line in errors[:10]:
        bad += fail(f"{html_path}: script error: {line.strip()[:300]}")
    print(f"check-notebooks: {html_path}: {len(expected)} figures rendered" if not bad else
          f"check-notebooks: {html_path}: FAILED in the browser", file=sys.stderr)
    return bad


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "--sources":
        return 1 if check_sources(argv[1:]) else 0
    if argv[0] == "--rendered":
        opts = dict(zip(argv[0::2], argv[1::2]))
        return 1 if check_rendered(opts["--rendered"], opts["--console"], opts["--html"]) else 0
    return 1 if sum(check_executed(p) for p in argv) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
