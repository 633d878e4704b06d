"""certkit csr / certkit bundle: node keys and requests for an external CA, and the way back.

Thin: options become calls to :mod:`certkit.issue.csr`; outputs go through
:mod:`certkit.io.outputs` (all or nothing, keys 0600 from the first byte). As in
``certkit cert``, everything that can be wrong with the inputs or the output is found
before the first key is generated or the first file written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from certkit.cli._common import emit_json, info, is_terminal, warn
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

CSR_HELP = """\
Make each node's private key and certificate signing request (PKCS#10, PEM) for a CA that
certkit cannot hold (an HSM, Vault, a corporate PKI), as elasticsearch-certutil csr does:
<filename>/<filename>.csr + <filename>/<filename>.key in a zip (default csr-bundle.zip) or
a folder. Each request asks for what certkit cert would issue: subject CN=<name>, the
otherName (2.5.4.3), DNS and IP SANs, keyUsage, extendedKeyUsage serverAuth + clientAuth.
Keep the folder: certkit bundle reads the keys and the planned names from it.
"""

BUNDLE_HELP = """\
Assemble the certificates your CA signed with the keys certkit csr kept into the usual
bundle: <filename>/<filename>.p12 (key entry + trusted "ca" entry) or with --pem .crt + .key,
plus ca/ca.crt. Each certificate must be for its node's key and hold the planned DNS and IP
names (one error per mismatch, exit 2, nothing written); a certificate whose CA dropped the
otherName is used with a warning (trust restrictions would not see the node name).
"""


def register(app: typer.Typer) -> None:
    """Add ``certkit csr`` and ``certkit bundle`` to the root app."""
    app.command("csr", help=CSR_HELP)(csr)
    app.command("bundle", help=BUNDLE_HELP)(bundle)


def _names_text(cns, dns, ips) -> str:
    parts = [f"otherName:CN={v}" for v in cns] + [f"DNS:{v}" for v in dns] + [f"IP:{v}" for v in ips]
    return ", ".join(parts) if parts else "(no SAN)"


def _names_document(cns, dns, ips) -> dict:
    return {"otherName.commonName": list(cns), "dnsName": list(dns), "ipAddress": list(ips)}


def _bundle_entry(issued, pem: bool) -> dict:
    from cryptography.hazmat.primitives.serialization import Encoding

    from certkit.jdk.names import read_names

    folder = issued.instance.filename
    names = read_names(issued.certificate.public_bytes(Encoding.DER))
    return {"files": [f"{folder}/{folder}.crt", f"{folder}/{folder}.key"] if pem else [f"{folder}/{folder}.p12"],
            "subject": issued.certificate.subject.rfc4514_string(),
            "names": _names_document(names.other_name_cns, names.dns_names, names.ip_addresses)}


def csr(
    in_file: InstancesFile = None,
    name: NodeName = None,
    filename: NodeFolder = None,
    dns: DnsNames = None,
    ip: IpAddresses = None,
    cn: OtherNameCns = None,
    out: Optional[Path] = typer.Option(None, "--out", help="csr-bundle.zip (default) or a folder."),
    key_type: KeyType = "rsa",
    keysize: KeySize = None,
    pass_file: Optional[Path] = typer.Option(None, "--pass-file", metavar="FILE",
                                             help="Encrypt the keys with the password in FILE (also $CERTKIT_PASS)."),
    jobs: KeyJobs = None,
    force: bool = typer.Option(False, "--force", help="Replace the output if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print only a JSON document on stdout: the output, the key "
                                 "type, and each node's files and names."),
) -> None:
    from certkit.cli._secrets import PASS, resolve_secret
    from certkit.cli.issue import _instances_from_options  # the same --in / --name rules as cert
    from certkit.errors import UsageError
    from certkit.io.outputs import check_secret_target, ensure_absent, write_bundle
    from certkit.issue.ca import check_key_parameters, curve_for_size
    from certkit.issue.csr import DEFAULT_CSR_BUNDLE, csr_files, csr_paths

    key_type = key_type.lower()
    check_key_parameters(key_type, keysize)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    instances = _instances_from_options(in_file, name, filename, list(dns or []), list(ip or []), list(cn or []))
    target = out or Path(DEFAULT_CSR_BUNDLE)
    ensure_absent(target, force)
    check_secret_target(target)  # it holds every node's key
    password = resolve_secret(PASS, file=pass_file, prompt=False, warn=warn) or None

    files = csr_files(instances, key_type=key_type, key_size=keysize, password=password, jobs=jobs,
                      progress=_progress_note(len(instances)))
    write_bundle(target, files, force=force)

    key = f"EC {curve_for_size(keysize)}" if key_type == "ec" else f"RSA {keysize or 2048}"
    if as_json:
        emit_json({"out": str(target), "key": key, "encrypted": bool(password), "requests": [
            {"files": list(csr_paths(i)), "names": _names_document(i.cn, i.dns, i.ip)} for i in instances]})
        return
    count = len(instances)
    typer.echo(f"wrote {target}: {count} request{'s' if count != 1 else ''} and key{'s' if count != 1 else ''} ({key})")
    for instance in instances:
        typer.echo(f"  {', '.join(csr_paths(instance))}  {_names_text(instance.cn, instance.dns, instance.ip)}")
    if not password:
        info("note: the .key files are not encrypted (mode 0600); pass --pass-file to encrypt them")
    typer.echo(f"next: have your CA sign the .csr files, then certkit bundle --keys {target} --certs SIGNED --ca CA.crt")


def _progress_note(total: int):
    """A count on stderr every tenth of a large run (a terminal only): keys take a while."""
    if total < 50 or not is_terminal():
        return None
    step = max(1, total // 10)

    def note(done: int, of: int) -> None:
        if done % step == 0 or done == of:
            print(f"\r{done}/{of} keys", end="" if done < of else "\n", file=sys.stderr, flush=True)

    return note


def bundle(
    keys: Path = typer.Option(..., "--keys", metavar="DIR|ZIP", help="The folder or zip certkit csr wrote (keys + requests)."),
    certs: list[str] = typer.Option(..., "--certs", metavar="DIR|ZIP|PEM",
                                    help="The signed certificates (PEM/DER files, folders, zips; the CA's chain may be among them). Repeatable."),
    ca: Optional[Path] = typer.Option(None, "--ca", metavar="CA.pem", help="The external CA's certificate (+ its issuers)."),
    pem: bool = typer.Option(False, "--pem", help="PEM .crt + .key instead of PKCS#12."),
    out: Optional[Path] = typer.Option(None, "--out", help="certificate-bundle.zip (default) or a folder."),
    pass_file: Optional[Path] = typer.Option(None, "--pass-file", metavar="FILE",
                                             help="Password of the kept keys (if encrypted) and of the written "
                                                  "keystores / keys (also $CERTKIT_PASS)."),
    force: bool = typer.Option(False, "--force", help="Replace the output if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print only a JSON document on stdout: the output, its "
                                 "format, the signing CA, and each node's files and names."),
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from certkit.cli._secrets import PASS, resolve_secret
    from certkit.errors import UsageError
    from certkit.io.certificates import load_certificates
    from certkit.io.inputs import read_bounded
    from certkit.io.outputs import check_secret_target, ensure_absent, write_bundle
    from certkit.io.sources import read_certificates, require_sources
    from certkit.issue.bundle import DEFAULT_BUNDLE
    from certkit.issue.csr import assemble, bundle_files, is_ca_certificate, read_kept_nodes
    from certkit.jdk.names import read_names

    target = out or Path(DEFAULT_BUNDLE)
    ensure_absent(target, force)
    check_secret_target(target)
    given = resolve_secret(PASS, file=pass_file, prompt=False, warn=warn)
    nodes = read_kept_nodes(keys, given)
    require_sources(certs)
    signed = read_certificates(certs, on_note=warn)
    authorities = load_certificates(read_bounded(ca, "the CA certificate"), str(ca)) if ca is not None else []
    if not authorities and not any(is_ca_certificate(item.certificate) for item in signed):
        raise UsageError("no CA certificate: neither given nor among the signed certificates",
                         hint="give the external CA's certificate with --ca CA.pem")
    assembly = assemble(nodes, signed, authorities)
    for message in assembly.warnings:
        warn(message)
    if assembly.errors:
        for message in assembly.errors:
            print(f"error: {message}", file=sys.stderr)
        raise typer.Exit(2)

    if pem:
        password = given or None
    else:
        password = given if given is not None else resolve_secret(
            PASS, prompt=True, confirm=True, warn=warn, protects=f"the new keystores in {target}",
            empty_means_none=True)
        password = password if password is not None else ""
    write_bundle(target, bundle_files(assembly, pem=pem, password=password), force=force)

    if as_json:
        emit_json({"out": str(target), "format": "pem" if pem else "pkcs12",
                   "ca": assembly.chain[0].subject.rfc4514_string(), "encrypted": bool(password),
                   "certificates": [_bundle_entry(issued, pem) for issued in assembly.issued]})
        return
    count = len(assembly.issued)
    typer.echo(f"wrote {target}: {count} certificate{'s' if count != 1 else ''} ({'pem' if pem else 'pkcs12'}), "
               f"signed by {assembly.chain[0].subject.rfc4514_string()}")
    typer.echo("  ca/ca.crt")
    for issued in assembly.issued:
        folder = issued.instance.filename
        files = f"{folder}/{folder}.crt, {folder}/{folder}.key" if pem else f"{folder}/{folder}.p12"
        names = read_names(issued.certificate.public_bytes(Encoding.DER))
        typer.echo(f"  {files}  {_names_text(names.other_name_cns, names.dns_names, names.ip_addresses)}")
    if pem and not password:
        info("note: the .key files are not encrypted (mode 0600); pass --pass-file to encrypt them")
    if not pem and not password:
        info("note: the keystores have an empty password; Elasticsearch's default keystore.secure_password is empty too")
