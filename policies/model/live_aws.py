"""Read-only AWS look-ups for resources that live outside the stack, bounded in time.

A rule may only pass what it has seen. A look-up that is switched off, times out, is
throttled or denied yields a `Lookup` that is not `ok`, with the reason; rules report
it as inconclusive — never as a pass.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from botocore.session import Session as BotocoreSession

LIVE_LOOKUP_SCHEMA: dict[str, dict[str, Any]] = {
    "liveLookups": {
        "type": "string",
        "enum": ["auto", "on", "off"],
        "default": "auto",
        "description": (
            "Look up resources outside the stack with read-only AWS calls: `auto` when AWS "
            "credentials are present, `on` always, `off` never (such resources are reported as "
            "inconclusive)."
        ),
    },
    "awsRegion": {
        "type": "string",
        "default": "",
        "description": "Region for look-ups; empty means the resource's provider region, then AWS_REGION.",
    },
    "awsEndpointUrl": {
        "type": "string",
        "default": "",
        "description": "Endpoint URL for look-ups (e.g. a local AWS API emulator); empty means AWS.",
    },
    "lookupTimeoutSeconds": {
        "type": "number",
        "default": 5,
        "minimum": 0.1,
        "description": "Upper bound for the connect and the read of each look-up, in seconds.",
    },
}


@dataclass(frozen=True)
class Lookup:
    """The answer of one call: `data` when `ok`, else `reason` (what a message should quote)."""

    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    error_code: str = ""


@dataclass
class LiveAws:
    enabled: bool
    disabled_reason: str = ""
    region: str = ""
    endpoint_url: str = ""
    timeout_seconds: float = 5.0
    _clients: dict[str, Any] = field(default_factory=dict)
    _cache: dict[tuple, Lookup] = field(default_factory=dict)
    _unresponsive: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict[str, Any], provider_region: str = "") -> LiveAws:
        mode = str(config.get("liveLookups", "auto"))
        region = (
            str(config.get("awsRegion") or "")
            or provider_region
            or os.environ.get("AWS_REGION", "")
            or os.environ.get("AWS_DEFAULT_REGION", "")
        )
        settings = {
            "region": region,
            "endpoint_url": str(config.get("awsEndpointUrl") or ""),
            "timeout_seconds": _positive_float(config.get("lookupTimeoutSeconds"), 5.0),
        }
        if mode == "off":
            return _shared(enabled=False, disabled_reason="live look-ups are off (liveLookups: off)", **settings)
        if mode == "auto" and not _credentials_present():
            return _shared(
                enabled=False,
                disabled_reason="no AWS credentials for a live look-up (liveLookups: auto)",
                **settings,
            )
        if not region:
            return _shared(
                enabled=False,
                disabled_reason="no region for a live look-up: set the pack config awsRegion or AWS_REGION",
                **settings,
            )
        return _shared(enabled=True, **settings)

    def call(self, service: str, operation: str, **params: Any) -> Lookup:
        """Call a read-only operation (`describe_subnets`, `get_role`, ...) once; answers are cached."""
        key = (service, operation, repr(sorted(params.items())))
        if key not in self._cache:
            self._cache[key] = self._call_uncached(service, operation, params)
        return self._cache[key]

    def _call_uncached(self, service: str, operation: str, params: dict[str, Any]) -> Lookup:
        if not self.enabled:
            return Lookup(ok=False, reason=self.disabled_reason)
        if service in self._unresponsive:
            # One bound per endpoint, not one per call: every rule of the pack shares this
            # instance, and an endpoint that timed out once is not waited for again.
            return Lookup(
                ok=False,
                reason=f"{service} {operation} not attempted: {self._unresponsive[service]}",
                error_code="Timeout",
            )
        try:
            method = getattr(self._client(service), operation)
            data = method(**params)
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            return Lookup(
                ok=False,
                reason=f"{service} {operation} failed: {code}: {message}".rstrip(": "),
                error_code=code,
            )
        except (botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectTimeoutError):
            reason = f"{service} {operation} did not answer within {self.timeout_seconds:g} s"
            self._unresponsive[service] = reason
            return Lookup(ok=False, reason=reason, error_code="Timeout")
        except botocore.exceptions.BotoCoreError as error:
            return Lookup(ok=False, reason=f"{service} {operation} failed: {error}", error_code="Unreachable")
        data.pop("ResponseMetadata", None)
        return Lookup(ok=True, data=data)

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            config = botocore.config.Config(
                connect_timeout=self.timeout_seconds,
                read_timeout=self.timeout_seconds,
                # One attempt: a retried throttle is still a bound exceeded, and the
                # rule reports it as inconclusive rather than waiting.
                retries={"max_attempts": 1, "mode": "standard"},
            )
            self._clients[service] = boto3.client(
                service,
                region_name=self.region,
                endpoint_url=self.endpoint_url or None,
                config=config,
            )
        return self._clients[service]


# One LiveAws per distinct setting for the life of the pack process, so that rules
# asking the same question (two network rules, the IAM rules) share answers.
_SHARED: dict[tuple, LiveAws] = {}


def _shared(**settings: Any) -> LiveAws:
    key = tuple(sorted(settings.items()))
    if key not in _SHARED:
        _SHARED[key] = LiveAws(**settings)
    return _SHARED[key]


def forget_shared() -> None:
    """Drop every shared instance, their answers and the credential check (tests start clean)."""
    _SHARED.clear()
    _credentials_present.cache_clear()


@functools.cache
def _credentials_present() -> bool:
    # Once per pack process: resolving credentials walks botocore's whole provider chain
    # (files, environment, container and instance metadata endpoints), and rules ask often.
    return BotocoreSession().get_credentials() is not None


def _positive_float(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
