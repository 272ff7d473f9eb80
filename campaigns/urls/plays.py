"""Campaign console pages: plays WeChat has no API for (福袋, 粉丝团, 点赞买) and share posters (``console:…``)."""

from django.urls import path

from campaigns.views import plays

PREFIX = "shops/<uuid:shop>/campaigns/"

urlpatterns = [
    path(f"{PREFIX}lucky-bags/", plays.LuckyBagListView.as_view(), name="luckybag_list"),
    path(f"{PREFIX}lucky-bags/new/", plays.LuckyBagCreateView.as_view(), name="luckybag_create"),
    path(f"{PREFIX}lucky-bags/<int:pk>/", plays.LuckyBagDetailView.as_view(), name="luckybag_detail"),
    path(f"{PREFIX}lucky-bags/<int:pk>/edit/", plays.LuckyBagEditView.as_view(), name="luckybag_edit"),
    path(f"{PREFIX}lucky-bags/<int:pk>/delete/", plays.LuckyBagDeleteView.as_view(), name="luckybag_delete"),
    path(f"{PREFIX}fan-club/", plays.FanClubView.as_view(), name="fanclub"),
    path(f"{PREFIX}like-to-buy/", plays.LikeToBuyListView.as_view(), name="liketobuy_list"),
    path(f"{PREFIX}like-to-buy/new/", plays.LikeToBuyCreateView.as_view(), name="liketobuy_create"),
    path(f"{PREFIX}like-to-buy/<int:pk>/", plays.LikeToBuyDetailView.as_view(), name="liketobuy_detail"),
    path(f"{PREFIX}like-to-buy/<int:pk>/edit/", plays.LikeToBuyEditView.as_view(), name="liketobuy_edit"),
    path(f"{PREFIX}like-to-buy/<int:pk>/delete/", plays.LikeToBuyDeleteView.as_view(), name="liketobuy_delete"),
    path(f"{PREFIX}posters/products/<str:product_id>/", plays.ProductPosterView.as_view(), name="poster_product"),
    path(
        f"{PREFIX}posters/products/<str:product_id>/poster.png",
        plays.ProductPosterPngView.as_view(),
        name="poster_product_png",
    ),
]
