-- Instagram account insights: one row per metric value; value_date is the day described.
with source as (
    select * from {{ lake_rows('instagram', 'insights') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    {{ stg_insight_columns() }}
from source
