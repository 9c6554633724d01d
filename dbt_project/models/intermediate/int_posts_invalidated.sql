-- What an incremental build recomputes of the per-post chain (int_post_observations_unioned,
-- int_post_metrics_daily_filled, int_post_metrics_latest, fct_post_interactions): every post
-- with a row from a landing file version new in this build, recomputed over its whole life
-- (a post's rows depend on all its observations, from every source). first_date is the
-- earliest day the post can count on in the per-day interactions (its first observation or
-- its posting day, whichever is first: int_interaction_days_invalidated). No rows on a full
-- build. Posts of accounts a retraction touched are recomputed too (macro
-- in_invalidated_posts).
{%- set sources = ['stg_x__tweets', 'stg_x__analytics', 'stg_instagram__media',
    'stg_facebook__posts'] %}
with new_posts as (
    {%- for model in sources %}
        select
            platform,
            post_id
        from {{ ref(model) }} as staged
        where {{ is_new_row('staged') }}
        {%- if not loop.last %}
            union
        {%- endif %}
    {%- endfor %}
),

post_rows as (
    {%- for model in sources %}
        select
            staged.platform,
            staged.account_id,
            staged.post_id,
            least(
                {{ utc_date('staged.observed_at') }},
                coalesce({{ utc_date('staged.posted_at') }}, {{ utc_date('staged.observed_at') }})
            ) as first_date
        from {{ ref(model) }} as staged
        inner join new_posts
            on staged.platform = new_posts.platform and staged.post_id = new_posts.post_id
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    platform,
    account_id,
    post_id,
    min(first_date) as first_date
from post_rows
group by platform, account_id, post_id
