from django.urls import path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("api/", views.api, name="api-root"),
    path("api/<path:path>", views.api, name="api"),
]
