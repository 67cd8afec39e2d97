"""Container health check: exit 0 only when http://127.0.0.1:$PORT/health answers 200.

The task definition runs it as ["CMD", "python3", "/app/healthcheck.py"] and the
Dockerfile's HEALTHCHECK runs the same file, so both definitions cannot drift apart.
Standard library only: the image has no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_PORT = "8080"
HEALTH_PATH = "/health"
# Below the task definition's health-check timeout (5 s), so a hung server is reported
# by this script with a reason rather than killed by the ECS container agent without one.
TIMEOUT_SECONDS = 3


def check(url: str) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return False, f"unhealthy: {url} unreachable: {reason}"
    if status != 200:
        return False, f"unhealthy: {url} answered {status}, expected 200"
    return True, f"healthy: {url} answered 200"


def main() -> int:
    port = os.environ.get("PORT") or DEFAULT_PORT
    healthy, message = check(f"http://127.0.0.1:{port}{HEALTH_PATH}")
    print(message, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
