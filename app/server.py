"""The sample service berth deploys: a small HTTP server with a health endpoint.

Standard library only, so the image needs nothing but a Python interpreter and the
task's health check needs no curl (field-notes §1 item 5: a health check that calls
a tool the image lacks keeps the task unhealthy forever).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DEFAULT_PORT = 8080
HEALTH_PATH = "/health"
SERVICE_NAME = "berth-sample"


def port_from_env(environ: dict[str, str]) -> int:
    """The listening port: env PORT, 8080 when unset; bad values are errors that name the fix."""
    raw = environ.get("PORT", "")
    if raw == "":
        return DEFAULT_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(
            f"PORT {raw!r} is not a TCP port; set PORT to a number from 1 to 65535, or unset it for {DEFAULT_PORT}"
        )
    return int(raw)


def base_path_from_env(environ: dict[str, str]) -> str:
    """The prefix the load balancer routes to this service (env BASE_PATH, e.g. "/api"); "" when unset.

    The load balancer forwards the full path, so a service routed at /api/* receives /api/...
    """
    raw = environ.get("BASE_PATH", "").rstrip("/")
    if raw and (not raw.startswith("/") or " " in raw):
        raise ValueError(f"BASE_PATH {raw!r} is not a URL path; set it to a path such as /api, or unset it")
    return raw


class Handler(BaseHTTPRequestHandler):
    server_version = SERVICE_NAME
    base_path = ""

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        path = urlsplit(self.path).path
        # The target group checks /health directly; clients come through the route's prefix.
        if path in (HEALTH_PATH, self.base_path + HEALTH_PATH):
            self._reply(200, {"status": "ok"})
        elif path in (self.base_path or "/", self.base_path + "/"):
            self._reply(200, {"service": SERVICE_NAME, "health": self.base_path + HEALTH_PATH})
        else:
            self._reply(404, {"error": f"no route for {self.path}"})

    def _reply(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (signature of the base class)
        # One line per request on stdout, which awslogs ships to CloudWatch.
        sys.stdout.write(f"{self.address_string()} {format % args}\n")
        sys.stdout.flush()


def serve(port: int, base_path: str = "") -> None:
    handler = type("RoutedHandler", (Handler,), {"base_path": base_path})
    server = ThreadingHTTPServer(("0.0.0.0", port), handler)
    # ECS stops a task with SIGTERM, then SIGKILL after the stop timeout: finish in-flight
    # requests and exit 0 instead of being killed mid-response during a rolling deploy.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"{SERVICE_NAME} listening on 0.0.0.0:{port}{base_path or '/'}", flush=True)
    server.serve_forever()
    server.server_close()


def main() -> int:
    try:
        port = port_from_env(dict(os.environ))
        base_path = base_path_from_env(dict(os.environ))
    except ValueError as error:
        print(f"{SERVICE_NAME}: {error}", file=sys.stderr)
        return 2
    serve(port, base_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
