-- Facebook Page Insights: one row per metric value (deprecated names mapped, source_metric kept).
with source as (
    select * from {{ lake_rows('facebook', 'insights') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    {{ stg_insight_columns() }}
from source
