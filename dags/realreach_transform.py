"""Build the marts with dbt on DuckDB whenever the lake changed: first the alert path (the
nodes the spike mart is built from, and its own tests), then its suites and the alerts
(SPIKES), then the rest (MARTS starts the quality suites)."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_transform",
    schedule=[rr.LAKE],
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_transform() -> None:
    @task(outlets=[rr.MARTS, rr.SPIKES])
    def build_marts(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.build(outlet_events, triggering_asset_events)

    build_marts()


realreach_transform()
