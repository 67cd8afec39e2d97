"""The pack's contents: every rule, in catalog order, from the one module per area."""

from pulumi_policy import Policy

import cost
import ecr
import ecs
import iam
import lb
import network

PACK_NAME = "berth"

AREAS = (network, iam, ecs, ecr, lb, cost)


def all_policies() -> list[Policy]:
    return [policy for area in AREAS for policy in area.POLICIES]
