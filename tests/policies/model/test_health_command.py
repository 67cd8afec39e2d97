"""Reading container health-check commands: what they probe, with the container's environment."""

from __future__ import annotations

import pytest

from model.health_command import Fails, Probe, Probes, Unreadable, read_health_command
from model.values import UNKNOWN

ENV = {"PORT": "8080", "SERVER_PORT": "9090", "HEALTH_PATH": "/ready", "EMPTY": "", "LATER": UNKNOWN}


def shell(script: str) -> list[str]:
    return ["CMD-SHELL", script]


@pytest.mark.parametrize("command,probes", [
    (shell("curl -f http://localhost/ || exit 1"), [Probe("curl", "localhost", 80, "/")]),
    (shell("curl -f http://localhost:8080/health || exit 1"), [Probe("curl", "localhost", 8080, "/health")]),
    (shell("curl -f http://localhost:${PORT}/health || exit 1"), [Probe("curl", "localhost", 8080, "/health")]),
    (shell("curl -fsS http://127.0.0.1:$SERVER_PORT/actuator/health"),
     [Probe("curl", "127.0.0.1", 9090, "/actuator/health")]),
    (shell("curl -f http://localhost:${MGMT_PORT:-8081}${HEALTH_PATH}"), [Probe("curl", "localhost", 8081, "/ready")]),
    (shell("curl -f http://localhost:${EMPTY:-7000}/"), [Probe("curl", "localhost", 7000, "/")]),
    (shell("curl -f http://localhost:${MISSING-7001}/"), [Probe("curl", "localhost", 7001, "/")]),
    (shell("curl -f 'http://localhost:8080/health?full=1' -o /dev/null -H 'Accept: */*' -m 3 2>&1 || exit 1"),
     [Probe("curl", "localhost", 8080, "/health")]),
    (shell("curl --fail --max-time 2 --url http://localhost:3000/healthz"), [Probe("curl", "localhost", 3000, "/healthz")]),
    (shell("curl -sf https://localhost/health"), [Probe("curl", "localhost", 443, "/health")]),
    (shell("curl -f http://$HOSTNAME:8080/health"), [Probe("curl", "localhost", 8080, "/health")]),
    (shell("curl -f http://localhost:8080/health -H \"X-Token: $TOKEN\""), [Probe("curl", "localhost", 8080, "/health")]),
    (shell("wget -qO- http://localhost:8080/health || exit 1"), [Probe("wget", "localhost", 8080, "/health")]),
    (shell("wget --spider -q -T 3 localhost:${PORT}/status"), [Probe("wget", "localhost", 8080, "/status")]),
    (shell("wget -q -O - http://[::1]:8080/health"), [Probe("wget", "::1", 8080, "/health")]),
    (shell("nc -z localhost 5432 || exit 1"), [Probe("nc", "localhost", 5432)]),
    (shell("nc -z -w 2 127.0.0.1 ${PORT}"), [Probe("nc", "127.0.0.1", 8080)]),
    (shell("grpc_health_probe -addr=:50051"), [Probe("grpc_health_probe", "", 50051)]),
    (shell("python -c \"import urllib.request; urllib.request.urlopen('http://localhost:8000/health')\""),
     [Probe("python", "localhost", 8000, "/health")]),
    (shell("python3 -c 'import socket; socket.create_connection((\"localhost\", 6379), 2)' || exit 1"),
     [Probe("python", "localhost", 6379)]),
    (shell("node -e \"require('http').get('http://localhost:3000/health', r => process.exit(r.statusCode == 200 ? 0 : 1))\""),
     [Probe("node", "localhost", 3000, "/health")]),
    (shell("curl -f http://localhost:8080/health && curl -f http://localhost:8081/metrics"),
     [Probe("curl", "localhost", 8080, "/health"), Probe("curl", "localhost", 8081, "/metrics")]),
    (shell("timeout 5 curl -f http://localhost:8080/"), [Probe("curl", "localhost", 8080, "/")]),
    (shell("curl -f http://api.internal:8080/health"), [Probe("curl", "api.internal", 8080, "/health")]),
    (["CMD", "curl", "-f", "http://localhost:8080/health"], [Probe("curl", "localhost", 8080, "/health")]),
    (["CMD", "/usr/bin/wget", "-qO-", "http://localhost:8080/health"], [Probe("wget", "localhost", 8080, "/health")]),
    (["CMD", "sh", "-c", "curl -f http://localhost:$PORT/health"], [Probe("curl", "localhost", 8080, "/health")]),
    (shell("pgrep -f gunicorn || exit 1"), []),
    (shell("exit 0"), []),
    (["NONE"], []),
])
def test_probes_read(command, probes):
    assert read_health_command(command, ENV) == Probes(tuple(probes))


