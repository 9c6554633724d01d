-- LinkedIn follower statistics: one row per element (a day's gains, or lifetime breakdowns).
with source as (
    select * from read_parquet('p_old/lake/platform=linkedin/kind=follower_statistics/**/*.parquet', union_by_name = true) as lake
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
    cast(range_start as timestamptz) as range_start,
    cast(range_end as timestamptz) as range_end,
    cast(organic_follower_gain as bigint) as organic_follower_gain,
    cast(paid_follower_gain as bigint) as paid_follower_gain,
    cast(breakdowns as varchar) as breakdowns
from source