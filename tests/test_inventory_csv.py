"""instances generate --from-csv: a header row is recognised by its column names (in any
order and case) and never becomes a node; ',', ';' and tab separators are decided from the
first line; ambiguous or mixed input is refused with one line."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import assert_one_line_error

THREE_NODES = [
    {"name": "es01", "dns": ["es01.example"], "ip": ["10.0.0.1"]},
    {"name": "es02", "dns": ["es02.example", "es02.alt.example"], "ip": ["10.0.0.2"]},
    {"name": "es03", "dns": [], "ip": ["10.0.0.3", "10.0.0.4"]},
]


def generate(cli, tmp_path, text: str, *, encoding: str = "utf-8"):
    inventory = tmp_path / "nodes.csv"
    inventory.write_bytes(text.encode(encoding))
    return cli("instances", "generate", "--cluster-id", "c1", "--scope-id", "s1", "--from-csv", inventory,
               "--out", "-")


def nodes(cli, tmp_path, text: str, **kwargs) -> list[dict]:
    result = generate(cli, tmp_path, text, **kwargs)
    assert result.exit_code == 0, result.stderr
    return [{"name": e["name"], "dns": e.get("dns", []), "ip": e.get("ip", [])}
            for e in yaml.safe_load(result.stdout)["instances"]]


@pytest.mark.parametrize("text", [
    "hostname,dns,ip\nes01,es01.example,10.0.0.1\nes02,es02.example es02.alt.example,10.0.0.2\nes03,,10.0.0.3 10.0.0.4\n",
    "Name,DNS,IP\nes01,es01.example,10.0.0.1\nes02,es02.example;es02.alt.example,10.0.0.2\nes03,,10.0.0.3;10.0.0.4\n",
    "ip,node,dns\n10.0.0.1,es01,es01.example\n10.0.0.2,es02,es02.example es02.alt.example\n"
    '"10.0.0.3 10.0.0.4",es03,\n',
    # Excel with ';' (a decimal-comma locale): BOM, CRLF, ',' between the values of a cell.
    "\ufeffhostname;dns;ip\r\nes01;es01.example;10.0.0.1\r\nes02;es02.example,es02.alt.example;10.0.0.2\r\n"
    "es03;;10.0.0.3,10.0.0.4\r\n",
    "es01;es01.example;10.0.0.1\nes02;es02.example es02.alt.example;10.0.0.2\nes03;;10.0.0.3 10.0.0.4\n",
    "name\tdns\tip\nes01\tes01.example\t10.0.0.1\nes02\tes02.example,es02.alt.example\t10.0.0.2\n"
    "es03\t\t10.0.0.3;10.0.0.4\n",
    "# inventory\n\nes01\tes01.example\t10.0.0.1\nes02\tes02.example es02.alt.example\t10.0.0.2\nes03\t\t10.0.0.3 10.0.0.4\n",
], ids=["hostname-header", "upper-case-header", "reordered-header", "excel-semicolon", "semicolon-no-header",
        "tab-header", "tab-after-comment"])
def test_headers_and_separators(cli, tmp_path, text):
    assert nodes(cli, tmp_path, text) == THREE_NODES


def test_a_header_is_never_a_node(cli, tmp_path):
    names = [n["name"] for n in nodes(cli, tmp_path, "hostname,dns,ip\nes01,,\n")]
    assert names == ["es01"]


def test_a_node_named_node_is_a_node_not_a_header(cli, tmp_path):
    assert nodes(cli, tmp_path, "node,node.example,10.0.0.9\n") == [
        {"name": "node", "dns": ["node.example"], "ip": ["10.0.0.9"]}]


def test_a_header_with_only_some_columns(cli, tmp_path):
    assert nodes(cli, tmp_path, "ip;name\n10.0.0.1;es01\n") == [{"name": "es01", "dns": [], "ip": ["10.0.0.1"]}]


@pytest.mark.parametrize(("text", "fragments"), [
    ("es01,es01.example;es01.alt.example,10.0.0.1\n", ("line 1", "both ',' and ';'")),
    ("hostname,dns,ip\nes01,es01.example,10.0.0.1\nes02;es02.example;10.0.0.2\n", ("line 3", "';'", "','")),
    ("es01;es01.example;10.0.0.1\nes02,es02.example,10.0.0.2\n", ("line 2", "separated by ','")),
    ("hostname,dns,ip,rack\nes01,,,r1\n", ("unknown column 'rack'",)),
    ("name,hostname,ip\nes01,es01,10.0.0.1\n", ("name column twice",)),
    ("dns,ip\nes01.example,10.0.0.1\n", ("no name column",)),
    ("name,dns,ip\nes01,a.example,10.0.0.1,extra\n", ("line 2", "4 columns")),
    ("name,dns,ip\n,a.example,10.0.0.1\n", ("line 2", "name column is empty")),
    ("name,dns,ip\n# nothing else\n", ("lists no nodes",)),
    ("\n\n", ("lists no nodes",)),
])
def test_refused_with_one_line(cli, tmp_path, text, fragments):
    assert_one_line_error(generate(cli, tmp_path, text), *fragments)
