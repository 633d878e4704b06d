"""`--force` never deletes what certkit did not write (issue 13, point 2).

`cert ... --pem --out DIR --force` used to replace the whole folder, and with it the
user's NOTES.txt, other/important.db and .ssh/id_rsa. Now --force replaces only certkit's
own files and refuses (one error line naming one foreign file, nothing touched) a folder
that holds anything else; `demo --force` behaves the same for the demo's folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from certkit.io.outputs import OutputFile, write_tree
from tests.conftest import assert_one_line_error
from tests.hostile_support import files_below, make_workspace

FOREIGN = {"NOTES.txt": b"my notes", "other/important.db": b"\x00db", ".ssh/id_rsa": b"-----BEGIN OPENSSH KEY"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("force-ws"))


def _plant(folder: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _cert(cli, ws, out: Path, *names: str):
    instances = out.parent / f"instances-{'-'.join(names)}.yml"
    instances.write_text("instances:\n" + "".join(f"  - name: {name}\n" for name in names))
    return cli("cert", "--ca", ws.ca_p12, "--pem", "--in", instances, "--out", out, "--force")


@pytest.mark.parametrize("foreign", sorted(FOREIGN))
def test_cert_force_refuses_a_folder_with_foreign_files_and_touches_nothing(cli, ws, tmp_path, foreign):
    out = tmp_path / "bundle"
    assert _cert(cli, ws, out, "es01").exit_code == 0
    _plant(out, {foreign: FOREIGN[foreign]})
    before = _contents(out)
    result = _cert(cli, ws, out, "es01")
    assert_one_line_error(result, str(out), foreign, "certkit did not write")
    assert "hint: move" in result.stderr
    assert _contents(out) == before  # the old bundle and the foreign file, byte for byte
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".certkit-tmp-")]


def test_all_three_foreign_files_survive_and_one_is_named(cli, ws, tmp_path):
    out = tmp_path / "bundle"
    assert _cert(cli, ws, out, "es01").exit_code == 0
    _plant(out, FOREIGN)
    result = _cert(cli, ws, out, "es01")
    assert_one_line_error(result, "certkit did not write")
    assert sum(name in result.stderr.splitlines()[0] for name in FOREIGN) == 1
    assert {k: v for k, v in _contents(out).items() if k in FOREIGN} == FOREIGN


def test_cert_force_replaces_certkits_own_files_including_an_earlier_bundles_nodes(cli, ws, tmp_path):
    out = tmp_path / "bundle"
    assert _cert(cli, ws, out, "es01", "es02").exit_code == 0
    old_key = (out / "es01" / "es01.key").read_bytes()
    assert _cert(cli, ws, out, "es01").exit_code == 0
    assert files_below(out) == {"ca", "ca/ca.crt", "es01", "es01/es01.crt", "es01/es01.key"}
    assert (out / "es01" / "es01.key").read_bytes() != old_key
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".certkit-tmp-")]


def test_a_symlink_inside_the_folder_is_foreign_and_its_target_untouched(cli, ws, tmp_path):
    out = tmp_path / "bundle"
    assert _cert(cli, ws, out, "es01").exit_code == 0
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data").write_text("keep")
    (out / "link").symlink_to(precious, target_is_directory=True)
    assert_one_line_error(_cert(cli, ws, out, "es01"), "link", "certkit did not write")
    assert (precious / "data").read_text() == "keep"


def test_demo_force_refuses_foreign_files_in_its_own_folders(cli, tmp_path):
    folder = tmp_path / "demo"
    assert cli("demo", "--dir", folder).exit_code == 0
    _plant(folder / "certificate-bundle", {"NOTES.txt": b"mine"})
    _plant(folder / "ca", {".ssh/id_rsa": b"key"})
    before = _contents(folder)
    result = cli("demo", "--dir", folder, "--force")
    assert_one_line_error(result, "certkit did not write")
    assert _contents(folder) == before
    (folder / "certificate-bundle" / "NOTES.txt").unlink()
    (folder / "ca" / ".ssh" / "id_rsa").unlink()
    (folder / "ca" / ".ssh").rmdir()
    _plant(folder, {"mine.txt": b"a file of my own beside the demo's"})
    assert cli("demo", "--dir", folder, "--force").exit_code == 0
    assert (folder / "mine.txt").read_bytes() == b"a file of my own beside the demo's"
    assert (folder / "ca" / "ca.key").read_bytes() != before["ca/ca.key"]


def test_a_file_that_appears_after_the_check_is_left_not_deleted(tmp_path):
    """The old folder is emptied member by member: what is not certkit's stays, aside."""
    from certkit.io.outputs import _remove_members

    old = tmp_path / ".certkit-tmp-old"
    _plant(old, {"es01/es01.crt": b"c", "es01/es01.key": b"k", "es01/late.txt": b"arrived late"})
    _remove_members(old, {"es01/es01.crt", "es01/es01.key"})
    assert _contents(old) == {"es01/late.txt": b"arrived late"}


def test_write_tree_force_refuses_a_file_in_place_of_a_folder(tmp_path):
    from certkit.errors import OutputError

    (tmp_path / "bundle").write_bytes(b"a file")
    with pytest.raises(OutputError, match="not a folder"):
        write_tree(tmp_path / "bundle", {"x/x.crt": OutputFile(b"new")}, force=True)
    assert (tmp_path / "bundle").read_bytes() == b"a file"
