from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import health

# The admin has no login of its own: it goes through allauth, so MFA is always asked.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Bookingtjeneste"
admin.site.site_title = "Bookingtjeneste"

api_v1 = [
    path("", include("bookings.api.urls")),
    path("privacy/", include("privacy.api.urls")),
    path("auth/", include("accounts.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Ahead of allauth: accounts overrides allauth's single sign-on login route.
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script from /api/docs/?script: no inline script, so the
    # page works under `script-src 'self'`.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("webhooks/", include("payments.webhook_urls")),
    path("webhooks/", include("notifications.webhook_urls")),
    path("webhooks/", include("calendars.webhook_urls")),
    path("", include("calendars.urls")),
    path("", include("notifications.urls")),
    path("", include("privacy.urls")),
    path("", include("payments.urls")),
    path("", include("bookings.urls")),
]

handler400 = "bookingtjeneste.views.bad_request"
handler403 = "bookingtjeneste.views.permission_denied"
handler404 = "bookingtjeneste.views.page_not_found"
handler500 = "bookingtjeneste.views.server_error"
