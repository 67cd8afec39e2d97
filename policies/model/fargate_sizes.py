"""The task sizes Fargate accepts, from AWS's table of valid CPU and memory combinations.

Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
(tests/policies/test_fargate_sizes.py checks this table against the one cfn-lint ships).
Task `cpu` may be written in CPU units ("1024") or vCPUs ("1 vCPU"), `memory` in MiB
("2048") or GB ("2 GB"); AWS converts both to integers when it registers the task.
"""

from __future__ import annotations

import re
from typing import Any

# cpu units -> (valid memory values in MiB, operating systems AWS supports at that size)
_LINUX = ("LINUX",)
_LINUX_AND_WINDOWS = ("LINUX", "WINDOWS")

FARGATE_SIZES: dict[int, tuple[tuple[int, ...], tuple[str, ...]]] = {
    256: ((512, 1024, 2048), _LINUX),
    512: (tuple(range(1024, 4096 + 1, 1024)), _LINUX),
    1024: (tuple(range(2048, 8192 + 1, 1024)), _LINUX_AND_WINDOWS),
    2048: (tuple(range(4096, 16384 + 1, 1024)), _LINUX_AND_WINDOWS),
    4096: (tuple(range(8192, 30720 + 1, 1024)), _LINUX_AND_WINDOWS),
    # 8 and 16 vCPU need Linux platform version 1.4.0 or later.
    8192: (tuple(range(16384, 61440 + 1, 4096)), _LINUX),
    16384: (tuple(range(32768, 122880 + 1, 8192)), _LINUX),
}

_CPU_UNITS = re.compile(r"^\s*(\d+)\s*$")
_VCPU = re.compile(r"^\s*(\d*\.?\d+)\s*vcpu\s*$", re.IGNORECASE)
_MIB = re.compile(r"^\s*(\d+)\s*$")
_GB = re.compile(r"^\s*(\d*\.?\d+)\s*gb\s*$", re.IGNORECASE)


def cpu_units(value: Any) -> int | None:
    """Task cpu as CPU units ("256", 256, ".25 vCPU"); None when it is not a cpu value."""
    return _scaled(value, _CPU_UNITS, _VCPU)


def memory_mib(value: Any) -> int | None:
    """Task memory in MiB ("512", 512, "0.5 GB"); None when it is not a memory value."""
    return _scaled(value, _MIB, _GB)


def _scaled(value: Any, plain_pattern: re.Pattern, scaled_pattern: re.Pattern) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # Numbers reach the pack as doubles (protobuf Struct): 2048 arrives as 2048.0.
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    if match := plain_pattern.match(value):
        return int(match.group(1))
    if match := scaled_pattern.match(value):
        scaled = float(match.group(1)) * 1024
        return int(scaled) if scaled == int(scaled) else None
    return None


def valid_memory_for(cpu: int) -> tuple[int, ...]:
    return FARGATE_SIZES.get(cpu, ((), ()))[0]


def operating_systems_for(cpu: int) -> tuple[str, ...]:
    return FARGATE_SIZES.get(cpu, ((), ()))[1]


def describe_memory_choices(cpu: int) -> str:
    """"512, 1024 or 2048" for short lists, "4096 to 16384 in steps of 1024" for long ones."""
    choices = valid_memory_for(cpu)
    if len(choices) <= 4:
        return ", ".join(str(c) for c in choices[:-1]) + f" or {choices[-1]}"
    return f"{choices[0]} to {choices[-1]} in steps of {choices[1] - choices[0]}"


def cpus_for_memory(memory: int) -> tuple[int, ...]:
    return tuple(cpu for cpu, (memories, _) in FARGATE_SIZES.items() if memory in memories)
