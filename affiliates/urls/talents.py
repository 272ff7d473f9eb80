"""Console pages of 优选联盟: talents (names are ``console:…``)."""

urlpatterns = []
