"""What a container health check probes: the ports and paths its command reaches, or why it cannot be read.

ECS runs `healthCheck.command` inside the container (ECS API Reference, "HealthCheck"):
`["CMD", exe, args…]` runs `exe` directly, without a shell, so `$PORT` stays literal;
`["CMD-SHELL", script]` runs `script` with the container's default shell, which expands
`$VAR`, `${VAR}` and `${VAR:-default}` from the container's environment. `["NONE"]` disables
the image's check. The environment the shell sees is the task definition's `environment`
plus whatever the image sets (its `ENV` lines), which a stack cannot see: a variable that is
not in `environment` makes the probe unreadable, never guessed.

A `CMD` (no shell) that hands `$PORT` unexpanded to curl or wget as the URL's port fails on every
run: that is `Fails`, with the reason.

Read: `curl`, `wget`, `nc`/`ncat`/`netcat -z`, `grpc_health_probe -addr`, `python -c` and
`node -e` code calling a literal URL or `(host, port)`, `sh -c`/`bash -c` scripts, and
commands that probe nothing (`exit 1`, `pgrep`, `test`…). Anything else — a script file, a
program the rule does not know, shell control flow or command substitution — is unreadable,
with the reason.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from model.values import is_unknown


@dataclass(frozen=True)
class Probe:
    """One port the command reaches; `path` is None for a TCP probe (nc, gRPC)."""

    tool: str
    host: str
    port: int
    path: str | None = None

    @property
    def local(self) -> bool:
        """Whether the probe reaches the container itself rather than another host."""
        return self.host in _LOCAL_HOSTS or self.host.startswith("127.")


@dataclass(frozen=True)
class Probes:
    """A readable command: what it probes (nothing, for `["NONE"]` or `pgrep java`)."""

    probes: tuple[Probe, ...]


@dataclass(frozen=True)
class Fails:
    """A command that fails whatever the container serves; `reason` says why, for a violation."""

    reason: str


@dataclass(frozen=True)
class Unreadable:
    """A command the rule cannot read; `reason` says why, for an inconclusive message."""

    reason: str


_LOCAL_HOSTS = {"localhost", "0.0.0.0", "::1", "[::1]", "::", ""}
# Docker sets HOSTNAME in every container to the container's own host name.
_CONTAINER_HOST = "localhost"
_MARK = "\x00"
_SEPARATORS = {"||", "&&", ";", "|", "&", "(", ")", ";;", "\n", "|&"}
_REDIRECTS = {">", ">>", "<", ">&", "<&", "&>", "&>>", ">|"}
_SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
                   "function", "{", "}", "[[", "select"}
_NO_PROBE = {"exit", "true", "false", "test", "[", "echo", "printf", "pgrep", "pidof", "ps", "cat", "grep",
             "ls", "stat", "sleep", "kill", "head", "tail", "wc", ":"}
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_PREFIXES = {"exec", "env", "command", "nice", "nohup"}


class _Cannot(Exception):
    """Raised inside the reader when the command cannot be read; carries the reason."""


class _Fails(Exception):
    """Raised inside the reader when the command can only fail; carries the reason."""


def read_health_command(command: Any, environment: Mapping[str, Any]) -> Probes | Fails | Unreadable:
    """Read `healthCheck.command` with the container's `environment` (name -> value)."""
    try:
        return Probes(tuple(_read(command, environment)))
    except _Fails as fails:
        return Fails(str(fails))
    except _Cannot as cannot:
        return Unreadable(str(cannot))


