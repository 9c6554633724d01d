"""Build the marts with dbt on DuckDB, by hand: what the lake and the dbt project changed since
the last green build (after a fix to a failed build, a new project version, a retraction with
``realreach quarantine``). The same build as ``realreach_ingest``'s, which runs it after
every ingest: first the alert path and its tests, then its suites and the alerts (SPIKES),
then the rest (MARTS starts the quality suites)."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_transform",
    schedule=None,
    doc_md=__doc__,
    **rr.DAG_DEFAULTS,
)
def realreach_transform() -> None:
    @task(outlets=[rr.MARTS, rr.SPIKES])
    def build_marts(*, outlet_events=None, triggering_asset_events=None) -> dict:
        return rr.build(outlet_events, triggering_asset_events)

    build_marts()


realreach_transform()
