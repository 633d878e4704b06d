"""certkit preflight: will these two clusters connect, and will only the right nodes get in?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

PREFLIGHT_HELP = """\
Check what Elasticsearch checks at start-up and at the handshake, in both directions: the
settings load, the files open, key and certificate match, names planned = names issued,
nothing expires soon, our nodes chain to the CA the remote side trusts and its
restrictions admit them (and not an outsider), the remote nodes chain to our CAs and our
restrictions admit them, the server_name is in their certificates.

The local side: --settings elasticsearch.yml (paths relative to --config-dir, default its
folder), or --in instances.yml with --bundle DIR (the certkit cert folder; trust: the
bundle's ca/ca.crt plus --ca, restrictions --restrictions). The remote side: --remote-ca
(signed its nodes), --remote-trusted-ca and --remote-restrictions (what it judges ours
with), or --cloud-trust (a Cloud deployment's trust JSON); --remote-cert (its nodes).

Exit status: 0 every check ok (or a warning), 1 a check FAILs, 2 bad input.
"""


def register(app: typer.Typer) -> None:
    app.command("preflight", help=PREFLIGHT_HELP)(preflight)


def preflight(
    settings: Optional[Path] = typer.Option(None, "--settings", metavar="elasticsearch.yml",
                                            help="The local node's elasticsearch.yml (or a fragment of it)."),
    config_dir: Optional[Path] = typer.Option(None, "--config-dir", metavar="DIR",
                                              help="Where the paths of --settings resolve (default: its folder)."),
    instances: Optional[Path] = typer.Option(None, "--in", metavar="instances.yaml",
                                             help="The plan: names planned = names issued; with --bundle, the nodes."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", metavar="DIR",
                                          help="The certkit cert output folder of the plan's nodes."),
    ca: Optional[list[Path]] = typer.Option(None, "--ca", metavar="CA.pem",
                                            help="With --bundle: more CAs our nodes trust (the remote CA). Repeatable."),
    restrictions: Optional[Path] = typer.Option(None, "--restrictions", metavar="trust.yml",
                                                help="With --bundle: our trust restrictions file."),
    remote_ca: Optional[list[Path]] = typer.Option(
        None, "--remote-ca", metavar="CA.pem", help="The CA that signed the remote nodes. Repeatable."),
    remote_trusted_ca: Optional[list[Path]] = typer.Option(
        None, "--remote-trusted-ca", metavar="CA.pem", help="The CAs the remote side trusts. Repeatable."),
    remote_restrictions: Optional[Path] = typer.Option(
        None, "--remote-restrictions", metavar="trust.yml", help="The remote side's trust restrictions file."),
    cloud_trust: Optional[Path] = typer.Option(
        None, "--cloud-trust", metavar="trust.json",
        help="A Cloud deployment's trust JSON (what it trusts: CAs and node names)."),
    remote_cert: Optional[list[Path]] = typer.Option(
        None, "--remote-cert", metavar="NODE.crt", help="A remote node certificate. Repeatable."),
    server_name: Optional[str] = typer.Option(None, "--server-name", metavar="HOST",
                                              help="The server_name the remote cluster is reached by."),
    expires_within: str = typer.Option("30d", "--expires-within", metavar="DURATION",
                                       help="Warn about certificates expiring within this (e.g. 30d, 12h, 2w)."),
    es_version: Optional[str] = typer.Option(None, "--es-version", metavar="X.Y",
                                             help="The Elasticsearch release line (its bundled JDK and Lucene)."),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME",
                                     help="Check as of this ISO 8601 time (e.g. 2027-01-15T00:00:00Z) instead of now."),
    pass_file: Optional[Path] = typer.Option(None, "--pass-file", metavar="FILE",
                                             help="Read the keystore / key password from FILE."),
    pass_literal: Optional[str] = typer.Option(None, "--pass",
                                               help="Keystore / key password (prefer --pass-file or CERTKIT_PASS)."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON report on stdout."),
    junit: Optional[Path] = typer.Option(None, "--junit", metavar="FILE", help="Also write a JUnit XML report."),
    force: bool = typer.Option(False, "--force", help="Replace --junit if it exists."),
) -> None:
    from certkit.audit import CHECK_FAILED, parse_expires_within, run_preflight
    from certkit.cli import _secrets as secrets
    from certkit.cli._common import emit_json, es_target_option, parse_validation_time
    from certkit.io import ensure_absent
    from certkit.io.terminal import visible

    window = parse_expires_within(expires_within, units="dhw")
    target = es_target_option(es_version)
    validation_time = parse_validation_time(at)
    if junit is not None:
        ensure_absent(junit, force)
    nodes, plan = _local_nodes(settings, config_dir, instances, bundle, list(ca or []), restrictions)
    remote = _remote_side(list(remote_ca or []), list(remote_trusted_ca or []), remote_restrictions, cloud_trust,
                          list(remote_cert or []), target.lucene)
    password = secrets.resolve_secret(secrets.PASS, literal=pass_literal, file=pass_file, prompt=False)
    checks = run_preflight(nodes, remote, target=target, password=password, plan=plan, expires_within=window,
                           server_name=server_name, now=validation_time)
    if junit is not None:
        from certkit.io import write_file

        write_file(junit, _junit_xml(checks), force=force)
    if as_json:
        emit_json({"checks": [check.to_json() for check in checks],
                   "failed": sum(check.status == CHECK_FAILED for check in checks)})
    else:
        for check in checks:
            line = f"{check.status:8} {check.title}"
            if check.reason:
                line += f": {check.reason}"
            if check.fix and check.status not in ("ok",):
                line += f" (fix: {check.fix})"
            typer.echo(visible(line))
    if any(check.status == CHECK_FAILED for check in checks):
        raise typer.Exit(1)


def _local_nodes(settings, config_dir, instances, bundle, cas, restrictions):
    from certkit.audit import LocalNode, flat_settings, plan_nodes
    from certkit.errors import UsageError
    from certkit.io import load_yaml, read_bounded
    from certkit.plan import load_instances

    plan = load_instances(instances) if instances is not None else None
    if (settings is None) == (bundle is None):
        raise UsageError("give the local nodes as --settings elasticsearch.yml or as --in instances.yml --bundle DIR")
    if bundle is not None:
        if plan is None:
            raise UsageError("--bundle needs the plan that made it: add --in instances.yml")
        if not bundle.is_dir():
            raise UsageError(f"--bundle {bundle} is not a folder")
        return plan_nodes(plan, bundle, cas=cas, restrictions=restrictions), plan
    if cas or restrictions is not None:
        raise UsageError("--ca and --restrictions go with --bundle; --settings names its own")
    assert settings is not None
    tree = load_yaml(read_bounded(settings, "the settings file"), str(settings))
    flat = flat_settings(tree, str(settings))
    node_name = str(flat.get("node.name") or settings.stem)
    if plan is not None and len(plan) == 1:
        node_name = plan[0].name
    return [LocalNode(node_name, flat, config_dir or settings.parent)], plan


def _remote_side(remote_ca, remote_trusted_ca, remote_restrictions, cloud_trust, remote_cert, lucene):
    from certkit.audit import RemoteSide, cloud_trust_side, load_restrictions
    from certkit.errors import UsageError
    from certkit.io import load_certificates, read_bounded, read_certificate_file
    from certkit.patterns import compiling_for

    def certificates(paths):
        return [c for path in paths for c in load_certificates(read_certificate_file(path), str(path))]

    remote = RemoteSide(signing_cas=certificates(remote_ca), trusted_cas=certificates(remote_trusted_ca),
                        nodes=[certificates([path])[0] for path in remote_cert])
    if cloud_trust is not None:
        if remote_trusted_ca or remote_restrictions is not None:
            raise UsageError("--cloud-trust says what the deployment trusts: drop --remote-trusted-ca and "
                             "--remote-restrictions")
        remote.trusted_cas, remote.restrictions = cloud_trust_side(
            read_bounded(cloud_trust, "the Cloud trust JSON"), str(cloud_trust), lucene)
        remote.cloud = True
    elif remote_restrictions is not None:
        with compiling_for(lucene):
            remote.restrictions = load_restrictions(remote_restrictions)
    return remote


def _junit_xml(checks) -> bytes:
    """JUnit XML: one testsuite, one testcase per check; FAIL is a <failure>, skipped a <skipped>."""
    import xml.etree.ElementTree as ElementTree

    from certkit.audit import CHECK_FAILED, CHECK_SKIPPED

    suite = ElementTree.Element("testsuite", name="certkit preflight", tests=str(len(checks)),
                                failures=str(sum(c.status == CHECK_FAILED for c in checks)), errors="0",
                                skipped=str(sum(c.status == CHECK_SKIPPED for c in checks)))
    for check in checks:
        case = ElementTree.SubElement(suite, "testcase", classname="certkit.preflight", name=check.id)
        if check.status == CHECK_FAILED:
            failure = ElementTree.SubElement(case, "failure", message=check.reason, type="FAIL")
            failure.text = f"{check.title}: {check.reason}\nfix: {check.fix}"
        elif check.status == CHECK_SKIPPED:
            ElementTree.SubElement(case, "skipped", message=check.reason)
        elif check.reason:
            ElementTree.SubElement(case, "system-out").text = f"warning: {check.reason}"
    return ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True) + b"\n"
