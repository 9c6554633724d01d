
    

    create  table
      "warehouse"."staging"."stg_x__analytics"
  
    
    as (
      -- X tweet activity CSV: one row per tweet per export, organic metrics (promoted ones kept).
with source as (
    select * from read_parquet('p_old/lake/platform=x/kind=analytics/**/*.parquet', union_by_name = true) as lake
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
    cast(permalink as varchar) as permalink,
    cast(text as varchar) as post_text,
    cast(created_at as timestamptz) as posted_at,
    cast(impressions as bigint) as impressions,
    cast(engagements as bigint) as engagements,
    cast(retweets as bigint) as retweets,
    cast(replies as bigint) as replies,
    cast(likes as bigint) as likes,
    cast(user_profile_clicks as bigint) as user_profile_clicks,
    cast(url_clicks as bigint) as url_clicks,
    cast(hashtag_clicks as bigint) as hashtag_clicks,
    cast(detail_expands as bigint) as detail_expands,
    cast(permalink_clicks as bigint) as permalink_clicks,
    cast(media_views as bigint) as media_views,
    cast(media_engagements as bigint) as media_engagements,
    cast(follows as bigint) as follows,
    cast(promoted_impressions as bigint) as promoted_impressions,
    cast(promoted_engagements as bigint) as promoted_engagements,
    cast(engagement_rate as double) as engagement_rate
from source
    );
    
  
  