"""The README's code blocks, for tests that run what the README shows."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def readme_block(language: str, containing: str) -> str:
    """The README's first ```language code block containing `containing`."""
    for block in re.findall(rf"```{language}\n(.*?)```", README, flags=re.S):
        if containing in block:
            return block
    raise AssertionError(f"README has no {language} block with {containing!r}")
