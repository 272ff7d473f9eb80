"""Console pages of 优选联盟: plans (names are ``console:…``)."""

urlpatterns = []
