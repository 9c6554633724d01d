-- Instagram media as pulled: one row per media object per pull, counts as of observed_at.
with source as (
    select * from read_parquet('p_old/lake/platform=instagram/kind=media/**/*.parquet', union_by_name = true) as lake
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
    cast(post_id as varchar) as post_id,
    cast(created_at as timestamptz) as posted_at,
    cast(media_type as varchar) as media_type,
    cast(media_product_type as varchar) as media_product_type,
    cast(caption as varchar) as caption,
    cast(permalink as varchar) as permalink,
    cast(like_count as bigint) as like_count,
    cast(comments_count as bigint) as comments_count,
    cast(reach as bigint) as reach,
    cast(views as bigint) as view_count,
    cast(saved as bigint) as saved_count,
    cast(shares as bigint) as shares_count,
    cast(total_interactions as bigint) as total_interactions,
    cast(follows as bigint) as follows,
    cast(profile_visits as bigint) as profile_visits
from source