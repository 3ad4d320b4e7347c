"""The kernel <-> frontend protocol is defined once: the TypeScript is generated from it, and one grammar reads
the ``%%docgen`` line everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from docgen_magic.kernel.protocol import MagicLine, split_magic_line, typescript

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_TS = ROOT / "labextension" / "src" / "protocol.ts"


def test_committed_typescript_is_the_generated_one() -> None:
    assert PROTOCOL_TS.read_text(encoding="utf-8") == typescript(), (
        "labextension/src/protocol.ts is stale: run python -m docgen_magic.kernel.protocol --write")


def test_the_generator_prints_what_it_writes() -> None:
    out = subprocess.run([sys.executable, "-m", "docgen_magic.kernel.protocol"], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout == typescript()
    assert "export const REVIEW_MIME = 'application/vnd.docgen.result+json';" in out.stdout


def test_the_frontend_takes_its_constants_from_the_generated_file() -> None:
    """No TypeScript module spells a protocol value itself."""
    for path in PROTOCOL_TS.parent.rglob("*.ts"):
        if path == PROTOCOL_TS:
            continue
        text = path.read_text(encoding="utf-8")
        for literal in ("application/vnd.docgen.result+json", "'docgen_magic.run'", "only reads the cell",
                        "'in flight'"):
            assert literal not in text, f"{path.name} spells {literal} itself"


@pytest.mark.parametrize(("source", "expected"), [
    ("%%docgen\ndef f(): pass\n", MagicLine("", "def f(): pass\n", 1)),
    ("%%docgen --style numpy -o r\r\nx = 1\r\n", MagicLine("--style numpy -o r", "x = 1\r\n", 1)),
    ("\n  \n%%docgen --check\nx = 1\n", MagicLine("--check", "x = 1\n", 3)),
    ("  %%docgen\nx = 1", MagicLine("", "x = 1", 1)),
    ("%%docgen", MagicLine("", "", 1)),
    ("%%docgen\tprovider\n", MagicLine("provider", "", 1)),
    ("%%docgenx\nx = 1\n", MagicLine("", "%%docgenx\nx = 1\n", 0)),
    ("x = 1\n%%docgen\n", MagicLine("", "x = 1\n%%docgen\n", 0)),
    ("%%time\nx = 1\n", MagicLine("", "%%time\nx = 1\n", 0)),
    ("\n\n", MagicLine("", "\n\n", 0)),
    ("", MagicLine("", "", 0)),
])
def test_the_magic_line_grammar(source: str, expected: MagicLine) -> None:
    assert split_magic_line(source) == expected
    assert split_magic_line(source).present == (expected.line > 0)
