"""The business rules' parameters (include/sql/vars.yml), read by every stage that applies a rule."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from top_items.settings import SQL_DIR


@lru_cache(maxsize=1)
def variables(sql_dir: Path = SQL_DIR) -> dict:
    """The one place the rules' parameters are set."""
    return dict(yaml.safe_load((sql_dir / "vars.yml").read_text())["vars"])
