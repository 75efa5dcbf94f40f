"""The README's promises: the commands it opens with are the ones CI runs, and CI never skips."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text.split("## ", 1)[0], flags=re.S)


def test_readme_opens_with_the_two_commands():
    main_job, tests = readme_commands()
    assert main_job.startswith("python3 -m venv .venv && ")
    assert main_job.endswith(".venv/bin/kneekit serve")
    assert tests.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command_word_for_word():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_a_skipped_test_fails_the_run_in_ci(tmp_path: Path):
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_skip.py").write_text(
        "import pytest\n\ndef test_runs():\n    assert True\n\n"
        "@pytest.mark.skip(reason='no browser')\ndef test_skipped():\n    pass\n",
        encoding="utf-8",
    )

    def run(ci: str) -> subprocess.CompletedProcess[str]:
        env = os.environ | {"CI": ci}
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    in_ci = run("true")
    assert in_ci.returncode == 1, in_ci.stdout
    assert "in CI every test must run" in in_ci.stdout
    assert run("").returncode == 0


def test_the_readme_python_examples_run():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.+?)\n```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_every_kneekit_name_the_docs_mention_exists():
    """A name such as `kneekit.routines.Session` in the README or ARCHITECTURE.md is importable:
    the docs follow the code when a module moves."""
    import importlib

    missing = []
    for doc in ("README.md", "ARCHITECTURE.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        for name in sorted(set(re.findall(r"`(kneekit(?:\.\w+)+)", text))):
            parts = name.split(".")
            if parts[-1] in ("toml", "yaml", "py", "sqlite3", "json"):
                continue  # a file name such as kneekit.toml
            for cut in range(len(parts), 0, -1):
                try:
                    found: object = importlib.import_module(".".join(parts[:cut]))
                except ModuleNotFoundError:
                    continue
                for attribute in parts[cut:]:
                    found = getattr(found, attribute, None)
                if found is None:
                    missing.append(f"{doc}: {name}")
                break
    assert missing == []
