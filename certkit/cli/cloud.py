"""certkit cloud: Elastic Cloud / ECE payloads (the direct trust relationship)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from certkit.cli._common import info, warn_all

TRUST_HELP = (
    "Print the Elastic Cloud direct trust relationship that makes a deployment trust the nodes of "
    "another environment (a self-managed cluster): its CA certificate(s) and which node names to trust."
    "\n\n"
    "Trust by scope when the nodes are named <node>.node.<cluster>.cluster.<scope>.account (--scope-id "
    "with --trust-all or --trust-allowlist), or list exact node names (--in FILE takes every cn "
    "value; --node-name NAME). Everything is checked against the Cloud API's rules before any JSON is printed."
    "\n\n"
    '--payload prints the whole {"trust": {accounts, external, direct}} object. --merge EXISTING.json '
    "updates the trust object read back from the API instead: the same-named entry is replaced, its uid "
    "kept, its certificates kept next to the new ones for a CA rotation (--replace-certificates ends the "
    "rotation)."
)


def register(app: typer.Typer) -> None:
    """Add ``certkit cloud`` and its commands to the root app."""
    cloud_app = typer.Typer(
        name="cloud",
        help="Elastic Cloud / ECE payloads: the direct trust relationship for a deployment.",
        no_args_is_help=True,
    )
    cloud_app.command("trust", help=TRUST_HELP)(trust)
    app.add_typer(cloud_app, name="cloud")


def trust(
    ca: Optional[list[Path]] = typer.Option(
        None, "--ca", metavar="CA.pem",
        help="CA certificate to trust (PEM or DER; every certificate of the file). Repeat for a rotation."),
    name: str = typer.Option(..., "--name", help="Name of the trust relationship (shown in the Cloud console)."),
    instances: Optional[Path] = typer.Option(
        None, "--in", metavar="instances.yaml", help="Trust the cn values of every instance of this file."),
    node_name: Optional[list[str]] = typer.Option(
        None, "--node-name", metavar="NAME", help="An exact node name to trust (no wildcards). Repeatable."),
    scope_id: Optional[str] = typer.Option(
        None, "--scope-id", metavar="SCOPE", help="Scope (organization / environment id) of the trusted clusters."),
    trust_all: bool = typer.Option(False, "--trust-all", help="Trust every cluster of --scope-id."),
    trust_allowlist: Optional[list[str]] = typer.Option(
        None, "--trust-allowlist", metavar="CLUSTER_ID", help="Trust this cluster of --scope-id. Repeatable."),
    trust_type: str = typer.Option("generic", "--type", metavar="generic|ECE|ESS|proxy",
                                   help="Type of the trusted environment."),
    payload: bool = typer.Option(False, "--payload", help='Print the whole {"trust": {...}} settings object.'),
    merge: Optional[Path] = typer.Option(
        None, "--merge", metavar="EXISTING.json",
        help="Add or update the entry in this trust object read back from the Cloud API (implies --payload)."),
    replace_certificates: bool = typer.Option(
        False, "--replace-certificates",
        help="With --merge: drop the certificates the entry had (the CA rotation is over)."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="trust.json", help="Write here instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
    as_json: bool = typer.Option(
        False, "--json",
        help="Print only the JSON document on stdout (the direct trust entry, or with --payload / --merge the "
             "whole trust object), also when --out writes it."),
) -> None:
    from certkit.errors import UsageError
    from certkit.io import ensure_absent, write_file
    from certkit.model import Report
    from certkit.wire import cloud

    if replace_certificates and merge is None:
        raise UsageError("--replace-certificates only makes sense with --merge EXISTING.json")
    if out is not None:
        ensure_absent(out, force)
    report = Report()
    node_names = list(node_name or [])
    if instances is not None:
        node_names = _instance_names(instances) + node_names
    certificates = cloud.load_ca_certificates(list(ca or []), report)
    entry = cloud.build_direct_trust(
        name=name, certificates=certificates, trust_type=trust_type, scope_id=scope_id,
        trust_all=trust_all, trust_allowlist=list(trust_allowlist or []), node_names=node_names,
        report=report,
    )
    if merge is not None:
        existing = cloud.load_trust_document(_read(merge), str(merge))
        result = cloud.merge_direct_trust(existing, entry, replace_certificates=replace_certificates,
                                          source=str(merge), report=report)
        document = cloud.settings_payload(result.trust)
        summary = _merge_summary(entry.name, result)
    elif payload:
        document = cloud.settings_payload(cloud.trust_settings([entry]))
        summary = None
    else:
        document = entry.to_json()
        summary = None
    warn_all(report.warnings)
    text = cloud.dumps(document)
    if out is not None:
        write_file(out, text.encode("utf-8"), force=force)
        info(f"wrote {out}")
    if out is None or as_json:
        typer.echo(text, nl=False)
    if summary:
        info(summary)


def _read(path: Path) -> bytes:
    from certkit.io import read_bounded

    return read_bounded(path, "the trust document")


def _instance_names(path: Path) -> list[str]:
    """The cn values of every instance: the otherName names Cloud's trust matches."""
    from certkit.errors import InputError
    from certkit.plan import load_instances

    names: list[str] = []
    for instance in load_instances(path):
        if not instance.cn:
            raise InputError(
                f"{path}: instance {instance.name!r} has no cn value; Elastic Cloud matches node names "
                "against the otherName CN, so this node would not be trusted",
                hint="add cn: [\"<name>\"] to the instance (and reissue its certificate), or pass --node-name",
            )
        names.extend(instance.cn)
    if not names:
        raise InputError(f"{path} has no instances")
    return names


def _merge_summary(name: str, result) -> str:
    if not result.replaced:
        return f"added direct trust {name!r} ({len(result.added_certificates)} certificate(s))"
    parts = [f"{len(result.kept_certificates)} kept", f"{len(result.added_certificates)} added"]
    if result.dropped_certificates:
        parts.append(f"{len(result.dropped_certificates)} dropped")
    return f"updated direct trust {name!r}, uid kept; certificates: {', '.join(parts)}"
