"""Alert once per suspicious follower spike, on every configured channel."""

from airflow.sdk import dag, task

from realreach import orchestration as rr


@dag(
    dag_id="realreach_alerts",
    schedule=[rr.CHECKS],
    start_date=rr.START_DATE,
    catchup=False,
    # alerts.jsonl is appended to: one writer at a time.
    max_active_runs=1,
    default_args=rr.DEFAULT_ARGS,
    tags=["realreach"],
    doc_md=__doc__,
)
def realreach_alerts() -> None:
    @task(outlets=[rr.ALERTS])
    def raise_alerts(*, outlet_events=None) -> dict:
        return rr.alert(outlet_events)

    raise_alerts()


realreach_alerts()
