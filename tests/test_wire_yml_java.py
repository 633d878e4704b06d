"""`wire yml` layouts loaded by the JDK the way Elasticsearch's SslConfigurationLoader loads them.

tests/java/EsSslContexts.java builds an SSLContext from the exact settings `wire yml`
printed (and the secure settings it says to add) on each side, the two complete a
mutual-TLS handshake on 127.0.0.1, and the certificate each side saw is then judged by
`certkit restrictions check` against the trust file the yml names.
"""

from __future__ import annotations

import pytest
import yaml

from tests.issue_support import CLUSTER_CN

pytestmark = [pytest.mark.jdk, pytest.mark.slow]

PREFIX = "xpack.security.transport.ssl"
NODE_PASSWORD = "node-pass"
LOCAL_CN = CLUSTER_CN.format("es01")  # es01.node.aaaabbbbaaaabbbb.cluster.1053523734.account
REMOTE_CN = "r01.node.ccccddddccccdddd.cluster.1053523734.account"
TRUST = ('trust.subject_name:\n  - "*.node.aaaabbbbaaaabbbb.cluster.1053523734.account"\n'
         '  - "*.node.ccccddddccccdddd.cluster.1053523734.account"\n')


def _issue(cli, folder, name, cn, *, pem: bool, password: str | None):
    """A CA (certkit ca) and one node (certkit cert) inside ``folder``/certs."""
    certs = folder / "certs"
    certs.mkdir(parents=True)
    env = {"CERTKIT_PASS": "ca-pass"}
    assert cli("ca", "--out", certs / "ca.p12", env=env).exit_code == 0
    node_env = {"CERTKIT_CA_PASS": "ca-pass", **({"CERTKIT_PASS": password} if password is not None else {})}
    result = cli("cert", "--ca", certs / "ca.p12", "--name", name, "--cn", cn, *(["--pem"] if pem else []),
                 "--out", certs / "bundle", env=node_env)
    assert result.exit_code == 0, result.stderr
    (folder / "trust.yml").write_text(TRUST)
    return certs / "bundle"


