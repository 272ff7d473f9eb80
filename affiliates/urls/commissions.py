"""Console pages of 优选联盟: commissions (names are ``console:…``)."""

urlpatterns = []
