"""Whether a container environment variable carries a credential, judged by its name and its value.

AWS stores `environment` values in plain text in the task definition: anyone who may
`ecs:DescribeTaskDefinition` reads them (ECS Developer Guide, "Pass sensitive data to an Amazon
ECS container"). Only `secrets` with `valueFrom` keeps a credential out of it. This module
decides which plain values are credentials; the heuristics, in the order they are applied:

1. Values that cannot be a credential are never flagged, whatever the name says: empty
   values, booleans (`true`, `off`, `yes`…), numbers, durations (`15m`, `1h30m`, `PT5M`),
   data sizes (`512MB`), algorithm names (`RS256`, `HS512`, `AES-256-GCM`, `sha256`,
   `argon2id`), file paths (`/run/secrets/db`, `./certs`), header names (`X-Auth-Token`),
   URLs that carry no password, and references (`arn:…`, `${DB_PASSWORD}`, `{{resolve:…}}`).
2. Credentials embedded in a structured value are found wherever the variable's name points:
   a PEM private key; a password in a URL's userinfo (`scheme://user:pass@host`, also
   inside JDBC URLs, and Oracle's `user/pass@host`); credential-named `key=value` pairs in a
   URL query (`?password=`), a connection string (`Password=…;`, libpq `password=…`), JVM
   system properties (`-Dspring.datasource.password=…`) and `--option=` arguments; and
   credential-named keys anywhere inside a JSON value (`SPRING_APPLICATION_JSON`).
3. Otherwise a variable whose name marks a credential (`DB_PASSWORD`, `apiKey`, `JWT_SECRET`)
   carries one, unless the name ends in a word that says it describes a credential rather than
   holding it (`_ARN`, `_FILE`, `_TTL`, `_LENGTH`…).

A credential under a name that does not mark one, in a value with no structure, is not found:
nothing in a plain string tells a password from any other word.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Words that, anywhere in a name, mark a credential. Kept compatible with the names the rule
# has always flagged; PASS and PASSPHRASE are common spellings of the same thing.
_CREDENTIAL_WORDS = {"PASSWORD", "PASSWD", "PWD", "PASS", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY",
                     "PRIVATEKEY", "CREDENTIAL", "CREDENTIALS"}
_CREDENTIAL_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY")}
# A name ending in one of these refers to a secret (where it is, how long it lives, how it is
# checked), not the secret itself.
_REFERENCE_SUFFIXES = {"ARN", "FILE", "PATH", "NAME", "ID", "URL", "URI", "ENDPOINT", "HOST", "PORT", "TTL",
                       "TIMEOUT", "LENGTH", "ENABLED", "REGION", "HEADER", "PARAMETER", "TYPE", "ALGORITHM",
                       "ISSUER", "AUDIENCE", "EXPIRY", "EXPIRATION", "LIFETIME", "DURATION", "POLICY", "DIR",
                       "VERSION", "MIN", "MAX", "COUNT", "SIZE", "FORMAT", "MODE"}


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def credential_name(name: str) -> bool:
    """Whether a variable's (or a key's) name says it holds a credential."""
    words = _name_words(name)
    if not words or words[-1] in _REFERENCE_SUFFIXES:
        return False
    if any(word in _CREDENTIAL_WORDS for word in words):
        return True
    return any(pair in _CREDENTIAL_PAIRS for pair in zip(words, words[1:], strict=False))


# Names of values that commonly embed a credential (a URL's userinfo, a DSN's password, JSON, options).
_EMBEDDING_WORDS = {"URL", "URI", "DSN", "JSON", "OPTS", "OPTIONS", "ARGS", "CONNECTION", "CONNECTIONSTRING",
                    "CONFIG", "PROPERTIES"}


def may_embed_credential(name: str) -> bool:
    """Whether a variable's name says its value may hold a credential inside it (`DATABASE_URL`,
    `JAVA_TOOL_OPTIONS`, `SPRING_APPLICATION_JSON`): an unknown value there cannot be judged."""
    words = _name_words(name)
    return bool(words) and (words[-1] in _EMBEDDING_WORDS or "CONNECTION" in words)


# --- values that cannot be a credential -----------------------------------------------------------

_BOOLEANS = {"true", "false", "yes", "no", "on", "off", "y", "n", "t", "f", "enabled", "disabled", "enable",
             "disable", "none", "null", "nil"}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DURATION = re.compile(
    r"(\d+(\.\d+)?\s*(ns|us|µs|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?|y|years?))+",
    re.IGNORECASE)
_ISO_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?",
                           re.IGNORECASE)
_SIZE = re.compile(r"\d+(\.\d+)?\s*([kmgtp]i?b?|bytes?)", re.IGNORECASE)
_ALGORITHM = re.compile(
    r"(HMAC[-_]?)?(HS|RS|ES|PS|AES|SHA|SHA3|MD|RSA|ECDSA|ECDH|ED|X|BLAKE2[BS]?|CHACHA|SCRAM[-_]SHA)"
    r"([-_]?\d+)+([-_]?(GCM|CBC|CTR|OAEP|PSS|KW|POLY1305|SHA\d*|\d+))*",
    re.IGNORECASE)
_ALGORITHM_NAMES = {"bcrypt", "scrypt", "argon2", "argon2i", "argon2d", "argon2id", "pbkdf2", "eddsa", "rsa",
                    "ecdsa", "hmac", "plain", "basic", "bearer", "digest", "oauthbearer", "gssapi"}
_PATH = re.compile(r"(/|\./|\.\./|~/|file:|[A-Za-z]:\\)\S*")
_HEADER = re.compile(r"X-[A-Za-z0-9]+(-[A-Za-z0-9]+)*|[A-Z][a-z]+(-[A-Z][a-z]*)+|Authorization")
# Shell-style $NAME placeholders are upper case by convention; "$ecret" is a password.
_REFERENCE = re.compile(r"arn:aws[a-z-]*:\S+|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|#\{[^}]*\}",
                        re.DOTALL)
_URL = re.compile(r"[a-z][a-z0-9+.\-]*://\S+", re.IGNORECASE)


def benign_kind(value: str) -> str | None:
    """What a value is when it cannot be a credential ("a boolean", "a duration"…); None otherwise."""
    text = value.strip()
    if not text:
        return "empty"
    checks = (
        ("a boolean", lambda: text.lower() in _BOOLEANS),
        ("a number", lambda: _NUMBER.fullmatch(text)),
        ("a duration", lambda: _DURATION.fullmatch(text) or _ISO_DURATION.fullmatch(text)),
        ("a data size", lambda: _SIZE.fullmatch(text)),
        ("an algorithm name", lambda: _ALGORITHM.fullmatch(text) or text.lower() in _ALGORITHM_NAMES),
        ("a reference", lambda: _REFERENCE.fullmatch(text)),
        ("a file path", lambda: _PATH.fullmatch(text)),
        ("a header name", lambda: _HEADER.fullmatch(text)),
        ("a URL without a password", lambda: _URL.fullmatch(text) and not _embedded_in_text(text)),
    )
    for kind, test in checks:
        if test():
            return kind
    return None


# --- credentials inside structured values ---------------------------------------------------------

@dataclass(frozen=True)
class Credential:
    """Where a credential sits in a variable: `where` is "value" for the whole value, or the place
    inside it ("JSON key spring.datasource.password", "URL userinfo") — never the credential itself."""

    where: str

    @property
    def whole(self) -> bool:
        return self.where == "value"


_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----")
_USERINFO = re.compile(r"[a-z][a-z0-9+.\-]*://([^/\s:@?#]*):([^/\s@?#]+)@", re.IGNORECASE)
_ORACLE_THIN = re.compile(r"jdbc:oracle:thin:([^/@:\s]+)/([^@\s]+)@", re.IGNORECASE)
# key=value with an optional -D / -- / - prefix; the value may be quoted (JAAS configs quote it).
_PAIR = re.compile(
    r"(?:^|(?<=[\s;&?,]))(?P<prefix>-D|--|-)?(?P<key>[A-Za-z_][\w.\-]*)\s*=\s*"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s;&,\"']*))")


def _embedded_in_text(text: str) -> Credential | None:
    if _PEM_PRIVATE_KEY.search(text):
        return Credential("PEM private key")
    for match in _USERINFO.finditer(text):
        if benign_kind(match.group(2)) is None:
            return Credential("URL userinfo")
    match = _ORACLE_THIN.search(text)
    if match and benign_kind(match.group(2)) is None:
        return Credential("URL userinfo")
    for match in _PAIR.finditer(text):
        key, prefix = match.group("key"), match.group("prefix") or ""
        pair_value = next(v for v in (match.group("dq"), match.group("sq"), match.group("bare"), "")
                          if v is not None)
        if not credential_name(key) or benign_kind(pair_value) is not None:
            continue
        before = text[match.start() - 1] if match.start() else ""
        if prefix == "-D":
            return Credential(f"JVM option -D{key}")
        if prefix:
            return Credential(f"option {prefix}{key}")
        if before in "?&" and before:
            return Credential(f"URL query parameter {key}")
        return Credential(f"connection string key {key}")
    return None


def _embedded_in_json(document: Any, path: str = "") -> Credential | None:
    if isinstance(document, dict):
        for key, item in document.items():
            key_path = f"{path}.{key}" if path else str(key)
            if isinstance(item, str) and credential_name(str(key)) and benign_kind(item) is None:
                return Credential(f"JSON key {key_path}")
            found = _embedded_in_json(item, key_path)
            if found:
                return found
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found = _embedded_in_json(item, f"{path}[{index}]")
            if found:
                return found
    elif isinstance(document, str):
        found = _embedded_in_text(document)
        if found:
            return Credential(f"{found.where} in JSON key {path}" if path else found.where)
    return None


def _embedded(value: str) -> Credential | None:
    text = value.strip()
    if text[:1] in "{[":
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict | list):
            return _embedded_in_json(document)
    return _embedded_in_text(value)


def find_credential(name: str, value: str) -> Credential | None:
    """The credential a variable `name`=`value` carries in plain text, or None."""
    if benign_kind(value) is not None:
        return None
    embedded = _embedded(value)
    if embedded:
        return embedded
    return Credential("value") if credential_name(name) else None