def _properties(path, flat: dict) -> None:
    """The settings as java.util.Properties (lists comma-separated): what the program reads."""
    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("=", "\\=").replace(":", "\\:")

    lines = [f"{escaped(key)}={escaped(','.join(value) if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value))}"
             for key, value in flat.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _secure_settings_listed(yml_text: str) -> list[str]:
    return [line.split("elasticsearch-keystore add ", 1)[1].split()[0]
            for line in yml_text.splitlines() if "elasticsearch-keystore add " in line]


def _node(cli, tmp_path, side: str, args: list[str], secrets: dict[str, str]):
    """Run `wire yml` for one node; write its settings and the secure settings it lists."""
    config = tmp_path / side
    result = cli("wire", "yml", "--config-dir", config, "--restrictions", "trust.yml", *args)
    assert result.exit_code == 0, result.stderr
    flat = yaml.safe_load(result.stdout)
    _properties(tmp_path / f"{side}.properties", flat)
    listed = _secure_settings_listed(result.stdout)
    _properties(tmp_path / f"{side}-secrets.properties", {name: secrets[name] for name in listed})
    return config, flat, listed


def _handshake(java, tmp_path):
    return java("EsSslContexts", PREFIX, tmp_path,
                tmp_path / "local", tmp_path / "local.properties", tmp_path / "local-secrets.properties",
                tmp_path / "remote", tmp_path / "remote.properties", tmp_path / "remote-secrets.properties",
                check=False)


@pytest.fixture
def two_clusters(cli, tmp_path):
    """Local es01 as PKCS#12 with a password; remote r01 as PEM. Each side holds the other's CA."""
    local = _issue(cli, tmp_path / "local", "es01", LOCAL_CN, pem=False, password=NODE_PASSWORD)
    remote = _issue(cli, tmp_path / "remote", "r01", REMOTE_CN, pem=True, password=None)
    (tmp_path / "local" / "certs" / "remote-ca.crt").write_bytes((remote / "ca" / "ca.crt").read_bytes())
    (tmp_path / "remote" / "certs" / "remote-ca.crt").write_bytes((local / "ca" / "ca.crt").read_bytes())
    return tmp_path


def _judged(cli, tmp_path, side: str, saw: str):
    """`restrictions check` on the certificate the other side presented."""
    return cli("restrictions", "check", tmp_path / side / "trust.yml", tmp_path / saw)


@pytest.mark.parametrize("local_layout", ["keystore+truststore", "keystore+cas"])
def test_layouts_load_and_complete_mutual_tls(cli, java, two_clusters, local_layout):
    tmp_path = two_clusters
    if local_layout == "keystore+truststore":
        local_args = ["--keystore", "certs/bundle/es01/es01.p12", "--truststore", "certs/truststore.p12",
                      "--truststore-ca", str(tmp_path / "local" / "certs" / "bundle" / "ca" / "ca.crt"),
                      "--truststore-ca", str(tmp_path / "local" / "certs" / "remote-ca.crt")]
    else:
        local_args = ["--keystore", "certs/bundle/es01/es01.p12", "--ca", "certs/bundle/ca/ca.crt",
                      "--ca", "certs/remote-ca.crt"]
    _config, local_flat, local_listed = _node(cli, tmp_path, "local", local_args,
                                               {f"{PREFIX}.keystore.secure_password": NODE_PASSWORD})
    _config, remote_flat, remote_listed = _node(
        cli, tmp_path, "remote", ["--cert", "certs/bundle/r01/r01.crt", "--key", "certs/bundle/r01/r01.key",
                                  "--ca", "certs/bundle/ca/ca.crt", "--ca", "certs/remote-ca.crt"], {})

    assert local_flat[f"{PREFIX}.verification_mode"] == "certificate"
    assert local_flat[f"{PREFIX}.enabled"] is True
    assert not (f"{PREFIX}.certificate_authorities" in local_flat and f"{PREFIX}.truststore.path" in local_flat)
    # the keystore's password is a secure setting; the trust store certkit wrote needs none; the PEM key is plain
    assert local_listed == [f"{PREFIX}.keystore.secure_password"]
    assert remote_listed == []

    output = _handshake(java, tmp_path).stdout
    assert "loaded server" in output and "loaded client" in output, output
    assert "handshake ok" in output, output
    # each side's trust restrictions admit the node the other side presented
    assert _judged(cli, tmp_path, "local", "server-saw.pem").exit_code == 0
    assert _judged(cli, tmp_path, "remote", "client-saw.pem").exit_code == 0


def test_without_the_listed_secure_setting_the_jdk_cannot_open_the_keystore(cli, java, two_clusters):
    """The password rule: Elasticsearch opens keystore.path with the empty password unless told."""
    tmp_path = two_clusters
    _node(cli, tmp_path, "local", ["--keystore", "certs/bundle/es01/es01.p12", "--ca", "certs/bundle/ca/ca.crt",
                                   "--ca", "certs/remote-ca.crt"], {f"{PREFIX}.keystore.secure_password": NODE_PASSWORD})
    _node(cli, tmp_path, "remote", ["--cert", "certs/bundle/r01/r01.crt", "--key", "certs/bundle/r01/r01.key",
                                    "--ca", "certs/bundle/ca/ca.crt", "--ca", "certs/remote-ca.crt"], {})
    (tmp_path / "local-secrets.properties").write_text("")
    output = _handshake(java, tmp_path).stdout
    assert "load failed server" in output, output


def test_the_node_keystore_as_truststore_refuses_the_remote_node(cli, java, two_clusters):
    """README's old advice: a certutil-style node .p12 as truststore.path trusts only its own CA."""
    tmp_path = two_clusters
    result = cli("wire", "yml", "--config-dir", tmp_path / "local", "--restrictions", "trust.yml",
                 "--keystore", "certs/bundle/es01/es01.p12", "--truststore", "certs/bundle/es01/es01.p12")
    assert result.exit_code == 0, result.stderr
    assert "refuses the remote cluster's nodes" in result.stderr
    _properties(tmp_path / "local.properties", yaml.safe_load(result.stdout))
    listed = _secure_settings_listed(result.stdout)
    assert listed == [f"{PREFIX}.keystore.secure_password", f"{PREFIX}.truststore.secure_password"]
    _properties(tmp_path / "local-secrets.properties", dict.fromkeys(listed, NODE_PASSWORD))
    _node(cli, tmp_path, "remote", ["--cert", "certs/bundle/r01/r01.crt", "--key", "certs/bundle/r01/r01.key",
                                    "--ca", "certs/bundle/ca/ca.crt", "--ca", "certs/remote-ca.crt"], {})
    output = _handshake(java, tmp_path).stdout
    assert "loaded server" in output and "handshake failed" in output, output


@pytest.mark.parametrize("with_ip_san", [True, False])
def test_api_key_model_server_and_client_complete_tls_with_host_name_checks(cli, java, tmp_path, with_ip_san):
    """Port 9443: the remote cluster server's PEM identity, the client's CA list; the client
    verifies the host name (verification_mode full, Elasticsearch's default) against the
    server certificate's IP SAN (a DNS name alone fails the handshake), and the server asks no
    client certificate (its default)."""
    server_config, client_config = tmp_path / "remote", tmp_path / "local"
    (server_config / "certs").mkdir(parents=True)
    (client_config / "certs").mkdir(parents=True)
    assert cli("ca", "--pem", "--dn", "CN=Remote CA", "--out", server_config / "certs" / "ca").exit_code == 0
    issued = cli("cert", "--ca-cert", server_config / "certs" / "ca" / "ca" / "ca.crt",
                 "--ca-key", server_config / "certs" / "ca" / "ca" / "ca.key", "--name", "rcs", *(["--ip", "127.0.0.1"] if with_ip_san else ["--dns", "rcs.example.internal"]),
                 "--pem", "--out", server_config / "certs" / "bundle")
    assert issued.exit_code == 0, issued.stderr
    (client_config / "certs" / "remote-ca.crt").write_bytes((server_config / "certs" / "ca" / "ca" / "ca.crt").read_bytes())
    server = cli("wire", "yml", "--model", "api-key", "--config-dir", server_config,
                 "--server-cert", "certs/bundle/rcs/rcs.crt", "--server-key", "certs/bundle/rcs/rcs.key")
    client = cli("wire", "yml", "--model", "api-key", "--config-dir", client_config, "--ca", "certs/remote-ca.crt")
    assert server.exit_code == 0 and client.exit_code == 0, server.stderr + client.stderr
    _properties(tmp_path / "remote.properties", yaml.safe_load(server.stdout))
    _properties(tmp_path / "local.properties", yaml.safe_load(client.stdout))
    for side in ("remote", "local"):
        (tmp_path / f"{side}-secrets.properties").write_text("")  # the key is not encrypted
    output = java("EsSslContexts", "xpack.security.remote_cluster_server.ssl,xpack.security.remote_cluster_client.ssl",
                  tmp_path, server_config, tmp_path / "remote.properties", tmp_path / "remote-secrets.properties",
                  client_config, tmp_path / "local.properties", tmp_path / "local-secrets.properties",
                  check=False).stdout
    assert "loaded server" in output and "loaded client" in output, output
    if not with_ip_san:
        assert "handshake failed" in output and "127.0.0.1" in output, output
        return
    assert "handshake ok" in output, output
    assert not (tmp_path / "server-saw.pem").exists()  # the remote cluster server asked for no client certificate
