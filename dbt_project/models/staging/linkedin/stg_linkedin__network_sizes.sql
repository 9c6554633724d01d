-- LinkedIn network sizes: one row per pull; first_degree_size is the follower count then.
with source as (
    select * from {{ lake_rows('linkedin', 'network_sizes') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(first_degree_size as bigint) as first_degree_size
from source
