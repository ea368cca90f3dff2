/**
 * Field and edge names of the Graph API node types the product reads, as Meta's own SDK
 * generator lists them: facebook/facebook-business-sdk-codegen, api_specs/specs/<Type>.json at
 * ad2b0b6 (2026-04-15), https://github.com/facebook/facebook-business-sdk-codegen/tree/main/api_specs/specs
 * A `fields=` selection may name a field or an edge (field expansion), so both are kept.
 */

const words = (text: string): readonly string[] => text.split(/\s+/).filter(Boolean);

export interface NodeNames {
  fields: readonly string[];
  edges: readonly string[];
}

export const CODEGEN_SOURCE =
  "https://github.com/facebook/facebook-business-sdk-codegen/tree/ad2b0b6fdfbe4d73ed0754cb4562ef20b72b40d4/api_specs/specs";

export const graphNodes = {
  Page: {
    fields: words(
      "about access_token ad_campaign affiliation app_id artists_we_like attire available_promo_offer_ids " +
        "awards band_interests band_members best_page bio birthday booking_agent breaking_news_usage built " +
        "business can_checkin can_post category category_list checkins company_overview " +
        "connected_instagram_account connected_page_backed_instagram_account contact_address " +
        "copyright_attribution_insights copyright_whitelisted_ig_partners country_page_likes cover " +
        "culinary_team current_location delivery_and_pickup_option_info description description_html " +
        "differently_open_offerings directed_by display_subtext displayed_message_response_time " +
        "does_viewer_have_page_permission_link_ig emails engagement fan_count featured_video features " +
        "followers_count food_styles founded general_info general_manager genre global_brand_page_name " +
        "global_brand_root_id has_added_app has_lead_access has_transitioned_to_new_page_experience " +
        "has_whatsapp_business_number has_whatsapp_number hometown hours id impressum influences " +
        "instagram_business_account is_always_open is_calling_eligible is_chain is_community_page " +
        "is_eligible_for_branded_content is_eligible_for_disable_connect_ig_btn_for_non_page_admin_am_web " +
        "is_messenger_bot_get_started_enabled is_messenger_platform_bot is_owned is_permanently_closed " +
        "is_published is_unclaimed is_verified is_webhooks_subscribed keywords leadgen_tos_acceptance_time " +
        "leadgen_tos_accepted leadgen_tos_accepting_user link location members merchant_id " +
        "merchant_review_status messaging_feature_status messenger_ads_default_icebreakers " +
        "messenger_ads_default_quick_replies messenger_ads_quick_replies_type mini_shop_storefront mission " +
        "mpg name name_with_location_descriptor network new_like_count offer_eligible overall_star_rating " +
        "owner_business page_token parent_page parking payment_options personal_info personal_interests " +
        "pharma_safety_info phone pickup_options place_type plot_outline preferred_audience press_contact " +
        "price_range priority_hours privacy_info_url produced_by products promotion_eligible " +
        "promotion_ineligible_reason public_transit rating_count recipient record_label release_date " +
        "restaurant_services restaurant_specialties schedule screenplay_by season single_line_address " +
        "starring start_info store_code store_location_descriptor store_number studio " +
        "supports_donate_button_in_live_video talking_about_count temporary_status unread_message_count " +
        "unread_notif_count unseen_message_count user_access_expire_time username verification_status " +
        "voip_info website were_here_count whatsapp_number written_by ",
    ),
    edges: words(
      "ab_tests ads_eligibility ads_posts agencies albums ar_experience assigned_users blocked " +
        "businessprojects call_to_actions canvas_elements canvases chat_plugin commerce_merchant_settings " +
        "commerce_orders commerce_payouts commerce_transactions conversations crosspost_whitelisted_pages " +
        "ctx_optimization_eligibility custom_labels custom_user_settings dataset events fantasy_games feed " +
        "global_brand_children image_copyrights indexed_videos insights instagram_accounts leadgen_forms " +
        "likes live_videos locations media_fingerprints message_templates messaging_feature_review " +
        "messenger_call_permissions messenger_call_settings messenger_lead_forms messenger_profile " +
        "notification_message_tokens page_backed_instagram_accounts personas photos picture posts " +
        "product_catalogs published_posts ratings roles rtb_dynamic_posts scheduled_posts secondary_receivers " +
        "settings shop_setup_status space_participants store_locations stories subscribed_apps tabs tagged " +
        "thread_owner threads video_copyright_rules video_lists video_reels videos visitor_posts " +
        "welcome_message_flows ",
    ),
  },
  User: {
    fields: words(
      "about age_range birthday client_business_id community cover currency education email " +
        "favorite_athletes favorite_teams first_name gender hometown id inspirational_people install_type " +
        "installed is_guest_user is_work_account languages last_name link local_news_megaphone_dismiss_status " +
        "local_news_subscription_status locale location meeting_for middle_name name name_format " +
        "payment_pricepoints political profile_pic quotes relationship_status religion " +
        "shared_login_upgrade_required_by short_name significant_other sports " +
        "supports_donate_button_in_live_video third_party_id timezone token_for_business updated_time " +
        "verified video_upload_limits website ",
    ),
    edges: words(
      "accounts ad_studies adaccounts albums apprequestformerrecipients apprequests assigned_ad_accounts " +
        "assigned_applications assigned_business_asset_groups assigned_pages assigned_product_catalogs " +
        "assigned_whatsapp_business_accounts business_users businesses conversations custom_labels events " +
        "feed friends fundraisers groups ids_for_apps ids_for_business ids_for_pages likes live_videos music " +
        "payment_transactions permissions personal_ad_accounts photos picture posts rich_media_documents " +
        "videos ",
    ),
  },
  PagePost: {
    fields: words(
      "actions admin_creator allowed_advertising_objectives application backdated_time call_to_action " +
        "can_reply_privately child_attachments comments_mirroring_domain coordinates created_time event " +
        "expanded_height expanded_width feed_targeting from full_picture height icon id instagram_eligibility " +
        "is_app_share is_eligible_for_dark_post is_eligible_for_promotion is_expired is_hidden " +
        "is_inline_created is_instagram_eligible is_popular is_published is_spherical message message_tags " +
        "multi_share_end_card multi_share_optimized parent_id permalink_url picture place privacy " +
        "promotable_id promotion_status properties scheduled_publish_time shares status_type story story_tags " +
        "subscribed target targeting timeline_visibility updated_time via video_buying_eligibility width ",
    ),
    edges: words("attachments comments dynamic_posts insights likes reactions sharedposts sponsor_tags to "),
  },
  AdVideo: {
    fields: words(
      "ad_breaks admin_creator audio_isrc backdated_time backdated_time_granularity boost_eligibility_info " +
        "content_category content_tags copyright copyright_check_information copyright_monitoring_status " +
        "created_time custom_labels description embed_html embeddable event expiration format from icon id " +
        "is_crosspost_video is_crossposting_eligible is_episode is_instagram_eligible is_reference_only " +
        "length live_audience_count live_status music_video_copyright permalink_url picture place post_id " +
        "post_views premiere_living_room_status privacy published scheduled_publish_time source spherical " +
        "status title universal_video_id updated_time views ",
    ),
    edges: words(
      "boost_ads_list captions collaborators comments crosspost_shared_pages likes poll_settings polls " +
        "sponsor_tags tags thumbnails video_insights ",
    ),
  },
  Photo: {
    fields: words(
      "album alt_text alt_text_custom backdated_time backdated_time_granularity can_backdate can_delete " +
        "can_tag created_time event from height icon id images link name name_tags page_story_id picture " +
        "place position source target updated_time webp_images width ",
    ),
    edges: words("comments insights likes sponsor_tags "),
  },
  IGUser: {
    fields: words(
      "biography business_discovery followers_count follows_count has_profile_pic id ig_id is_published " +
        "legacy_instagram_user_id media_count mentioned_comment mentioned_media name owner_business " +
        "profile_picture_url shopping_product_tag_eligibility shopping_review_status username website ",
    ),
    edges: words(
      "agencies authorized_adaccounts available_catalogs branded_content_ad_permissions " +
        "branded_content_advertisable_medias branded_content_tag_approval catalog_product_search " +
        "collaboration_invites collaborative_media connected_threads_user content_publishing_limit " +
        "creator_marketplace_creators dataset insights instagram_backed_threads_user live_media media " +
        "notification_message_tokens product_appeal recently_searched_hashtags scheduled_media stories tags " +
        "upcoming_events welcome_message_flows ",
    ),
  },
  IGMedia: {
    fields: words(
      "alt_text boost_eligibility_info caption comments_count copyright_check_information " +
        "current_live_viewer_count has_poll has_slider id ig_id is_comment_enabled is_shared_to_feed " +
        "legacy_instagram_media_id like_count media_product_type media_type media_url owner permalink " +
        "shortcode thumbnail_url timestamp username video_title view_count ",
    ),
    edges: words(
      "boost_ads_list branded_content_partner_promote children collaborators comments insights product_tags ",
    ),
  },
  ShadowIGMediaBuilder: {
    fields: words("copyright_check_status id status status_code video_status "),
    edges: words(""),
  },
  ProfilePictureSource: {
    fields: words("bottom cache_key height is_silhouette left right top url width "),
    edges: words(""),
  },
} satisfies Record<string, NodeNames>;

export type GraphNodeType = keyof typeof graphNodes;
