
    

    create  table
      "warehouse"."staging"."stg_facebook__posts"
  
    
    as (
      -- Facebook page posts as pulled: one row per post per pull, counts as of observed_at.
with source as (
    select * from read_parquet('p_old/lake/platform=facebook/kind=posts/**/*.parquet', union_by_name = true) as lake
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
    cast(message as varchar) as message,
    cast(permalink_url as varchar) as permalink,
    cast(status_type as varchar) as status_type,
    cast(shares_count as bigint) as shares_count,
    cast(reactions_count as bigint) as reactions_count,
    cast(comments_count as bigint) as comments_count,
    cast(likes_count as bigint) as like_reactions_count,
    cast(media_views as bigint) as media_views,
    cast(clicks as bigint) as clicks
from source
    );
    
  
  