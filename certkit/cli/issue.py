"""certkit ca / certkit cert: create a CA, issue node certificates into a bundle.

Thin: options are checked and turned into library calls (certkit.issue.ca, certkit.issue.leaf,
certkit.issue.bundle); every output goes through certkit.io.outputs. The order of work matters:
everything that can be wrong with the inputs or the output path is found before the
first key is generated, so a bad run fails in milliseconds and writes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from certkit.cli._common import KEYSTORE_PASSWORD_HELP, emit_json, info, is_terminal, warn, warn_all
from certkit.cli._node_options import (
    DnsNames,
    InstancesFile,
    IpAddresses,
    KeyJobs,
    KeySize,
    KeyType,
    NodeFolder,
    NodeName,
    OtherNameCns,
)

if TYPE_CHECKING:
    from certkit.issue import CertificateAuthority
    from certkit.model import Instance

CA_HELP = """\
Create a CA (the quick-start default; users with a CA bring their own to certkit cert).

RSA (--keysize, default 2048) or EC (--key-type ec, --keysize 256/384/521) key; critical
basicConstraints CA:TRUE and keyUsage keyCertSign+cRLSign. Written as a PKCS#12 with the
key entry aliased "ca" (certutil's elastic-stack-ca.p12), or with --pem as ca/ca.crt +
ca/ca.key in a zip or folder.

""" + KEYSTORE_PASSWORD_HELP + """ With no password and no terminal, the CA keystore gets
the empty password, and a note says so. With --pem, ca/ca.key is encrypted only when a
password is given.
"""

CERT_HELP = """\
Issue node certificates signed by your CA, laid out as elasticsearch-certutil does:
<filename>/<filename>.p12 (key entry + trusted "ca" entry: usable as both keystore and
truststore), or with --pem <filename>/<filename>.crt + .key; plus ca/ca.crt.

The CA: --ca CA.p12 (one key entry, any alias), --ca-cert CA.crt --ca-key CA.key (the key
may be encrypted), or --self-signed. The nodes: --in instances.yaml, or one node with
--name N [--dns D] [--ip A] [--cn C]. --out ending in .zip writes a zip, ending in .p12 a
single keystore (one node), anything else a folder.

""" + KEYSTORE_PASSWORD_HELP + """ With no password and no terminal, the keystores get the
empty password, and a note says so. With --pem, the .key files are encrypted only when a
password is given.
"""


def register(app: typer.Typer) -> None:
    """Add ``certkit ca`` and ``certkit cert`` to the root app."""
    app.command("ca", help=CA_HELP)(ca)
    app.command("cert", help=CERT_HELP)(_collector_resting(cert))


def _collector_resting(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` run with the garbage collector at rest (certkit._collector): a bundle's
    parse, packaging and zip make no reference cycles, and thousands of nodes' objects
    walked by every full collection cost ~25 µs a node."""
    @functools.wraps(command)
    def resting(*args: Any, **kwargs: Any) -> None:
        from certkit._collector import collector_at_rest  # when it runs: --help imports only what it shows

        with collector_at_rest():
            command(*args, **kwargs)
    return resting


# ---------------------------------------------------------------------------------------
# Shared helpers


def _key_description(key_type: str, key_size: int | None) -> str:
    from certkit.issue import curve_for_size

    if key_type == "ec":
        return f"EC {curve_for_size(key_size)}"
    return f"RSA {key_size or 2048}"


def _normalise_key_type(key_type: str) -> str:
    from certkit.errors import UsageError

    lowered = key_type.lower()
    if lowered not in ("rsa", "ec"):
        raise UsageError(f"--key-type must be rsa or ec, not {key_type!r}")
    return lowered


def _output_password(pem: bool, literal: str | None, file: Path | None, protects: str) -> str | None:
    """The password protecting the written keys: a keystore always has one ("" if none is
    given and nobody can be asked); PEM keys are encrypted only when one is given.
    ``protects`` says what, in the prompt ("the new keystore node1.p12")."""
    from certkit.cli._secrets import PASS, resolve_secret
    from certkit.issue import check_keystore_password

    if pem:
        password = resolve_secret(PASS, literal=literal, file=file, prompt=False, warn=warn)
        return password or None
    password = resolve_secret(PASS, literal=literal, file=file, prompt=True, confirm=True, warn=warn,
                              protects=protects, empty_means_none=True)
    password = password if password is not None else ""
    check_keystore_password(password)
    return password


# ---------------------------------------------------------------------------------------
# certkit ca


def ca(
    out: Optional[Path] = typer.Option(None, "--out", help="Output: elastic-stack-ca.p12 (default), or with --pem a .zip or folder."),
    pem: bool = typer.Option(False, "--pem", help="Write ca/ca.crt + ca/ca.key instead of a PKCS#12."),
    dn: str = typer.Option("CN=Elastic Certificate Tool Autogenerated CA", "--dn", help="The CA's distinguished name."),
    days: int = typer.Option(1095, "--days", help="Validity in days."),
    key_type: str = typer.Option("rsa", "--key-type", metavar="rsa|ec", help="Key algorithm."),
    keysize: KeySize = None,
    password: Optional[str] = typer.Option(None, "--pass", help="Password (prefer --pass-file or CERTKIT_PASS)."),
    pass_file: Optional[Path] = typer.Option(None, "--pass-file", metavar="FILE", help="Read the password from FILE."),
    force: bool = typer.Option(False, "--force", help="Replace the output if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Describe what was written as JSON."),
) -> None:
    from certkit.errors import UsageError
    from certkit.io import check_secret_target, ensure_absent, write_bundle, write_file
    from certkit.issue import bundle, check_days, check_key_parameters, create_ca, curve_for_size, is_zip

    key_type = _normalise_key_type(key_type)
    check_key_parameters(key_type, keysize)
    check_days(days)
    target = out or Path(bundle.DEFAULT_CA_ZIP if pem else bundle.DEFAULT_CA_P12)
    if not pem and (is_zip(target) or target.is_dir()):
        raise UsageError(f"--out {target}: a PKCS#12 CA is one file; use --pem for a zip or folder")
    ensure_absent(target, force)
    check_secret_target(target)  # a keystore, a zip or a folder: each holds the CA key
    secret = _output_password(pem, password, pass_file, f"the new CA keystore {target}")
    authority = create_ca(dn, days, key_type, keysize or 2048, curve_for_size(keysize) if key_type == "ec" else "P-256")
    if pem:
        write_bundle(target, bundle.ca_pem_files(authority, secret), force=force)
        written = [f"{target}/{name}" if not is_zip(target) else f"{target}:{name}" for name in (bundle.CA_CERT_PATH, bundle.CA_KEY_PATH)]
    else:
        write_file(target, bundle.ca_keystore(authority, secret), secret=True, force=force)
        written = [str(target)]
    certificate = authority.certificate
    if as_json:
        emit_json({
            "out": str(target), "format": "pem" if pem else "pkcs12",
            "subject": certificate.subject.rfc4514_string(),
            "serial": format(certificate.serial_number, "x"),
            "not_before": certificate.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
            "not_after": certificate.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
            "key": _key_description(key_type, keysize),
            "encrypted": bool(secret),
        })
        return
    from certkit.io.terminal import visible

    typer.echo(f"CA {visible(certificate.subject.rfc4514_string())} ({_key_description(key_type, keysize)}, "
               f"valid until {certificate.not_valid_after_utc:%Y-%m-%d})")
    for path in written:
        typer.echo(f"  wrote {path}")
    if pem and not secret:
        info("note: ca/ca.key is not encrypted (mode 0600); keep it off the nodes")
    if not pem and not secret:
        info(f"note: the CA keystore {target} has an empty password (it holds the CA key: keep it off the nodes, "
             "or give --pass-file to protect it)")
    if pem:
        next_command = f"certkit cert --ca-cert {target}/ca/ca.crt --ca-key {target}/ca/ca.key --in instances.yaml" \
            if not is_zip(target) else f"unzip {target}, then certkit cert --ca-cert ca/ca.crt --ca-key ca/ca.key --in instances.yaml"
    else:
        next_command = f"certkit cert --ca {target} --in instances.yaml"
    typer.echo(f"next: {next_command}")


# ---------------------------------------------------------------------------------------
# certkit cert


def _instances_from_options(
    in_file: Path | None, name: str | None, filename: str | None,
    dns: list[str], ip: list[str], cn: list[str],
) -> list[Instance]:
    from certkit.errors import UsageError
    from certkit.plan import load_instances, make_instance, scope_findings

    if (in_file is None) == (name is None):
        raise UsageError("give the nodes with exactly one of --in instances.yaml or --name NAME")
    if in_file is not None:
        if dns or ip or cn or filename:
            raise UsageError("--dns, --ip, --cn and --filename describe a --name node; with --in they come from the file")
        instances = load_instances(in_file)
    else:
        assert name is not None  # exactly one of in_file and name, checked above
        instances = [make_instance(name, filename=filename, dns=dns, ip=ip, cn=cn, where=f"--name {name}")]
    warn_all(scope_findings(instances))  # ids Cloud cannot trust by scope: said before issuing
    return instances


def _load_authority(
    ca_p12: Path | None, ca_cert: Path | None, ca_key: Path | None, self_signed: bool,
    ca_pass: str | None, ca_pass_file: Path | None,
) -> CertificateAuthority | None:
    from certkit.cli._secrets import CA_PASS, resolve_secret
    from certkit.issue import check_ca_choice, choose_ca

    check_ca_choice(ca_p12=ca_p12, ca_cert=ca_cert, ca_key=ca_key, self_signed=self_signed,
                    password_given=ca_pass is not None or ca_pass_file is not None)
    if self_signed:
        return None
    given = resolve_secret(CA_PASS, literal=ca_pass, file=ca_pass_file, prompt=False, warn=warn)

    def ask() -> str | None:  # only when the CA turns out to be encrypted
        return resolve_secret(CA_PASS, prompt=True, warn=warn, protects=f"the CA {ca_p12 or ca_key}")

    return choose_ca(ca_p12=ca_p12, ca_cert=ca_cert, ca_key=ca_key, password=given if given is not None else ask)


def _san_text(instance: Instance) -> str:
    parts = [f"otherName:CN={v}" for v in instance.cn] + [f"DNS:{v}" for v in instance.dns] + [f"IP:{v}" for v in instance.ip]
    return ", ".join(parts) if parts else "(none)"


def _print_plan(document: dict[str, Any]) -> None:
    from certkit.io.terminal import visible

    signer = f"signed by {visible(document['ca'])}" if document["ca"] else "self-signed"
    count = len(document["certificates"])
    typer.echo(f"{count} certificate{'s' if count != 1 else ''}, {signer}")
    typer.echo(f"  validity {document['not_before']} .. {document['not_after']}, key {document['key']}, SHA-256")
    typer.echo(f"  output {visible(document['out'])} ({document['layout']}, {document['format']})")
    for path in document["files"]:
        typer.echo(f"    {path}")
    for entry in document["certificates"]:
        typer.echo(f"    {', '.join(entry['files'])}")
        typer.echo(f"      subject {visible(entry['subject'])}")
        names = entry["names"]
        parts = ([f"otherName:CN={v}" for v in names["otherName.commonName"]] + [f"DNS:{v}" for v in names["dnsName"]]
                 + [f"IP:{v}" for v in names["ipAddress"]])
        typer.echo(f"      SAN {visible(', '.join(parts)) if parts else '(none)'}")


class _ProgressBar:
    """A rich progress bar on stderr, only when stderr is a terminal and the run is long.

    It starts at the first finished certificate, not before: rich refreshes from a thread,
    and the issuing workers are best forked while this process still has only one.
    """

    def __init__(self, total: int) -> None:
        self._progress = None
        self._started = False
        if total > 1 and is_terminal():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("issuing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._task = self._progress.add_task("issuing", total=total)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None and self._started:
            self._progress.stop()

    def __call__(self, done: int, total: int) -> None:
        if self._progress is not None:
            if not self._started:
                self._progress.start()
                self._started = True
            self._progress.update(self._task, completed=done)


def cert(
    ca_p12: Optional[Path] = typer.Option(None, "--ca", metavar="CA.p12", help="The CA as PKCS#12 (exactly one key entry)."),
    ca_cert: Optional[Path] = typer.Option(None, "--ca-cert", metavar="CA.crt", help="The CA certificate (PEM or DER)."),
    ca_key: Optional[Path] = typer.Option(None, "--ca-key", metavar="CA.key", help="The CA private key (PEM, may be encrypted)."),
    self_signed: bool = typer.Option(False, "--self-signed", help="No CA: each certificate signs itself."),
    ca_pass: Optional[str] = typer.Option(None, "--ca-pass", help="CA password (prefer --ca-pass-file or CERTKIT_CA_PASS)."),
    ca_pass_file: Optional[Path] = typer.Option(None, "--ca-pass-file", metavar="FILE", help="Read the CA password from FILE."),
    in_file: InstancesFile = None,
    name: NodeName = None,
    filename: NodeFolder = None,
    dns: DnsNames = None,
    ip: IpAddresses = None,
    cn: OtherNameCns = None,
    out: Optional[Path] = typer.Option(None, "--out", help="certificate-bundle.zip (default), a folder, or NODE.p12 for one node."),
    pem: bool = typer.Option(False, "--pem", help="PEM .crt + .key instead of PKCS#12."),
    password: Optional[str] = typer.Option(None, "--pass", help="Keystore / key password (prefer --pass-file or CERTKIT_PASS)."),
    pass_file: Optional[Path] = typer.Option(None, "--pass-file", metavar="FILE", help="Read the keystore / key password from FILE."),
    legacy: bool = typer.Option(False, "--legacy", help="PKCS#12 with 3DES/SHA-1 for JDK 8 era readers."),
    days: int = typer.Option(1095, "--days", help="Validity in days."),
    key_type: KeyType = "rsa",
    keysize: KeySize = None,
    jobs: KeyJobs = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; generate and write nothing."),
    force: bool = typer.Option(False, "--force", help="Replace the output if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan / the result as JSON."),
    allow_weak_ca: bool = typer.Option(
        False, "--allow-weak-ca",
        help="Sign even with a weak CA (RSA under 2048 bits, a curve under 256 bits, a SHA-1/MD5 signed CA certificate)."),
) -> None:
    from certkit.errors import UsageError
    from certkit.io import OutputFile, check_secret_target, ensure_absent, write_bundle, write_file
    from certkit.issue import (
        Validity,
        bundle,
        check_fit_to_sign,
        check_key_parameters,
        is_keystore_file,
        issue_all,
        plan_document,
    )

    # 1. Everything about the command line and the plan, before any file is read.
    key_type = _normalise_key_type(key_type)
    check_key_parameters(key_type, keysize)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    if legacy and pem:
        raise UsageError("--legacy is about PKCS#12 encryption; it makes no sense with --pem")
    validity = Validity.starting_now(days)
    instances = _instances_from_options(in_file, name, filename, list(dns or []), list(ip or []), list(cn or []))
    target = out or Path(bundle.DEFAULT_BUNDLE)
    single = is_keystore_file(target)
    if single and (pem or len(instances) != 1):
        raise UsageError(f"--out {target} is one keystore: it holds exactly one node and no --pem",
                         hint="use a .zip or a folder for a bundle")

    # 2. The output must not exist, and must be a safe place for keys.
    ensure_absent(target, force)
    check_secret_target(target)  # every layout holds node keys: refuse an unsafe place before any key is made

    # 3. The CA: readable, and fit to sign certificates valid until the requested end.
    authority = _load_authority(ca_p12, ca_cert, ca_key, self_signed, ca_pass, ca_pass_file)
    if authority is not None:
        warn_all(check_fit_to_sign(authority, validity.not_after, allow_weak=allow_weak_ca))
    key = _key_description(key_type, keysize)

    if dry_run:
        document = plan_document(authority, instances, validity, key, target, pem, single, None)
        if as_json:
            emit_json(document)
        else:
            _print_plan(document)
            typer.echo("dry run: nothing generated, nothing written")
        return

    # 4. Work: keys + certificates (+ keystores, encrypted in the same worker processes).
    secret = _output_password(pem, password, pass_file,
                              f"the new keystore {target}" if single else f"the new keystores in {target}")
    packaging = bundle.packaging_for(authority, pem=pem, password=secret, legacy=legacy)
    with _ProgressBar(len(instances)) as progress:
        issued = issue_all(
            authority, instances, key_type=key_type, key_size=keysize, jobs=jobs,
            progress=progress, validity=validity, package=None if single else packaging,
        )

    # 5. One atomic write.
    if single:
        write_file(target, bundle.node_keystore(issued[0], packaging), secret=True, force=force)
    else:
        files: dict[str, OutputFile] = bundle.bundle_files(issued, authority, pem=pem, password=secret, legacy=legacy)
        write_bundle(target, files, force=force)

    document = plan_document(authority, instances, validity, key, target, pem, single, issued)
    if as_json:
        emit_json(document)
        return
    from certkit.io.terminal import visible

    count = len(issued)
    signer = f"signed by {visible(document['ca'])}" if authority else "self-signed"
    typer.echo(f"wrote {visible(target)}: {count} certificate{'s' if count != 1 else ''} ({document['format']}), {signer}, "
               f"valid until {validity.not_after:%Y-%m-%d}")
    # One write for every line: a bundle of 2,000 nodes printed them one echo at a time.
    lines = [f"  {entry}" for entry in document["files"]]
    lines += [f"  {', '.join(entry['files'])}  {visible(_san_text(instance))}"
              for instance, entry in zip(instances, document["certificates"], strict=False)]
    if lines:
        typer.echo("\n".join(lines))
    if pem and not secret:
        info("note: the .key files are not encrypted (mode 0600); pass --pass-file to encrypt them")
    if not pem and not secret:
        info("note: the keystores have an empty password; Elasticsearch's default keystore.secure_password is empty too")
