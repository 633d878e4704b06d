"""certkit convert: PKCS#12 to clean PEM, and PEM to a JDK keystore (one command, two directions).

The direction follows the arguments: with ``--key`` the input is a PEM certificate and the
output a PKCS#12 keystore; without it the input is a PKCS#12 file and the output PEM. The
work is in :mod:`certkit.keystores.reader`; this module parses, resolves the password, writes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import typer

from certkit.cli._common import KEYSTORE_PASSWORD_HELP, info, warn

_HELP = (
    "Convert PKCS#12 <-> PEM.\n\n"
    "PKCS#12 to clean PEM (no 'Bag Attributes' lines, certificates leaf first, the key as "
    "unencrypted PKCS#8 with mode 0600), for every PKCS#12 found in the wild (RC2-40 "
    "included), with errors that say what is wrong: "
    "certkit convert elastic-stack-ca.p12 --nokeys  (writes elastic-stack-ca.crt.pem); several files or a "
    "folder in one run: certkit convert certificate-bundle/  (each PEM next to its .p12)\n\n"
    "PEM to a JDK keystore (a PrivateKeyEntry plus a trustedCertEntry per --ca, as "
    "elasticsearch-certutil writes: one file for keystore.path and truststore.path): "
    "certkit convert node1.crt --key node1.key --ca ca.crt --out node1.p12\n\n"
    "PEM to PKCS#12: " + KEYSTORE_PASSWORD_HELP + " With no password and no terminal, convert stops and says "
    "how to give one (it never makes a keystore of your key without being told the password)."
)


PKCS12_SUFFIXES = (".p12", ".pfx", ".pkcs12")


def _read_input(path: Path, what: str) -> bytes:
    from certkit.io import read_bounded

    return read_bounded(path, what)


def _default_pem_name(source: Path, with_key: bool) -> Path:
    """``ca.p12`` -> ``ca.crt.pem`` (certificates only) or ``ca.pem`` (key + certificates)."""
    stem = source.name
    for suffix in PKCS12_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return source.with_name(f"{stem}.pem" if with_key else f"{stem}.crt.pem")


def _default_p12_name(certificate_path: Path) -> Path:
    """``node1.crt`` / ``node1.crt.pem`` / ``node1.pem`` -> ``node1.p12``."""
    stem = certificate_path.name
    for suffix in (".pem", ".crt", ".cer"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return certificate_path.with_name(f"{stem}.p12")


class _Password:
    """The PKCS#12 password of a run, resolved at most once: several inputs share it, and a
    prompt (only when a file needs a password and none was given) is asked only once."""

    def __init__(self, pass_literal: Optional[str], pass_file: Optional[Path]) -> None:
        from certkit.cli._secrets import PASS, resolve_secret

        self.value = resolve_secret(PASS, literal=pass_literal, file=pass_file, prompt=False)

    def load(self, data: bytes, source: str):
        """Load a PKCS#12, asking for the password only when the file needs one."""
        import sys

        from certkit.cli._secrets import PASS, resolve_secret
        from certkit.errors import PasswordError
        from certkit.keystores.reader import load_pkcs12

        try:
            return load_pkcs12(data, self.value, source=source)
        except PasswordError:
            if self.value is not None or sys.stdin is None or not sys.stdin.isatty():
                raise
        # No password given and the file needs one: ask, as docs/cli-contract.md promises on a terminal.
        self.value = resolve_secret(PASS, prompt=True, protects=source)
        return load_pkcs12(data, self.value, source=source)


@dataclass(frozen=True)
class _Selection:
    """What a PKCS#12 -> PEM conversion keeps (the --clcerts/--cacerts/--nokeys/--legacy-ok flags)."""

    clcerts: bool
    cacerts: bool
    nokeys: bool
    legacy_ok: bool


@dataclass(frozen=True)
class _PemOutput:
    """One input converted in memory, not yet written: the run writes all or none."""

    target: Optional[Path]  # None: standard output
    pem: bytes
    secret: bool
    written: str  # what the file holds, for the "wrote ..." line
    warning: Optional[str]
    source: str
    certificates: tuple[str, ...]  # the subjects written, for --json

    def document(self) -> dict:
        """This output in the ``--json`` document."""
        return {"out": str(self.target), "source": self.source, "private_key": self.secret,
                "certificates": list(self.certificates)}


