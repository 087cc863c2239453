from django.urls import path

from .api import ApiTokenView

urlpatterns = [path("token/", ApiTokenView.as_view(), name="api-token")]
