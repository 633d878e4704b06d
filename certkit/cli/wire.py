"""certkit wire: elasticsearch.yml lines, remote-cluster settings, API-key bodies, keystore steps.

Over 400 lines since ``wire yml`` writes whole node contexts (three layouts, ``--bundle``):
the command stays with its group rather than move while other branches edit its flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from certkit.cli._common import emit_json, info, warn_all


def register(app: typer.Typer) -> None:
    """Add ``certkit wire`` and its commands to the root app."""
    wire_app = typer.Typer(
        name="wire",
        help="The last step: elasticsearch.yml lines, the remote cluster settings, the cross-cluster "
             "API key request, the keystore steps.",
        no_args_is_help=True,
    )
    wire_app.command("yml")(yml)
    wire_app.command("remote")(remote)
    wire_app.command("api-key")(api_key)
    wire_app.command("keystore")(keystore)
    app.add_typer(wire_app, name="wire")


def _emit_text(text: str, out: Optional[Path], force: bool) -> None:
    from certkit.io import write_file

    if out is None:
        typer.echo(text, nl=False)
    else:
        write_file(out, text.encode("utf-8"), force=force)
        info(f"wrote {out}")


# --------------------------------------------------------------------------- yml


def yml(
    model: str = typer.Option("certificate", "--model", metavar="certificate|api-key",
                              help="Security model: certificates on the transport port, or API keys on 9443."),
    ca: Optional[list[str]] = typer.Option(
        None, "--ca", metavar="PATH",
        help="CA certificate to trust, as the node sees it (relative to its config folder). Repeatable. "
             "With --model api-key: the CA of the remote cluster's server certificate."),
    restrictions: Optional[str] = typer.Option(None, "--restrictions", metavar="trust.yml",
                                               help="The trust restrictions file (certificate model)."),
    fields: Optional[list[str]] = typer.Option(
        None, "--fields", metavar="FIELD",
        help="x509 fields the restrictions read: othername (default) and/or dns. Repeatable."),
    verification_mode: Optional[str] = typer.Option(
        None, "--verification-mode", metavar="certificate|full",
        help="Transport verification_mode: certificate (verify the chain, not the host name) or full (also "
             "the host name). Default with --keystore/--cert: certificate, as Elasticsearch recommends with "
             "trust restrictions; else no such line."),
    keystore: Optional[str] = typer.Option(
        None, "--keystore", metavar="PATH",
        help="Certificate model: the node's PKCS#12 (keystore.path), as the node sees it."),
    cert: Optional[str] = typer.Option(None, "--cert", metavar="PATH",
                                       help="Certificate model: the node's PEM certificate (with --key)."),
    key: Optional[str] = typer.Option(None, "--key", metavar="PATH",
                                      help="Certificate model: the node's PEM key (with --cert)."),
    truststore: Optional[str] = typer.Option(
        None, "--truststore", metavar="PATH",
        help="Certificate model: trust store instead of --ca (Elasticsearch refuses both)."),
    truststore_ca: Optional[list[Path]] = typer.Option(
        None, "--truststore-ca", metavar="CA.pem",
        help="Write --truststore (under --config-dir, or as given) holding these CAs, empty password. Repeatable."),
    server_cert: Optional[str] = typer.Option(None, "--server-cert", metavar="PATH",
                                              help="API key model: certificate of the remote cluster server port."),
    server_key: Optional[str] = typer.Option(None, "--server-key", metavar="PATH",
                                             help="API key model: private key of --server-cert (PEM)."),
    server_keystore: Optional[str] = typer.Option(None, "--server-keystore", metavar="PATH",
                                                  help="API key model: PKCS#12 keystore instead of cert + key."),
    port: int = typer.Option(9443, "--port", help="API key model: the remote cluster server port."),
    alias: Optional[str] = typer.Option(None, "--alias", help="API key model: remote cluster the signing is for."),
    signing_cert: Optional[str] = typer.Option(None, "--signing-cert", metavar="PATH",
                                               help="API key model (9.3+): certificate that signs requests."),
    signing_key: Optional[str] = typer.Option(None, "--signing-key", metavar="PATH",
                                              help="API key model (9.3+): private key of --signing-cert (PEM)."),
    signing_ca: Optional[list[str]] = typer.Option(
        None, "--signing-ca", metavar="PATH", help="API key model (9.3+): CA of calling clusters' signing certificates."),
    config_dir: Optional[Path] = typer.Option(
        None, "--config-dir", metavar="DIR",
        help="The Elasticsearch config folder: check that the files exist there and hold what they should."),
    bundle: Optional[Path] = typer.Option(
        None, "--bundle", metavar="DIR",
        help="Certificate model: settings per node of this certkit cert folder (its files go to --certs-dir)."),
    certs_dir: str = typer.Option("certs", "--certs-dir", metavar="PATH",
                                  help="With --bundle: where each node's files go in its config folder."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="Write here instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print the settings as a JSON object instead."),
) -> None:
    """Print the elasticsearch.yml lines that make a cluster trust the other one."""
    from certkit import wire as wiring
    from certkit.errors import UsageError
    from certkit.io import ensure_absent
    from certkit.model import Report

    if out is not None:
        ensure_absent(out, force)
    if config_dir is not None and not config_dir.is_dir():
        raise UsageError(f"--config-dir {config_dir} is not a folder")
    report = Report()
    new_truststore: Optional[tuple[Path, bytes]] = None
    if model == "certificate":
        api_key_flags = [flag for flag, value in (
            ("--server-cert", server_cert), ("--server-key", server_key), ("--server-keystore", server_keystore),
            ("--alias", alias), ("--signing-cert", signing_cert), ("--signing-key", signing_key),
            ("--signing-ca", signing_ca), ("--port", port if port != wiring.DEFAULT_REMOTE_CLUSTER_PORT else None),
        ) if value]
        if api_key_flags:
            raise UsageError(f"{', '.join(api_key_flags)} belong to --model api-key")
        if truststore_ca and truststore is None:
            raise UsageError("--truststore-ca fills the trust store --truststore names: add --truststore PATH")
        if truststore_ca and truststore is not None:
            truststore_target = config_dir / truststore if config_dir is not None else Path(truststore)
            ensure_absent(truststore_target, force)
            new_truststore = (truststore_target, wiring.truststore_bytes(list(truststore_ca)))
        trust: dict[str, Any] = dict(cas=list(ca or []), restrictions=restrictions, x509_fields=list(fields or []),
                     verification_mode=verification_mode, truststore=truststore,
                     truststore_written=new_truststore is not None, config_dir=config_dir)
        if bundle is not None:
            _bundle_yml(bundle, certs_dir, trust, keystore or cert or key, new_truststore, as_json, out, force)
            return
        settings = wiring.certificate_model_settings(keystore=keystore, certificate=cert, key=key, report=report,
                                                     **trust)
        header = ["elasticsearch.yml, certificate model (transport port 9300): on every node",
                  "paths are relative to the Elasticsearch config folder"]
    elif model == "api-key":
        certificate_flags = [flag for flag, value in (
            ("--restrictions", restrictions), ("--fields", fields), ("--verification-mode", verification_mode),
            ("--keystore", keystore), ("--cert", cert), ("--key", key), ("--truststore", truststore),
            ("--truststore-ca", truststore_ca), ("--bundle", bundle),
        ) if value]
        if certificate_flags:
            raise UsageError(f"{', '.join(certificate_flags)} belong to the certificate model")
        settings = wiring.api_key_model_settings(
            server_certificate=server_cert, server_key=server_key, server_keystore=server_keystore, port=port,
            client_cas=list(ca or []), signing_alias=alias, signing_certificate=signing_cert,
            signing_key=signing_key, signing_cas=list(signing_ca or []), config_dir=config_dir, report=report)
        header = ["elasticsearch.yml, API key model (remote cluster port): on every node",
                  "paths are relative to the Elasticsearch config folder"]
    else:
        raise UsageError(f"--model {model!r}: choose certificate or api-key")
    warn_all(report.warnings)
    # The API key model's lines carry their keystore step as a comment already.
    needed = wiring.secure_settings(settings, config_dir=config_dir,
                                    empty_password_truststores=[truststore or ""] if new_truststore else [],
                                    ) if model == "certificate" else []
    if as_json:
        import json

        text = json.dumps(wiring.settings_dict(settings), indent=2, ensure_ascii=False) + "\n"
    else:
        text = wiring.render_yml(settings, header, wiring.secure_settings_comments(needed))
    _write_truststore(new_truststore, force)
    if as_json and needed:
        info("secure settings to add with bin/elasticsearch-keystore add: " + ", ".join(name for name, _ in needed))
    _emit_text(text, out, force)


def _write_truststore(new_truststore: Optional[tuple[Path, bytes]], force: bool) -> None:
    """Write the trust store ``--truststore-ca`` made, once everything else was checked."""
    if new_truststore is None:
        return
    from certkit.io import write_file

    write_file(new_truststore[0], new_truststore[1], force=force)
    info(f"wrote {new_truststore[0]} (a PKCS#12 trust store with the empty password: no secure setting needed)")


def _bundle_yml(bundle: Path, certs_dir: str, trust: dict, identity_flag, new_truststore, as_json: bool,
                out: Optional[Path], force: bool) -> None:
    """``wire yml --bundle``: one YAML document (or JSON member) per node of the bundle."""
    import json

    from certkit import wire as wiring
    from certkit.errors import UsageError
    from certkit.io.terminal import visible
    from certkit.model import Report

    if identity_flag:
        raise UsageError("--bundle gives each node its own identity: drop --keystore, --cert and --key")
    if not bundle.is_dir():
        raise UsageError(f"--bundle {bundle} is not a folder (certkit cert --out DIR writes one)")
    report = Report()
    nodes = wiring.bundle_node_settings(
        bundle, certs_dir=certs_dir, report=report,
        empty_password_truststores=[str(trust["truststore"])] if new_truststore else [], **trust)
    warn_all(report.warnings)
    if as_json:
        text = json.dumps({node.node: wiring.settings_dict(node.settings) for node in nodes},
                          indent=2, ensure_ascii=False) + "\n"
    else:
        documents = []
        for node in nodes:
            # bundle paths are this machine's: a control character in one must not break the YAML comment
            header = [visible(f"node {node.node}: its elasticsearch.yml (certificate model, transport port 9300)"),
                      *(visible(f"copy {source} to config/{target}") for source, target in node.files)]
            documents.append("---\n" + wiring.render_yml(node.settings, header,
                                                          wiring.secure_settings_comments(node.secure)))
        text = "".join(documents)
    _write_truststore(new_truststore, force)
    _emit_text(text, out, force)


# --------------------------------------------------------------------------- remote


def remote(
    alias: str = typer.Option(..., "--alias", help="The remote cluster alias (letters, digits, '-', '_')."),
    address: Optional[list[str]] = typer.Option(
        None, "--address", metavar="HOST:PORT",
        help="Proxy address, or a seed in sniff mode (repeatable). IPv6 as [2001:db8::1]:9443."),
    mode: str = typer.Option("proxy", "--mode", metavar="proxy|sniff", help="Connection mode (Cloud needs proxy)."),
    server_name: Optional[str] = typer.Option(None, "--server-name", help="TLS server name (proxy mode)."),
    socket_connections: Optional[int] = typer.Option(None, "--socket-connections",
                                                     help="proxy_socket_connections (default 18)."),
    node_connections: Optional[int] = typer.Option(None, "--node-connections",
                                                   help="node_connections in sniff mode (default 3)."),
    skip_unavailable: Optional[bool] = typer.Option(None, "--skip-unavailable/--no-skip-unavailable",
                                                    help="Set skip_unavailable explicitly."),
    remove: bool = typer.Option(False, "--remove", help="Remove the remote cluster: every setting set to null."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="console|curl",
                                      help="Print a Kibana Dev Tools request or a curl command instead of the JSON body."),
    as_json: bool = typer.Option(False, "--json",
                                 help="Print only the JSON request body on stdout (the default form; with --apply: "
                                      "Elasticsearch's JSON answer)."),
    apply: bool = typer.Option(False, "--apply", help="Send it to --es-url and print the answer."),
    es_url: Optional[str] = typer.Option(None, "--es-url", metavar="URL", help="https://host:9200 of the local cluster."),
    es_ca: Optional[Path] = typer.Option(None, "--es-ca", metavar="CA.pem",
                                         help="CA that signed Elasticsearch's HTTP certificate."),
    api_key_file: Optional[Path] = typer.Option(
        None, "--api-key-file", metavar="FILE",
        help="File holding the API key (encoded form) for --apply; else $CERTKIT_ES_API_KEY or a prompt."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for Elasticsearch (--apply)."),
) -> None:
    """Print (or --apply) the PUT /_cluster/settings body that adds or removes a remote cluster."""
    from certkit import wire as wiring
    from certkit.errors import UsageError
    from certkit.model import Report

    report = Report()
    if remove:
        extras = [flag for flag, value in (
            ("--address", address), ("--server-name", server_name), ("--socket-connections", socket_connections),
            ("--node-connections", node_connections), ("--skip-unavailable", skip_unavailable),
        ) if value is not None and value != []]
        if extras:
            raise UsageError(f"--remove takes only the alias; drop {', '.join(extras)}")
        body = wiring.remove_remote_cluster_body(alias, report)
    else:
        body = wiring.remote_cluster_body(
            alias=alias, addresses=list(address or []), mode=mode, server_name=server_name,
            socket_connections=socket_connections, node_connections=node_connections,
            skip_unavailable=skip_unavailable, report=report)
    warn_all(report.warnings)
    fmt = _request_format(fmt, as_json)
    if apply:
        if fmt != "json":
            raise UsageError("--apply prints Elasticsearch's answer; --format is for printing the request")
        _apply("PUT", "/_cluster/settings", body, es_url, es_ca, api_key_file, timeout)
        return
    if api_key_file is not None:
        raise UsageError("--api-key-file is for --apply")
    text = wiring.render_request("PUT", "/_cluster/settings", body, fmt, es_url=es_url,
                                 es_ca=str(es_ca) if es_ca else None)
    from certkit.io.terminal import visible_lines

    typer.echo(text if fmt == "json" else visible_lines(text), nl=False)


def _request_format(fmt: Optional[str], as_json: bool) -> str:
    """The rendering of a request: --json (the default) or --format console|curl. ``--format json``
    is the old spelling of --json and still works."""
    from certkit.errors import UsageError

    if as_json and fmt not in (None, "json"):
        raise UsageError(f"--json prints the JSON body; --format {fmt} prints another rendering: choose one")
    return fmt or "json"


def _apply(method: str, path: str, body, es_url: Optional[str], es_ca: Optional[Path],
           api_key_file: Optional[Path], timeout: float) -> None:
    from certkit.cli import _secrets as secrets
    from certkit.errors import UsageError
    from certkit.wire import http as wiring_http

    if es_url is None:
        raise UsageError("--apply needs --es-url https://HOST:9200")
    wiring_http.parse_es_url(es_url)  # a bad URL is a usage error before any secret is read
    api_key = secrets.resolve_secret(secrets.ES_API_KEY, file=api_key_file, prompt=True, protects=es_url)
    if api_key is None:
        raise UsageError("--apply needs an API key: --api-key-file FILE or $CERTKIT_ES_API_KEY",
                         hint="the key needs the cluster privilege 'manage'")
    response = wiring_http.send_json(method, es_url, path, body, api_key=api_key, es_ca=es_ca, timeout=timeout)
    info(f"{method} {es_url.rstrip('/')}{path}: {response.status} {response.reason}")
    emit_json(response.body)


# --------------------------------------------------------------------------- api-key


def api_key(
    name: str = typer.Option(..., "--name", help="Name of the cross-cluster API key."),
    search: Optional[list[str]] = typer.Option(None, "--search", metavar="INDEX",
                                               help="Index (pattern) for cross-cluster search. Repeatable."),
    replication: Optional[list[str]] = typer.Option(None, "--replication", metavar="INDEX",
                                                    help="Index (pattern) for cross-cluster replication. Repeatable."),
    expiration: Optional[str] = typer.Option(None, "--expiration", metavar="TIME", help="e.g. 90d; default: never."),
    metadata: Optional[str] = typer.Option(None, "--metadata", metavar="JSON", help="A JSON object."),
    certificate_identity: Optional[str] = typer.Option(
        None, "--certificate-identity", metavar="REGEX",
        help="9.3+: Java regex the subject DN of the calling cluster's signing certificate must match."),
    for_cluster: Optional[str] = typer.Option(
        None, "--for-cluster", metavar="CLUSTER_ID",
        help="Certificate identity of every node of this cluster: CN=.*\\.node\\.ID\\.cluster\\..*"),
    check_cert: Optional[Path] = typer.Option(
        None, "--check-cert", metavar="CERT",
        help="Check that the identity matches this certificate's subject DN (as the JDK prints it)."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="console|curl",
                                      help="Print a Kibana Dev Tools request or a curl command instead of the JSON body."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON request body on stdout (the default form)."),
    es_url: Optional[str] = typer.Option(None, "--es-url", metavar="URL", help="For --format curl."),
    es_ca: Optional[Path] = typer.Option(None, "--es-ca", metavar="CA.pem", help="For --format curl."),
) -> None:
    """Print the POST /_security/cross_cluster/api_key body (run it on the remote cluster)."""
    from certkit import wire as wiring
    from certkit.errors import UsageError

    if certificate_identity is not None and for_cluster is not None:
        raise UsageError("--certificate-identity and --for-cluster exclude each other")
    identity = wiring.identity_for_cluster(for_cluster) if for_cluster is not None else certificate_identity
    parsed_metadata = wiring.parse_metadata(metadata) if metadata is not None else None
    body = wiring.cross_cluster_api_key_body(
        name=name, search=list(search or []), replication=list(replication or []), expiration=expiration,
        metadata=parsed_metadata, certificate_identity=identity)
    if identity is not None:
        check = wiring.check_certificate_identity(identity)
        if check.note:
            from certkit.cli._common import warn

            warn(f"certificate identity [{identity}] {check.note}")
        if check_cert is not None:
            _check_identity_against(check, check_cert)
    elif check_cert is not None:
        raise UsageError("--check-cert checks a certificate identity: add --certificate-identity or --for-cluster")
    fmt = _request_format(fmt, as_json)
    text = wiring.render_request("POST", "/_security/cross_cluster/api_key", body, fmt, es_url=es_url,
                                 es_ca=str(es_ca) if es_ca else None)
    from certkit.io.terminal import visible_lines

    typer.echo(text if fmt == "json" else visible_lines(text), nl=False)


def _check_identity_against(check, certificate_path: Path) -> None:
    from certkit import wire as wiring
    from certkit.cli._common import warn
    from certkit.io import load_certificates, read_certificate_file
    from certkit.jdk import subject_rfc2253

    certificates = load_certificates(read_certificate_file(certificate_path), str(certificate_path))
    if len(certificates) > 1:
        info(f"{certificate_path} holds {len(certificates)} certificates; checking the first (the leaf)")
    subject = subject_rfc2253(certificates[0])
    verdict = wiring.identity_matches(check, subject)
    if verdict is None:
        warn(f"cannot check the identity against {certificate_path} ({subject}): it uses Java-only syntax")
    elif verdict:
        info(f"certificate identity matches the subject of {certificate_path}: {subject}")
    else:
        raise wiring.IdentityMismatch(
            f"certificate identity [{check.pattern}] does not match the subject of {certificate_path}: {subject}",
            hint=_mismatch_hint(check, subject, certificates[0]),
        )


def _mismatch_hint(check, subject: str, certificate) -> str:
    """Say why: a partial match, or a node name that sits in the SAN but not in the subject."""
    from cryptography.hazmat.primitives import serialization

    from certkit.jdk import read_names

    if check.compiled.search(subject) is not None:
        return "it matches part of the DN; the whole DN must match (add .* where the rest may vary)"
    names = read_names(certificate.public_bytes(serialization.Encoding.DER)).other_name_cns
    for name in names:
        if check.compiled.fullmatch(f"CN={name}"):
            return (f"the certificate carries {name} as an otherName, but the identity is matched against the "
                    f"subject; issue the signing certificate with the subject CN={name} "
                    "(certutil/certkit: name the instance after it)")
    return "the subject DN is matched in RFC 2253 form, most significant RDN last"


# --------------------------------------------------------------------------- keystore


def keystore(
    alias: str = typer.Option(..., "--alias", help="The remote cluster alias the API key is for."),
    fmt: str = typer.Option("console", "--format", metavar="console|curl", help="Form of the reload call."),
    es_url: Optional[str] = typer.Option(None, "--es-url", metavar="URL", help="For --format curl."),
    es_ca: Optional[Path] = typer.Option(None, "--es-ca", metavar="CA.pem", help="For --format curl."),
    as_json: bool = typer.Option(False, "--json", help="Print the steps as JSON."),
) -> None:
    """Print how to store the encoded cross-cluster API key on the local cluster and reload it."""
    import shlex

    from certkit import wire as wiring
    from certkit.errors import UsageError
    from certkit.model import Report

    if fmt not in ("console", "curl"):
        raise UsageError(f"--format {fmt!r}: choose console or curl")
    report = Report()
    steps = wiring.keystore_instructions(alias, report)
    warn_all(report.warnings)
    if as_json:
        emit_json({"setting": steps.setting, "command": list(steps.command),
                   "stdin_command": list(steps.stdin_command),
                   "reload": {"method": steps.reload_method, "path": steps.reload_path}})
        return
    reload_call = wiring.render_request(steps.reload_method, steps.reload_path, None, fmt, es_url=es_url,
                                        es_ca=str(es_ca) if es_ca else None)
    lines = [
        "# 1. On every node of the local cluster, store the encoded cross-cluster API key",
        '#    ("encoded" in the answer of POST /_security/cross_cluster/api_key). The tool asks',
        "#    for it without echo; in a script, feed it on standard input instead:",
        f"#      {shlex.join(steps.stdin_command)} < FILE",
        shlex.join(steps.command),
        "# 2. Then reload the secure settings of every node (no restart needed); a password-",
        '#    protected keystore needs the body {"secure_settings_password": "..."}:',
    ]
    from certkit.io.terminal import visible_lines

    typer.echo(visible_lines("\n".join(lines) + "\n" + reload_call), nl=False)
