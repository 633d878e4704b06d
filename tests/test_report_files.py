"""``restrictions check --report/--junit/--csv`` (issue 16): the report files agree with the JSON report.

The verdicts each file must state are those of certkit's ``--json`` document of the same
audit, the notAfter dates those openssl reads; the CSV is read back with ``csv``, the
JUnit XML checked for its structure with xml.etree. The page itself is tested in a real
browser in tests/test_report_browser.py; here its text is read with html.parser.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
from xml.etree import ElementTree as ET

import pytest

from certkit.audit import CertificateRecord, ReportContext, render_junit
from certkit.audit import engine as audit_module
from certkit.audit.checker import Verdict
from certkit.audit.report_files import ERROR, neutralise
from certkit.io.terminal import visible
from certkit.targets import es_target
from tests.conftest import assert_one_line_error
from tests.report_support import FORMULA_NAMES, HOSTILE_NAME, TableReader, json_report, make_scenario

FIELD = "subjectAltName.otherName.commonName"


@pytest.fixture
def scenario(tmp_path):
    return make_scenario(tmp_path / "in")


def _written(cli, scenario, tmp_path, *extra):
    outputs = {"report": tmp_path / "audit.html", "junit": tmp_path / "audit.xml", "csv": tmp_path / "audit.csv"}
    result = cli(*scenario.args("--json", "--report", outputs["report"], "--junit", outputs["junit"],
                                "--csv", outputs["csv"], *extra))
    assert result.exit_code == 1, result.stderr
    return result, outputs


def _openssl_not_after(openssl_bin, path) -> str:
    text = subprocess.run([openssl_bin, "x509", "-in", str(path), "-noout", "-enddate"], capture_output=True,
                          text=True, check=True).stdout.strip()
    moment = dt.datetime.strptime(text.removeprefix("notAfter="), "%b %d %H:%M:%S %Y %Z")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_csv_rows_are_the_json_verdicts(cli, scenario, tmp_path, openssl_bin):
    result, outputs = _written(cli, scenario, tmp_path)
    document = json.loads(result.stdout)  # the console report is still there, untouched
    assert document == json_report(cli, scenario)
    with open(outputs["csv"], newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    judged = [row for row in rows if row["verdict"] != "skipped"]
    assert [row["source"] for row in judged] == [c["source"] for c in document["certificates"]]
    for row, certificate in zip(judged, document["certificates"], strict=True):
        assert row["verdict"] == ("admitted" if certificate["admitted"] else "rejected")
        assert row["chain"] == certificate["chain"]
        assert row["reason"] == neutralise(certificate["reason"] or "")
        # Several values are one per line in their cell (the cell is neutralised as a whole).
        assert row[FIELD] == neutralise("\n".join(certificate["names"][FIELD]))
        assert row["matched_pattern"] == neutralise("\n".join(m["pattern"] for m in certificate["matched"]))
    assert sorted(row["source"] for row in rows if row["verdict"] == "skipped") == sorted(
        s["source"] for s in document["skipped"])
    not_after = {row["source"]: row["not_after"] for row in rows}
    for path in scenario.single:
        assert not_after[str(path)] == _openssl_not_after(openssl_bin, path)


def test_csv_cells_never_start_a_formula(cli, scenario, tmp_path):
    _, outputs = _written(cli, scenario, tmp_path)
    rows = list(csv.reader(io.StringIO(outputs["csv"].read_text(encoding="utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["source", "verdict", "subject", FIELD]
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    names = {row[header.index(FIELD)] for row in body}
    for formula in FORMULA_NAMES:
        assert "'" + formula in names
    assert HOSTILE_NAME in names  # exact otherwise: CSV is data, not a page


def test_junit_structure_counts_the_summary(cli, scenario, tmp_path):
    result, outputs = _written(cli, scenario, tmp_path)
    document = json.loads(result.stdout)
    summary = document["summary"]
    root = ET.parse(outputs["junit"]).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    cases = suite.findall("testcase")
    total = summary["admitted"] + summary["rejected"] + summary["skipped"]
    assert int(suite.get("tests")) == len(cases) == total
    failures = [case for case in cases if case.find("failure") is not None]
    assert int(suite.get("failures")) == len(failures) == summary["rejected"]
    assert int(suite.get("errors")) == 0 and not [c for c in cases if c.find("error") is not None]
    assert int(suite.get("skipped")) == summary["skipped"] == len([c for c in cases if c.find("skipped") is not None])
    for attribute in ("tests", "failures", "errors", "skipped"):
        assert root.get(attribute) == suite.get(attribute)
    rejected = {c["source"]: c["reason"] for c in document["certificates"] if not c["admitted"]}
    assert {visible(s): visible(r) for s, r in rejected.items()} == {
        case.get("name"): case.find("failure").get("message") for case in failures}
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["elasticsearch"] == str(es_target())
    assert properties["trust_file"] == str(scenario.trust)


def test_page_states_everything_as_text(cli, scenario, tmp_path):
    result, outputs = _written(cli, scenario, tmp_path, "--es-version", "8.19")
    document = json.loads(result.stdout)
    data = outputs["report"].read_bytes()
    page = data.decode("utf-8")
    # No control character, bidi override or raw markup from a certificate reaches the page.
    assert not any(ch in page for ch in ("\x1b", "\u202e"))
    reader = TableReader.read(page)
    assert [tag for tag, _ in reader.elements].count("script") == 1
    assert not [a for tag, a in reader.elements if tag == "img" or "onerror" in a or "data-pwned" in a]
    assert not [a for _, a in reader.elements if "src" in a or ("href" in a)]  # nothing to load
    csp = [a["content"] for tag, a in reader.elements if tag == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in csp[0]
    target = es_target("8.19")
    assert f"Elasticsearch {target.line}" in page and f"JDK {target.jdk}," in page
    assert f"Lucene {target.lucene[0]}.{target.lucene[1]})" in page
    judged = document["certificates"]
    assert len(reader.rows) == len(judged)
    classes = [row["class"] for row in reader.rows]
    assert classes == sorted(classes, key=lambda c: c != "rejected")  # rejected first
    sources = reader.column(1)
    assert sorted(sources) == sorted(visible(c["source"]) for c in judged)
    hostile = next(row for row in reader.rows if "hostile" in row["cells"][1])
    assert visible(HOSTILE_NAME) in hostile["cells"][2]
    assert hostile["cells"][5] == "valid"
    expired = next(row for row in reader.rows if "expired.pem" in row["cells"][1])
    assert expired["class"] == "rejected" and expired["cells"][5] == "invalid"
    assert "expired 3 days ago" in expired["cells"][6]  # notAfter: 3 days before the scenario was made


def test_reports_refuse_an_existing_file_and_write_nothing_on_bad_input(cli, scenario, tmp_path):
    report, junit = tmp_path / "audit.html", tmp_path / "audit.xml"
    report.write_text("keep me")
    result = cli(*scenario.args("--report", report, "--junit", junit))
    assert_one_line_error(result, "already exists")
    assert report.read_text() == "keep me" and not junit.exists()
    result = cli(*scenario.args("--report", report, "--junit", junit, "--force"))
    assert result.exit_code == 1, result.stderr
    assert report.read_text().startswith("<!DOCTYPE html>") and junit.exists()
    assert_one_line_error(cli(*scenario.args("--csv", tmp_path / "missing" / "a.csv")), "does not exist")
    assert_one_line_error(cli(*scenario.args("--csv", junit, "--junit", junit, "--force")), "same file")
    trust_text = scenario.trust.read_bytes()
    assert_one_line_error(cli(*scenario.args("--csv", scenario.trust, "--force")), "--csv", "inputs")
    assert scenario.trust.read_bytes() == trust_text
    missing_source = cli("restrictions", "check", str(scenario.trust), str(tmp_path / "nope.pem"),
                         "--csv", tmp_path / "b.csv")
    assert missing_source.exit_code == 2 and not (tmp_path / "b.csv").exists()


def test_parallel_audit_records_what_one_process_records(cli, scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(audit_module, "FOLDER_BATCH", 2)  # the folder is judged in several worker units
    folder = scenario.folder
    files = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        out.mkdir()
        result = cli("restrictions", "check", str(scenario.trust), str(folder), "--ca", str(scenario.ca),
                     "--jobs", jobs, "--csv", out / "a.csv", "--junit", out / "a.xml", "--report", out / "a.html")
        assert result.exit_code == 1, result.stderr
        files[jobs] = out
    assert (files["1"] / "a.csv").read_bytes() == (files["2"] / "a.csv").read_bytes()
    rows = TableReader.read((files["1"] / "a.html").read_text()).rows
    assert rows == TableReader.read((files["2"] / "a.html").read_text()).rows and len(rows) >= 9

    def cases(path):
        return [(c.get("name"), [(e.tag, e.get("message")) for e in c]) for c in ET.parse(path).iter("testcase")]
    assert cases(files["1"] / "a.xml") == cases(files["2"] / "a.xml")


def test_an_unreadable_certificate_is_a_junit_error():
    verdict = Verdict.unreadable("bad.pem", "CN=bad", "the certificate cannot be parsed as the JDK would (x)")
    record = CertificateRecord.of(verdict, (FIELD,))
    assert record.outcome == ERROR
    context = ReportContext("trust.yml", ("*",), (FIELD,), es_target())
    suite = ET.fromstring(render_junit(context, [record])).find("testsuite")
    assert suite.get("errors") == "1" and suite.get("failures") == "0"
    assert suite.find("testcase/error").get("message") == verdict.reason
