"""certkit restrictions: generate, check and lint trust-restriction files as Elasticsearch reads them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from certkit.cli import _sources as opts
from certkit.cli._common import ES_VERSION_HELP

#: How soon an expiry is worth a warning (check and the demo's audit alike).
DEFAULT_EXPIRES_WITHIN = "30d"

FIELDS_OPTION_HELP = (
    "x509 field Elasticsearch reads names from: subjectAltName.otherName.commonName (default) "
    "and/or subjectAltName.dnsName (short: othername, dns). Repeatable; use the same as the "
    "node's trust_restrictions.x509_fields."
)


def register(app: typer.Typer) -> None:
    """Add ``certkit restrictions`` (generate, check, lint) to the root app."""
    restrictions_app = typer.Typer(
        name="restrictions",
        help="Trust restriction files (trust_restrictions.path): write them, prove which certificates "
        "they admit, and find patterns that admit more than they seem to.",
        no_args_is_help=True,
    )
    restrictions_app.command("generate")(generate)
    restrictions_app.command("check", help=CHECK_HELP, cls=opts.SourcesCommand)(check)
    restrictions_app.command("lint")(lint)
    app.add_typer(restrictions_app, name="restrictions")


def generate(
    cluster_id: Optional[list[str]] = typer.Option(
        None, "--cluster-id", metavar="CLUSTER_ID",
        help="Trust every node of this Elastic Cloud cluster of --scope-id. Repeatable."),
    scope: Optional[list[str]] = typer.Option(
        None, "--scope-id", metavar="SCOPE_ID",
        help="The scope of --cluster-id; without --cluster-id: trust every node of every cluster of this "
             "scope (repeatable)."),
    cluster: Optional[list[str]] = typer.Option(
        None, "--cluster", metavar="CLUSTER_ID@SCOPE_ID", hidden=True,
        help="Old spelling of --cluster-id CLUSTER_ID --scope-id SCOPE_ID, one cluster per value."),
    name: Optional[list[str]] = typer.Option(
        None, "--name", metavar="PATTERN", help="Add this pattern as it is (checked as Elasticsearch would)."),
    from_instances: Optional[Path] = typer.Option(
        None, "--in", metavar="instances.yaml",
        help="Trust exactly the nodes of this instances file (each cn value, escaped)."),
    fields: Optional[list[str]] = typer.Option(
        None, "--fields", metavar="FIELD", help="With --in: " + FIELDS_OPTION_HELP),
    out: str = typer.Option("trust.yml", "--out", metavar="trust.yml",
                            help="Where to write (.yml, .yaml or .json; '-' for stdout)."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
    as_json: bool = typer.Option(
        False, "--json", help="Print only a JSON document on stdout: the file written and its patterns "
                              "(pattern, and what it admits)."),
) -> None:
    """Write a trust restrictions file: trust.subject_name with every pattern double-quoted.

    --cluster-id and --scope-id write patterns in which each part of the Cloud node name
    (<node>.node.<cluster>.cluster.<scope>.account) is one label, so that no other name can
    slip through a '*' that spans dots; --in writes the exact names.
    """
    from certkit import __version__
    from certkit.audit import (
        GeneratedPattern,
        cluster_pattern,
        content_type,
        dedupe,
        instance_patterns,
        parse_cluster_spec,
        render_restrictions,
        scope_pattern,
        write_restrictions,
    )
    from certkit.cli._common import info, warn
    from certkit.errors import UsageError
    from certkit.io import ensure_absent
    from certkit.jdk import parse_fields
    from certkit.patterns import parse_pattern
    from certkit.plan import cloud_scope_warning

    to_stdout = out == "-"
    if to_stdout and as_json:
        raise UsageError("--out - prints the trust file and --json a JSON document: choose one")
    if not to_stdout:
        content_type(out)  # refuse a name Elasticsearch would not load, before any work
        ensure_absent(Path(out), force)
    chosen_fields = parse_fields(fields)
    patterns: list[GeneratedPattern] = []
    scope_ids: list[str] = []
    for spec in cluster or []:
        cluster_spec_id, cluster_spec_scope = parse_cluster_spec(spec)
        patterns.append(cluster_pattern(cluster_spec_id, cluster_spec_scope))
        scope_ids.append(cluster_spec_scope)
    scopes = [one.strip() for one in scope or []]
    if cluster_id:
        if len(scopes) != 1:
            raise UsageError("--cluster-id needs exactly one --scope-id (the scope its clusters belong to)",
                             hint="one scope per run, or the old form --cluster CLUSTER_ID@SCOPE_ID per cluster")
        patterns.extend(cluster_pattern(one.strip(), scopes[0]) for one in cluster_id)
    else:
        patterns.extend(scope_pattern(scope_id) for scope_id in scopes)
    scope_ids.extend(scopes)
    for scope_id in dict.fromkeys(scope_ids):  # the one rule for ids (certkit.plan.naming)
        scope_warning = cloud_scope_warning(scope_id, trusting_cloud_nodes=True)
        if scope_warning:
            warn(scope_warning)
    for text in name or []:
        parse_pattern(text)
        patterns.append(GeneratedPattern(text))
    if from_instances is not None:
        patterns.extend(instance_patterns(from_instances, chosen_fields, on_warning=warn))
    patterns = dedupe(patterns)
    if not patterns:
        raise UsageError("nothing to write: give --cluster-id with --scope-id, --scope-id, --name or --in")
    for item in patterns:
        parse_pattern(item.pattern)
    header = (
        f"Trust restrictions for Elasticsearch (xpack.security.transport.ssl.trust_restrictions.path),\n"
        f"written by certkit {__version__}. Patterns are double-quoted: an unquoted '*' is a YAML alias."
    )
    if to_stdout:
        from certkit.io.terminal import visible_lines

        sys.stdout.write(visible_lines(render_restrictions(patterns, header=header).decode("utf-8")))
        return
    written = write_restrictions(out, patterns, force=force, header=header)
    if as_json:
        from certkit.cli._common import emit_json

        emit_json({"out": str(written),
                   "patterns": [{"pattern": item.pattern, "admits": item.comment} for item in patterns]})
        return
    info(f"wrote {written} ({len(patterns)} pattern{'s' if len(patterns) != 1 else ''})")
    info(f"next: certkit restrictions check {written} <node certificates>")


CHECK_HELP = f"""\
Tell, for every certificate, whether Elasticsearch would admit it under TRUST.yml: by
which name and pattern, or why not (in Elasticsearch's own words). Only node
certificates are judged; the CA certificates that follow a leaf in its file or PKCS#12 are
its chain. With --ca, the chain is first verified as the node's JDK would.

Exit status: 0 every certificate admitted, 1 at least one rejected, 2 bad input.

{opts.SOURCES_HELP}
"""


def check(
    restrictions_file: Path = typer.Argument(..., metavar="TRUST.yml", help="The trust restrictions file."),
    sources: list[str] = typer.Argument(..., metavar="SOURCE...", help="Certificates to judge."),
    fields: Optional[list[str]] = typer.Option(None, "--fields", metavar="FIELD", help=FIELDS_OPTION_HELP),
    ca: Optional[list[Path]] = typer.Option(
        None, "--ca", metavar="CA.pem", help="Verify chains against these CA certificates first (the node's "
        "certificate_authorities). Repeatable."),
    at: Optional[str] = typer.Option(
        None, "--at", metavar="TIME", help="Verify --ca chains and expiry as of this ISO 8601 time (e.g. "
        "2027-01-15T00:00:00Z) instead of now."),
    expires_within: str = typer.Option(
        DEFAULT_EXPIRES_WITHIN, "--expires-within", metavar="DURATION",
        help="Warn about certificates that expire within this long of --at / now (days or hours: 30d, 12h; "
        "0d: only the expired). Expired certificates are always named; the exit status stays the verdicts'."),
    show_all: bool = typer.Option(False, "--all", help="Also list admitted certificates, with name and pattern."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report (every certificate) on stdout."),
    es_version: Optional[str] = typer.Option(None, "--es-version", metavar="X.Y", help=ES_VERSION_HELP),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", min=1, metavar="N",
        help="Worker processes for big inputs (default: the number of CPUs; 1: all in this process)."),
    report: Optional[Path] = typer.Option(
        None, "--report", metavar="FILE.html", help="Also write the auditor's report: one self-contained HTML "
        "page (trust file, lint findings, summary, every certificate; readable without scripts)."),
    junit: Optional[Path] = typer.Option(
        None, "--junit", metavar="FILE.xml", help="Also write a JUnit XML report: one testcase per certificate, "
        "a rejected one is a failure with Elasticsearch's reason."),
    csv_out: Optional[Path] = typer.Option(
        None, "--csv", metavar="FILE.csv", help="Also write one CSV row per certificate (a header row first; "
        "cells a spreadsheet would run as formulas start with ')."),
    force: bool = typer.Option(False, "--force", help="Replace the --report, --junit and --csv files if they exist."),
    pass_file: Optional[Path] = opts.PASS_FILE,
    pass_literal: Optional[str] = opts.PASS_LITERAL,
    client_cert: Optional[Path] = opts.CLIENT_CERT,
    client_key: Optional[Path] = opts.CLIENT_KEY,
    timeout: float = opts.TIMEOUT,
) -> None:
    from certkit.audit import (
        Audit,
        HumanReport,
        JsonReport,
        RecordingReport,
        ReportOutputs,
        RestrictionChecker,
        load_restrictions,
        parse_expires_within,
    )
    from certkit.cli._common import es_target_option, parse_validation_time, warn
    from certkit.errors import InputError
    from certkit.io import read_certificates, require_sources
    from certkit.jdk import parse_fields
    from certkit.patterns import compiling_for

    chosen_fields = parse_fields(fields)
    target = es_target_option(es_version)
    validation_time = parse_validation_time(at)
    reports = ReportOutputs(report, junit, csv_out)
    reports.check(force, [restrictions_file, *sources])  # before any work: an existing file, a missing folder
    within = parse_expires_within(expires_within)
    with compiling_for(target.lucene):  # the target's Lucene decides which patterns load
        restrictions = load_restrictions(restrictions_file)
    require_sources(sources)
    source_kwargs = opts.source_options(pass_file, pass_literal, client_cert, client_key, timeout)
    anchors = []
    if ca:
        anchors = [item.certificate for item in read_certificates([str(p) for p in ca], **source_kwargs)]
    checker = RestrictionChecker(restrictions, chosen_fields, anchors=anchors,
                                 record_matches=as_json or show_all or bool(reports), now=validation_time,
                                 jdk=target.jdk, expires_within=within)
    renderer: Any = JsonReport(chosen_fields) if as_json else HumanReport(show_all)
    if reports:
        renderer = RecordingReport(renderer, chosen_fields)
    with _AuditProgress(sources) as progress:
        audit = Audit(checker, sources, renderer, jobs=jobs, on_progress=progress.update, **source_kwargs)
        try:
            if as_json:
                _check_json(restrictions, chosen_fields, audit)
            else:
                _check_human(audit, warn, expires_within)
        finally:
            opts.NOTES.flush()
    if audit.admitted + audit.rejected == 0:
        skipped = len(audit.skipped)
        raise InputError(
            f"no node certificate to check in {' '.join(sources)}"
            + (f" ({skipped} CA certificate{'s' if skipped != 1 else ''} skipped)" if skipped else "")
        )
    if reports:
        _write_reports(reports, force, restrictions, chosen_fields, target, anchors, validation_time, audit.records)
    if audit.rejected:
        raise typer.Exit(1)


def _write_reports(reports, force, restrictions, fields, target, anchors, validation_time, records) -> None:
    """The --report/--junit/--csv files, from the records the audit collected (nothing is read again)."""
    from certkit import __version__
    from certkit.audit import ReportContext, lint_restrictions
    from certkit.cli._common import info
    from certkit.jdk import jdk_dn
    from certkit.patterns import compiling_for

    with compiling_for(target.lucene):
        lint_report = lint_restrictions(restrictions, fields)
    context = ReportContext(
        restrictions.path, tuple(restrictions.patterns), tuple(fields), target, lint_report,
        tuple(jdk_dn(anchor.subject.public_bytes()) for anchor in anchors), validation_time, version=__version__,
    )
    for path in reports.write(context, records, force):
        info(f"wrote {path}")


def _write(text: str) -> None:
    # Looked up at each call: while a progress bar shows, rich routes stdout above it.
    sys.stdout.write(text)


def _check_human(audit, warn, expires_within: str) -> None:
    from certkit.audit import expiry_summary

    for kind, text in audit:
        if kind == "out":
            _write(text)
        else:
            warn(text)
    total = audit.admitted + audit.rejected
    skipped = len(audit.skipped)
    summary = f"{total} certificate{'s' if total != 1 else ''} checked: {audit.admitted} admitted, {audit.rejected} rejected"
    if skipped:
        summary += f" ({skipped} CA certificate{'s' if skipped != 1 else ''} skipped)"
    files_skipped = opts.NOTES.take_summary()  # a PEM bundle's key files: told once, here
    summary += expiry_summary(audit.expiry, expires_within.strip())
    if files_skipped:
        summary += f"; {files_skipped}"
    _write(summary + "\n")


def _check_json(restrictions, fields, audit) -> None:
    """Stream the docs/cli-contract.md document: certificates as they are judged, never the whole list in memory."""
    from certkit.audit import expiry_totals

    dumps = json.dumps
    _write("{\n")
    _write(f'  "restrictions": {dumps(restrictions.path, ensure_ascii=False)},\n')
    _write(f'  "patterns": {dumps(list(restrictions.patterns), ensure_ascii=False)},\n')
    _write(f'  "fields": {dumps(list(fields))},\n')
    _write('  "certificates": [')
    for kind, text in audit:
        if kind == "out":
            _write(text)
    admitted, rejected = audit.admitted, audit.rejected
    skipped = [{"source": source, "subject": subject, "reason": reason} for source, subject, reason in audit.skipped]
    _write("\n  ],\n" if admitted + rejected else "],\n")
    _write(f'  "skipped": {dumps(skipped, ensure_ascii=False)},\n')
    summary = {"admitted": admitted, "rejected": rejected, "skipped": len(skipped), **expiry_totals(audit.expiry)}
    _write(f'  "summary": {dumps(summary)}\n')
    _write("}\n")


class _AuditProgress:
    """A rich progress bar on stderr while an audit runs, only when stderr is a terminal.

    The total is the size of the inputs (files and folders, measured only when the bar is
    shown); it starts at the first finished batch, after the workers are forked (rich
    refreshes from a thread, and workers are best forked while this process has one).
    """

    def __init__(self, sources: list[str]) -> None:
        from certkit.cli._common import is_terminal

        self._sources = sources
        self._progress: Any = None
        self._task = None
        self.update = None
        if is_terminal():
            self.update = self._update

    def __enter__(self) -> _AuditProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _update(self, certificates: int, done_bytes: int) -> None:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("checking"), BarColumn(), TextColumn("{task.fields[certificates]:,} certificates"),
                TimeElapsedColumn(), console=Console(stderr=True), transient=True,
                # The report goes to stdout: through rich (above the bar) only when stdout
                # is the terminal too, never into a file or a pipe by way of stderr.
                redirect_stdout=_stdout_is_terminal(),
            )
            self._task = self._progress.add_task("checking", total=_input_bytes(self._sources) or None,
                                                 certificates=0)
            self._progress.start()
        self._progress.update(self._task, completed=done_bytes, certificates=certificates)


def _stdout_is_terminal() -> bool:
    from certkit.cli._common import is_terminal

    return is_terminal(sys.stdout)


def _input_bytes(sources: list[str]) -> int:
    import os

    from certkit.io import directory_files

    total = 0
    for spec in sources:
        path = Path(spec)
        try:
            if path.is_dir():
                total += sum(os.stat(f).st_size for f in directory_files(path) if os.path.isfile(f))
            elif path.is_file():
                total += path.stat().st_size
        except OSError:
            pass
    return total


def lint(
    restrictions_file: Path = typer.Argument(..., metavar="TRUST.yml", help="The trust restrictions file."),
    fields: Optional[list[str]] = typer.Option(None, "--fields", metavar="FIELD", help=FIELDS_OPTION_HELP),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when there are warnings."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report on stdout."),
    es_version: Optional[str] = typer.Option(None, "--es-version", metavar="X.Y", help=ES_VERSION_HELP),
) -> None:
    """Load TRUST.yml exactly as Elasticsearch would (or say why it would not load) and warn
    about patterns that admit more than they seem to, each with a tighter alternative.

    Exit status: 0 (1 with --strict when there are warnings); 2 when the file would not load.
    """
    from certkit.audit import lint_restrictions, load_restrictions
    from certkit.cli._common import emit_json, es_target_option
    from certkit.errors import CertkitError
    from certkit.jdk import parse_fields
    from certkit.patterns import compiling_for

    chosen_fields = parse_fields(fields)
    target = es_target_option(es_version)
    try:
        with compiling_for(target.lucene):
            restrictions = load_restrictions(restrictions_file)
    except CertkitError as exc:
        from certkit.audit import lint_unloadable

        with compiling_for(target.lucene):
            findings, summary_error = lint_unloadable(restrictions_file, chosen_fields)
        error = summary_error or exc
        if as_json:
            emit_json({"restrictions": str(restrictions_file), "loads": False, "error": error.message,
                       "warnings": [finding.to_json() for finding in findings]})
        else:
            _print_findings(findings)
        raise error from None
    from certkit.io.terminal import visible

    with compiling_for(target.lucene):
        report = lint_restrictions(restrictions, chosen_fields)
    if as_json:
        emit_json(report.to_json())
    else:
        _print_findings(report.warnings)
        for note in report.notes:
            print(f"note: {visible(note)}")
        count = len(report.warnings)
        patterns = len(restrictions.patterns)
        print(
            f"{visible(restrictions.path)} loads as Elasticsearch would: {patterns} pattern{'s' if patterns != 1 else ''}, "
            f"{count} warning{'s' if count != 1 else ''}"
        )
    if strict and report.warnings:
        raise typer.Exit(1)


def _print_findings(findings) -> None:
    from certkit.io.terminal import visible

    for finding in findings:
        print(f"warning: [{finding.code}] {visible(finding.render())}")
