"""certkit demo: the whole first mile in one command, in a fresh folder.

A sequence of small steps, each printing what it made as it goes: a CA, an instances file
for three nodes of an example Cloud-style cluster, their certificate bundle, a trust
restrictions file admitting that cluster, a certificate of a node of another cluster (an
outsider, to show a rejection), and an audit of all of them as Elasticsearch would judge
them. Steps are plain functions over a shared :class:`DemoContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

DEMO_HELP = """\
Try certkit end to end in a fresh folder (default ./certkit-demo): make a CA, an
instances file for three nodes of an example cluster, their certificate bundle, a trust
restrictions file for the cluster, and audit the bundle (plus one outsider certificate)
against it as Elasticsearch would; then print the next commands to run. Refuses a
non-empty folder unless --force.
"""

# The example cluster: Cloud-style ids (a 32-hex cluster id, a numeric organization id).
EXAMPLE_CLUSTER_ID = "0123456789abcdef0123456789abcdef"
EXAMPLE_SCOPE_ID = "1053523734"
EXAMPLE_NODES = ("es01", "es02", "es03")
EXAMPLE_DNS_DOMAIN = "es.example.internal"
# A node of another cluster of the same organization, signed by the same CA: the chain is
# fine, so only the trust restrictions keep it out.
OUTSIDER_CLUSTER_ID = "fedcba9876543210fedcba9876543210"
OUTSIDER_NODE = "intruder"


@dataclass
class DemoContext:
    """What the steps share: the folder and what earlier steps produced."""

    folder: Path
    say: Callable[[str], None]
    ca: Any = None  # certkit.issue.ca.CertificateAuthority
    instances: list[Any] = field(default_factory=list)
    made: list[Path] = field(default_factory=list)
    force: bool = False  # replace the demo's own earlier files (demo_members() only)
    as_json: bool = False  # the audit step prints restrictions check's JSON document

    def path(self, name: str) -> Path:
        return self.folder / name

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)


def step_ca(context: DemoContext) -> None:
    """Create a CA and keep it as PEM (ca/ca.crt + ca/ca.key), as users who bring their own have it."""
    from certkit.io import write_tree
    from certkit.issue import ca_pem_files, create_ca

    context.ca = create_ca("CN=certkit demo CA")
    folder = context.path("ca")
    # ca_pem_files names them ca/ca.crt + ca/ca.key; the folder itself is ca/ here.
    files = {name.split("/", 1)[1]: data for name, data in ca_pem_files(context.ca, None).items()}
    write_tree(folder, files, force=context.force)
    context.made += [folder / "ca.crt", folder / "ca.key"]
    context.say(f"1. CA            {context.relative(folder)}/ca.crt + ca.key   ({context.ca.certificate.subject.rfc4514_string()})")


def step_instances(context: DemoContext) -> None:
    """Plan three nodes of the example cluster, named as Elastic Cloud names its nodes."""
    from certkit.io import write_file
    from certkit.plan import dump_instances, generate_instances

    context.instances = generate_instances(EXAMPLE_CLUSTER_ID, EXAMPLE_SCOPE_ID, list(EXAMPLE_NODES),
                                           dns_domain=EXAMPLE_DNS_DOMAIN)
    path = context.path("instances.yaml")
    comment = (f"Example: three nodes of cluster {EXAMPLE_CLUSTER_ID} in scope {EXAMPLE_SCOPE_ID}.\n"
               "Made by certkit demo; certkit instances generate writes files like this.")
    write_file(path, dump_instances(context.instances, comment=comment).encode("utf-8"), force=context.force)
    context.made.append(path)
    context.say(f"2. instances     {context.relative(path)}   ({', '.join(i.name for i in context.instances)}; "
                f"cn <node>.node.{EXAMPLE_CLUSTER_ID[:8]}….cluster.{EXAMPLE_SCOPE_ID}.account)")


def step_bundle(context: DemoContext) -> None:
    """Issue the node certificates into a bundle folder of PKCS#12 keystores."""
    from certkit.io import write_bundle
    from certkit.issue import bundle_files, issue_all, packaging_for

    packaging = packaging_for(context.ca, pem=False, password="")
    issued = issue_all(context.ca, context.instances, package=packaging)
    path = context.path("certificate-bundle")
    write_bundle(path, bundle_files(issued, context.ca, pem=False, password=""), force=context.force)
    context.made.append(path)
    context.say(f"3. certificates  {context.relative(path)}/   (ca/ca.crt, "
                + ", ".join(f"{i.filename}/{i.filename}.p12" for i in context.instances) + "; empty keystore password)")


def step_restrictions(context: DemoContext) -> None:
    """Write the trust restrictions file that admits every node of the example cluster."""
    from certkit.audit import cluster_pattern, write_restrictions

    pattern = cluster_pattern(EXAMPLE_CLUSTER_ID, EXAMPLE_SCOPE_ID)
    path = context.path("trust.yml")
    write_restrictions(path, [pattern], header="Made by certkit demo (certkit restrictions generate --cluster-id ...).",
                       force=context.force)
    context.made.append(path)
    context.say(f"4. restrictions  {context.relative(path)}   (trust.subject_name: \"{pattern.pattern}\")")


