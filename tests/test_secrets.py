"""certkit.io.secrets: where passwords come from, and that they are warned about when exposed."""

from __future__ import annotations

import pytest

from certkit.cli._secrets import CA_PASS, PASS, resolve_secret
from certkit.errors import InputError


def test_file_beats_environment_and_literal(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("from-file\nsecond line ignored\n")
    secret.chmod(0o600)
    warnings: list[str] = []
    value = resolve_secret(PASS, literal="lit", file=secret, environ={"CERTKIT_PASS": "env"}, warn=warnings.append)
    assert value == "from-file"
    assert warnings == []


def test_world_readable_secret_file_is_warned_about(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("x")
    secret.chmod(0o644)
    warnings: list[str] = []
    resolve_secret(CA_PASS, file=secret, environ={}, warn=warnings.append)
    assert len(warnings) == 1 and "readable by other users" in warnings[0]
    assert "x" not in warnings[0].replace(str(secret), "")


def test_environment_then_literal_with_warning():
    warnings: list[str] = []
    assert resolve_secret(CA_PASS, literal="lit", environ={"CERTKIT_CA_PASS": "env"}, warn=warnings.append) == "env"
    assert resolve_secret(CA_PASS, literal="lit", environ={}, warn=warnings.append) == "lit"
    assert len(warnings) == 1 and "--ca-pass-file" in warnings[0] and "lit" not in warnings[0]


def test_no_source_and_no_terminal_means_no_password():
    assert resolve_secret(PASS, environ={}, prompt=True) is None


def test_empty_file_is_the_empty_password(tmp_path):
    secret = tmp_path / "pw"
    secret.write_bytes(b"")
    secret.chmod(0o600)
    assert resolve_secret(PASS, file=secret, environ={}) == ""


@pytest.mark.parametrize("kind", ["missing", "folder", "binary"])
def test_unreadable_secret_files(tmp_path, kind):
    path = tmp_path / "pw"
    if kind == "folder":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\xfa")
        path.chmod(0o600)
    with pytest.raises(InputError, match="password"):
        resolve_secret(PASS, file=path, environ={})


@pytest.mark.parametrize("kind", ["endless device", "huge file", "folder", "missing"])
def test_a_secret_file_that_cannot_hold_a_secret_is_one_error(tmp_path, kind):
    from certkit.io.secrets import MAX_SECRET_FILE_BYTES, read_secret_file

    path = {"endless device": "/dev/zero", "folder": str(tmp_path), "missing": str(tmp_path / "nope")}.get(kind)
    if kind == "huge file":
        huge = tmp_path / "pw"
        with open(huge, "wb") as stream:
            stream.truncate(MAX_SECRET_FILE_BYTES + 1)  # sparse: costs nothing to make
        path = str(huge)
    with pytest.raises(InputError) as caught:
        read_secret_file(path, "the CA password", warn=lambda _: None)
    message = str(caught.value)
    assert "the file for the CA password" in message and path in message
    assert "\n" not in message
