-- Instagram media as pulled: one row per media object per pull, counts as of observed_at.
with source as (
    select * from {{ lake_rows('instagram', 'media') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
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
