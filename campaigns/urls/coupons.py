"""Campaign console pages: coupons."""

urlpatterns = []
