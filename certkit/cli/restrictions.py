"""certkit restrictions: generate, check and lint trust-restriction files as Elasticsearch reads them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from certkit.cli import _sources as opts

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
    restrictions_app.command("check", help=CHECK_HELP)(check)
    restrictions_app.command("lint")(lint)
    app.add_typer(restrictions_app, name="restrictions")


def generate(
    cluster: Optional[list[str]] = typer.Option(
        None, "--cluster", metavar="CLUSTER_ID@SCOPE_ID", help="Trust every node of this Elastic Cloud cluster."),
    scope: Optional[list[str]] = typer.Option(
        None, "--scope", metavar="SCOPE_ID", help="Trust every node of every cluster of this scope."),
    name: Optional[list[str]] = typer.Option(
        None, "--name", metavar="PATTERN", help="Add this pattern as it is (checked as Elasticsearch would)."),
    from_instances: Optional[Path] = typer.Option(
        None, "--from-instances", metavar="instances.yaml",
        help="Trust exactly the nodes of this instances file (each cn value, escaped)."),
    fields: Optional[list[str]] = typer.Option(
        None, "--fields", metavar="FIELD", help="With --from-instances: " + FIELDS_OPTION_HELP),
    out: str = typer.Option("trust.yml", "--out", metavar="trust.yml",
                            help="Where to write (.yml, .yaml or .json; '-' for stdout)."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
) -> None:
    """Write a trust restrictions file: trust.subject_name with every pattern double-quoted.

    --cluster and --scope write patterns in which each part of the Cloud node name
    (<node>.node.<cluster>.cluster.<scope>.account) is one label, so that no other name can
    slip through a '*' that spans dots; --from-instances writes the exact names.
    """
    from certkit import __version__
    from certkit.cli._common import info, warn
    from certkit.errors import UsageError
    from certkit.outputs import ensure_absent
    from certkit.patterns import parse_pattern
    from certkit.restrictions import (
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
    from certkit.x509names import parse_fields

    to_stdout = out == "-"
    if not to_stdout:
        content_type(out)  # refuse a name Elasticsearch would not load, before any work
        ensure_absent(Path(out), force)
    chosen_fields = parse_fields(fields)
    patterns: list[GeneratedPattern] = []
    for spec in cluster or []:
        patterns.append(cluster_pattern(*parse_cluster_spec(spec)))
    for scope_id in scope or []:
        patterns.append(scope_pattern(scope_id.strip()))
    for text in name or []:
        parse_pattern(text)
        patterns.append(GeneratedPattern(text))
    if from_instances is not None:
        patterns.extend(instance_patterns(from_instances, chosen_fields, on_warning=warn))
    patterns = dedupe(patterns)
    if not patterns:
        raise UsageError("nothing to write: give --cluster, --scope, --name or --from-instances")
    for item in patterns:
        parse_pattern(item.pattern)
    header = (
        f"Trust restrictions for Elasticsearch (xpack.security.transport.ssl.trust_restrictions.path),\n"
        f"written by certkit {__version__}. Patterns are double-quoted: an unquoted '*' is a YAML alias."
    )
    if to_stdout:
        sys.stdout.write(render_restrictions(patterns, header=header).decode("utf-8"))
        return
    written = write_restrictions(out, patterns, force=force, header=header)
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
    show_all: bool = typer.Option(False, "--all", help="Also list admitted certificates, with name and pattern."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report (every certificate) on stdout."),
    pass_file: Optional[Path] = opts.PASS_FILE,
    pass_literal: Optional[str] = opts.PASS_LITERAL,
    client_cert: Optional[Path] = opts.CLIENT_CERT,
    client_key: Optional[Path] = opts.CLIENT_KEY,
    timeout: float = opts.TIMEOUT,
) -> None:
    from certkit.cli._common import warn
    from certkit.errors import InputError
    from certkit.restrictions import RestrictionChecker, load_restrictions
    from certkit.sources import iter_certificates, read_certificates
    from certkit.x509names import parse_fields

    chosen_fields = parse_fields(fields)
    restrictions = load_restrictions(restrictions_file)
    source_kwargs = opts.source_options(pass_file, pass_literal, client_cert, client_key, timeout)
    anchors = []
    if ca:
        anchors = [item.certificate for item in read_certificates([str(p) for p in ca], **source_kwargs)]
    checker = RestrictionChecker(restrictions, chosen_fields, anchors=anchors,
                                 record_matches=as_json or show_all)
    verdicts = checker.check_items(iter_certificates(sources, **source_kwargs))
    try:
        if as_json:
            admitted, rejected, skipped = _check_json(restrictions, chosen_fields, verdicts)
        else:
            admitted, rejected, skipped = _check_human(verdicts, show_all, warn)
    finally:
        opts.NOTES.flush()
    if admitted + rejected == 0:
        raise InputError(
            f"no node certificate to check in {' '.join(sources)}"
            + (f" ({skipped} CA certificate{'s' if skipped != 1 else ''} skipped)" if skipped else "")
        )
    if rejected:
        raise typer.Exit(1)


def _check_human(verdicts, show_all: bool, warn) -> tuple[int, int, int]:
    admitted = rejected = skipped = 0
    write = sys.stdout.write
    for verdict in verdicts:
        if verdict.skipped:
            skipped += 1
            continue
        for problem in verdict.names.warnings:
            warn(f"{verdict.source}: {problem}")
        if verdict.admitted:
            admitted += 1
            if show_all:
                name, pattern = verdict.matched[0]
                more = f" (+{len(verdict.matched) - 1} more match)" if len(verdict.matched) > 1 else ""
                write(f"admitted  {verdict.source}: {name} matches {json.dumps(pattern, ensure_ascii=False)}{more}\n")
        else:
            rejected += 1
            write(f"REJECTED  {verdict.source}\n  {verdict.reason}\n")
            if verdict.explanation:
                write(f"  why: {verdict.explanation}\n")
    total = admitted + rejected
    summary = f"{total} certificate{'s' if total != 1 else ''} checked: {admitted} admitted, {rejected} rejected"
    if skipped:
        summary += f" ({skipped} CA certificate{'s' if skipped != 1 else ''} skipped)"
    write(summary + "\n")
    return admitted, rejected, skipped


def _check_json(restrictions, fields, verdicts) -> tuple[int, int, int]:
    """Stream the CLI.md document: one certificate at a time, never the whole list in memory."""
    write = sys.stdout.write
    dumps = json.dumps
    write("{\n")
    write(f'  "restrictions": {dumps(restrictions.path, ensure_ascii=False)},\n')
    write(f'  "patterns": {dumps(list(restrictions.patterns), ensure_ascii=False)},\n')
    write(f'  "fields": {dumps(list(fields))},\n')
    write('  "certificates": [')
    admitted = rejected = 0
    skipped: list[dict] = []
    separator = "\n    "
    for verdict in verdicts:
        if verdict.skipped:
            skipped.append({"source": verdict.source, "subject": verdict.subject, "reason": verdict.skipped})
            continue
        if verdict.admitted:
            admitted += 1
        else:
            rejected += 1
        write(separator)
        write(dumps(verdict.to_json(fields), ensure_ascii=False))
        separator = ",\n    "
    write("\n  ],\n" if admitted + rejected else "],\n")
    write(f'  "skipped": {dumps(skipped, ensure_ascii=False)},\n')
    write(f'  "summary": {dumps({"admitted": admitted, "rejected": rejected, "skipped": len(skipped)})}\n')
    write("}\n")
    return admitted, rejected, len(skipped)


def lint(
    restrictions_file: Path = typer.Argument(..., metavar="TRUST.yml", help="The trust restrictions file."),
    fields: Optional[list[str]] = typer.Option(None, "--fields", metavar="FIELD", help=FIELDS_OPTION_HELP),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when there are warnings."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report on stdout."),
) -> None:
    """Load TRUST.yml exactly as Elasticsearch would (or say why it would not load) and warn
    about patterns that admit more than they seem to, each with a tighter alternative.

    Exit status: 0 (1 with --strict when there are warnings); 2 when the file would not load.
    """
    from certkit.cli._common import emit_json
    from certkit.errors import CertkitError
    from certkit.lint import lint_restrictions
    from certkit.restrictions import load_restrictions
    from certkit.x509names import parse_fields

    chosen_fields = parse_fields(fields)
    try:
        restrictions = load_restrictions(restrictions_file)
    except CertkitError as exc:
        if as_json:
            emit_json({"restrictions": str(restrictions_file), "loads": False, "error": exc.message})
        raise
    report = lint_restrictions(restrictions, chosen_fields)
    if as_json:
        emit_json(report.to_json())
    else:
        for finding in report.warnings:
            print(f"warning: [{finding.code}] {finding.render()}")
        for note in report.notes:
            print(f"note: {note}")
        count = len(report.warnings)
        patterns = len(restrictions.patterns)
        print(
            f"{restrictions.path} loads as Elasticsearch would: {patterns} pattern{'s' if patterns != 1 else ''}, "
            f"{count} warning{'s' if count != 1 else ''}"
        )
    if strict and report.warnings:
        raise typer.Exit(1)
