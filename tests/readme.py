"""The code blocks of the README and the user guide (`docs/`), for tests that run what they show."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def readme_block(language: str, containing: str) -> str:
    """The first ```language code block containing `containing`, in the README, then the guide's
    pages in name order."""
    for page in PAGES:
        for block in re.findall(rf"```{language}\n(.*?)```", page.read_text(), flags=re.S):
            if containing in block:
                return block
    raise AssertionError(f"no {language} block with {containing!r} in README.md or docs/")


def run_with_tensorflow_only(script: str) -> list[str]:
    """The stdout lines of `script` run in a fresh Python process, which must exit 0 without
    loading tfsenti, tf_keras or tensorflow_hub (what a TF Serving user has is TensorFlow and
    tensorflow_text)."""
    listing = textwrap.dedent("""
        import sys as _sys
        print(sorted(m for m in _sys.modules if m.split(".")[0] in ("tfsenti", "tf_keras",
                                                                    "tensorflow_hub")))
    """)
    done = subprocess.run([sys.executable, "-c", script + listing], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    *lines, loaded = done.stdout.splitlines()
    assert loaded == "[]"
    return lines
