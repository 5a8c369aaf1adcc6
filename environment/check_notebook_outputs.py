#!/usr/bin/python3
"""Checks permerge notebooks (stdlib + nbformat only; run with /usr/bin/python3).

  check_notebook_outputs.py --sources NB...      committed notebooks: no outputs, the permerge-java kernel,
                                                 a first code cell tagged "parameters", no other code cell
                                                 over MAX_CELL_LINES lines of code
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
  {"cli_table": NAME}                 the cell shows a "./permerge ... --table-ii CSV" command line: it is run
                                      from the project root, and every value of the CSV it writes must equal
                                      the notebook's table NAME (same rows; numbers to the shown precision)
"""
import csv
import html
import html.parser
import os
import re
import shlex
import subprocess
import sys

import nbformat

# A notebook shows a step; longer logic belongs in the step's package (imports, comments and blank lines
# do not count; the parameters cell is exempt).
MAX_CELL_LINES = 10
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


def code_lines(source):
    """Lines of a code cell that count toward MAX_CELL_LINES: not blank, not an import, not a comment."""
    n = 0
    in_block = False
    for line in source.splitlines():
        t = line.strip()
        if in_block:
            in_block = "*/" not in t
            continue
        if t.startswith("/*"):
            in_block = "*/" not in t
            continue
        if not t or t.startswith("//") or t.startswith("import ") or t.startswith("%"):
            continue
        n += 1
    return n


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
            if i > 0 and code_lines(c.source) > MAX_CELL_LINES:
                bad += fail(f"{p}: code cell {i} has {code_lines(c.source)} lines of code (at most {MAX_CELL_LINES}; "
                            f"move the logic into the step's package): {c.source.splitlines()[0][:60]!r}")
        for i, c in enumerate(code):
            if c.get("outputs") or c.get("execution_count") is not None:
                bad += fail(f"{p}: code cell {i} has outputs; commit notebooks without outputs")
                break
    return bad


def number(text):
    return float(text.replace("\u2212", "-"))


class TableScan(html.parser.HTMLParser):
    """Header and cell texts of every permerge table (by data-table name) in an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables = {}
        self.current = None
        self.cell = None
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-table" in a:
            self.current = {"header": [], "rows": []}
            self.tables[a["data-table"]] = self.current
        elif self.current is not None and tag == "tr":
            self.row = []
        elif self.current is not None and tag in ("th", "td"):
            self.cell = []

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if self.current is None:
            return
        if tag in ("th", "td") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.current["header"]:
                self.current["rows"].append(self.row)
            else:
                self.current["header"] = self.row
            self.row = None
        elif tag == "table":
            self.current = None


def notebook_tables(nb):
    scan = TableScan()
    for cell in nb.cells:
        if cell.cell_type == "code":
            for kind, text in output_texts(cell):
                if kind == "text/html":
                    scan.feed(text)
    return scan.tables


def as_number(text):
    """number() for a table cell: None when the cell is not a number; thousands separators allowed."""
    try:
        return number(text.replace(",", ""))
    except ValueError:
        return None


def same_value(shown, exact):
    """Whether the notebook's shown text equals the CLI's value, to the precision the notebook shows."""
    a, b = as_number(shown), as_number(exact)
    if a is None or b is None:
        return shown.strip() == exact.strip()
    mantissa = shown.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(shown.lower().split("e")[1]) if "e" in shown.lower() else 0
    return abs(a - b) <= 0.5 * 10.0 ** (exponent - decimals) + 1e-12 * abs(b)


def check_cli_table(where, name, plain, tables):
    """Runs the command line the cell shows and compares the CSV it writes with the notebook's table."""
    m = re.search(r"^(\./permerge [^\n]*--table-ii (\S+)[^\n]*)$", plain, re.M)
    if not m:
        return fail(f"{where}: no './permerge ... --table-ii FILE' command line in the output")
    command, target = m.group(1).strip(), m.group(2)
    if name not in tables:
        return fail(f"{where}: the notebook shows no table named {name!r}")
    target_path = os.path.join(ROOT, target)
    if os.path.exists(target_path):
        os.remove(target_path)
    run = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=1200)
    if run.returncode != 0:
        return fail(f"{where}: {command!r} exited {run.returncode}:\n{(run.stderr or run.stdout)[-2000:]}")
    with open(target_path, newline="", encoding="utf-8") as f:
        cli_rows = list(csv.reader(f))
    cli_header, cli_body = cli_rows[0], cli_rows[1:]
    nb_header, nb_body = tables[name]["header"], tables[name]["rows"]
    if len(cli_body) != len(nb_body):
        return fail(f"{where}: the command line printed {len(cli_body)} rows, the notebook's {name!r} has {len(nb_body)}")
    bad = 0
    compared = 0
    # every column the two share (the REPAIR note may differ: the command line names the mode it ran)
    for col in [c for c in nb_header if c in cli_header and c != "REPAIR"]:
        i, j = nb_header.index(col), cli_header.index(col)
        for r, (nb_row, cli_row) in enumerate(zip(nb_body, cli_body)):
            compared += 1
            if not same_value(nb_row[i], cli_row[j]):
                bad += fail(f"{where}: row {r} ({nb_row[0]}) column {col!r}: notebook {nb_row[i]!r}, command line {cli_row[j]!r}")
    if not bad:
        print(f"check-notebooks: {where}: table {name!r} equals the command line's ({compared} values, {len(nb_body)} rows)",
              file=sys.stderr)
    return bad


def check_cell_expectations(path, index, cell, texts, tables=None):
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
        if "cli_table" in exp:
            bad += check_cli_table(where, exp["cli_table"], plain, tables or {})
    return bad


def check_executed(path):
    nb = nbformat.read(path, as_version=4)
    bad = 0
    figures = 0
    libraries = 0
    tables = notebook_tables(nb)
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
        bad += check_cell_expectations(path, i, cell, texts, tables)
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
