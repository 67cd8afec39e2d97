"""A pack that crashes, never starts, prints garbage, hangs or throws is a clear, bounded error."""

from __future__ import annotations

import time

import pytest

from preflight.api import PreflightError, run_preflight

from .conftest import PACKS, PROJECTS


def failure(pack: str) -> str:
    with pytest.raises(PreflightError) as raised:
        run_preflight(PROJECTS / "basic", stack="dev", policy_pack=PACKS / pack)
    return raised.value.message


def test_pack_that_crashes_while_loading_shows_its_stderr():
    message = failure("crash_on_start")
    assert message.startswith(f"policy pack {PACKS / 'crash_on_start'} exited with code 1 before printing its port\n"
                              "its stderr (last lines):\n")
    assert message.endswith("RuntimeError: rule module 'network' failed to load: no such file")


def test_pack_that_never_starts_is_stopped_after_the_timeout(monkeypatch):
    monkeypatch.setenv("PREFLIGHT_PACK_TIMEOUT", "1.5")
    started = time.monotonic()
    message = failure("never_starts")
    assert time.monotonic() - started < 10
    assert message == (f"policy pack {PACKS / 'never_starts'} did not print its port within 1.5 s "
                       "(set PREFLIGHT_PACK_TIMEOUT to allow longer)\nit wrote nothing to stderr")


def test_pack_that_prints_something_else_than_its_port():
    assert failure("prints_garbage") == (
        f"policy pack {PACKS / 'prints_garbage'} printed 'Loading berth rules...' where the engine expects its "
        "port number\nit wrote nothing to stderr"
    )


@pytest.mark.parametrize(
    ("misbehaviour", "what"),
    [
        ("exit", "crashed during Analyze for urn:pulumi:dev::basic::aws:cloudwatch/logGroup:LogGroup::logs (exit code 3)"),
        ("hang", "did not answer Analyze for urn:pulumi:dev::basic::aws:cloudwatch/logGroup:LogGroup::logs "
                 "within 4 s (set PREFLIGHT_PACK_TIMEOUT to allow longer)"),
        ("raise", "failed during Analyze for urn:pulumi:dev::basic::aws:cloudwatch/logGroup:LogGroup::logs: "
                  "Exception calling application: 'retentionInDays'"),
    ],
)
def test_pack_that_fails_while_analysing(monkeypatch, misbehaviour: str, what: str):
    # Long enough for the pack to start on a busy machine, short enough for a hang to be quick.
    monkeypatch.setenv("PREFLIGHT_PACK_TIMEOUT", "4")
    monkeypatch.setenv("FIXTURE_PACK_MISBEHAVIOUR", misbehaviour)
    assert failure("misbehaving") == f"policy pack {PACKS / 'misbehaving'} {what}\nit wrote nothing to stderr"


def test_invalid_timeout_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("PREFLIGHT_PACK_TIMEOUT", "soon")
    assert failure("basic") == "PREFLIGHT_PACK_TIMEOUT is 'soon'; set it to a number of seconds, e.g. 30"


def test_directory_without_pulumipolicy_yaml(tmp_path):
    with pytest.raises(PreflightError) as raised:
        run_preflight(PROJECTS / "basic", stack="dev", policy_pack=tmp_path)
    assert raised.value.message == (f"{tmp_path}: no PulumiPolicy.yaml; pass the policy pack's directory to "
                                    "--policy-pack")


def test_pack_virtualenv_is_created_when_absent_and_the_pack_runs_with_it(tmp_path, capfd):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n")
    (pack / "__main__.py").write_text((PACKS / "basic" / "__main__.py").read_text())

    message = failure_for(pack)

    assert (pack / "venv" / "bin" / "python").exists()
    assert capfd.readouterr().err == (f"preflight: creating the policy pack's virtualenv {pack / 'venv'} from "
                                      "requirements.txt (once; this takes a while)\n")
    # The new virtualenv has no requirements.txt to install, so it lacks pulumi: proof that
    # the pack ran with the virtualenv's interpreter, not preflight's.
    assert message == (
        f"policy pack {pack} exited with code 1 before printing its port\nits stderr (last lines):\n"
        f"{pack / 'venv' / 'bin' / 'python'}: Error while finding module specification for 'pulumi.policy' "
        "(ModuleNotFoundError: No module named 'pulumi')"
    )


def failure_for(pack):
    with pytest.raises(PreflightError) as raised:
        run_preflight(PROJECTS / "basic", stack="dev", policy_pack=pack)
    return raised.value.message
