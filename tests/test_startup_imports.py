"""`certkit --help` stays fast: nothing heavy is imported until a command needs it.

Each check runs in a fresh interpreter (this test process has imported everything
already). Timing is left to scripts/bench_startup.py; these tests pin the cause.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from certkit.cli import COMMAND_MODULE_OF, COMMAND_MODULES

# Third-party packages only commands may import, and certkit's library modules (which
# import them). certkit.errors and certkit.model are plain Python and allowed.
HEAVY_PACKAGES = ("cryptography", "yaml", "rich", "pyasn1", "pyasn1_modules", "markdown", "markdown_it", "mdurl", "pygments",
                  "pydantic")
# slow: each test starts fresh interpreters to see what an import pulls in; the full suite
# runs it, the fast tier does not.
pytestmark = pytest.mark.slow

ALLOWED_CERTKIT = {"certkit", "certkit.errors", "certkit.model"}

PROBE = """
import json, sys
{prepare}
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in {heavy!r} or (m.startswith("certkit") and not m.startswith("certkit.cli")))
print(json.dumps(loaded))
"""


def _loaded_after(prepare: str) -> list[str]:
    code = PROBE.format(prepare=prepare, heavy=HEAVY_PACKAGES)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_building_the_whole_cli_imports_nothing_heavy():
    loaded = _loaded_after("from certkit.cli import build_app\nbuild_app()")
    assert [m for m in loaded if m not in ALLOWED_CERTKIT] == []


@pytest.mark.parametrize("argv", [["--help"], ["restrictions", "check", "--help"], ["--version"]]
                         + [[command, "--help"] for command in sorted(COMMAND_MODULE_OF)])
def test_help_imports_no_library_module(argv):
    prepare = (
        "import io, contextlib\n"
        "from certkit.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({argv!r})\n"
    )
    loaded = _loaded_after(prepare)
    # Help is click's plain text (rich_markup_mode=None): typer's rich help imports
    # rich.markdown, markdown_it and pygments (a quarter of a second) for panels that also
    # cut option names at 80 columns. So a help page imports nothing heavy at all.
    assert [m for m in loaded if m not in ALLOWED_CERTKIT] == []


def test_command_table_matches_what_modules_register():
    """COMMAND_MODULE_OF (which module to build for `certkit COMMAND`) covers every command."""
    import importlib

    import typer

    registered: dict[str, str] = {}
    for module_name in COMMAND_MODULES:
        app = typer.Typer()
        importlib.import_module(f"certkit.cli.{module_name}").register(app)
        names = [c.name or c.callback.__name__ for c in app.registered_commands]
        names += [g.name or g.typer_instance.info.name for g in app.registered_groups]
        for name in names:
            registered[name.replace("_", "-")] = module_name
    assert registered == COMMAND_MODULE_OF


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMAND_MODULE_OF))
def test_each_command_help_works_with_only_its_module(command):
    result = subprocess.run([sys.executable, "-m", "certkit", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Usage: certkit " + command in " ".join(result.stdout.split())


def test_unknown_command_still_suggests_from_every_command():
    result = subprocess.run([sys.executable, "-m", "certkit", "restriction"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "restrictions" in result.stderr


def test_issuing_keystores_needs_no_asn1_library():
    """Every issuing worker writes keystores: certkit.keystores.writer writes their DER itself,
    so the ~100 ms of pyasn1-modules imports is paid only by commands that read PKCS#12."""
    loaded = _loaded_after("import certkit.issue.bundle, certkit.keystores.writer, certkit.issue.leaf")
    assert [m for m in loaded if m.startswith("pyasn1")] == []
