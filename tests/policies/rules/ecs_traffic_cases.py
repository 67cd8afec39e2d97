"""Stacks and helpers the target-group and health-check rule tests share."""

from __future__ import annotations

from rules.ecs_health_checks_consistent import ecs_health_checks_consistent
from rules.ecs_target_group_matches_container import ecs_target_group_matches_container

OFF = {"liveLookups": "off"}


SERVICE_URN = "urn:pulumi:test::berth::aws:ecs/service:Service::web"


TG_URN = "urn:pulumi:test::berth::aws:lb/targetGroup:TargetGroup::web-tg"


TASK_URN = "urn:pulumi:test::berth::aws:ecs/taskDefinition:TaskDefinition::web-task"


MATCHES = ecs_target_group_matches_container


HEALTH = ecs_health_checks_consistent


def health_check(**changes) -> dict:
    base = {"path": "/health", "port": "traffic-port", "protocol": "HTTP", "interval": 10, "healthyThreshold": 2}
    base.update(changes)
    return base