def _pkcs12_inputs(paths: list[Path]) -> list[Path]:
    """The inputs, a folder standing for the PKCS#12 files in it (recursively, by name)."""
    from certkit.errors import InputError

    inputs: list[Path] = []
    for path in paths:
        if not path.is_dir():
            inputs.append(path)
            continue
        # os.walk follows no symbolic link to a folder: a link loop cannot make the run endless.
        found = sorted(Path(folder, name) for folder, _, names in os.walk(path) for name in names
                       if name.lower().endswith(PKCS12_SUFFIXES) and Path(folder, name).is_file())
        if not found:
            raise InputError(f"the folder {path} holds no PKCS#12 file ({', '.join(PKCS12_SUFFIXES)})")
        inputs.extend(found)
    return list(dict.fromkeys(inputs))


def _convert_p12_to_pem(input_path: Path, target: Optional[Path], selection: _Selection, password: _Password) -> _PemOutput:
    from cryptography.hazmat.primitives import serialization

    from certkit.errors import InputError

    with_key = not selection.nokeys
    source = str(input_path)
    data = _read_input(input_path, "the input")
    try:
        loaded = password.load(data, source)
    except InputError as exc:
        if data.lstrip().startswith(b"-----BEGIN") and exc.hint is None:
            # A PEM certificate without --key: the user may have meant the other direction.
            raise InputError(exc.message, hint="to build a .p12 from PEM, add --key KEY.pem --out OUT.p12") from None
        raise
    diagnosis = loaded.diagnosis

    if with_key and loaded.key is None and loaded.key_problem is not None:
        raise InputError(f"{source} holds a private key, but {loaded.key_problem}",
                         hint="add --nokeys to extract the certificates")
    if with_key and loaded.key is None:
        kind = "a truststore" if loaded.trusted else "certificates only"
        raise InputError(
            f"{source} holds no private key ({kind}: {len(loaded.chain)} certificate(s))",
            hint="add --nokeys to extract the certificates",
        )
    certificates = []
    if not selection.cacerts:
        if loaded.certificate is None:
            if selection.clcerts:
                raise InputError(f"{source} has no certificate bound to a private key (--clcerts selects that one)")
        else:
            certificates.append(loaded.certificate.certificate)
    if not selection.clcerts:
        certificates.extend(other.certificate for other in loaded.others)
    if not certificates and not with_key:
        raise InputError(f"{source} holds no {'CA ' if selection.cacerts else ''}certificates to write")

    pem = b"".join(certificate.public_bytes(serialization.Encoding.PEM) for certificate in certificates)
    if with_key:
        pem += loaded.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    warning = None
    if diagnosis.needs_legacy_provider and not selection.legacy_ok:
        legacy_names = " and ".join(
            dict.fromkeys(p.short_name for p in diagnosis.protections if p.needs_legacy_provider)
        )
        warning = (f"{source} is encrypted with {legacy_names} (legacy, weak); "
                   "certkit read it, but re-create it with modern encryption (--legacy-ok silences this)")
    parts = [f"{len(certificates)} certificate(s)"]
    if with_key:
        parts.insert(0, "the private key (PKCS#8, unencrypted, mode 0600)")
    return _PemOutput(target, pem, with_key, " and ".join(parts), warning, source,
                      tuple(c.subject.rfc4514_string() for c in certificates))


