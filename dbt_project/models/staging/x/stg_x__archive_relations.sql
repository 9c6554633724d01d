-- X archive follower.js / following.js: one row per relation per archive (observed_at = generated).
with source as (
    select * from {{ lake_rows('x', 'archive_relations') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(relation as varchar) as relation,
    cast(other_id as varchar) as other_id,
    cast(user_link as varchar) as user_link
from source
