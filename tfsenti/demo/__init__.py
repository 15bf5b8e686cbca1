"""The demo data set bundled with tfsenti (600 short film reviews written for the project; see
README.md here): `make demo` fine-tunes on `DEMO_DATA / "train"` and tests on `DEMO_DATA / "test"`,
and the test suite uses it as small real data."""

from pathlib import Path

DEMO_DATA = Path(__file__).parent  # train/ and test/, each with neg/ and pos/

# Texts `tfsenti demo` predicts with the reloaded export.
DEMO_EXAMPLES = [
    "An absolute delight from start to finish, with a cast that clearly loved every scene.",
    "I wanted my two hours back. The plot made no sense and the acting was wooden.",
    "Not perfect, but the soundtrack and the final act won me over.",
    "A lazy, joyless sequel that forgets everything that made the original work.",
]