def _read(command: Any, environment: Mapping[str, Any]) -> list[Probe]:
    if is_unknown(command):
        raise _Cannot("the command is not known until update")
    if not isinstance(command, Sequence) or isinstance(command, str) or not command:
        raise _Cannot("the command is not a list of strings")
    if any(is_unknown(part) for part in command):
        raise _Cannot("part of the command is not known until update")
    if not all(isinstance(part, str) for part in command):
        raise _Cannot("the command is not a list of strings")
    kind, args = command[0], list(command[1:])
    if kind == "NONE":
        return []
    if kind == "CMD-SHELL":
        if not args:
            raise _Cannot("CMD-SHELL has no script")
        # Docker hands the first string to `sh -c`; any further strings become $0, $1…
        return _read_script(args[0], environment)
    if kind == "CMD":
        if not args:
            raise _Cannot("CMD has no executable")
        return _read_words(args, environment, shell=False)
    raise _Cannot(f"the command starts with {kind!r}, not CMD or CMD-SHELL")


# --- the shell -----------------------------------------------------------------------------------

_VAR = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]))")
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:=|=)(?P<default>.*))?", re.DOTALL)


def _lookup(name: str, op: str | None, default: str | None, environment: Mapping[str, Any]) -> str:
    present = name in environment
    value = environment.get(name)
    if present and is_unknown(value):
        raise _Cannot(f"environment {name} is not known until update")
    if present and not isinstance(value, str):
        value = "" if value is None else str(value)
    if op in (":-", ":=") and (not present or value == ""):
        return _expand(default or "", environment)
    if op in ("-", "=") and not present:
        return _expand(default or "", environment)
    if present:
        return value
    if name == "HOSTNAME":
        return _CONTAINER_HOST
    # Marked, not failed: a variable only matters if it ends up in what is probed.
    return f"{_MARK}{name}{_MARK}"


def _expand(script: str, environment: Mapping[str, Any]) -> str:
    """Expand parameters the way sh does outside single quotes; quotes are kept for the tokenizer."""
    out: list[str] = []
    quote = None
    index = 0
    while index < len(script):
        char = script[index]
        if char == "\\" and quote != "'" and index + 1 < len(script):
            out.append(script[index:index + 2])
            index += 2
            continue
        if char in "'\"" and (quote is None or quote == char):
            quote = None if quote == char else char
        elif quote is None and char.isdigit() and (index == 0 or script[index - 1].isspace()):
            # The descriptor of a redirection (`2>&1`) is not an argument: drop it.
            descriptor = re.match(r"\d+(?=[<>])", script[index:])
            if descriptor:
                index += descriptor.end()
                continue
        elif char == "`" and quote != "'":
            raise _Cannot("the command uses command substitution (`…`)")
        elif char == "$" and quote != "'":
            if script.startswith("$(", index):
                raise _Cannot("the command uses command substitution ($(…))")
            match = _VAR.match(script, index)
            if match:
                out.append(_parameter(match, environment))
                index = match.end()
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _parameter(match: re.Match[str], environment: Mapping[str, Any]) -> str:
    if match.group("bare") is not None:
        name = match.group("bare")
        if not (name[0].isalpha() or name[0] == "_"):
            raise _Cannot(f"the command reads the shell parameter ${name}")
        return _lookup(name, None, None, environment)
    braced = _BRACED.fullmatch(match.group("braced"))
    if not braced:
        raise _Cannot(f"the command uses the parameter expansion ${{{match.group('braced')}}}")
    return _lookup(braced.group("name"), braced.group("op"), braced.group("default"), environment)


