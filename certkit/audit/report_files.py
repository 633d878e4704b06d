"""The report files of ``restrictions check``: what they are made of, JUnit XML and CSV.

The parallel audit renders in its worker processes, so the reports are made from a small
picklable :class:`CertificateRecord` per verdict, which :class:`RecordingReport` adds to
any console renderer (the audit collects them in ``Audit.records``, in report order): no
certificate is read twice. :class:`ReportContext` is the rest of what a report states: the
trust file, its lint findings, the Elasticsearch version (and its JDK and Lucene) the
verdicts are for, the CA and the validation time.

Every text that comes from a certificate or a file name is chosen by whoever made it:

* JUnit XML and the HTML page (:mod:`certkit.audit.report_html`) show it through
  :func:`printable`: control characters, bidi overrides, lone surrogates and the XML
  non-characters are written as visible escapes (``\\x1b``, ``\\u202e``), then the markup
  is escaped by the writer;
* CSV keeps it exact except a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return: a spreadsheet would run it as a formula, so it gets a leading ``'``
  (:func:`neutralise`; docs/restrictions.md says so).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certkit.audit.checker import Verdict
from certkit.errors import OutputError
from certkit.io.terminal import visible

if TYPE_CHECKING:
    from certkit.audit.lint import LintReport
    from certkit.targets import EsTarget

#: Verdict outcomes, in the order the HTML page lists them (the worst first).
REJECTED, ERROR, ADMITTED, SKIPPED = "rejected", "error", "admitted", "skipped"
OUTCOMES = (REJECTED, ERROR, ADMITTED, SKIPPED)


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """One verdict as the report files state it (made in the audit's workers: small, picklable).

    ``outcome``: admitted, rejected (by the restrictions or the chain), error (a
    certificate the JDK cannot read: Elasticsearch rejects it too) or skipped (a CA
    certificate, not judged). ``names``: (field, values) for every checked field, as
    Elasticsearch reads them.
    """

    outcome: str
    source: str
    subject: str
    names: tuple[tuple[str, tuple[str, ...]], ...]
    matched: tuple[tuple[str, str], ...]
    chain: str
    reason: str | None
    explanation: str | None
    warnings: tuple[str, ...]
    not_after: dt.datetime | None

    @classmethod
    def of(cls, verdict: Verdict, fields: Sequence[str]) -> CertificateRecord:
        if verdict.skipped:
            outcome = SKIPPED
        elif verdict.admitted:
            outcome = ADMITTED
        else:
            outcome = ERROR if verdict.subject_der is None else REJECTED
        certificate = verdict.certificate
        return cls(
            outcome, verdict.source, verdict.subject,
            tuple((f, tuple(verdict.names.for_field(f))) for f in fields),
            tuple(verdict.matched), verdict.chain,
            verdict.skipped if verdict.skipped else verdict.reason, verdict.explanation,
            tuple(verdict.names.warnings),
            None if certificate is None else certificate.not_valid_after_utc,
        )


class RecordingReport:
    """A console renderer (human or JSON) that also records every verdict for the report files."""

    def __init__(self, inner: Any, fields: Sequence[str]) -> None:
        self.inner = inner
        self.fields = tuple(fields)
        self.separator = inner.separator

    def render(self, verdict: Verdict) -> str:
        return self.inner.render(verdict)

    def warnings(self, verdict: Verdict) -> Sequence[str]:
        return self.inner.warnings(verdict)

    def record(self, verdict: Verdict) -> CertificateRecord:
        return CertificateRecord.of(verdict, self.fields)


@dataclass(frozen=True)
class ReportContext:
    """What every report states besides the certificates."""

    restrictions_path: str
    patterns: tuple[str, ...]
    fields: tuple[str, ...]
    target: EsTarget
    lint: LintReport | None = None
    #: The subjects of the --ca certificates (empty: chains were not verified).
    anchors: tuple[str, ...] = ()
    #: --at: the time chains are verified at (None: when the audit ran).
    validation_time: dt.datetime | None = None
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    version: str = ""

    @property
    def as_of(self) -> dt.datetime:
        """The time expiry is counted from: --at, or when the report was made."""
        return self.validation_time or self.generated


@dataclass(frozen=True)
class Summary:
    admitted: int
    rejected: int
    errors: int
    skipped: int

    @classmethod
    def of(cls, records: Sequence[CertificateRecord]) -> Summary:
        counts = dict.fromkeys(OUTCOMES, 0)
        for record in records:
            counts[record.outcome] += 1
        return cls(counts[ADMITTED], counts[REJECTED], counts[ERROR], counts[SKIPPED])

    @property
    def judged(self) -> int:
        return self.admitted + self.rejected + self.errors


# ----------------------------------------------------------------------------- text


# What XML 1.0 cannot hold at all (lone surrogates, U+FFFE/U+FFFF) and what UTF-8 cannot encode.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def printable(text: object) -> str:
    """``text`` for a page or an XML file: :func:`~certkit.io.terminal.visible`, and the
    characters XML cannot carry written as ``\\uXXXX`` (the markup is escaped by the writer)."""
    shown = visible(text)
    if _NOT_XML.search(shown) is None:
        return shown
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def iso_time(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry_text(not_after: dt.datetime | None, as_of: dt.datetime) -> str:
    """``in 364 days`` or ``expired 3 days ago`` (whole days from ``as_of``)."""
    if not_after is None:
        return ""
    if not_after >= as_of:
        days = (not_after - as_of).days
        return f"in {days} day{'s' if days != 1 else ''}"
    days = (as_of - not_after).days
    return f"expired {days} day{'s' if days != 1 else ''} ago" if days else "expired less than a day ago"


def pattern_reason(record: CertificateRecord) -> str:
    """The matched pattern of an admitted certificate, or why it is not admitted."""
    if record.outcome == ADMITTED:
        return "; ".join(f"{name} matches {pattern}" for name, pattern in record.matched)
    text = record.reason or ""
    if record.explanation:
        text += f" (why: {record.explanation})"
    return text


# ----------------------------------------------------------------------------- CSV


#: A cell starting with one of these is a formula to a spreadsheet (OWASP's "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS_BEFORE_NAMES = ("source", "verdict", "subject")
CSV_COLUMNS_AFTER_NAMES = ("matched_name", "matched_pattern", "reason", "explanation", "chain", "not_after",
                           "warnings")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` when it would start a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def render_csv(context: ReportContext, records: Sequence[CertificateRecord]) -> bytes:
    """One row per certificate, in audit order, after a header row (UTF-8, RFC 4180 quoting).

    Several values in one cell (a field's names, the matches) are one per line.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS_BEFORE_NAMES, *context.fields, *CSV_COLUMNS_AFTER_NAMES])
    for record in records:
        names = [values for _, values in record.names]
        row = [
            record.source, record.outcome, record.subject, *("\n".join(values) for values in names),
            "\n".join(name for name, _ in record.matched), "\n".join(pattern for _, pattern in record.matched),
            record.reason or "", record.explanation or "", record.chain, iso_time(record.not_after),
            "\n".join(record.warnings),
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


# ----------------------------------------------------------------------------- JUnit XML


def render_junit(context: ReportContext, records: Sequence[CertificateRecord]) -> bytes:
    """A JUnit XML report: one testsuite (the trust file), one testcase per certificate.

    A rejected certificate is a ``failure`` (message: Elasticsearch's reason), one the JDK
    cannot read an ``error``, a CA certificate that is not judged ``skipped``.
    """
    from xml.etree import ElementTree as ET

    summary = Summary.of(records)
    counts = {"tests": str(len(records)), "failures": str(summary.rejected), "errors": str(summary.errors),
              "skipped": str(summary.skipped)}
    suites = ET.Element("testsuites", {"name": "certkit restrictions check", **counts})
    suite = ET.SubElement(suites, "testsuite", {
        "name": printable(context.restrictions_path), **counts, "timestamp": iso_time(context.generated),
    })
    properties = ET.SubElement(suite, "properties")
    for name, value in _junit_properties(context):
        ET.SubElement(properties, "property", {"name": name, "value": printable(value)})
    classname = printable(f"restrictions.{Path(context.restrictions_path).name}")
    for record in records:
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": printable(record.source)})
        if record.outcome == ADMITTED:
            continue
        kind = {REJECTED: "failure", ERROR: "error", SKIPPED: "skipped"}[record.outcome]
        outcome = ET.SubElement(case, kind, {"message": printable(record.reason or ""), "type": record.outcome})
        if record.outcome != SKIPPED:
            details = [f"subject: {record.subject}", f"chain: {record.chain}"]
            details += [f"{name}: {', '.join(values) or '(none)'}" for name, values in record.names]
            if record.explanation:
                details.append(f"why: {record.explanation}")
            outcome.text = "\n".join(printable(line) for line in details)
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def _junit_properties(context: ReportContext) -> list[tuple[str, str]]:
    properties = [("elasticsearch", str(context.target)), ("trust_file", context.restrictions_path),
                  ("fields", ", ".join(context.fields))]
    properties += [("pattern", pattern) for pattern in context.patterns]
    properties += [("ca", subject) for subject in context.anchors]
    if context.validation_time is not None:
        properties.append(("at", iso_time(context.validation_time)))
    if context.lint is not None:
        properties += [("lint", f"[{w.code}] {w.render()}") for w in context.lint.warnings]
    return properties


# ----------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class ReportOutputs:
    """Where ``--report``, ``--junit`` and ``--csv`` go (None: not asked for)."""

    html: Path | None = None
    junit: Path | None = None
    csv: Path | None = None

    def paths(self) -> list[tuple[str, Path]]:
        chosen = (("report", self.html), ("junit", self.junit), ("csv", self.csv))
        return [(name, path) for name, path in chosen if path is not None]

    def __bool__(self) -> bool:
        return bool(self.paths())

    def check(self, force: bool, inputs: Sequence[str | Path] = ()) -> None:
        """Refuse, before the audit runs, an output that exists (without ``force``), one
        path given twice, one of the audit's ``inputs`` (``--force`` would replace the trust
        file or a certificate with a report), or a folder that is not there."""
        from certkit.errors import param
        from certkit.io import ensure_absent

        read = {str(Path(spec).resolve()) for spec in inputs if not str(spec).startswith("tls://")}
        seen: dict[str, str] = {}
        for name, path in self.paths():
            key = str(path.resolve())
            if key in read:
                raise OutputError(f"{param(name)} {path} is one of the audit's inputs; refusing to replace it")
            if key in seen:
                raise OutputError(f"{param(seen[key])} and {param(name)} name the same file {path}")
            seen[key] = name
            ensure_absent(path, force)
            folder = path.parent if str(path.parent) else Path(".")
            if not folder.is_dir():
                raise OutputError(f"the folder of {path} does not exist")

    def write(self, context: ReportContext, records: Sequence[CertificateRecord], force: bool) -> list[Path]:
        """Write every chosen report, each atomically (certkit.io.outputs); returns the paths written."""
        from certkit.audit.report_html import render_html
        from certkit.io import write_file

        renderers = {"report": render_html, "junit": render_junit, "csv": render_csv}
        documents = [(path, renderers[name](context, records)) for name, path in self.paths()]
        return [write_file(path, data, force=force) for path, data in documents]
