"""AWS API endpoints on loopback for live look-up tests.

`MotoServer` runs the real `moto_server` in a subprocess. `FaultyEndpoint` is a real
HTTP server that misbehaves the way AWS endpoints do in the field: it never answers,
answers with an access-denied error, or answers correctly but late (forwarding to moto).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> MotoServer:
        moto_server = Path(sys.executable).with_name("moto_server")
        env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
        self._process = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.url} within {timeout} s")

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


# EC2 speaks the EC2 query error format; IAM, STS and most query APIs the ErrorResponse one.
_DENIED_BODIES = {
    "ec2": (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
        "<Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this "
        "operation.</Message></Error></Errors><RequestID>denied</RequestID></Response>"
    ),
    "iam": (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        "<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci is not authorized "
        "to perform: iam:GetRole</Message></Error><RequestId>denied</RequestId></ErrorResponse>"
    ),
}


class FaultyEndpoint:
    """mode: 'silent' (accepts, never answers), 'denied-ec2', 'denied-iam', 'slow' (delay then moto)."""

    def __init__(self, mode: str, upstream: str = "", delay: float = 0.0) -> None:
        self.mode = mode
        self.upstream = upstream
        self.delay = delay
        self._stop = threading.Event()
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultyEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_POST(self) -> None:
                body = self._body()
                if endpoint.mode == "silent":
                    # Hold the connection open without a byte of answer, as a blackholed
                    # endpoint does, until the client gives up or the server stops.
                    endpoint._stop.wait(120)
                    return
                if endpoint.mode.startswith("denied-"):
                    payload = _DENIED_BODIES[endpoint.mode.removeprefix("denied-")].encode()
                    self.send_response(403)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if endpoint.mode == "slow":
                    endpoint._stop.wait(endpoint.delay)
                    self._forward(body)
                    return
                self.send_error(500, f"unknown mode {endpoint.mode}")

            def _forward(self, body: bytes) -> None:
                host = endpoint.upstream.removeprefix("http://")
                connection = http.client.HTTPConnection(host, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request("POST", self.path, body=body, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        return Handler
