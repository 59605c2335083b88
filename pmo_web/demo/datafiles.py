"""The demo's data files: data/*.json, shipped inside the package (pyproject.toml,
[tool.setuptools.package-data])."""
from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def load(name: str) -> Any:
    """The contents of data/<name>.json."""
    return json.loads(files(__package__).joinpath("data", f"{name}.json").read_text(encoding="utf-8"))
