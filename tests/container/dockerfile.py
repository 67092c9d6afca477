"""The Dockerfile, parsed by dockerfile-parse, as lists of instructions per stage."""

from __future__ import annotations

import json
import shlex
from functools import cache
from typing import Any

from dockerfile_parse import DockerfileParser

from tests.conftest import REPO

DOCKERFILE = REPO / "Dockerfile"

Instruction = dict[str, Any]


@cache
def stages() -> list[list[Instruction]]:
    """The Dockerfile's instructions, one list per stage, each starting with its FROM."""
    result: list[list[Instruction]] = []
    for instruction in DockerfileParser(str(DOCKERFILE)).structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if result and instruction["instruction"] != "COMMENT":
            result[-1].append(instruction)
    return result


def final_stage() -> list[Instruction]:
    return stages()[-1]


def values(stage: list[Instruction], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def only(stage: list[Instruction], name: str) -> str:
    found = values(stage, name)
    assert len(found) == 1, f"the final stage has {len(found)} {name} instructions, wants one"
    return found[0]


def exec_form(value: str) -> list[str]:
    """A JSON-array (exec form) instruction's arguments; fails on the shell form."""
    assert value.startswith("["), f"not exec form (a JSON array): {value}"
    arguments = json.loads(value)
    assert all(isinstance(a, str) for a in arguments)
    return arguments


def copies(stage: list[Instruction]) -> list[tuple[list[str], list[str], str]]:
    """Each COPY as (flags, sources, destination)."""
    result = []
    for value in values(stage, "COPY"):
        words = json.loads(value) if value.startswith("[") else shlex.split(value)
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        result.append((flags, paths[:-1], paths[-1]))
    return result


def context_copies() -> list[tuple[str, str]]:
    """(source, destination) of every COPY from the build context, in every stage."""
    return [(source, destination) for stage in stages() for flags, sources, destination
            in copies(stage) if not any(f.startswith("--from") for f in flags)
            for source in sources]
