"""CSR mode: node keys and signing requests for a CA certkit cannot hold, and the way back.

Users whose CA key lives in an HSM, Vault or a corporate PKI cannot let certkit sign. So,
as elasticsearch-certutil's ``csr`` mode does, certkit makes each node's key and a PKCS#10
request (PEM) in certutil's layout::

    <filename>/<filename>.csr    the request: subject and SANs exactly as `certkit cert` writes them
    <filename>/<filename>.key    the node's key (traditional OpenSSL PEM, 0600, encrypted on request)

The request carries what the certificate should hold: the subject (``CN=<name>`` or the
name's DN), the SANs built by :func:`certkit.issue.leaf.subject_alternative_names`
(otherName 2.5.4.3 ``[0] EXPLICIT UTF8String``, dNSName, iPAddress), and the keyUsage and
extendedKeyUsage (serverAuth + clientAuth) that certkit's own certificates have.

Once the external CA has signed, :func:`assemble` pairs each returned certificate with the
kept key (public key equality), checks it against the plan the request beside the key
still holds, and hands back what :mod:`certkit.issue.bundle` writes as the usual PEM or
PKCS#12 bundle. Many CAs drop the otherName: a certificate without it is accepted with a
warning, because Elasticsearch's trust restrictions would not see the node name.

(A little over 400 lines: both halves of the round trip stay together, since the check of
a returned certificate reads back exactly the plan the request was built with.)
"""

from __future__ import annotations

import datetime as _dt
import io
import ipaddress
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certkit.errors import InputError, PasswordError
from certkit.io.outputs import OutputFile
from certkit.issue.ca import PrivateKey, private_key_pem, public_key_der, signature_hash
from certkit.issue.leaf import IssuedCertificate, ProgressFn, _key_usage, issue_all, subject_alternative_names
from certkit.model import Instance
from certkit.plan.naming import subject_for

DEFAULT_CSR_BUNDLE = "csr-bundle.zip"
#: Requests and keys are a few kilobytes; a member of a kept-keys zip above this is not one.
MAX_KEPT_FILE_BYTES = 1024 * 1024
#: What a transport node needs: it is the server and the client of its peers.
NODE_USAGES = {ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth", ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth"}


# ---------------------------------------------------------------------------------------
# Requests


def build_csr(instance: Instance, private_key: PrivateKey) -> x509.CertificateSigningRequest:
    """``instance``'s signing request: the subject, SANs and usages ``certkit cert`` would issue."""
    builder = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject_for(instance.name))
        .add_extension(_key_usage(isinstance(private_key, rsa.RSAPrivateKey)), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(NODE_USAGES)), critical=False)
    )
    sans = subject_alternative_names(instance)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(private_key, signature_hash(private_key))


def csr_paths(instance: Instance) -> tuple[str, str]:
    """The request's and the key's paths inside the bundle (certutil's csr layout)."""
    folder = instance.filename
    return f"{folder}/{folder}.csr", f"{folder}/{folder}.key"


@dataclass(frozen=True)
class CsrPackaging:
    """Makes one node's two files; picklable, so that it runs in the key-generating workers."""

    password: str | None

    def __call__(self, issued: IssuedCertificate) -> dict[str, OutputFile]:
        csr_path, key_path = csr_paths(issued.instance)
        request = build_csr(issued.instance, issued.private_key)
        return {
            csr_path: OutputFile(request.public_bytes(serialization.Encoding.PEM)),
            key_path: OutputFile(private_key_pem(issued.private_key, self.password), secret=True),
        }


def csr_files(
    instances: Sequence[Instance],
    *,
    key_type: str = "rsa",
    key_size: int | None = None,
    password: str | None = None,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, OutputFile]:
    """Every file of a CSR bundle, the keys generated over ``jobs`` processes.

    Key generation is the whole cost, so this rides on :func:`certkit.issue.leaf.issue_all`'s
    pool (interrupts, dead workers and all): each worker makes the key and, through the
    ``package`` step, the request and the key's PEM. The throw-away self-signed certificate
    issue_all also makes costs one signature, a few percent of an RSA key generation.
    """
    packaging = CsrPackaging(password)
    made = issue_all(None, instances, key_type=key_type, key_size=key_size, jobs=jobs,
                     progress=progress, package=packaging)
    files: dict[str, OutputFile] = {}
    for node in made:
        files.update(node.packaged if node.packaged_with == packaging else packaging(node))
    return files