def _p12_to_pem(
    input_paths: list[Path],
    out: Optional[str],
    selection: _Selection,
    force: bool,
    pass_literal: Optional[str],
    pass_file: Optional[Path],
) -> dict | None:
    """Convert every input in memory first, then write all outputs in one step: an error in
    any input leaves no output at all (docs/cli-contract.md, Convert). What was written
    (for --json), or ``None`` when the PEM went to standard output."""
    from certkit.errors import UsageError
    from certkit.io import OutputFile, ensure_absent, write_files

    if selection.clcerts and selection.cacerts:
        raise UsageError("--clcerts and --cacerts exclude each other (the default is both)")
    with_key = not selection.nokeys
    inputs = _pkcs12_inputs(input_paths)
    if out is not None and len(inputs) > 1:
        raise UsageError(f"--out names one output, but {len(inputs)} inputs were given",
                         hint="leave out --out: each input's PEM is written next to it, named after it")
    to_stdout = out == "-"
    if to_stdout and with_key and not force:
        raise UsageError(
            "refusing to write a private key to standard output",
            hint="add --nokeys for certificates only, or --force to print the key",
        )
    targets = [None if to_stdout else Path(out) if out else _default_pem_name(path, with_key) for path in inputs]
    named = [target for target in targets if target is not None]
    if len(set(named)) < len(named):
        clash = next(target for target in named if named.count(target) > 1)
        raise UsageError(f"two inputs would both be written to {clash}", hint="convert them in separate runs")
    for target in named:
        ensure_absent(target, force)

    password = _Password(pass_literal, pass_file)
    outputs = [_convert_p12_to_pem(path, target, selection, password) for path, target in zip(inputs, targets, strict=True)]
    for output in outputs:
        if output.warning:
            warn(output.warning)
    if to_stdout:
        typer.echo(outputs[0].pem.decode("ascii"), nl=False)
        return None
    write_files({output.target: OutputFile(output.pem, output.secret) for output in outputs if output.target},
                force=force)
    return {"direction": "pkcs12-to-pem", "outputs": [output.document() for output in outputs],
            "summary": "\n".join(f"wrote {output.target}: {output.written}" for output in outputs)}


def _load_certificates(path: Path, what: str):
    from certkit.io import load_certificates

    return load_certificates(_read_input(path, what), f"{what} {path}")


def _load_key(path: Path):
    from certkit.errors import InputError, PasswordError
    from certkit.issue import load_private_key

    try:
        return load_private_key(_read_input(path, "the key"), None, str(path))
    except PasswordError:
        raise InputError(
            f"the key {path} is encrypted",
            hint=f"decrypt it first: openssl pkey -in {path} -out plain.key (keep it 0600)",
        ) from None


def _pem_to_p12(
    certificate_path: Path,
    key_path: Path,
    ca_paths: list[Path],
    out: Optional[str],
    alias: Optional[str],
    legacy: bool,
    force: bool,
    pass_literal: Optional[str],
    pass_file: Optional[Path],
    es_version: Optional[str],
) -> dict:
    """Write the keystore; what was written (for --json)."""
    from certkit.cli._common import es_target_option
    from certkit.cli._secrets import PASS, resolve_secret
    from certkit.errors import UsageError
    from certkit.io import ensure_absent, order_chain, write_file
    from certkit.keystores.writer import serialize_keystore

    if out == "-":
        raise UsageError("a PKCS#12 keystore is binary and holds a private key: give --out FILE.p12")
    # The password rule is the JDK's: without --es-version, every JDK Elasticsearch bundles.
    jdk = es_target_option(es_version).jdk if es_version else None
    target = Path(out) if out else _default_p12_name(certificate_path)
    ensure_absent(target, force)

    certificates = _load_certificates(certificate_path, "the certificate")
    key = _load_key(key_path)
    trusted_certificates = [c for ca_path in ca_paths for c in _load_certificates(ca_path, "the CA file")]
    trusted = [("ca" if index == 0 else f"ca-{index + 1}", c) for index, c in enumerate(dict.fromkeys(trusted_certificates))]

    # Complete the chain with the --ca certificates the leaf's issuers are among.
    chain = certificates[:-1] + order_chain(certificates[-1], [c for c in trusted_certificates if c not in certificates])

    password = resolve_secret(PASS, literal=pass_literal, file=pass_file, prompt=True, confirm=True,
                              protects=f"the new keystore {target}", empty_means_none=True)
    if password is None:
        raise UsageError(
            "a PKCS#12 keystore needs a password (the JDK ignores unencrypted private keys), and there is no "
            "terminal to ask for one",
            hint="give it with --pass-file FILE or CERTKIT_PASS; for the empty password (certutil's default): "
                 "--pass '' or CERTKIT_PASS=''")
    keystore = serialize_keystore(
        alias=alias or target.stem, private_key=key, chain=chain, trusted=trusted, password=password, legacy=legacy,
        jdk=jdk,
    )
    write_file(target, keystore, secret=True, force=force)
    entries = [f"PrivateKeyEntry '{alias or target.stem}' ({len(chain)} certificate(s))"]
    entries += [f"trustedCertEntry '{name}'" for name, _ in trusted]
    encryption = "3DES/SHA-1 (legacy)" if legacy else "AES-256/HMAC-SHA256"
    return {"out": str(target), "direction": "pem-to-pkcs12", "private_key": True,
            "certificates": [c.subject.rfc4514_string() for c in chain],
            "trusted": [{"alias": name, "subject": c.subject.rfc4514_string()} for name, c in trusted],
            "alias": alias or target.stem, "encryption": encryption, "empty_password": not password,
            "summary": f"wrote {target}: {', '.join(entries)}; {encryption}"}


