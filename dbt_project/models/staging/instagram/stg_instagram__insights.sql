-- Instagram account insights: one row per metric value; value_date is the day described.
with source as (
    select * from {{ source('instagram', 'insights') }}
)

select
    {{ stg_lake_columns() }}
    {{ stg_insight_columns() }}
from source
