"""certkit inspect: show every certificate of the given sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from certkit.cli import _sources as opts
from certkit.cli._common import ES_VERSION_HELP

INSPECT_HELP = f"""\
Show every certificate found: subject and issuer (as Elasticsearch prints them), serial,
validity, key, CA flag, and the names split by kind (otherName commonName, DNS, IP),
with a note on any name Elasticsearch would ignore. For a PKCS#12 file, also its
algorithms, MAC and entries.

{opts.SOURCES_HELP}
"""

_LABELS = (
    ("subject", "subject"), ("issuer", "issuer"), ("serial", "serial"), ("validity", "valid"),
    ("key", "key"), ("is_ca", "CA"),
)


def register(app: typer.Typer) -> None:
    """Add ``certkit inspect`` to the root app."""
    app.command("inspect", help=INSPECT_HELP, cls=opts.SourcesCommand)(inspect)


def inspect(
    sources: list[str] = typer.Argument(..., metavar="SOURCE...", help="Where to read certificates."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of certificates on stdout."),
    at: Optional[str] = typer.Option(
        None, "--at", metavar="TIME", help="Say EXPIRED / not yet valid as of this ISO 8601 time instead of now."),
    es_version: Optional[str] = typer.Option(None, "--es-version", metavar="X.Y", help=ES_VERSION_HELP),
    pass_file: Optional[Path] = opts.PASS_FILE,
    pass_literal: Optional[str] = opts.PASS_LITERAL,
    client_cert: Optional[Path] = opts.CLIENT_CERT,
    client_key: Optional[Path] = opts.CLIENT_KEY,
    timeout: float = opts.TIMEOUT,
) -> None:
    from functools import partial

    from certkit.cli._common import es_target_option, parse_validation_time
    from certkit.io import iter_certificates, require_sources
    from certkit.jdk import describe_certificate

    moment = parse_validation_time(at)
    target = es_target_option(es_version)
    describe_certificate = partial(describe_certificate, jdk=target.jdk)
    require_sources(sources)
    items = iter_certificates(sources, **opts.source_options(pass_file, pass_literal, client_cert, client_key, timeout))
    try:
        _show(items, as_json, describe_certificate, moment)
    finally:
        opts.NOTES.flush()


def _described(item, describe_certificate) -> dict:
    """``describe_certificate`` for one item, its failures as one-line InputErrors.

    cryptography loads a certificate lazily: one whose outer structure is sound may still
    hold an unknown curve, a garbled key, name or extension, found only when described.
    """
    from cryptography.exceptions import UnsupportedAlgorithm

    from certkit.errors import InputError
    from certkit.io import parsing_input

    try:
        with parsing_input(item.source):  # cryptography warns again as it reads the fields (a serial of 0)
            return describe_certificate(item.der, item.certificate)
    except (ValueError, KeyError, TypeError, UnsupportedAlgorithm) as exc:  # KeyError: cryptography on odd name tags
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(f"{item.source}: the certificate cannot be decoded ({reason})") from None


def _show(items, as_json: bool, describe_certificate, moment=None) -> None:
    write = sys.stdout.write
    if as_json:
        write("[")
        separator = "\n  "
        for item in items:
            document = {"source": item.source, **_described(item, describe_certificate)}
            if item.pkcs12 is not None:
                document["pkcs12"] = item.pkcs12
            write(separator + json.dumps(document, ensure_ascii=False))
            separator = ",\n  "
        write("\n]\n" if separator != "\n  " else "]\n")
        return
    first = True
    for item in items:
        if not first:
            write("\n")
        first = False
        write(_render(item.source, _described(item, describe_certificate), item.pkcs12, moment))


def _render(source: str, document: dict, pkcs12: dict | None, moment=None) -> str:
    import datetime as dt

    now = (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    state = ""
    if document["not_after"] < now:
        state = "  (EXPIRED)"
    elif document["not_before"] > now:
        state = "  (not yet valid)"
    key = f"{document['key_type']} {document['key_size']}" + (f" ({document['key_curve']})" if "key_curve" in document else "")
    rows = [
        ("subject", document["subject"]),
        ("issuer", document["issuer"] + ("  (self-signed)" if document["self_signed"] else "")),
        ("serial", document["serial"]),
        ("valid", f"{document['not_before']} .. {document['not_after']}{state}"),
        ("key", key),
        ("CA", "yes" if document["is_ca"] else "no"),
    ]
    names = document["names"]
    for label, values in (("otherName CN", names["otherName.commonName"]), ("DNS", names["dnsName"]),
                          ("IP", names["ipAddress"])):
        rows += [(label, value) for value in values] or [(label, "-")]
    for other in names.get("otherName.other", []):
        rows.append(("otherName", f"{other['type_id']}: {other['value'] if other['value'] is not None else '?'} "
                     "(not read by Elasticsearch)"))
    for warning in document.get("warnings", []):
        rows.append(("warning", warning))
    if pkcs12 is not None:
        rows.append(("pkcs12", _pkcs12_summary(pkcs12)))
    rows.append(("sha256", document["sha256_fingerprint"]))
    width = max(len(label) for label, _ in rows)
    from certkit.io.terminal import visible

    lines = [visible(source)] + [f"  {label.ljust(width)}  {visible(value)}" for label, value in rows]
    return "\n".join(lines) + "\n"


def _pkcs12_summary(pkcs12: dict) -> str:
    """MAC, ciphers, and the entries as the JDK's KeyStore lists them (certkit.keystores.jdk_view)."""
    mac = pkcs12.get("mac")
    parts = [f"MAC {mac['algorithm']} x{mac['iterations']}" if mac else "no MAC"]
    ciphers = list(dict.fromkeys(entry["short_name"] for entry in pkcs12.get("encryption") or []))
    parts.append(", ".join(ciphers) if ciphers else "not encrypted")
    entries = pkcs12.get("entries")
    if entries is None:
        parts.append("JDK entries: unknown (a safe certkit cannot decrypt)")
    else:
        listed = [f"{e['alias']} ({e['type']}" + (f", chain {e['chain_length']})" if "chain_length" in e else ")")
                  for e in entries]
        parts.append("JDK entries: " + (", ".join(listed) if listed else "none (the JDK sees no key and no trusted "
                                         "certificate)"))
    return "; ".join(parts)
