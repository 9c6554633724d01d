-- Facebook Page Insights: one row per metric value (deprecated names mapped, source_metric kept).
with source as (
    select * from {{ source('facebook', 'insights') }}
)

select
    {{ stg_lake_columns() }}
    {{ stg_insight_columns() }}
from source