def register(app) -> None:
    """Add ``certkit convert`` to the root typer app."""

    @app.command("convert", help=_HELP)
    def convert(
        input_paths: list[Path] = typer.Argument(
            ..., metavar="IN...",
            help="The .p12 file(s) to convert to PEM (a folder: every .p12/.pfx/.pkcs12 in it; all are converted "
                 "before any is written, so one bad input writes nothing), or one PEM certificate with --key."),
        out: Optional[str] = typer.Option(None, "--out", help="Output file ('-': standard output, PEM only). Default: derived from IN."),
        clcerts: bool = typer.Option(False, "--clcerts", help="p12->PEM: only the certificate bound to the key."),
        cacerts: bool = typer.Option(False, "--cacerts", help="p12->PEM: only the other (CA) certificates."),
        nokeys: bool = typer.Option(False, "--nokeys", help="p12->PEM: no private key."),
        legacy_ok: bool = typer.Option(False, "--legacy-ok", help="p12->PEM: do not warn about RC2/RC4/DES input."),
        key: Optional[Path] = typer.Option(None, "--key", help="PEM->p12: the private key (PEM, unencrypted)."),
        ca: list[Path] = typer.Option([], "--ca", help="PEM->p12: CA certificate(s): trustedCertEntry items that also complete the chain."),
        name: Optional[str] = typer.Option(None, "--name", help="PEM->p12: alias of the key entry (default: the output's name)."),
        legacy: bool = typer.Option(False, "--legacy", help="PEM->p12: 3DES with a SHA-1 MAC, for JDK 8 and OpenSSL 1.x."),
        pass_file: Optional[Path] = typer.Option(None, "--pass-file", help="Read the PKCS#12 password from this file."),
        pass_literal: Optional[str] = typer.Option(None, "--pass", help="The PKCS#12 password (visible to others: prefer --pass-file or CERTKIT_PASS)."),
        force: bool = typer.Option(False, "--force", help="Replace an existing output; allow a key on standard output."),
        es_version: Optional[str] = typer.Option(
            None, "--es-version", metavar="X.Y",
            help="PEM->p12: the Elasticsearch line the keystore is for; its bundled JDK decides which passwords "
                 "open it (JDK 25, Elasticsearch 9.3+: any; older: printable ASCII). Default: every line."),
        as_json: bool = typer.Option(
            False, "--json",
            help="Print only a JSON document on stdout: the direction and what was written (PKCS#12 to PEM: "
                 "each output's file, source and certificates' subjects; to PKCS#12: the file, its entries and "
                 "encryption)."),
    ) -> None:
        from certkit.errors import UsageError

        if as_json and out == "-":
            raise UsageError("--out - prints the PEM and --json a JSON document: choose one")

        if key is None:
            pem_only = [flag for flag, given in (("--ca", ca), ("--name", name), ("--legacy", legacy),
                                                 ("--es-version", es_version)) if given]
            if pem_only:
                raise UsageError(f"{pem_only[0]} builds a PKCS#12 from PEM and needs --key KEY.pem")
            _report(_p12_to_pem(input_paths, out, _Selection(clcerts, cacerts, nokeys, legacy_ok), force,
                                pass_literal, pass_file), as_json)
            return
        p12_only = [f for f, given in (("--clcerts", clcerts), ("--cacerts", cacerts), ("--nokeys", nokeys), ("--legacy-ok", legacy_ok)) if given]
        if p12_only:
            raise UsageError(f"{p12_only[0]} applies to PKCS#12 input, not to building a PKCS#12 with --key")
        if len(input_paths) > 1:
            raise UsageError(f"--key builds one keystore from one certificate, but {len(input_paths)} inputs were given")
        _report(_pem_to_p12(input_paths[0], key, ca, out, name, legacy, force, pass_literal, pass_file, es_version),
                as_json)


def _report(written: dict | None, as_json: bool) -> None:
    if written is None:  # the PEM went to stdout
        return
    summary = written.pop("summary")
    if as_json:
        from certkit.cli._common import emit_json

        emit_json(written)
    else:
        for line in summary.splitlines():
            info(line)
