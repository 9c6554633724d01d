"""Rebuild the marts with dbt on DuckDB whenever the lake changed."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_transform",
    schedule=[rr.LAKE],
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_transform() -> None:
    @task(outlets=[rr.MARTS])
    def build_marts(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.build(outlet_events, triggering_asset_events)

    build_marts()


realreach_transform()
