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


class Handler(BaseHTTPRequestHandler):
    server_version = SERVICE_NAME

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        if self.path == HEALTH_PATH:
            self._reply(200, {"status": "ok"})
        elif self.path == "/":
            self._reply(200, {"service": SERVICE_NAME, "health": HEALTH_PATH})
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


def serve(port: int) -> None:
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # ECS stops a task with SIGTERM, then SIGKILL after the stop timeout: finish in-flight
    # requests and exit 0 instead of being killed mid-response during a rolling deploy.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"{SERVICE_NAME} listening on 0.0.0.0:{port}", flush=True)
    server.serve_forever()
    server.server_close()


def main() -> int:
    try:
        port = port_from_env(dict(os.environ))
    except ValueError as error:
        print(f"{SERVICE_NAME}: {error}", file=sys.stderr)
        return 2
    serve(port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
