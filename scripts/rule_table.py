"""Rewrite the rule table of README.md from resources/rules/*.json.

Run after changing a rule set: `.venv/bin/python scripts/rule_table.py`. The part between
the two rule-table markers is replaced; everything else of the README stays as it is.
`tests/vaccination/test_documented_rules.py` fails while the two disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vaccination.rule_table import README_BEGIN, README_END, rule_table_markdown  # noqa: E402
from vaccination.rules import load_rule_sets  # noqa: E402


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    try:
        start = text.index(README_BEGIN) + len(README_BEGIN)
        end = text.index(README_END)
    except ValueError:
        print("README.md has no rule-table markers", file=sys.stderr)
        return 2
    table = rule_table_markdown(load_rule_sets())
    new = text[:start] + "\n" + table + text[end:]
    if new != text:
        readme.write_text(new, encoding="utf-8")
        print("README.md: rule table rewritten")
    else:
        print("README.md: rule table up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
