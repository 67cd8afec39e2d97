"""The content hash of a Docker build context, computed in Python: the image tag known at preview.

The hash covers every file Docker would send (the context minus `.dockerignore`), the
Dockerfile, the build arguments, the target stage and the platform, so any change to
what goes into the image gives a new tag, and nothing else does.

`.dockerignore` is read with pathspec's gitignore patterns, each anchored at the context
root as Docker anchors them (`*.pyc` excludes only top-level files; write `**/*.pyc` for
every directory, as Docker requires). Two differences from Docker are accepted and
documented in docs/settings.md: a `!pattern` cannot re-include a file below an excluded
directory (git's rule; Docker allows it), and Docker's `filepath.Match` character-class
corner cases (e.g. `[^a]`) follow git's meaning.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

import pathspec

TAG_LENGTH = 20


def dockerignore_spec(context: Path) -> pathspec.PathSpec:
    ignore_file = context / ".dockerignore"
    lines = ignore_file.read_text().splitlines() if ignore_file.is_file() else []
    return pathspec.PathSpec.from_lines("gitignore", [_anchored(line) for line in lines])


def _anchored(line: str) -> str:
    """A .dockerignore line as a gitignore line with Docker's meaning: relative to the context root."""
    text = line.strip()
    if not text or text.startswith("#"):
        return ""
    negated = text.startswith("!")
    pattern = text[1:].strip() if negated else text
    pattern = os.path.normpath(pattern).replace(os.sep, "/").lstrip("/")
    if pattern == ".":
        return ""
    return ("!" if negated else "") + "/" + pattern


def context_files(context: Path) -> Iterator[str]:
    """Relative POSIX paths of the files Docker sends, in a stable order."""
    spec = dockerignore_spec(context)
    for root, directories, files in os.walk(context):
        directories.sort()
        relative_root = Path(root).relative_to(context).as_posix()
        prefix = "" if relative_root == "." else relative_root + "/"
        # Excluded directories are not walked: git's rule, see the module docstring.
        directories[:] = [d for d in directories if not spec.match_file(prefix + d + "/")]
        for filename in sorted(files):
            relative = prefix + filename
            if not spec.match_file(relative):
                yield relative


def context_hash(
    context: Path,
    dockerfile: Path,
    build_args: Mapping[str, str],
    platform: str,
    target: str | None = None,
) -> str:
    digest = hashlib.sha256()
    for relative in context_files(context):
        path = context / relative
        info = path.lstat()
        digest.update(relative.encode() + b"\0")
        # The full mode, as docker-build's own context hash has it (`fileMode.String()`): any
        # change that makes docker-build rebuild gives a new tag, so a rebuild never re-pushes
        # an existing tag to the IMMUTABLE repository. Times are not hashed (nor by docker-build).
        digest.update(stat.filemode(info.st_mode).encode())
        if stat.S_ISLNK(info.st_mode):
            digest.update(b"link:" + os.readlink(path).encode())
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(b"\0")
    digest.update(b"dockerfile\0" + hashlib.sha256(dockerfile.read_bytes()).digest())
    settings = {"buildArgs": dict(sorted(build_args.items())), "platform": platform, "target": target}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:TAG_LENGTH]
