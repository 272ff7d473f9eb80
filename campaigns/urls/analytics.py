"""Campaign console pages: analytics."""

urlpatterns = []