def _read_script(script: str, environment: Mapping[str, Any]) -> list[Probe]:
    expanded = _expand(script, environment)
    lexer = shlex.shlex(expanded, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as error:
        raise _Cannot(f"the script does not parse as shell ({error})") from None
    probes: list[Probe] = []
    words: list[str] = []
    skip_next = False
    for token in [*tokens, ";"]:
        if skip_next:
            skip_next = False
            continue
        if token in _SEPARATORS:
            if words:
                probes += _read_words(words, environment, shell=True)
            words = []
        elif token in _REDIRECTS:
            skip_next = True  # the file or descriptor redirected to is no argument
        else:
            words.append(token)
    return probes


# --- the programs --------------------------------------------------------------------------------

def _read_words(words: list[str], environment: Mapping[str, Any], shell: bool) -> list[Probe]:
    while words and (_assignment(words[0]) or posixpath.basename(words[0]) in _PREFIXES):
        words = words[1:]
    if words and posixpath.basename(words[0]) == "timeout":
        words = words[2:] if len(words) > 2 else []
    if not words:
        return []
    program = words[0]
    if _MARK in program:
        raise _Cannot(f"the command runs a program named by {_variable_in(program)}")
    name = posixpath.basename(program)
    if shell and name in _SHELL_KEYWORDS:
        raise _Cannot(f"the command is a shell script ({name} …)")
    args = words[1:]
    if not shell:
        literal = next((a for a in args if _VAR.search(a)), None)
        if literal is not None and name not in _SHELLS:
            _unexpanded_port(name, args)
            raise _Cannot(f"CMD runs {name} without a shell, so {literal!r} is passed unexpanded "
                          "(use CMD-SHELL to expand variables)")
    if name in _NO_PROBE:
        return []
    if name in _SHELLS:
        script = _option_value(args, "-c")
        if script is None:
            raise _Cannot(f"the command runs {name} without -c, a script the rule cannot read")
        return _read_script(script, environment)
    if name == "curl":
        return [_url_probe("curl", url) for url in _operands(args, _CURL_ARGS, _CURL_SHORT, url_option="--url")]
    if name == "wget":
        return [_url_probe("wget", url) for url in _operands(args, _WGET_ARGS, _WGET_SHORT)]
    if name in ("nc", "ncat", "netcat"):
        return [_nc_probe(name, args)]
    if name == "grpc_health_probe":
        return [_grpc_probe(args)]
    if re.fullmatch(r"python[0-9.]*", name):
        return _code_probes("python", _option_value(args, "-c"), args)
    if name in ("node", "nodejs"):
        return _code_probes("node", _option_value(args, "-e"), args)
    raise _Cannot(f"the command runs {program}, which the rule cannot read")


def _unexpanded_port(name: str, args: list[str]) -> None:
    """Without a shell `$PORT` reaches curl or wget as written: a URL whose host or port is `$PORT` (or
    `${PORT}`) is one neither can connect to, so the check fails on every run whatever the container serves."""
    if name not in ("curl", "wget"):
        return
    try:
        urls = _operands(args, _CURL_ARGS, _CURL_SHORT, url_option="--url") if name == "curl" else \
            _operands(args, _WGET_ARGS, _WGET_SHORT)
    except _Cannot:
        return
    for url in urls:
        authority = urlsplit(url if "://" in url else f"http://{url}").netloc
        variable = _VAR.search(authority)
        if variable is not None:
            raise _Fails(f"CMD runs {name} without a shell, so {variable.group(0)} reaches it as written and the "
                         f"URL '{url}' names no valid host and port; use CMD-SHELL to expand it")


def _assignment(word: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word, re.DOTALL) is not None


def _variable_in(text: str) -> str:
    name = text.split(_MARK)[1]
    return f"${name}, which is not in the container's environment (it may come from the image)"


def _option_value(args: list[str], option: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args):
            return args[index + 1]
    return None


_CURL_ARGS = {"--header", "--output", "--request", "--max-time", "--connect-timeout", "--write-out", "--user",
              "--user-agent", "--data", "--data-raw", "--data-binary", "--referer", "--cookie", "--cookie-jar",
              "--proxy", "--retry", "--retry-delay", "--retry-max-time", "--upload-file", "--cacert", "--cert",
              "--key", "--config", "--resolve", "--unix-socket", "--interface", "--url"}
_CURL_SHORT = set("HoXmwuAdebcxTEK")
_WGET_ARGS = {"--output-document", "--output-file", "--timeout", "--tries", "--user-agent", "--header",
              "--execute", "--directory-prefix", "--post-data", "--wait", "--user", "--password",
              "--http-user", "--http-password"}
_WGET_SHORT = set("OoTtUePw")


def _operands(args: list[str], long_args: set[str], short_args: set[str], url_option: str = "") -> list[str]:
    """The non-option arguments of a curl/wget-style command line (its URLs)."""
    operands: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            operands += args[index:]
            break
        if arg.startswith("--"):
            if arg == url_option and index < len(args):
                operands.append(args[index])
                index += 1
            elif arg in long_args:
                index += 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            for position, flag in enumerate(arg[1:], start=1):
                if flag in short_args:
                    if position == len(arg) - 1:
                        index += 1  # its value is the next argument
                    break
            continue
        operands.append(arg)
    if not operands:
        raise _Cannot(f"the command names no URL (arguments {' '.join(args)!r})")
    return operands


def _url_probe(tool: str, url: str) -> Probe:
    if _MARK in url:
        raise _Cannot(f"the probe URL reads {_variable_in(url)}")
    if "://" not in url:
        url = f"http://{url}"  # curl and wget assume http for a bare host[:port]/path
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _Cannot(f"the probe URL {url!r} has no valid port") from None
    if parts.scheme not in ("http", "https"):
        raise _Cannot(f"the probe URL {url!r} uses {parts.scheme}, not http or https")
    host = parts.hostname or ""
    return Probe(tool, host, port or (443 if parts.scheme == "https" else 80), parts.path or "/")


def _host_port(tool: str, host: str, port: str) -> Probe:
    for part in (host, port):
        if _MARK in part:
            raise _Cannot(f"the probe reads {_variable_in(part)}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise _Cannot(f"{tool} probes port {port!r}, which is not a port number")
    return Probe(tool, host.strip("[]"), int(port))


def _nc_probe(name: str, args: list[str]) -> Probe:
    operands: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith("-") and len(arg) > 1:
            if arg[-1] in "wiqsp" and len(arg) == 2:
                index += 1
            continue
        operands.append(arg)
    if len(operands) != 2:
        raise _Cannot(f"{name} is not called as `{name} -z <host> <port>`")
    return _host_port(name, operands[0], operands[1])


def _grpc_probe(args: list[str]) -> Probe:
    address = None
    for index, arg in enumerate(args):
        if arg.startswith(("-addr=", "--addr=")):
            address = arg.split("=", 1)[1]
        elif arg in ("-addr", "--addr") and index + 1 < len(args):
            address = args[index + 1]
    if address is None or ":" not in address:
        raise _Cannot("grpc_health_probe is called without -addr=<host>:<port>")
    host, port = address.rsplit(":", 1)
    return _host_port("grpc_health_probe", host, port)


_CODE_URL = re.compile(r"https?://[^\s'\"`]+")
_CODE_HOST_PORT = re.compile(r"\(\s*\(?\s*['\"]([^'\"]+)['\"]\s*,\s*(\d+)\s*\)?\s*\)")
_CODE_ENV = re.compile(r"os\.environ|os\.getenv|process\.env")


def _code_probes(language: str, code: str | None, args: list[str]) -> list[Probe]:
    if code is None:
        script = next((arg for arg in args if not arg.startswith("-")), None)
        if script is None:
            raise _Cannot(f"{language} runs no code the rule can read (no -c/-e code and no script named)")
        raise _Cannot(f"{language} runs the script {script} from the image, whose code the stack does not show")
    if _MARK in code:
        raise _Cannot(f"the {language} code reads {_variable_in(code)}")
    if _CODE_ENV.search(code):
        raise _Cannot(f"the {language} code reads the environment at run time")
    urls = _CODE_URL.findall(code)
    if urls:
        return [_url_probe(language, url) for url in urls]
    pairs = _CODE_HOST_PORT.findall(code)
    if pairs:
        return [_host_port(language, host, port) for host, port in pairs]
    raise _Cannot(f"the {language} code calls no literal URL or (host, port)")
