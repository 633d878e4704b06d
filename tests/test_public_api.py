"""The library's declared API: package ``__all__``s, the usage example, errors that pickle
and name parameters (the CLI names flags)."""

from __future__ import annotations

import importlib
import inspect
import pickle
import subprocess
import sys
import textwrap

import pytest

import certkit
from certkit.errors import CertkitError, InputError, UsageError, param
from tests.conftest import assert_one_line_error

STAGE_PACKAGES = ("plan", "issue", "audit", "wire", "io", "jdk")


def test_the_usage_example_of_certkit_runs_as_written(capsys):
    example = certkit.__doc__.split("::\n", 1)[1].split("\n\nThis module", 1)[0]
    exec(compile(textwrap.dedent(example), "certkit.__doc__", "exec"), {})
    assert capsys.readouterr().out.splitlines() == [f"nodes.pem#{n} admitted" for n in (1, 2, 3)]


@pytest.mark.parametrize("package", STAGE_PACKAGES)
def test_every_public_name_resolves_to_its_module(package):
    module = importlib.import_module(f"certkit.{package}")
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isfunction(value) or inspect.isclass(value):  # not constants nor type aliases
            assert value.__module__.startswith(f"certkit.{package}."), (name, value.__module__)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


@pytest.mark.parametrize("package", STAGE_PACKAGES)
def test_importing_a_package_imports_none_of_its_modules(package):
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, certkit.{package}; "
         f"print(sorted(m for m in sys.modules if m.startswith('certkit.{package}.')))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert loaded == "[]"


def test_errors_pickle_with_their_class_and_state():
    from certkit.patterns.language import PatternError
    from certkit.wire.http import ElasticsearchRejected

    pattern_error = PatternError("/a{/", f"{param('name')} is refused", "unbalanced", hint="see the docs")
    rejected = ElasticsearchRejected("400 Bad Request", None, 400, {"error": "x"})
    for error in (pattern_error, rejected, pattern_error.within("trust.yml")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.message, copy.hint, copy.parameter, copy.exit_code) == \
               (error.message, error.hint, error.parameter, error.exit_code)
        assert {k: v for k, v in vars(copy).items()} == {k: v for k, v in vars(error).items()}
    assert pickle.loads(pickle.dumps(pattern_error.within("trust.yml"))).pattern == "/a{/"
    assert pattern_error.within("trust.yml").message == "trust.yml: name is refused"


def test_an_error_names_the_parameter_and_the_cli_names_the_flag(cli):
    from certkit.cli._parameters import explain
    from certkit.issue import check_days

    with pytest.raises(InputError) as caught:
        check_days(0)
    assert str(caught.value) == "days must be a positive number of days, not 0"
    assert caught.value.parameter == "days"
    assert explain(caught.value) == ("--days must be a positive number of days, not 0", None)
    assert_one_line_error(cli("ca", "--days", "0"), "--days must be a positive number of days, not 0")

    both = UsageError(f"{param('trust_all')} and {param('trust_allowlist')} exclude each other",
                      hint=f"or use {param('scope_id')}")
    assert both.parameters == ("trust_all", "trust_allowlist", "scope_id")
    assert explain(both) == ("--trust-all and --trust-allowlist exclude each other", "or use --scope-id")


def test_a_quoted_value_cannot_pass_for_a_parameter():
    # A value that looks like a reference (a file name, say) is text: only param() makes one.
    error = CertkitError("cannot read {days} or <days>")
    assert error.parameters == () and error.message == "cannot read {days} or <days>"
    with pytest.raises(ValueError):
        param("--days")
