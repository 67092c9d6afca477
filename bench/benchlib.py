"""What the benchmark scripts share: logging, the memory of a process tree, and writing a
report between two markers in README.md. Standard library only."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def field_kb(path: str, key: str) -> int | None:
    """Return the value in kB of a `Key:   123 kB` line of a /proc file, or None."""
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def process_memory_kb(pid: int) -> int:
    """Pss of one process in kB, or its VmRSS when smaps_rollup is unreadable (0 if gone).

    Pss splits each shared page among the processes sharing it, so the copy-on-write memory of
    forked workers is counted once in a sum over the tree, not once per worker.
    """
    pss = field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    if pss is not None:
        return pss
    return field_kb(f"/proc/{pid}/status", "VmRSS:") or 0


def process_tree(root: int) -> list[int]:
    """The pid `root` and all its live descendants, from /proc/PID/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def tree_memory_kb(root: int) -> int:
    """Summed memory (Pss, or RSS as fallback) of a process and its descendants, in kB."""
    return sum(process_memory_kb(pid) for pid in process_tree(root))


def replace_marked_section(readme: Path, start: str, end: str, report: str) -> bool:
    """Put `report` between the `start` and `end` markers; False (and nothing written) if the
    file or a marker is missing."""
    if not readme.is_file():
        log(f"warning: {readme} does not exist; not updating it")
        return False
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        log(f"warning: markers {start} / {end} not found in {readme}; not updating it")
        return False
    block = f"{start}\n{report}{end}"
    readme.write_text(pattern.sub(lambda _: block, text, count=1), encoding="utf-8")
    log(f"updated {readme}")
    return True


def stop_cleanly_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit, so that a benchmark stopped from outside
    unwinds through its `with` blocks and stops every server it started."""
    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, leave)
