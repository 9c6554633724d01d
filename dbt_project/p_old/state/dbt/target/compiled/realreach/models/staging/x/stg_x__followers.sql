-- Followers of our accounts as pulled: one row per (account, follower) per pull, with the
-- follower's public profile as seen at observed_at, and where it stood in that pull's list
-- (list_page, then list_position inside the page file; X lists followers newest first).
with source as (
    select * from read_parquet('p_old/lake/platform=x/kind=followers/**/*.parquet', union_by_name = true) as lake
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
    cast(follower_id as varchar) as follower_id,
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
    cast(list_page as bigint) as list_page,
    cast(list_position as bigint) as list_position,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at
from source