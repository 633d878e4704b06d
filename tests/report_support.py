"""An audit scenario for the report-file tests (tests/test_report_files.py, tests/test_report_browser.py).

Certificates signed by one CA: nodes the trust file admits, an outsider it rejects, an
expired node (its chain fails with --ca), a name made to attack the HTML page, names a
spreadsheet would run as formulas, and the CA itself (not judged). The verdicts the
reports must state come from certkit's own ``--json`` document of the same run, and the
dates from openssl.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import json
from dataclasses import dataclass
from pathlib import Path

from tests.restrictions_support import NOW, make_ca, make_leaf, write_pem

TRUST = 'trust.subject_name:\n  - "*.node.good.cluster.1.account"\n  - "/n[0-9]+\\\\.node\\\\.good\\\\..*/"\n'
#: Markup, both quotes, an ampersand, a clear-screen sequence and a bidi override.
HOSTILE_NAME = ('<script>document.body.setAttribute("data-pwned","1")</script>'
                "\"'&<img src=x onerror=\"document.title='pwned'\">\x1b[2J\u202eevil.node.bad.cluster.1.account")
FORMULA_NAMES = ("=HYPERLINK(\"http://attacker.example/\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)")


@dataclass
class Scenario:
    folder: Path
    trust: Path
    ca: Path
    sources: list[Path]
    #: The single-certificate source files (their notAfter is read back with openssl).
    single: list[Path]

    def args(self, *extra: str) -> list[str]:
        return ["restrictions", "check", str(self.trust), *map(str, self.sources), "--ca", str(self.ca), *extra]


def make_scenario(folder: Path) -> Scenario:
    ca_certificate, ca_key = make_ca("Report CA")
    issuer = (ca_certificate, ca_key)
    folder.mkdir(parents=True, exist_ok=True)
    trust = folder / "trust.yml"
    trust.write_text(TRUST)
    ca = write_pem(folder / "ca.pem", ca_certificate)
    single = [
        write_pem(folder / "n1.pem", make_leaf("n1", cns=["n1.node.good.cluster.1.account"], issuer=issuer,
                                               not_after=NOW + dt.timedelta(days=40))),
        write_pem(folder / "n2.pem", make_leaf("n2", cns=["n2.node.good.cluster.1.account"], issuer=issuer,
                                               not_after=NOW + dt.timedelta(days=400))),
        write_pem(folder / "outsider.pem", make_leaf("outsider", cns=["x.node.other.cluster.9.account"],
                                                     issuer=issuer)),
        write_pem(folder / "expired.pem", make_leaf(
            "expired", cns=["n3.node.good.cluster.1.account"], issuer=issuer,
            not_before=NOW - dt.timedelta(days=30), not_after=NOW - dt.timedelta(days=3))),
        write_pem(folder / "hostile.pem", make_leaf(HOSTILE_NAME[:60], cns=[HOSTILE_NAME], issuer=issuer)),
    ]
    formulas = write_pem(folder / "formulas.pem",
                         *(make_leaf(f"formula {i}", cns=[text], issuer=issuer) for i, text in enumerate(FORMULA_NAMES)))
    return Scenario(folder, trust, ca, [*single, formulas, ca], single)


def json_report(cli, scenario: Scenario, *extra: str) -> dict:
    result = cli(*scenario.args("--json", *extra))
    assert result.exit_code == 1, result.stderr
    return json.loads(result.stdout)


class TableReader(html.parser.HTMLParser):
    """The rows of the page's certificates table (class and cell texts), and every element seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict] = []
        self.elements: list[tuple[str, dict]] = []
        self._in_table = False
        self._cell: list[str] | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "title":
            self._in_title = True
        if tag == "table" and attributes.get("id") == "certificates":
            self._in_table = True
            self._sorted = attributes.get("data-sorted")
        elif self._in_table and tag == "tr" and "data-order" in attributes:
            self.rows.append({"class": attributes.get("class"), "cells": [], "keys": []})
        elif self._in_table and tag == "td" and self.rows:
            self._cell = []
            self.rows[-1]["keys"].append(attributes.get("data-key"))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "table":
            self._in_table = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._cell is not None:
            self._cell.append(data)

    @classmethod
    def read(cls, page: str) -> TableReader:
        reader = cls()
        reader._sorted = None
        reader.feed(page)
        reader.close()
        return reader

    @property
    def sorted_by(self) -> str | None:
        return self._sorted

    def column(self, index: int) -> list[str]:
        return [row["cells"][index] for row in self.rows]