# ---------------------------------------------------------------------------------------
# Reading the kept keys and requests back


@dataclass
class KeptNode:
    """A node as ``certkit csr`` left it: its key and its request (the plan of its names)."""

    instance: Instance
    private_key: PrivateKey
    request: x509.CertificateSigningRequest
    source: str  # where the key is, for messages


def _name_from_subject(subject: x509.Name) -> str:
    """The instance name that gives ``subject`` (inverse of :func:`subject_for`)."""
    attributes = list(subject)
    if len(attributes) == 1 and attributes[0].oid == NameOID.COMMON_NAME:
        return str(attributes[0].value)
    return subject.rfc4514_string()


def _requested_names(request: x509.CertificateSigningRequest) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The otherName commonNames, DNS names and IP addresses a request asks for, as Elasticsearch reads them."""
    from certkit.jdk.names import decode_general_names

    try:
        san = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return (), (), ()
    names = decode_general_names(san.public_bytes())
    return names.other_name_cns, names.dns_names, names.ip_addresses


def _load_request(data: bytes, source: str) -> x509.CertificateSigningRequest:
    try:
        request = x509.load_pem_x509_csr(data)
        request.subject.rfc4514_string()
        valid = request.is_signature_valid
    except (ValueError, TypeError) as exc:
        raise InputError(f"{source} is not a PEM certificate signing request ({' '.join(str(exc).split())[:120]})") from None
    if not valid:
        raise InputError(f"the signature of the request {source} is not valid: the file was altered")
    return request


def _load_key(data: bytes, password: str | None, source: str) -> PrivateKey:
    encrypted = b"ENCRYPTED" in data
    if encrypted and password is None:
        raise PasswordError(f"the key {source} is encrypted and no password was given")
    try:
        key = serialization.load_pem_private_key(data, password.encode("utf-8") if encrypted and password else None)
    except ValueError as exc:
        if encrypted:
            raise PasswordError(f"wrong password for the key {source}") from None
        raise InputError(f"{source} is not a PEM private key ({' '.join(str(exc).split())[:120]})") from None
    except TypeError:
        raise PasswordError(f"the key {source} is encrypted and no password was given") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise InputError(f"{source} is a {type(key).__name__.replace('PrivateKey', '').lstrip('_')} key; "
                         "node keys are RSA or EC")
    return key


def _kept_file_sets(path: Path) -> tuple[str, dict[str, dict[str, bytes]]]:
    """``{folder: {"key"|"csr": bytes}}`` of a CSR bundle (folder or zip), and a label prefix."""
    from certkit.io.inputs import read_bounded

    found: dict[str, dict[str, bytes]] = {}
    if path.is_dir():
        for folder in sorted(p for p in path.iterdir() if p.is_dir()):
            for kind in ("key", "csr"):
                file_path = folder / f"{folder.name}.{kind}"
                if file_path.is_file():
                    found.setdefault(folder.name, {})[kind] = read_bounded(file_path, f"the {kind} file", MAX_KEPT_FILE_BYTES)
        return f"{path}/", found
    data = read_bounded(path, "the kept keys")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"{path} is neither a folder nor a zip file written by certkit csr ({exc})") from None
    for member in members:
        parts = member.filename.split("/")
        if len(parts) != 2 or parts[1] not in (f"{parts[0]}.key", f"{parts[0]}.csr"):
            continue
        if member.file_size > MAX_KEPT_FILE_BYTES:
            raise InputError(f"{path}!{member.filename} declares {member.file_size} bytes: not a key or a request")
        found.setdefault(parts[0], {})[parts[1].rsplit(".", 1)[1]] = archive.read(member)
    return f"{path}!", found


def read_kept_nodes(path: str | os.PathLike[str], password: str | None) -> list[KeptNode]:
    """The nodes of a CSR bundle (``certkit csr``'s or certutil's), each key with its request.

    A folder with a key but no request (the plan of its names is lost) or a request but no
    key, a request whose key is not the one beside it, and a bundle without any node are
    :class:`InputError`.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"the kept keys {root} do not exist")
    prefix, file_sets = _kept_file_sets(root)
    nodes = []
    for folder, files in sorted(file_sets.items()):
        key_label, csr_label = f"{prefix}{folder}/{folder}.key", f"{prefix}{folder}/{folder}.csr"
        if "csr" not in files:
            raise InputError(f"{key_label} has no request beside it ({folder}/{folder}.csr): the names planned "
                             "for this node are unknown", hint="keep the folder certkit csr wrote as it is")
        if "key" not in files:
            raise InputError(f"{csr_label} has no key beside it ({folder}/{folder}.key): a certificate for it "
                             "cannot be used", hint="the key never leaves the folder certkit csr wrote; look for it there")
        request = _load_request(files["csr"], csr_label)
        key = _load_key(files["key"], password, key_label)
        if public_key_der(request.public_key()) != public_key_der(key.public_key()):
            raise InputError(f"{csr_label} was made for another key than {key_label}")
        cns, dns, ips = _requested_names(request)
        instance = Instance(name=_name_from_subject(request.subject), filename=folder, dns=dns, ip=ips, cn=cns)
        nodes.append(KeptNode(instance, key, request, key_label))
    if not nodes:
        raise InputError(f"no kept keys in {root}: certkit csr writes <name>/<name>.key and <name>/<name>.csr")
    return nodes


