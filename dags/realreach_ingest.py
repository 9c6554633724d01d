"""Ingest new landing files into the Parquet lake, then build what they changed: the alert
path, the spike mart's own suites, the alerts, then the rest of the marts (MARTS starts the
quality suites, SPIKES the alerts DAG). One task, so nothing on the alert's path waits for a
scheduler hop or a second start-up (``realreach.orchestration``).

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
    @task(outlets=[rr.LAKE, rr.MARTS, rr.SPIKES])
    def ingest_and_build(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.ingest_and_build(outlet_events, triggering_asset_events)

    ingest_and_build()


realreach_ingest()
