"""Generate policies/model/data/aws_managed_policies.json from the pinned moto release.

    python scripts/generate_managed_policies.py           # rewrite the data file
    python scripts/generate_managed_policies.py --check   # exit 1 when the file differs from moto's

moto (pinned in requirements-dev.txt) ships the current document of every AWS-managed IAM
policy in moto/iam/aws_managed_policies.py. The pack must not depend on moto at run time,
so it reads this generated file instead. moto's full set is about 3.7 MB of JSON, so the
file keeps the documents a rule can meet on an ECS task's roles and lists every other
policy by name and path only (so "AWS does not publish this policy" stays exact):

- ECS, ECR (EC2 Container Registry/Service), KMS, SSM, Secrets Manager and CloudWatch Logs
  policies: what execution and task roles are given to pull, log and read secrets;
- AdministratorAccess, PowerUserAccess, ReadOnlyAccess, AWSDenyAll and the S3 read-only
  and full-access policies: the broad grants ecs-roles-least-privilege names.

A policy listed without its document is read from IAM when live look-ups are on.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = REPO_ROOT / "policies" / "model" / "data" / "aws_managed_policies.json"
KEPT = re.compile(
    r"ECS|EC2Container|KMS|SSM|SecretsManager|CloudWatchLogs"
    r"|^(AdministratorAccess|PowerUserAccess|ReadOnlyAccess|AWSDenyAll|AmazonS3ReadOnlyAccess|AmazonS3FullAccess)$"
)


def moto_policies() -> dict[str, dict]:
    """moto's data, read from the module file without importing moto's IAM backend."""
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("moto is not installed: run `make venv` (it is pinned in requirements-dev.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "iam" / "aws_managed_policies.py"
    module_spec = importlib.util.spec_from_file_location("_berth_aws_managed_policies", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return json.loads(module.aws_managed_policies_data)


def render(policies: dict[str, dict], moto_version: str) -> str:
    data = {
        "source": f"moto {moto_version}, moto/iam/aws_managed_policies.py (scripts/generate_managed_policies.py)",
        "documents": {
            name: {"Path": entry.get("Path", "/"), "Document": entry["Document"]}
            for name, entry in sorted(policies.items()) if KEPT.search(name)
        },
        "listed_only": {
            name: entry.get("Path", "/") for name, entry in sorted(policies.items()) if not KEPT.search(name)
        },
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    expected = render(moto_policies(), importlib.metadata.version("moto"))
    if args.check:
        if not DATA_FILE.is_file() or DATA_FILE.read_text() != expected:
            print(f"{DATA_FILE.relative_to(REPO_ROOT)} differs from the pinned moto's managed policies: "
                  "run python scripts/generate_managed_policies.py", file=sys.stderr)
            return 1
        return 0
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(expected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
