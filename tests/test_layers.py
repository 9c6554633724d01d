"""The import layers the brief promises, checked on the source rather than trusted.

- the simulator and the evaluation (``realreach_sim``) are tools: no pipeline module imports them;
  only the command line reaches them, lazily, for ``realreach generate`` / ``demo`` / ``eval``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("realreach", "ingestion", "expectations", "dags")
# The CLI is the contract's front door: `generate` and `demo` stay commands, so it alone may
# import the tools, and only inside the functions that run them.
TOOL_GATEWAYS = {Path("realreach/cli.py")}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def _sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _sources(*PRODUCT), ids=lambda p: str(p.relative_to(ROOT)))
def test_product_never_imports_the_simulator(path: Path) -> None:
    rel = path.relative_to(ROOT)
    for module, at_top in _imports(path):
        if module.split(".")[0] != "realreach_sim":
            continue
        assert rel in TOOL_GATEWAYS and not at_top, f"{rel} imports {module}"


# Lower layers: ingestion and the expectations never import the CLI's package (realreach);
# what they share with it lives in realreach_core, which imports none of them.
LOWER = {
    "ingestion": ("realreach", "realreach_sim"),
    "expectations": ("realreach", "realreach_sim"),
    "realreach_core": ("realreach", "ingestion", "expectations", "realreach_sim", "dags"),
}


@pytest.mark.parametrize("path", _sources(*LOWER), ids=lambda p: str(p.relative_to(ROOT)))
def test_lower_layers_never_import_higher_ones(path: Path) -> None:
    rel = path.relative_to(ROOT)
    forbidden = LOWER[rel.parts[0]]
    for module, _ in _imports(path):
        assert module.split(".")[0] not in forbidden, f"{rel} imports {module}"


def test_a_home_given_as_a_relative_path_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dbt runs in the dbt project's folder: a relative home would be another folder there
    from realreach.dbt_worker import dbt_dirs, dbt_env
    from realreach_core.home import Home

    monkeypatch.chdir(tmp_path)
    home = Home(Path("relative-home"))
    assert home.root == tmp_path / "relative-home"
    assert dbt_env(home)["REALREACH_HOME"] == str(tmp_path / "relative-home")
    assert all(p.is_absolute() for p in dbt_dirs(home))
