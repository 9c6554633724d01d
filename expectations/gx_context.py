"""The Great Expectations file context of a home: suites from the repo, pandas assets, docs.

GX is imported lazily by callers (it takes seconds), so DAG files that import
``expectations.checks`` stay cheap to parse.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from realreach_core.home import EXPECTATIONS_DIR, Home

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

SUITES_DIR = EXPECTATIONS_DIR / "suites"
DATASOURCE = "realreach"
DOCS_SITE = "realreach"
BATCH_DEFINITION = "whole_table"


@dataclass(frozen=True)
class SuiteSpec:
    """One suite file of the repo and what it validates (from its ``meta.realreach``)."""

    name: str
    path: Path
    document: dict[str, Any]

    @property
    def source(self) -> str:
        return self.document["meta"]["realreach"]["source"]  # "lake" or "marts"

    @property
    def purpose(self) -> str:
        return self.document["meta"]["realreach"].get("purpose", "quality")  # or "spikes"

    @property
    def table(self) -> str:
        meta = self.document["meta"]["realreach"]
        return meta["table"] if self.source == "marts" else f"{meta['platform']}/{meta['kind']}"

    @property
    def lake_kind(self) -> tuple[str, str]:
        meta = self.document["meta"]["realreach"]
        return meta["platform"], meta["kind"]

    @property
    def index_columns(self) -> list[str]:
        return list(self.document["meta"]["realreach"].get("unexpected_index_column_names", []))

    @property
    def value_columns(self) -> set[str]:
        """Columns whose values an expectation reads (a column-set check needs names only)."""
        columns = set(self.index_columns)
        for expectation in self.document.get("expectations", []):
            columns |= columns_of(expectation)
        return columns


def columns_of(expectation: dict[str, Any]) -> set[str]:
    """Columns whose values one expectation reads."""
    kwargs = expectation.get("kwargs", {})
    columns = {kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs}
    columns.update(kwargs.get("column_list", []))
    return columns


def load_suite_specs(folder: Path = SUITES_DIR) -> list[SuiteSpec]:
    specs = []
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text())
            spec = SuiteSpec(document["name"], path, document)
            _ = spec.source, spec.table
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a realreach suite file ({exc!r})") from exc
        specs.append(spec)
    return specs


def open_context(home: Home, *, docs_results_limit: int = 500) -> FileDataContext:
    """The home's file context (created on first use) with analytics and progress bars off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    home.gx.parent.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(home.gx.parent))
    if Path(context.root_directory).resolve() != home.gx.resolve():
        raise RuntimeError(f"GX context at {context.root_directory}, expected {home.gx}")
    changed = False
    if context.config.analytics_enabled is not False:
        context.config.analytics_enabled = False
        changed = True
    bars = context.variables.progress_bars  # a dict once read back from the YAML file
    enabled = (
        bars.get("globally", True) if isinstance(bars, dict) else getattr(bars, "globally", True)
    )
    if bars is None or enabled:
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        changed = True
    if changed:
        context.variables.save()
    _ensure_docs_site(context, home, docs_results_limit)
    return context


def _ensure_docs_site(context: FileDataContext, home: Home, results_limit: int) -> None:
    # Docs go to <home>/gx/data_docs (the documented home layout), not GX's uncommitted/ default.
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": os.path.relpath(home.data_docs, home.gx) + "/",
        },
        # The UpdateDataDocsAction rebuilds the index once per validation result: keep it
        # bounded, and skip the profiling section (we store no profiling results).
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": results_limit,
        },
        "site_section_builders": {"profiling": "False"},
    }
    sites = context.list_data_docs_sites()
    if "local_site" in sites:
        context.delete_data_docs_site("local_site")
        shutil.rmtree(home.gx / "uncommitted" / "data_docs" / "local_site", ignore_errors=True)
    if DOCS_SITE not in sites:
        context.add_data_docs_site(DOCS_SITE, site)
    elif dict(sites[DOCS_SITE]) != site:
        context.update_data_docs_site(DOCS_SITE, site)


def reset_runtime_objects(context: FileDataContext, checkpoint_names: list[str]) -> None:
    """Drop last run's checkpoints, validation definitions and assets; they are rebuilt each run
    from the repo's suites, so a suite removed from the repo stops being run."""
    for name in checkpoint_names:
        # Absent on the first run; GX raises different types for that across stores.
        with contextlib.suppress(Exception):
            context.checkpoints.delete(name)
    for definition in list(context.validation_definitions.all()):
        context.validation_definitions.delete(definition.name)
    if DATASOURCE in context.data_sources.all():
        context.data_sources.delete(DATASOURCE)


def prune_results(home: Home, keep: int) -> None:
    """Keep the newest ``keep`` runs per suite in the results store and the docs site: the docs
    index grows with every stored result, and the pipeline may run hourly for years."""
    for root in (home.gx / "uncommitted" / "validations", home.data_docs / "validations"):
        if not root.is_dir():
            continue
        for suite_dir in (p for p in root.iterdir() if p.is_dir()):
            runs = sorted(
                (run for run in suite_dir.glob("*/*") if run.is_dir()),
                key=lambda run: run.stat().st_mtime,
            )
            for old in runs[: max(0, len(runs) - keep)]:
                shutil.rmtree(old, ignore_errors=True)
                if not any(old.parent.iterdir()):
                    old.parent.rmdir()
