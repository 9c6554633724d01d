
    

    create  table
      "warehouse"."staging"."stg_instagram__users"
  
    
    as (
      -- Instagram accounts as pulled (Graph API user fields): one row per account per pull.
with source as (
    select * from read_parquet('p_old/lake/platform=instagram/kind=users/**/*.parquet', union_by_name = true) as lake
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
    cast(username as varchar) as username,
    cast(name as varchar) as display_name,
    cast(biography as varchar) as bio,
    cast(profile_picture_url as varchar) as profile_picture_url,
    cast(followers_count as bigint) as followers_count,
    cast(follows_count as bigint) as following_count,
    cast(media_count as bigint) as media_count
from source
    );
    
  
  