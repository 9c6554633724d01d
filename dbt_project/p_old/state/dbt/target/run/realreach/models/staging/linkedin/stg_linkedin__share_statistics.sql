
    

    create  table
      "warehouse"."staging"."stg_linkedin__share_statistics"
  
    
    as (
      -- LinkedIn share statistics: one row per element (a day's totals, or lifetime when range is null).
with source as (
    select * from read_parquet('p_old/lake/platform=linkedin/kind=share_statistics/**/*.parquet', union_by_name = true) as lake
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
    cast(click_count as bigint) as click_count,
    cast(comment_count as bigint) as comment_count,
    cast(like_count as bigint) as like_count,
    cast(share_count as bigint) as share_count,
    cast(share_mention_count as bigint) as share_mention_count,
    cast(impression_count as bigint) as impression_count,
    cast(unique_impressions_count as bigint) as unique_impressions_count,
    cast(engagement as double) as engagement
from source
    );
    
  
  