@pytest.mark.parametrize("command,reason", [
    (shell("curl -f http://localhost:${APP_PORT}/health || exit 1"),
     "the probe URL reads $APP_PORT, which is not in the container's environment (it may come from the image)"),
    (shell("curl -f http://localhost:$LATER/health"), "environment LATER is not known until update"),
    (["CMD", "curl", "-f", "http://localhost:8080/${HEALTH_PATH}"],
     "CMD runs curl without a shell, so 'http://localhost:8080/${HEALTH_PATH}' is passed unexpanded (use CMD-SHELL "
     "to expand variables)"),
    (shell("/app/healthcheck.sh"), "the command runs /app/healthcheck.sh, which the rule cannot read"),
    (["CMD", "java", "-jar", "/app/health.jar"], "the command runs java, which the rule cannot read"),
    (shell("if curl -f http://localhost/; then exit 0; fi"), "the command is a shell script (if …)"),
    (shell("curl -f http://localhost:$(cat /port)/"), "the command uses command substitution ($(…))"),
    (shell("curl -f http://localhost:`cat /port`/"), "the command uses command substitution (`…`)"),
    (shell("curl -f http://localhost:${PORT:+9000}/"), "the command uses the parameter expansion ${PORT:+9000}"),
    (shell("curl -f"), "the command names no URL (arguments '-f')"),
    (shell("curl -f http://localhost:99999/"), "the probe URL 'http://localhost:99999/' has no valid port"),
    (shell("curl -f ftp://localhost/x"), "the probe URL 'ftp://localhost/x' uses ftp, not http or https"),
    (shell("python /app/health.py"),
     "python runs the script /app/health.py from the image, whose code the stack does not show"),
    # What berth's own stacks register: ECS runs python3 on a file the image holds.
    (["CMD", "python3", "/app/healthcheck.py"],
     "python runs the script /app/healthcheck.py from the image, whose code the stack does not show"),
    (["CMD", "node", "--enable-source-maps", "health.js"],
     "node runs the script health.js from the image, whose code the stack does not show"),
    (["CMD", "python3", "-u"], "python runs no code the rule can read (no -c/-e code and no script named)"),
    (shell("python -c \"import os, urllib.request as u; u.urlopen('http://localhost:' + os.environ['PORT'])\""),
     "the python code reads the environment at run time"),
    (shell("python -c 'import app; app.check()'"), "the python code calls no literal URL or (host, port)"),
    (shell("nc localhost"), "nc is not called as `nc -z <host> <port>`"),
    (shell("grpc_health_probe"), "grpc_health_probe is called without -addr=<host>:<port>"),
    (shell("$CHECKER http://localhost/"),
     "the command runs a program named by $CHECKER, which is not in the container's environment (it may come "
     "from the image)"),
    (shell("curl -f 'http://localhost/"), "the script does not parse as shell (No closing quotation)"),
    (["sh", "-c", "curl localhost"], "the command starts with 'sh', not CMD or CMD-SHELL"),
    (["CMD-SHELL"], "CMD-SHELL has no script"),
    (["CMD"], "CMD has no executable"),
    ("curl localhost", "the command is not a list of strings"),
    ([], "the command is not a list of strings"),
    (["CMD-SHELL", 7], "the command is not a list of strings"),
    (UNKNOWN, "the command is not known until update"),
    (["CMD-SHELL", UNKNOWN], "part of the command is not known until update"),
    (["CMD", "sh"], "the command runs sh without -c, a script the rule cannot read"),
])
def test_unreadable_commands_say_why(command, reason):
    assert read_health_command(command, ENV) == Unreadable(reason)


def test_single_quotes_keep_variables_literal_for_the_inner_shell():
    # The outer shell leaves '$PORT' alone; the inner `sh -c` expands it.
    command = shell("sh -c 'curl -f http://localhost:$PORT/health'")

    assert read_health_command(command, {"PORT": "8080"}) == Probes((Probe("curl", "localhost", 8080, "/health"),))
    assert read_health_command(command, {}) == Unreadable(
        "the probe URL reads $PORT, which is not in the container's environment (it may come from the image)")


@pytest.mark.parametrize("host,local", [("localhost", True), ("127.0.0.1", True), ("127.1.2.3", True),
                                        ("0.0.0.0", True), ("::1", True), ("", True), ("db.internal", False)])
def test_local_probes(host, local):
    assert Probe("curl", host, 80, "/").local is local


@pytest.mark.parametrize("command,variable,url", [
    (["CMD", "curl", "-f", "http://localhost:${PORT}/health"], "${PORT}", "http://localhost:${PORT}/health"),
    (["CMD", "wget", "-q", "-O", "/dev/null", "localhost:$PORT/health"], "$PORT", "localhost:$PORT/health"),
    (["CMD", "curl", "-sf", "http://$HOSTNAME:8080/"], "$HOSTNAME", "http://$HOSTNAME:8080/"),
])
def test_a_variable_in_the_url_authority_without_a_shell_fails_on_every_run(command, variable, url):
    # CMD execs the program directly (ECS API Reference, HealthCheck): no shell expands the variable, and
    # curl and wget cannot connect to a host or port spelled "$PORT".
    tool = command[1]

    assert read_health_command(command, {"PORT": "8080"}) == Fails(
        f"CMD runs {tool} without a shell, so {variable} reaches it as written and the URL '{url}' names no "
        "valid host and port; use CMD-SHELL to expand it")
