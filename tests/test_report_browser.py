"""The HTML report in a real browser (issue 16): Debian's chromium, headless.

chromium loads the page from disk, runs its script and prints the resulting DOM
(``--dump-dom``), which is read with html.parser: the table's rows, the order after
sorting (the page's script sorts on a ``#sort=COLUMN`` fragment, the same code a click on
a heading runs, and a real mouse click through the DevTools protocol), and that a certificate name made of markup ran nothing. A screenshot of
each page lands in the test's tmp folder (its path is printed). With scripts disabled the
page still holds every row, rejected first.

Slow (a browser start each); skipped when chromium is not installed, a failure under CI
(.ci/run installs it).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest

from certkit.io.terminal import visible
from tests.conftest import _require
from tests.devtools_support import BROWSER_FLAGS, DevTools
from tests.report_support import HOSTILE_NAME, TableReader, make_scenario

pytestmark = pytest.mark.slow

VERDICT, SOURCE, NAMES, EXPIRY = 0, 1, 2, 6


@pytest.fixture(scope="module")
def chromium() -> str:
    return _require("chromium")


@pytest.fixture
def page(cli, tmp_path) -> tuple[Path, dict]:
    scenario = make_scenario(tmp_path / "in")
    report = tmp_path / "audit.html"
    result = cli(*scenario.args("--json", "--report", report))
    assert result.exit_code == 1, result.stderr
    return report, json.loads(result.stdout)


def _browse(chromium: str, url: str, *flags: str) -> str:
    with tempfile.TemporaryDirectory(prefix="certkit-chromium-") as profile:
        done = subprocess.run(
            [chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", *flags, url],
            capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(chromium: str, report: Path, fragment: str = "", *flags: str) -> TableReader:
    return TableReader.read(_browse(chromium, report.as_uri() + fragment, *flags, "--dump-dom"))


def screenshot(chromium: str, report: Path, fragment: str, name: str) -> Path:
    shot = report.parent / name
    _browse(chromium, report.as_uri() + fragment, "--window-size=1400,1000", f"--screenshot={shot}")
    assert shot.read_bytes().startswith(b"\x89PNG")
    print(f"screenshot: {shot}")
    return shot


def test_every_certificate_rejected_first(chromium, page):
    report, document = page
    dom = dump_dom(chromium, report)
    judged = document["certificates"]
    assert len(dom.rows) == len(judged)
    rejected = sorted(visible(c["source"]) for c in judged if not c["admitted"])
    admitted = sorted(visible(c["source"]) for c in judged if c["admitted"])
    classes = [row["class"] for row in dom.rows]
    assert classes == ["rejected"] * len(rejected) + ["admitted"] * len(admitted)
    assert sorted(dom.column(SOURCE)[:len(rejected)]) == rejected
    assert sorted(dom.column(SOURCE)[len(rejected):]) == admitted
    # The script ran: every heading became a sort button.
    assert [tag for tag, _ in dom.elements].count("button") == 7
    screenshot(chromium, report, "", "audit.png")


@pytest.mark.parametrize("column, index", [("expiry", EXPIRY), ("verdict", VERDICT)])
def test_sorting_by_a_column_both_ways(chromium, page, column, index):
    report, _ = page
    ascending = dump_dom(chromium, report, f"#sort={column}")
    descending = dump_dom(chromium, report, f"#sort=-{column}")
    assert ascending.sorted_by == column and descending.sorted_by == f"-{column}"
    keys_up = [row["keys"][index] for row in ascending.rows]
    keys_down = [row["keys"][index] for row in descending.rows]
    as_key = int if column == "verdict" else str  # ranks are numbers, dates ISO 8601
    assert [as_key(k) for k in keys_up] == sorted(as_key(k) for k in keys_up)
    assert [as_key(k) for k in keys_down] == sorted((as_key(k) for k in keys_down), reverse=True)
    assert len(set(keys_up)) > 1
    assert sorted(r["cells"][SOURCE] for r in ascending.rows) == sorted(r["cells"][SOURCE] for r in descending.rows)
    if column == "expiry":
        # The soonest expiry first: the expired node, the one due in 40 days later.
        assert "expired.pem" in ascending.rows[0]["cells"][SOURCE]
        assert "expired.pem" in descending.rows[-1]["cells"][SOURCE]
        screenshot(chromium, report, f"#sort={column}", f"sorted-{column}.png")


def test_sorting_by_source_is_the_reverse_of_descending(chromium, page):
    report, _ = page
    up = dump_dom(chromium, report, "#sort=source").column(SOURCE)
    down = dump_dom(chromium, report, "#sort=-source").column(SOURCE)
    assert up == list(reversed(down)) and up != dump_dom(chromium, report).column(SOURCE)


def test_a_hostile_name_is_shown_as_text_and_runs_nothing(chromium, page):
    report, _ = page
    dom = dump_dom(chromium, report)
    assert dom.title.startswith("certkit audit of ")
    assert [tag for tag, _ in dom.elements].count("script") == 1
    assert not [tag for tag, _ in dom.elements if tag == "img"]
    assert not [a for _, a in dom.elements if "data-pwned" in a or "onerror" in a]
    hostile = next(row for row in dom.rows if "hostile.pem" in row["cells"][SOURCE])
    assert visible(HOSTILE_NAME) in hostile["cells"][NAMES]
    assert "\\x1b[2J" in hostile["cells"][NAMES] and "\\u202e" in hostile["cells"][NAMES]


def test_clicking_a_heading_sorts_and_clicking_again_reverses(chromium, page):
    report, _ = page
    by_fragment = dump_dom(chromium, report, "#sort=source").column(SOURCE)
    with DevTools(chromium) as browser:
        browser.open(report.as_uri())
        browser.click('th[data-column="source"] button')
        browser.settle()
        once = TableReader.read(browser.html())
        browser.click('th[data-column="source"] button')
        browser.settle()
        twice = TableReader.read(browser.html())
        shot = report.parent / "clicked-twice.png"
        browser.screenshot(str(shot))
    print(f"screenshot: {shot}")
    assert once.sorted_by == "source" and once.column(SOURCE) == by_fragment
    assert twice.sorted_by == "-source" and twice.column(SOURCE) == list(reversed(by_fragment))


def test_readable_with_scripts_disabled(chromium, page):
    report, document = page
    with DevTools(chromium) as browser:
        browser.open(report.as_uri() + "#sort=source", scripts=False)
        dom = TableReader.read(browser.html())
        shot = report.parent / "no-script.png"
        browser.screenshot(str(shot))
    print(f"screenshot: {shot}")
    assert dom.sorted_by is None  # nothing ran, not even the page's own script
    assert not [tag for tag, _ in dom.elements if tag == "button"]
    assert len(dom.rows) == len(document["certificates"])
    classes = [row["class"] for row in dom.rows]
    assert classes == sorted(classes, key=lambda c: c != "rejected")
    assert all(len(row["cells"]) == 7 for row in dom.rows)
