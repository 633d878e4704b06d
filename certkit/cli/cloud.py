"""certkit cloud: Elastic Cloud / ECE payloads (the direct trust relationship)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from certkit.cli._common import info, warn_all
from certkit.cli._vocabulary import VocabularyCommand, rewrite_arguments

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
    "\n\n"
    "A payload lists the deployment's other trusts too: --account ID or --external ID, each followed "
    "by --trust-all or --allowlist CLUSTER_ID (repeatable), adds one entry per account (organization) "
    "or external trust relationship. Without --merge, the payload replaces the deployment's whole "
    "trust object: what it does not list is removed."
)


class OrderedOptionsCommand(VocabularyCommand):
    """A command that records the order its options were given in (``ctx.meta[OPTION_ORDER]``).

    ``--account A --trust-all --account B --allowlist C`` means one thing per account: which
    ``--trust-all`` follows which ``--account`` is in the order only, which click's parsed
    values do not keep.
    """

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        args = rewrite_arguments(self, ctx, args)  # the order of the spellings click will parse
        if args:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            ctx.meta[OPTION_ORDER] = [parameter.name for parameter in order]
        return super().parse_args(ctx, args)


OPTION_ORDER = "certkit.option_order"


def register(app: typer.Typer) -> None:
    """Add ``certkit cloud`` and its commands to the root app."""
    cloud_app = typer.Typer(
        name="cloud",
        help="Elastic Cloud / ECE payloads: the direct trust relationship for a deployment.",
        no_args_is_help=True,
    )
    cloud_app.command("trust", help=TRUST_HELP, cls=OrderedOptionsCommand)(trust)
    app.add_typer(cloud_app, name="cloud")


def trust(
    ctx: typer.Context,
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
    trust_all: bool = typer.Option(
        False, "--trust-all",
        help="Trust every cluster of --scope-id, or of the --account / --external it follows."),
    trust_allowlist: Optional[list[str]] = typer.Option(
        None, "--trust-allowlist", metavar="CLUSTER_ID", help="Trust this cluster of --scope-id. Repeatable."),
    trust_type: str = typer.Option("generic", "--type", metavar="generic|ECE|ESS|proxy",
                                   help="Type of the trusted environment."),
    account: Optional[list[str]] = typer.Option(
        None, "--account", metavar="ID",
        help="With --payload: trust clusters of this Cloud account (organization id); follow it with "
        "--trust-all or --allowlist. Repeatable, one entry per account."),
    external: Optional[list[str]] = typer.Option(
        None, "--external", metavar="ID",
        help="With --payload: trust clusters of this external trust relationship (ECE); follow it with "
        "--trust-all or --allowlist. Repeatable."),
    allowlist: Optional[list[str]] = typer.Option(
        None, "--allowlist", metavar="CLUSTER_ID",
        help="Trust this cluster of the --account / --external it follows. Repeatable."),
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
    from certkit.wire import REPLACES_EVERYTHING, cloud, merge_scoped_trusts

    if replace_certificates and merge is None:
        raise UsageError("--replace-certificates only makes sense with --merge EXISTING.json")
    if out is not None:
        ensure_absent(out, force)
    report = Report()
    node_names = list(node_name or [])
    if instances is not None:
        node_names = _instance_names(instances) + node_names
    direct_trust_all, scoped = _scoped_trusts(ctx, trust_all, account, external, allowlist)
    if scoped and not payload and merge is None:
        raise UsageError("--account and --external are entries of the whole trust object: add --payload")
    certificates = cloud.load_ca_certificates(list(ca or []), report)
    entry = cloud.build_direct_trust(
        name=name, certificates=certificates, trust_type=trust_type, scope_id=scope_id,
        trust_all=direct_trust_all, trust_allowlist=list(trust_allowlist or []), node_names=node_names,
        report=report,
    )
    if merge is not None:
        existing = cloud.load_trust_document(_read(merge), str(merge))
        result = cloud.merge_direct_trust(existing, entry, replace_certificates=replace_certificates,
                                          source=str(merge), report=report)
        trust_object, changes = merge_scoped_trusts(result.trust, scoped, str(merge))
        document = cloud.settings_payload(trust_object)
        summary = "; ".join([_merge_summary(entry.name, result), *changes])
    elif payload:
        trust_object, _ = merge_scoped_trusts(cloud.trust_settings([entry]), scoped)
        document = cloud.settings_payload(trust_object)
        report.warn(f"{REPLACES_EVERYTHING}; to keep them, save the deployment's current trust "
                    "(GET /api/v1/deployments/ID) and pass it with --merge CURRENT.json")
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


def _scoped_trusts(ctx: typer.Context, trust_all: bool, accounts: Optional[list[str]], externals: Optional[list[str]],
                   allowlists: Optional[list[str]]) -> tuple[bool, list]:
    """The direct entry's --trust-all and the account / external entries, grouped as given.

    Each --trust-all and --allowlist belongs to the --account or --external it follows;
    a --trust-all before any of them, or after --scope-id, to the direct entry.
    """
    from certkit.errors import UsageError
    from certkit.wire import build_account_trust, build_external_trust

    pending = {"account": list(accounts or []), "external": list(externals or []),
               "allowlist": list(allowlists or [])}
    order = ctx.meta.get(OPTION_ORDER)
    if order is None:  # not parsed by OrderedOptionsCommand: no grouping to read
        order = ["trust_all"] if trust_all else []
    direct_trust_all = False
    groups: list[dict] = []  # {"kind", "id", "trust_all", "allowlist"} in the order given
    current: dict | None = None
    for option in order:
        if option in ("account", "external"):
            current = {"kind": option, "id": pending[option].pop(0), "trust_all": False, "allowlist": []}
            groups.append(current)
        elif option == "scope_id":
            current = None
        elif option == "trust_all":
            if current is None:
                direct_trust_all = True
            else:
                current["trust_all"] = True
        elif option == "allowlist":
            if current is None:
                raise UsageError("--allowlist belongs to the --account or --external it follows",
                                 hint="for the direct entry, use --scope-id SCOPE --trust-allowlist CLUSTER_ID")
            current["allowlist"].append(pending["allowlist"].pop(0))
    entries = [(build_account_trust if group["kind"] == "account" else build_external_trust)(
        group["id"], trust_all=group["trust_all"], allowlist=group["allowlist"]) for group in groups]
    return direct_trust_all, entries


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
