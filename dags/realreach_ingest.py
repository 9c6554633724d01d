"""Ingest new landing files into the Parquet lake; announce what arrived on the lake asset.

No clock: the landing asset's watcher (``realreach.landing_watch``, run by the triggerer)
starts this DAG when a complete new export appears in ``<home>/landing``.
"""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_ingest",
    schedule=[rr.LANDING],
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_ingest() -> None:
    @task(outlets=[rr.LAKE])
    def ingest_landing(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.ingest(outlet_events, triggering_asset_events)

    ingest_landing()


realreach_ingest()
