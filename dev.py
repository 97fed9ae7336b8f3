#!/usr/bin/env python3
"""Set-up and entry points for a fresh checkout: `python3 dev.py example` and `python3 dev.py test`.

Each makes `.venv` (once), installs initlint into it with what the command needs, then runs.
Only Python 3.9+ and pip are assumed.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# torch is pinned: an unpinned torch may pull a multi-GB GPU build.
EXTRAS = {"example": "", "test": "[test,runtime,plot]"}


def ensure_venv(extras: str) -> None:
    # The stamp names what was installed and from which pyproject, so a changed one reinstalls.
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    stamp = VENV / f".installed{extras or '[static]'}-{digest}"
    if stamp.exists():
        return
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}{extras}"], check=True)
    stamp.touch()


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in EXTRAS:
        print("usage: python3 dev.py example | test [pytest args]", file=sys.stderr)
        return 2
    ensure_venv(EXTRAS[command])
    if command == "example":
        status = subprocess.run([str(BIN / "initlint"), "check", "examples/"], cwd=ROOT).returncode
        initlint, examples = os.path.relpath(BIN / "initlint"), os.path.join(os.path.relpath(ROOT / "examples"), "")
        if status == 1:
            print(f"\ndev.py: exit status 1 is expected here: the example's layers keep torch's default init on "
                  f"purpose, and initlint exits 1 when it finds something (0 clean, 2 error), as ruff does. "
                  f"initlint is now in .venv, not on your PATH: run `{initlint} check --diff {examples}` next.",
                  file=sys.stderr)  # fmt: skip
        return status
    return subprocess.run([str(PY), "-m", "pytest", *sys.argv[2:]], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
