"""Campaign console pages: previews."""

urlpatterns = []
