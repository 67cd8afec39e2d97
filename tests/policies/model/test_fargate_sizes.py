"""The Fargate size table against the one cfn-lint ships (AWS's valid cpu/memory combinations)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from model import fargate_sizes

# cfn-lint's patterns put the case-insensitive flag mid-expression ("^1\\s*(?i)vCpu$"), which Python's `re`
# rejects; at the front it means the same here, because what precedes it is digits and spaces.
CFN_LINT_SCHEMA = json.loads(
    resources.files("cfnlint.data.schemas.extensions.aws_ecs_taskdefinition").joinpath("fargate_cpu_memory.json")
    .read_text()
    .replace('"^', '"(?i)^')
    .replace("(?i)vCpu", "vCpu")
    .replace("(?i)GB", "GB")
)
# cfn-lint 1.58.0 also lists cpu 32768 (32 vCPU); AWS's table of Fargate task sizes ends at 16384, and so does ours.
CFN_LINT_ONLY_CPUS = {32768}


def cfn_lint_accepts(cpu: int | str, memory: int | str) -> bool:
    task = {"RequiresCompatibilities": ["FARGATE"], "Cpu": str(cpu), "Memory": memory}
    return jsonschema.Draft7Validator(CFN_LINT_SCHEMA).is_valid(task)


def test_every_combination_in_the_table_is_one_cfn_lint_accepts_and_no_other():
    memories = range(512, 250 * 1024, 512)
    for cpu in (128, 256, 384, 512, 1024, 2048, 3072, 4096, 8192, 16384):
        ours = set(fargate_sizes.valid_memory_for(cpu))
        theirs = {memory for memory in memories if cfn_lint_accepts(cpu, memory)}
        assert ours == theirs, cpu


def test_cfn_lint_differs_only_by_the_rows_aws_does_not_document():
    extra = {cpu for cpu in (32768, 65536) if any(cfn_lint_accepts(cpu, m) for m in (61440, 122880, 249856))}

    assert extra == CFN_LINT_ONLY_CPUS
    assert 32768 not in fargate_sizes.FARGATE_SIZES


@pytest.mark.parametrize("cpu,memory", [(".25 vCPU", "0.5 GB"), ("1 vCPU", "2GB"), ("2 vcpu", "16 GB"),
                                        ("16 vCPU", "120 GB")])
def test_written_units_convert_to_values_both_tables_accept(cpu, memory):
    units, mib = fargate_sizes.cpu_units(cpu), fargate_sizes.memory_mib(memory)

    assert mib in fargate_sizes.valid_memory_for(units)
    assert cfn_lint_accepts(cpu, memory)


@pytest.mark.parametrize("value,units", [("256", 256), (512, 512), (" 1024 ", 1024), ("1 vCPU", 1024),
                                         (".5 vcpu", 512), ("0.1 vCPU", None), ("lots", None), (True, None),
                                         (None, None), (1.5, None)])
def test_cpu_units(value, units):
    assert fargate_sizes.cpu_units(value) == units


@pytest.mark.parametrize("value,mib", [("512", 512), ("0.5 GB", 512), ("2GB", 2048), ("1.1 GB", None)])
def test_memory_mib(value, mib):
    assert fargate_sizes.memory_mib(value) == mib


def test_operating_systems_per_size():
    assert [cpu for cpu in fargate_sizes.FARGATE_SIZES if "WINDOWS" in fargate_sizes.operating_systems_for(cpu)] == [
        1024, 2048, 4096]
