"""certkit instances: plan the node names (generate) and validate an instances file (check)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from certkit.cli._common import emit_json, info, warn_all

GENERATE_HELP = """\
Write a certutil-compatible instances file for the nodes of one cluster.

Each node gets cn: ["<NAME>.node.<CLUSTER_ID>.cluster.<SCOPE_ID>.account"] (the name
Elastic Cloud style trust restrictions match), dns: ["<NAME>.<DOMAIN>"] with
--dns-domain, and the addresses given with --ip NAME=ADDR. Nodes come from --node
(repeatable), --nodes N --prefix P (P1..PN) or --from-csv FILE (columns name,dns,ip;
an optional header row names them, e.g. hostname;ip; separated by ',', ';' or tabs).
--out - prints the file instead of writing it.
"""

CHECK_HELP = """\
Validate an instances file as certkit cert will read it: exit 0 when it is usable
(warnings on stderr), 2 with one error line naming the entry otherwise.
"""


def register(app: typer.Typer) -> None:
    """Add ``certkit instances generate|check`` to the root app."""
    instances_app = typer.Typer(
        name="instances",
        help="Plan node names: write and validate certutil-compatible instances files.",
        no_args_is_help=True,
    )
    instances_app.command("generate", help=GENERATE_HELP)(generate)
    instances_app.command("check", help=CHECK_HELP)(check)
    app.add_typer(instances_app, name="instances")


def generate(
    cluster_id: str = typer.Option(..., "--cluster-id", metavar="ID", help="The cluster id in the node names."),
    scope_id: str = typer.Option(..., "--scope-id", metavar="SCOPE",
                                 help="The scope (organization / environment id) in the node names."),
    node: Optional[list[str]] = typer.Option(None, "--node", metavar="NAME", help="A node name. Repeatable."),
    nodes: Optional[int] = typer.Option(None, "--nodes", metavar="N", help="Make N nodes named PREFIX1..PREFIXN."),
    prefix: str = typer.Option("node", "--prefix", help="Name prefix for --nodes."),
    from_csv: Optional[Path] = typer.Option(None, "--from-csv", metavar="FILE",
                                            help="Inventory CSV: name,dns,ip (a header row may name and order them; ',', ';' or tab)."),
    dns_domain: Optional[str] = typer.Option(None, "--dns-domain", metavar="DOMAIN",
                                             help="Add the DNS name <node>.<DOMAIN> to every node."),
    ip: Optional[list[str]] = typer.Option(None, "--ip", metavar="NAME=ADDR",
                                           help="An IP address of a node. Repeatable."),
    out: str = typer.Option("instances.yaml", "--out", help="Where to write the file ('-' for stdout)."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
    as_json: bool = typer.Option(
        False, "--json",
        help="Print only a JSON document on stdout: the file written, its instances (name, filename, cn, dns, "
             "ip) and the warnings."),
) -> None:
    from certkit.errors import UsageError
    from certkit.io import ensure_absent, write_file
    from certkit.plan import InventoryRow, dump_instances, generate_instances, lint_instances, read_inventory_csv

    if as_json and out == "-":
        raise UsageError("--out - prints the YAML file and --json a JSON document: choose one")
    sources = sum(x is not None and x != [] for x in (node, nodes, from_csv))
    if sources != 1:
        raise UsageError("give the nodes with exactly one of --node NAME, --nodes N or --from-csv FILE")
    if out != "-":
        ensure_absent(Path(out), force)
    rows: list[InventoryRow | str]
    if from_csv is not None:
        rows = list(read_inventory_csv(from_csv))
    elif nodes is not None:
        if not 1 <= nodes <= 100_000:
            raise UsageError(f"--nodes must be between 1 and 100000, not {nodes}")
        rows = [f"{prefix}{number}" for number in range(1, nodes + 1)]
    else:
        rows = list(node or [])
    extra_ips: dict[str, list[str]] = {}
    for item in ip or []:
        name, equals, address = item.partition("=")
        if not equals or not name or not address:
            raise UsageError(f"--ip {item!r} must be NAME=ADDRESS (e.g. --ip node1=10.0.0.1)")
        extra_ips.setdefault(name, []).append(address)
    instances = generate_instances(cluster_id, scope_id, rows, dns_domain=dns_domain, extra_ips=extra_ips)
    comment = (f"Nodes of cluster {cluster_id} in scope {scope_id}, written by certkit instances generate.\n"
               "Next: certkit cert --ca CA.p12 --in THIS_FILE")
    text = dump_instances(instances, comment=comment)
    findings = lint_instances(instances)
    warn_all(findings)
    if out == "-":
        typer.echo(text, nl=False)
        return
    write_file(Path(out), text.encode("utf-8"), force=force)
    if as_json:
        emit_json(_instances_document(out, instances, findings))
        return
    info(f"wrote {out}: {len(instances)} instance{'s' if len(instances) != 1 else ''} "
         f"(cn *.node.{cluster_id}.cluster.{scope_id}.account)")


def check(
    file: Path = typer.Argument(..., metavar="FILE", help="The instances file (instances.yml)."),
    as_json: bool = typer.Option(False, "--json", help="Print only a JSON document on stdout: the file, its "
                                 "instances (name, filename, cn, dns, ip) and the warnings."),
) -> None:
    from certkit.plan import check_instances

    instances, findings = check_instances(file)
    if as_json:
        emit_json({"file": str(file), "valid": True, **_instances_document(file, instances, findings)})
        return
    warn_all(findings)
    from certkit.io.terminal import visible

    for instance in instances:
        names = [*(f"cn:{v}" for v in instance.cn), *(f"dns:{v}" for v in instance.dns), *(f"ip:{v}" for v in instance.ip)]
        folder = f" -> {instance.filename}/" if instance.filename != instance.name else ""
        typer.echo(visible(f"{instance.name}{folder}  {', '.join(names) if names else '(no SANs)'}"))
    count = len(instances)
    typer.echo(f"{visible(file)}: {count} instance{'s' if count != 1 else ''}, valid"
               + (f", {len(findings)} warning{'s' if len(findings) != 1 else ''}" if findings else ""))


def _instances_document(file, instances, findings) -> dict:
    """The instances of ``file`` and the warnings about them, as ``--json`` prints them."""
    return {
        "file": str(file),
        "instances": [
            {"name": i.name, "filename": i.filename, "cn": list(i.cn), "dns": list(i.dns), "ip": list(i.ip)}
            for i in instances
        ],
        "warnings": [{"where": f.where, "message": f.message} for f in findings],
    }
