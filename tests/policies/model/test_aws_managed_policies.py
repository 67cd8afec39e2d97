"""The pack's copy of AWS-managed policies is exactly what the pinned moto release ships."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from model.iam_roles import MANAGED_POLICIES_FILE, aws_managed_policy, is_listed_aws_managed
from scripts.generate_managed_policies import DATA_FILE, main, moto_policies, render

REPO = Path(__file__).resolve().parents[3]


def test_the_data_file_is_what_the_generator_makes_from_the_installed_moto():
    assert DATA_FILE == MANAGED_POLICIES_FILE
    assert DATA_FILE.read_text() == render(moto_policies(), importlib.metadata.version("moto"))
    assert main(["--check"]) == 0


def test_the_installed_moto_is_the_pinned_one():
    pins = re.findall(r"^moto\[server\]==(\S+)$", (REPO / "requirements-dev.txt").read_text(), flags=re.M)

    assert pins == [importlib.metadata.version("moto")]


def test_the_pack_does_not_install_moto():
    requirements = (REPO / "policies" / "requirements.txt").read_text().lower()

    assert [line.split("==")[0] for line in requirements.splitlines() if line and not line.startswith("#")] == [
        "pulumi-policy", "pulumi", "boto3"]


def test_every_managed_policy_is_either_kept_with_its_document_or_listed():
    every = moto_policies()
    for name, entry in every.items():
        arn = f"arn:aws:iam::aws:policy{entry.get('Path', '/')}{name}"
        document = aws_managed_policy(arn)
        assert (document == entry["Document"]) != is_listed_aws_managed(arn), name


def test_the_policies_the_rules_name_keep_their_documents():
    for path_and_name in ("/service-role/AmazonECSTaskExecutionRolePolicy", "/AdministratorAccess", "/PowerUserAccess",
                          "/ReadOnlyAccess", "/AmazonSSMReadOnlyAccess", "/AmazonSSMFullAccess",
                          "/SecretsManagerReadWrite", "/AmazonS3ReadOnlyAccess", "/AmazonS3FullAccess",
                          "/CloudWatchLogsFullAccess", "/AmazonEC2ContainerRegistryFullAccess",
                          "/AmazonEC2ContainerRegistryReadOnly"):
        assert aws_managed_policy(f"arn:aws:iam::aws:policy{path_and_name}") is not None, path_and_name


def test_a_changed_data_file_fails_the_check(tmp_path, monkeypatch, capsys):
    import scripts.generate_managed_policies as generator

    changed = tmp_path / "aws_managed_policies.json"
    changed.write_text(DATA_FILE.read_text().replace('"Effect": "Allow"', '"Effect": "Deny"', 1))
    monkeypatch.setattr(generator, "DATA_FILE", changed)
    monkeypatch.setattr(generator, "REPO_ROOT", tmp_path)

    assert main(["--check"]) == 1
    assert "differs from the pinned moto's managed policies" in capsys.readouterr().err
