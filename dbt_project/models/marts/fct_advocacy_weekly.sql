-- Group effort per ISO week (METRICS.md "Group effort"): how many people post, how many
-- accounts are active, what they publish and receive, and which share of interactions and
-- audience comes from employees' and leaders' accounts versus the brand's.
-- audience = reach where the platform reports it for the day, else impressions (X reports no
-- reach): the closest like-for-like measure of people reached across platforms.
with activity as (
    select
        activity.platform,
        activity.account_id,
        cast(date_trunc('week', activity.date) as date) as week_start,
        activity.posts,
        activity.interactions,
        activity.impressions,
        activity.reach,
        coalesce(activity.reach, activity.impressions) as audience,
        owners.owner,
        coalesce(owners.role, 'unassigned') as role
    from {{ ref('int_interactions_daily_aggregated') }} as activity
    left join {{ ref('int_account_owners_latest') }} as owners
        on activity.platform = owners.platform and activity.account_id = owners.account_id
),

weekly as (
    select
        week_start,
        count(distinct owner) filter (where posts > 0) as people_posting,
        count(distinct platform || ':' || account_id) filter (where posts > 0) as accounts_posting,
        -- active: posted, or (posts unknown, e.g. LinkedIn) received interactions
        count(distinct platform || ':' || account_id) filter (
            where posts > 0 or (posts is null and interactions > 0)
        ) as accounts_active,
        cast(sum(posts) as bigint) as posts,
        cast(coalesce(sum(interactions), 0) as bigint) as interactions,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(reach) as bigint) as reach,
        cast(coalesce(sum(audience), 0) as bigint) as audience,
        cast(coalesce(sum(interactions) filter (where role = 'brand'), 0) as bigint)
            as brand_interactions,
        cast(coalesce(sum(interactions) filter (where role = 'employee'), 0) as bigint)
            as employee_interactions,
        cast(coalesce(sum(interactions) filter (where role = 'leader'), 0) as bigint)
            as leader_interactions,
        cast(coalesce(sum(audience) filter (where role = 'brand'), 0) as bigint)
            as brand_audience,
        cast(coalesce(sum(audience) filter (where role = 'employee'), 0) as bigint)
            as employee_audience,
        cast(coalesce(sum(audience) filter (where role = 'leader'), 0) as bigint)
            as leader_audience
    from activity
    group by week_start
)

select
    week_start,
    cast(isoyear(week_start) as integer) as iso_year,
    cast(weekofyear(week_start) as integer) as iso_week,
    people_posting,
    accounts_posting,
    accounts_active,
    posts,
    interactions,
    impressions,
    reach,
    audience,
    brand_interactions,
    employee_interactions,
    leader_interactions,
    brand_audience,
    employee_audience,
    leader_audience,
    brand_interactions / nullif(interactions, 0) as brand_share_of_interactions,
    employee_interactions / nullif(interactions, 0) as employee_share_of_interactions,
    leader_interactions / nullif(interactions, 0) as leader_share_of_interactions,
    (employee_interactions + leader_interactions) / nullif(interactions, 0)
        as advocacy_share_of_interactions,
    brand_audience / nullif(audience, 0) as brand_share_of_reach,
    employee_audience / nullif(audience, 0) as employee_share_of_reach,
    leader_audience / nullif(audience, 0) as leader_share_of_reach,
    (employee_audience + leader_audience) / nullif(audience, 0) as advocacy_share_of_reach
from weekly