def step_outsider(context: DemoContext) -> None:
    """Issue one certificate for a node of another cluster, from the same CA."""
    from certkit.io import write_file
    from certkit.issue import issue_certificate
    from certkit.plan import format_node_name, make_instance

    name = format_node_name(OUTSIDER_NODE, OUTSIDER_CLUSTER_ID, EXAMPLE_SCOPE_ID)
    outsider = issue_certificate(context.ca, make_instance(OUTSIDER_NODE, cn=[name]), key_type="ec")
    path = context.path("outsider.crt")
    write_file(path, outsider.certificate.public_bytes(_pem_encoding()), force=context.force)
    context.made.append(path)
    context.say(f"5. outsider      {context.relative(path)}   (same CA, cn {name[:24]}…; no key kept)")


def _pem_encoding():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.PEM


def step_audit(context: DemoContext) -> None:
    """Judge the bundle and the outsider as a node would (chain first, then the restrictions),
    and report it exactly as ``certkit restrictions check ... --all`` (or ``--json``) does."""
    from certkit.audit import (
        Audit,
        HumanReport,
        JsonReport,
        RestrictionChecker,
        load_restrictions,
        parse_expires_within,
    )
    from certkit.cli._common import warn
    from certkit.cli.restrictions import (  # the one rendering of a check
        DEFAULT_EXPIRES_WITHIN,
        _check_human,
        _check_json,
    )
    from certkit.io import read_certificates
    from certkit.jdk import DEFAULT_FIELDS

    anchors = [item.certificate for item in read_certificates([str(context.path("ca/ca.crt"))])]
    restrictions = load_restrictions(context.path("trust.yml"))
    checker = RestrictionChecker(restrictions, anchors=anchors, record_matches=True,
                                 expires_within=parse_expires_within(DEFAULT_EXPIRES_WITHIN))
    sources = [context.relative(context.path("certificate-bundle")), context.relative(context.path("outsider.crt"))]
    context.say("6. audit         certkit restrictions check trust.yml certificate-bundle outsider.crt "
                "--ca ca/ca.crt --all")
    renderer = JsonReport(DEFAULT_FIELDS) if context.as_json else HumanReport(show_all=True)
    audit = Audit(checker, sources, renderer, jobs=1, password=lambda: "")
    if context.as_json:
        _check_json(restrictions, DEFAULT_FIELDS, audit)
        return
    _check_human(audit, warn, DEFAULT_EXPIRES_WITHIN)
    context.say("the outsider is kept out by the restrictions, not by the CA")


STEPS: list[Callable[[DemoContext], None]] = [
    step_ca, step_instances, step_bundle, step_restrictions, step_outsider, step_audit,
]


def register(app: typer.Typer) -> None:
    """Add ``certkit demo`` to the root app."""
    app.command("demo", help=DEMO_HELP)(demo)


def demo(
    folder: Path = typer.Option(Path("certkit-demo"), "--dir", metavar="DIR", help="The folder to work in."),
    force: bool = typer.Option(False, "--force", help="Use DIR even if it is not empty (the demo's own earlier files are replaced)."),
    as_json: bool = typer.Option(
        False, "--json",
        help="Print only the audit step's JSON document on stdout (what restrictions check --json prints); the "
             "steps go to stderr."),
) -> None:
    from certkit.errors import OutputError
    from certkit.io.outputs import check_secret_target, refuse_foreign_contents

    if folder.is_symlink():
        raise OutputError(f"refusing to write the demo's keys through the symbolic link {folder}",
                          hint="give the real folder as --dir")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise OutputError(f"{folder} is not empty", hint="choose another --dir, or --force to replace certkit's files in it")
        # Other files in DIR stay; the demo's own folders are replaced only if all they
        # hold is the demo's files (a NOTES.txt in certificate-bundle/ is refused, untouched).
        members = demo_members()
        for name in ("ca", "certificate-bundle"):
            refuse_foreign_contents(folder / name, {m.split("/", 1)[1] for m in members if m.startswith(name + "/")})
    # 0755 whatever the umask: the folder will hold the CA key.
    folder.mkdir(parents=True, exist_ok=True, mode=0o755)
    check_secret_target(folder / "ca")  # a folder others may write to is refused before any key exists
    from certkit.cli._common import info

    say = info if as_json else typer.echo
    context = DemoContext(folder=folder.resolve(), say=say, force=force, as_json=as_json)
    say(f"certkit demo in {folder}/")
    for step in STEPS:
        step(context)
    if as_json:
        return
    bundle = context.relative(context.path("certificate-bundle"))
    typer.echo("")
    typer.echo("next:")
    typer.echo(f"  certkit inspect {bundle}/es01/es01.p12      # what a node presents")
    typer.echo(f"  certkit restrictions check {context.relative(context.path('trust.yml'))} {bundle} "
               f"{context.relative(context.path('outsider.crt'))} --ca {context.relative(context.path('ca/ca.crt'))} --all")
    typer.echo(f"  certkit restrictions lint {context.relative(context.path('trust.yml'))}")
    typer.echo(f"  certkit cert --ca-cert {context.relative(context.path('ca/ca.crt'))} "
               f"--ca-key {context.relative(context.path('ca/ca.key'))} --name es04 "
               f"--cn es04.node.{EXAMPLE_CLUSTER_ID}.cluster.{EXAMPLE_SCOPE_ID}.account --out es04.p12")


def demo_members() -> set[str]:
    """Every file the demo writes, relative to DIR: all that --force may replace."""
    bundle = {"ca/ca.crt", *(f"{node}/{node}.p12" for node in EXAMPLE_NODES)}
    return {"ca/ca.crt", "ca/ca.key", "instances.yaml", "trust.yml", "outsider.crt",
            *(f"certificate-bundle/{name}" for name in bundle)}
