from django.urls import path

from . import requests as request_views
from . import views

app_name = "privacy-api"

urlpatterns = [
    path("consents/", views.ConsentListView.as_view(), name="consents"),
    path("consents/<str:purpose>/", views.ConsentDetailView.as_view(), name="consent"),
    path("requests/", request_views.RequestListView.as_view(), name="requests"),
    path("requests/<int:request_id>/", request_views.RequestDetailView.as_view(), name="request"),
]