# ---------------------------------------------------------------------------------------
# Assembling what the external CA signed


@dataclass
class Assembly:
    """The signed nodes ready to be written, and what is wrong or odd about them.

    ``errors`` are mismatches that stop the run (one line each); ``warnings`` are kept
    going (a dropped otherName, an extra name, a changed subject). ``chain`` is the CA that
    signed every node, then its issuers.
    """

    issued: list[IssuedCertificate] = field(default_factory=list)
    chain: list[x509.Certificate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_ca_certificate(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _listed(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "none"


def _signed_by(certificate: x509.Certificate, authority: x509.Certificate) -> bool:
    if certificate.issuer != authority.subject:
        return False
    try:
        certificate.verify_directly_issued_by(authority)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _issuer_chain(certificate: x509.Certificate, authorities: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The CA that signed ``certificate``, then its issuers among ``authorities``; [] if none signed it."""
    chain: list[x509.Certificate] = []
    current = certificate
    while len(chain) <= len(authorities):
        issuer = next((a for a in authorities if a not in chain and _signed_by(current, a)), None)
        if issuer is None:
            break
        chain.append(issuer)
        if issuer.issuer == issuer.subject:
            break
        current = issuer
    return chain


def _name_problems(node: KeptNode, certificate: x509.Certificate, der: bytes, assembly: Assembly) -> None:
    """Compare the certificate's names with the plan its request holds."""
    from certkit.jdk.names import read_names

    label, planned = node.instance.filename, node.instance
    got = read_names(der)
    if planned.cn and not got.other_name_cns:
        assembly.warnings.append(
            f"{label}: the CA dropped the otherName SAN ({_listed(planned.cn)}): Elasticsearch's trust "
            "restrictions will not see this node's name; ask the CA to keep the request's otherName")
    elif set(got.other_name_cns) != set(planned.cn):
        assembly.errors.append(f"{label}: the certificate's otherName names ({_listed(got.other_name_cns)}) "
                               f"are not the planned ones ({_listed(planned.cn)})")
    for kind, wanted, present, same in (
        ("DNS name(s)", planned.dns, got.dns_names, str.lower),
        ("IP address(es)", planned.ip, got.ip_addresses, lambda text: ipaddress.ip_address(text) if _is_ip(text) else text),
    ):
        have, planned_keys = {same(value) for value in present}, {same(value) for value in wanted}
        missing = [value for value in wanted if same(value) not in have]
        if missing:
            assembly.errors.append(f"{label}: the certificate lacks the planned {kind} {_listed(missing)}: "
                                   "hostname verification of this node would fail")
        extra = [value for value in present if same(value) not in planned_keys]
        if extra:
            assembly.warnings.append(f"{label}: the CA added {kind} not in the plan: {_listed(extra)}")
    if certificate.subject != node.request.subject:
        assembly.warnings.append(f"{label}: the CA changed the subject from {node.request.subject.rfc4514_string()} "
                                 f"to {certificate.subject.rfc4514_string()}")
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    lacking = [name for oid, name in NODE_USAGES.items() if oid not in usages]
    if lacking:
        assembly.warnings.append(f"{label}: the certificate's extendedKeyUsage lacks {_listed(lacking)}: "
                                 "a transport node is both the TLS server and the TLS client of its peers")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def assemble(
    nodes: Sequence[KeptNode],
    signed: Sequence,  # certkit.io.sources.CertificateItem: the certificates the CA returned
    ca_certificates: Sequence[x509.Certificate] = (),
    *,
    at: _dt.datetime | None = None,
) -> Assembly:
    """Pair each kept key with its signed certificate and check it against the plan.

    ``signed`` may hold the CA certificates too (a chain the CA sent back); they join
    ``ca_certificates``. A node without a certificate for its key, a certificate for
    another key with a node's subject, names that are not the planned ones, a certificate
    the given CA did not sign or that has expired at ``at`` (default: now): one error each.
    """
    at = at or _dt.datetime.now(_dt.UTC)
    authorities = list(dict.fromkeys([*ca_certificates, *(item.certificate for item in signed if is_ca_certificate(item.certificate))]))
    leaves = list({item.der: item for item in signed if not is_ca_certificate(item.certificate)}.values())
    by_key: dict[bytes, list] = {}
    for item in leaves:
        by_key.setdefault(public_key_der(item.certificate.public_key()), []).append(item)
    node_keys = {public_key_der(node.private_key.public_key()) for node in nodes}
    assembly = Assembly()
    if not authorities:
        assembly.errors.append("no CA certificate was given: the bundle needs the external CA's certificate "
                               "(ca/ca.crt, the keystores' trusted entry)")
    for node in nodes:
        label = node.instance.filename
        candidates = by_key.get(public_key_der(node.private_key.public_key()), [])
        if not candidates:
            impostor = next((item for item in leaves if item.certificate.subject == node.request.subject
                             and public_key_der(item.certificate.public_key()) not in node_keys), None)
            if impostor is not None:
                assembly.errors.append(f"{label}: {impostor.source} has this node's subject but was signed for another "
                                       f"key than {node.source}")
            else:
                assembly.errors.append(f"{label}: none of the signed certificates is for the key {node.source}")
            continue
        item = max(candidates, key=lambda c: c.certificate.not_valid_before_utc)
        if len(candidates) > 1:
            assembly.warnings.append(f"{label}: {len(candidates)} certificates are for this key; using the newest, {item.source}")
        certificate = item.certificate
        if certificate.not_valid_after_utc < at:
            assembly.errors.append(f"{label}: {item.source} expired on {certificate.not_valid_after_utc:%Y-%m-%d}")
        _name_problems(node, certificate, item.der, assembly)
        if authorities:
            chain = _issuer_chain(certificate, authorities)
            if not chain:
                assembly.errors.append(f"{label}: {item.source} was not signed by the CA given "
                                       f"(its issuer is {certificate.issuer.rfc4514_string()})")
            elif not assembly.chain:
                assembly.chain = chain
            elif chain[0] != assembly.chain[0]:
                assembly.errors.append(f"{label}: signed by {chain[0].subject.rfc4514_string()}, the other nodes by "
                                       f"{assembly.chain[0].subject.rfc4514_string()}: one bundle has one CA")
        assembly.issued.append(IssuedCertificate(node.instance, certificate, node.private_key))
    planned_subjects = {node.request.subject for node in nodes}
    for item in leaves:
        if public_key_der(item.certificate.public_key()) not in node_keys and item.certificate.subject not in planned_subjects:
            assembly.warnings.append(f"{item.source}: matches none of the kept keys; ignored")
    return assembly


def bundle_files(assembly: Assembly, *, pem: bool, password: str | None) -> dict[str, OutputFile]:
    """The usual node bundle (:mod:`certkit.issue.bundle`'s layout) of an error-free assembly."""
    from certkit.issue import bundle
    from certkit.issue.ca import certificate_pem

    if assembly.errors:
        raise InputError(assembly.errors[0])
    packaging = bundle.NodePackaging(pem=pem, password=password,
                                     ca_chain_der=tuple(c.public_bytes(serialization.Encoding.DER) for c in assembly.chain))
    files = {bundle.CA_CERT_PATH: OutputFile(certificate_pem(*assembly.chain))}
    for issued in assembly.issued:
        files.update(bundle.node_files(issued, packaging))
    return files
