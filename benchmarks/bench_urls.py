"""The bench's own URLconf: the project's URLs plus an empty token-authenticated DRF POST.

Wired only by benchmarks/bench_booking.py (override_settings ROOT_URLCONF); never by the site.
"""

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookingtjeneste.urls import urlpatterns as project_urlpatterns


class EmptyPostView(APIView):
    """The reference: the same authentication, permission and throttle stack, no work at all."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return Response({}, status=201)


urlpatterns = [path("bench/empty/", EmptyPostView.as_view()), *project_urlpatterns]
