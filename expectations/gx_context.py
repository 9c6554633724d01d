"""The Great Expectations context of a check run: suites from the repo, pandas assets, docs.

GX is imported lazily by callers (it takes seconds), so DAG files that import
``expectations.checks`` stay cheap to parse.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from realreach_core.files import atomic_write_text
from realreach_core.home import EXPECTATIONS_DIR, Home

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.data_context.types.base import DataContextConfig

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


def open_context(home: Home, *, docs_results_limit: int = 500) -> AbstractDataContext:
    """A GX context for one check run: suites, results and Data Docs in the home's files,
    everything else in memory, with analytics and progress bars off.

    A file context rewrote great_expectations.yml on every asset it added and read its config
    back hundreds of times a run (about a third of the quality step). Checkpoints, validation
    definitions and assets are rebuilt each run from the repo's suites anyway, so they live in
    memory; the expectation suites stay in files because the docs index drops the page of any
    suite its store does not list (the other stage's suites too), and the results because the
    docs index and ``prune_results`` read them."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    home.gx.mkdir(parents=True, exist_ok=True)
    _keep_project_file(home, docs_results_limit)
    config = _project_config(home, docs_results_limit, in_memory=True)
    return gx.get_context(mode="ephemeral", project_config=config)


_STORE_CLASSES = {
    "expectations_store": "ExpectationsStore",
    "validation_results_store": "ValidationResultsStore",
    "checkpoint_store": "CheckpointStore",
    "validation_definition_store": "ValidationDefinitionStore",
}
#: Stores written to files on every run (relative to <home>/gx, as GX lays a project out).
PERSISTED_STORES = {
    "expectations_store": "expectations/",
    "validation_results_store": "uncommitted/validations/",
}
#: Stores of a project file only: a run keeps these in memory and never writes them.
_FILE_ONLY_STORES = {
    "checkpoint_store": "checkpoints/",
    "validation_definition_store": "validation_definitions/",
}


def _project_config(home: Home, results_limit: int, *, in_memory: bool) -> DataContextConfig:
    """The run's context (``in_memory``: absolute paths, runtime objects in memory) or the
    project file that describes the same files (paths relative to <home>/gx)."""
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

    def folder(relative: str) -> str:
        return str(home.gx / relative) + "/" if in_memory else relative

    stores: dict[str, dict[str, Any]] = {
        name: {
            "class_name": _STORE_CLASSES[name],
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": folder(base)},
        }
        for name, base in PERSISTED_STORES.items()
    }  # fmt: skip
    for name, base in _FILE_ONLY_STORES.items():
        backend = {"class_name": "InMemoryStoreBackend"} if in_memory else {
            "class_name": "TupleFilesystemStoreBackend", "base_directory": base,
        }  # fmt: skip
        stores[name] = {"class_name": _STORE_CLASSES[name], "store_backend": backend}
    return DataContextConfig(
        stores=stores,
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={DOCS_SITE: _docs_site(home, results_limit, absolute=in_memory)},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        config_variables_file_path=None if in_memory else "uncommitted/config_variables.yml",
        plugins_directory=None if in_memory else "plugins/",
    )


def _docs_site(home: Home, results_limit: int, *, absolute: bool) -> dict[str, Any]:
    # Docs go to <home>/gx/data_docs (the documented home layout), not GX's uncommitted/ default.
    base = str(home.data_docs) if absolute else os.path.relpath(home.data_docs, home.gx)
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": base + "/"},
        # The docs index is rebuilt from every stored result: keep it bounded, and skip the
        # profiling section (we store no profiling results).
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": results_limit,
        },
        "site_section_builders": {"profiling": "False"},
    }  # fmt: skip


PROJECT_FILE = "great_expectations.yml"


def _keep_project_file(home: Home, results_limit: int) -> None:
    """<home>/gx stays a GX project a person can open (``gx.get_context(project_root_dir=
    <home>)``) to browse suites and results: its file names the persisted stores and the docs
    site, and is rewritten only when that changes (once on a home a file context ran on,
    whose checkpoints and validation definitions named assets of last run's snapshots)."""
    path = home.gx / PROJECT_FILE
    old = path.read_text() if path.exists() else ""
    known = re.search(r"^data_context_id: *(\S+)", old, re.MULTILINE)
    config = _project_config(home, results_limit, in_memory=False)
    config.data_context_id = uuid.UUID(known.group(1)) if known else uuid.uuid4()
    text = config.to_yaml_str()
    if text == old:
        return
    for folder in _FILE_ONLY_STORES.values():
        shutil.rmtree(home.gx / folder, ignore_errors=True)
    shutil.rmtree(home.gx / "uncommitted" / "data_docs" / "local_site", ignore_errors=True)
    atomic_write_text(path, text)


def save_suite(context: AbstractDataContext, suite: ExpectationSuite) -> tuple[Any, bool]:
    """The stored suite of that name when it already holds these expectations (in this order),
    meta and notes, else ``suite`` written to the store; and whether it was written.

    The suites come from the repo and rarely change, and ``add_or_update`` matches every
    expectation against every stored one (pydantic dicts each time) to keep their ids."""
    from great_expectations.exceptions import DataContextError

    try:
        stored = context.suites.get(suite.name)
    except DataContextError:
        return context.suites.add(suite), True
    same = (
        len(stored.expectations) == len(suite.expectations)
        and all(a == b for a, b in zip(stored.expectations, suite.expectations, strict=True))
        and stored.meta == suite.meta
        and stored.notes == suite.notes
    )
    return (stored, False) if same else (context.suites.add_or_update(suite), True)


def suite_page(home: Home, suite_name: str) -> Path:
    """The Data Docs page of a suite's expectations (GX's site layout)."""
    return home.data_docs / "expectations" / f"{suite_name}.html"


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
