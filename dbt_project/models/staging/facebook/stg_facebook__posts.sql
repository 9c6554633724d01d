-- Facebook page posts as pulled: one row per post per pull, counts as of observed_at.
with source as (
    select * from {{ lake_rows('facebook', 'posts') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
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
