"""Rebuild the marts with dbt on DuckDB whenever the lake changed."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_transform",
    schedule=[rr.LAKE],
    start_date=rr.START_DATE,
    catchup=False,
    # DuckDB allows one writer: never two dbt builds at once.
    max_active_runs=1,
    default_args=rr.DEFAULT_ARGS,
    tags=["realreach"],
    doc_md=__doc__,
)
def realreach_transform() -> None:
    @task(outlets=[rr.MARTS])
    def build_marts(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.build(outlet_events, triggering_asset_events)

    build_marts()


realreach_transform()
