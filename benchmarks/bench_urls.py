"""The bench's own URLconf: the project's URLs plus two empty DRF references.

An empty token-authenticated POST (benchmarks/bench_booking.py) and an empty anonymous GET
(benchmarks/bench_slots.py). Wired only by the benchmarks (override_settings ROOT_URLCONF);
never by the site.
"""

from django.urls import path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookingtjeneste.urls import urlpatterns as project_urlpatterns


class EmptyPostView(APIView):
    """The reference: the same authentication, permission and throttle stack, no work at all."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return Response({}, status=201)


class EmptyGetView(APIView):
    """The slots API's reference: an anonymous GET through the same middleware, authentication,
    permission and throttle stack as the slots view, answering an empty JSON object."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({})


urlpatterns = [
    path("bench/empty/", EmptyPostView.as_view()),
    path("bench/empty-get/", EmptyGetView.as_view()),
    *project_urlpatterns,
]
