"""certkit wire remote: the PUT /_cluster/settings body, its addresses and aliases."""

from __future__ import annotations

import json

import pytest

from tests.conftest import assert_one_line_error
from tests.wiring_support import rest_spec


def body(cli, *args) -> dict:
    result = cli("wire", "remote", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def remote_of(document: dict, alias: str) -> dict:
    assert list(document) == ["persistent"]
    return document["persistent"]["cluster"]["remote"][alias]


def test_proxy_mode_is_the_default(cli):
    remote = remote_of(body(cli, "--alias", "cloud", "--address", "deploy.es.io:9443"), "cloud")
    assert remote == {"mode": "proxy", "proxy_address": "deploy.es.io:9443"}


@pytest.mark.parametrize(("given", "written"), [
    ("[2001:db8::1]:9443", "[2001:db8::1]:9443"),
    ("[2001:DB8:0:0:0:0:0:1]:9443", "[2001:db8::1]:9443"),
    ("[::1]:1", "[::1]:1"),
    ("192.0.2.10:9300", "192.0.2.10:9300"),
    ("node_1.internal:65535", "node_1.internal:65535"),
    ("ES.Example.COM.:9443", "ES.Example.COM.:9443"),
])
def test_addresses(cli, given, written):
    assert remote_of(body(cli, "--alias", "a", "--address", given), "a")["proxy_address"] == written


@pytest.mark.parametrize(("given", "fragment", "hint"), [
    ("2001:db8::1:9443", "must be in brackets", "[2001:db8::1]:9443"),
    ("2001:db8::1", "must be in brackets", "[2001:db8::1]:9443"),
    ("[2001:db8::1]", "has no port", "[2001:db8::1]:9443"),
    ("[2001:db8::1:9443", "without closing", None),
    ("[example.com]:9443", "not an IPv6 address", None),
    ("example.com", "has no port", "example.com:9443"),
    (":9443", "has no host", None),
    ("example.com:0", "from 1 to 65535", None),
    ("example.com:65536", "from 1 to 65535", None),
    ("example.com:94a3", "from 1 to 65535", None),
    ("example.com:\u00b9", "from 1 to 65535", None),  # superscript one: str.isdigit() says yes
    ("example.com:\u0669\u0664\u0664\u0663", "from 1 to 65535", None),  # Arabic-Indic 9443: int() takes it
    ("exa mple.com:9443", "is not a host name", None),
    ("-bad.example:9443", "is not a host name", None),
    ("a..b:9443", "is not a host name", None),
    ("http://example.com:9443", "is a URL", "example.com:9443"),
    ("node:x:9443", "is not a host name", None),
])
def test_bad_addresses(cli, given, fragment, hint):
    result = cli("wire", "remote", "--alias", "a", "--address", given)
    assert_one_line_error(result, fragment)
    if hint:
        assert hint in result.stderr


def test_sniff_mode_takes_seeds(cli):
    remote = remote_of(body(cli, "--alias", "sm", "--mode", "sniff", "--address", "10.0.0.1:9300",
                            "--address", "[fd00::2]:9300", "--address", "10.0.0.1:9300",
                            "--node-connections", "5"), "sm")
    assert remote == {"mode": "sniff", "seeds": ["10.0.0.1:9300", "[fd00::2]:9300"], "node_connections": 5}


def test_optional_proxy_settings(cli):
    remote = remote_of(body(cli, "--alias", "a", "--address", "p.example:9443", "--server-name", "p.example",
                            "--socket-connections", "18", "--no-skip-unavailable"), "a")
    assert remote == {"mode": "proxy", "proxy_address": "p.example:9443", "server_name": "p.example",
                      "proxy_socket_connections": 18, "skip_unavailable": False}


def test_remove_nulls_every_setting_of_the_alias(cli):
    from certkit.wire.remote import REMOTE_CLUSTER_SETTINGS

    remote = remote_of(body(cli, "--alias", "gone", "--remove"), "gone")
    assert set(remote) == set(REMOTE_CLUSTER_SETTINGS)
    assert all(value is None for value in remote.values())
    # Everything `wire remote` can set is among what --remove clears.
    added = remote_of(body(cli, "--alias", "gone", "--address", "p:1", "--server-name", "p",
                           "--socket-connections", "2", "--skip-unavailable"), "gone")
    sniffed = remote_of(body(cli, "--alias", "gone", "--mode", "sniff", "--address", "p:1",
                             "--node-connections", "2"), "gone")
    assert set(added) | set(sniffed) <= set(remote)


def test_upper_case_alias_is_a_warning_for_cloud(cli):
    result = cli("wire", "remote", "--alias", "Cloud_Prod", "--address", "p.example:9443")
    assert result.exit_code == 0
    assert "lower-case" in result.stderr
    assert "Cloud_Prod" in json.loads(result.stdout)["persistent"]["cluster"]["remote"]


REFUSED = [
    (["--alias", "bad.alias", "--address", "p:1"], "'.'"),
    (["--alias", "bad alias", "--address", "p:1"], "' '"),
    (["--alias", "a:b", "--address", "p:1"], "':'"),
    (["--alias", "", "--address", "p:1"], "alias is empty"),
    (["--alias", "a"], "give the remote address"),
    (["--alias", "a", "--address", "p:1", "--address", "q:1"], "proxy mode takes one --address"),
    (["--alias", "a", "--address", "p:1", "--mode", "sniff", "--server-name", "p"], "proxy-mode setting"),
    (["--alias", "a", "--address", "p:1", "--mode", "sniff", "--socket-connections", "3"], "proxy-mode setting"),
    (["--alias", "a", "--address", "p:1", "--node-connections", "3"], "sniff-mode setting"),
    (["--alias", "a", "--address", "p:1", "--socket-connections", "0"], "at least 1"),
    (["--alias", "a", "--address", "p:1", "--mode", "direct"], "choose proxy or sniff"),
    (["--alias", "a", "--address", "p:1", "--server-name", "192.0.2.1"], "is an IP address"),
    (["--alias", "a", "--address", "p:1", "--server-name", "bad_name!"], "is not a host name"),
    (["--alias", "a", "--remove", "--address", "p:1"], "--remove takes only the alias"),
    (["--alias", "a", "--address", "p:1", "--format", "yaml"], "choose json, console or curl"),
    (["--alias", "a", "--address", "p:1", "--api-key-file", "k"], "--api-key-file is for --apply"),
]


@pytest.mark.parametrize(("args", "fragment"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_refused_with_one_line(cli, args, fragment):
    result = cli("wire", "remote", *args)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""


def test_console_form_names_the_api_of_the_rest_spec(cli):
    """The console line is the method and path of cluster.put_settings in the REST spec."""
    spec = rest_spec("cluster.put_settings")
    (path,) = spec["url"]["paths"]
    result = cli("wire", "remote", "--alias", "a", "--address", "p:9443", "--format", "console")
    first, rest = result.stdout.split("\n", 1)
    assert first == f"{path['methods'][0]} {path['path']}"
    assert remote_of(json.loads(rest), "a")["proxy_address"] == "p:9443"


def test_curl_form_carries_no_secret_and_is_valid_shell(cli, tmp_path):
    import subprocess

    result = cli("wire", "remote", "--alias", "a", "--address", "p:9443", "--format", "curl",
                 env={"CERTKIT_ES_API_KEY": "c2VjcmV0LWtleQ=="})
    assert "c2VjcmV0LWtleQ==" not in result.stdout
    assert "${CERTKIT_ES_API_KEY:?" in result.stdout
    script = tmp_path / "put.sh"
    script.write_text(result.stdout)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
