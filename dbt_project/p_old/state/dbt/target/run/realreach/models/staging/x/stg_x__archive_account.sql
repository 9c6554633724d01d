
    

    create  table
      "warehouse"."staging"."stg_x__archive_account"
  
    
    as (
      -- X archive data/account.js: the archive owner's account, one row per archive.
with source as (
    select * from read_parquet('p_old/lake/platform=x/kind=archive_account/**/*.parquet', union_by_name = true) as lake
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
    cast(display_name as varchar) as display_name,
    cast(created_at as timestamptz) as account_created_at
from source
    );
    
  
  