-- Instagram account insights: one row per metric value; value_date is the day described.
with source as (
    select * from read_parquet('p_old/lake/platform=instagram/kind=insights/**/*.parquet', union_by_name = true) as lake
    where 
    not exists (
        select 1
        from read_parquet('p_old/lake/retracted_files/**/*.parquet', union_by_name = true) as retracted
        where
            retracted.source_file = lake.source_file
            and retracted.source_sha256 = lake.source_sha256
    )
)

select
    
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(observed_at as timestamptz) as observed_at,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at,
    
    cast(metric as varchar) as metric,
    cast(source_metric as varchar) as source_metric,
    cast(period as varchar) as period,
    cast(end_time as timestamptz) as end_time,
    -- the day a value describes: the Pacific day ending at end_time, rounded to the NEAREST
    -- Pacific midnight, so an end_time written with a fixed -07:00 offset all year (an hour
    -- early in winter, 23:00 PST) still names the right day instead of the one before
    coalesce(
        cast(timezone('America/Los_Angeles', cast(end_time as timestamptz)) + interval 12 hour as date)
        - 1,
        cast(value_date as date)
    ) as value_date,
    cast(value as double) as metric_value,
    cast(value_json as varchar) as value_json
from source