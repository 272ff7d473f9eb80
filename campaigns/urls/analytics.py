"""Campaign console pages: analytics (订单与卡包 and favourites); names ``console:campaign_analytics_…``."""

from django.urls import path

from campaigns.views import analytics as views

PREFIX = "shops/<uuid:shop>/campaigns/analytics/"

urlpatterns = [
    path(PREFIX, views.OrdersCardsView.as_view(), name="campaign_analytics_orders_cards"),
    path(PREFIX + "favourites/", views.FavouritesView.as_view(), name="campaign_analytics_favourites"),
    path(
        PREFIX + "favourites/funnel/",
        views.FavouritesFunnelView.as_view(),
        name="campaign_analytics_favourites_funnel",
    ),
    path(
        PREFIX + "favourites/coupon/",
        views.FavouriteCouponView.as_view(),
        name="campaign_analytics_favourite_coupon",
    ),
    path(
        PREFIX + "favourites/snapshot/",
        views.FavouritesSnapshotView.as_view(),
        name="campaign_analytics_favourites_snapshot",
    ),
]
