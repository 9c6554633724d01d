-- X accounts as pulled (users lookup): one row per account per pull, renamed and cast.
with source as (
    select * from read_parquet('p_old/lake/platform=x/kind=users/**/*.parquet', union_by_name = true) as lake
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
    
    cast(username as varchar) as username,
    cast(name as varchar) as display_name,
    cast(description as varchar) as bio,
    cast(location as varchar) as location,
    cast(url as varchar) as profile_url,
    cast(profile_image_url as varchar) as profile_image_url,
    cast(protected as boolean) as is_protected,
    cast(verified as boolean) as is_verified,
    cast(created_at as timestamptz) as account_created_at,
    cast(followers_count as bigint) as followers_count,
    cast(following_count as bigint) as following_count,
    cast(tweet_count as bigint) as tweet_count,
    cast(like_count as bigint) as like_count,
    cast(listed_count as bigint) as listed_count,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at
from source