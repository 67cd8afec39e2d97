"""Stacks and helpers the rollout and blue/green rule tests share."""

from __future__ import annotations

OFF = {"liveLookups": "off"}


SERVICE_URN = "urn:pulumi:test::berth::aws:ecs/service:Service::web"
