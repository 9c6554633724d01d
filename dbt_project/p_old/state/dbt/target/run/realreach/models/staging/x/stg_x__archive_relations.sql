
    

    create  table
      "warehouse"."staging"."stg_x__archive_relations"
  
    
    as (
      -- X archive follower.js / following.js: one row per relation per archive (observed_at = generated).
with source as (
    select * from read_parquet('p_old/lake/platform=x/kind=archive_relations/**/*.parquet', union_by_name = true) as lake
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
    cast(relation as varchar) as relation,
    cast(other_id as varchar) as other_id,
    cast(user_link as varchar) as user_link
from source
    );
    
  
  