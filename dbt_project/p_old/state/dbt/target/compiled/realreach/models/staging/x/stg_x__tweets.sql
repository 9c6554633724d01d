-- X posts as pulled: one row per post per pull, metrics as of observed_at.
with source as (
    select * from read_parquet('p_old/lake/platform=x/kind=tweets/**/*.parquet', union_by_name = true) as lake
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
    cast(post_id as varchar) as post_id,
    cast(observed_at as timestamptz) as observed_at,
    cast(created_at as timestamptz) as posted_at,
    cast(text as varchar) as post_text,
    cast(lang as varchar) as lang,
    cast(conversation_id as varchar) as conversation_id,
    cast(in_reply_to_user_id as varchar) as in_reply_to_user_id,
    cast(referenced_type as varchar) as referenced_type,
    cast(referenced_id as varchar) as referenced_id,
    cast(retweet_count as bigint) as retweet_count,
    cast(reply_count as bigint) as reply_count,
    cast(like_count as bigint) as like_count,
    cast(quote_count as bigint) as quote_count,
    cast(impression_count as bigint) as impression_count,
    cast(bookmark_count as bigint) as bookmark_count,
    cast(url_link_clicks as bigint) as url_link_clicks,
    cast(user_profile_clicks as bigint) as user_profile_clicks,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at
from source