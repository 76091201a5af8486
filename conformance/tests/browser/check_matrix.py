#!/usr/bin/env python3
"""Loads the matrix page `patchlaw-conformance matrix` wrote in headless
Chromium, reads the rendered matrix back from the DOM, and compares it,
cell by cell, with the folder's matrix.json; then takes a screenshot.

    check_matrix.py MATRIX_DIR [SCREENSHOT.png]

Chromium is `$CHROMIUM`, else `chromium` on PATH (Debian's package). The
page is self-contained: it loads nothing, so Chromium runs with networking
features off. Exits 1 on any difference, 2 when Chromium cannot run.
"""
import html.parser
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile


class Matrix(html.parser.HTMLParser):
    """The rows of table#matrix: [(row name, {area: cell text}, verdict)]."""

    def __init__(self):
        super().__init__()
        self.rows, self.in_table, self.row, self.cell, self.text = [], False, None, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "matrix":
            self.in_table = True
        elif self.in_table and tag == "tr" and "data-name" in attrs:
            self.row = (attrs["data-name"], {}, [])
        elif self.row is not None and tag in ("td", "th"):
            self.cell, self.text = attrs.get("data-area", "other"), ""

    def handle_data(self, data):
        if self.cell is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table = False
        elif self.row is not None and tag in ("td", "th"):
            if self.cell == "other":
                self.row[2].append(self.text)
            else:
                self.row[1][self.cell] = self.text
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None


def chromium(*args):
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not binary:
        sys.exit("check_matrix: no chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, *args],
            capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        sys.exit(2)
    return done.stdout


def main():
    folder = pathlib.Path(sys.argv[1]).resolve()
    screenshot = pathlib.Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else folder / "matrix.png"
    summary = json.loads((folder / "matrix.json").read_text())
    page = (folder / "matrix.html").as_uri()
    parser = Matrix()
    parser.feed(chromium("--dump-dom", page))
    rendered = {name: (cells, other) for name, cells, other in parser.rows}
    problems = []
    for imp in summary["implementations"]:
        if imp["name"] not in rendered:
            problems.append("%s: no row in the rendered matrix" % imp["name"])
            continue
        cells, other = rendered.pop(imp["name"])
        for area in summary["areas"]:
            want = imp["cells"][area]["text"] if imp["installed"] else "–"
            if cells.get(area) != want:
                problems.append("%s / %s: rendered %r, matrix.json says %r" % (imp["name"], area, cells.get(area), want))
        verdict = "as expected" if imp["passed"] else "unexpected failures" if imp["installed"] else "not installed"
        if not other or other[-1] != verdict:
            problems.append("%s: verdict rendered %r, expected %r" % (imp["name"], other[-1:], verdict))
    problems += ["%s: a rendered row matrix.json does not have" % name for name in rendered]
    chromium("--screenshot=" + str(screenshot), "--window-size=1400,900", "--hide-scrollbars", page)
    for problem in problems:
        print("check_matrix: " + problem)
    cells = len(summary["implementations"]) * len(summary["areas"])
    print("check_matrix: %d rows, %d cells read back from Chromium; screenshot %s" % (len(summary["implementations"]), cells, screenshot))
    sys.exit(1 if problems else 0)


main()
