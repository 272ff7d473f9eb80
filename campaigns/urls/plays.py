"""Campaign console pages: plays."""

urlpatterns = []
