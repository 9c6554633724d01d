-- Instagram "Download your information" followers: one row per follower per export.
with source as (
    select * from read_parquet('p_old/lake/platform=instagram/kind=dyi_followers/**/*.parquet', union_by_name = true) as lake
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
    cast(follower_username as varchar) as follower_username,
    cast(href as varchar) as href,
    cast(followed_at as timestamptz) as followed_at
from source