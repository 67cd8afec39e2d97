"""Print, for each scenario and mode, what the pack concludes today against what the scenario expects.

    python -m tests.scenarios.gaps [PREFIX ...]    # e.g. iam- kms- ; default: every scenario

One line per scenario and mode: `ok`, or each mismatch the runner would report (first line of
each message only). Runs as the runner does: no AWS credentials, the update judged whole.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from preflight.api import PreflightError, run_preflight
from tests.scenarios.scenarios import MODES, POLICY_PACK, REPO_ROOT, load_scenarios, mismatches


def isolated_environment(scratch: Path) -> None:
    os.environ["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(scratch / "no-credentials")
    os.environ["AWS_CONFIG_FILE"] = str(scratch / "no-config")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def main(prefixes: list[str]) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        isolated_environment(Path(scratch))
        for scenario in load_scenarios():
            if prefixes and not scenario.slug.startswith(tuple(prefixes)):
                continue
            for mode in MODES:
                try:
                    report = run_preflight(scenario.directory, stack="test", mode=mode, policy_pack=POLICY_PACK,
                                           policy_config=scenario.policy_config, invokes=scenario.invokes,
                                           evaluate_all=mode == "update")
                except PreflightError as error:
                    print(f"- `{scenario.slug}` {mode}: preflight error: {str(error).splitlines()[0]}", flush=True)
                    continue
                problems = [problem.splitlines()[0] for problem in mismatches(scenario, mode, report)]
                print(f"- `{scenario.slug}` {mode}: {'; '.join(problems) or 'ok'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
