"""Request desk pages: submit and follow requests, confirm a guest's address, download."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..audit import audit_log
from ..desk_forms import GuestRequestForm, RequestForm
from ..export import download_url, export_file_path, export_for_token
from ..models import PrivacyRequest
from ..request_desk import RequestError, request_submit, request_verify


@require_http_methods(["GET", "POST"])
def requests_page(request: HttpRequest) -> HttpResponse:
    """Logged in: your requests and a form; otherwise a form that confirms your address."""
    user = request.user if request.user.is_authenticated else None
    form_class = RequestForm if user else GuestRequestForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not user and form.cleaned_data.get("website"):
            return redirect("privacy:requests")  # a bot: pretend all is well, store nothing
        try:
            request_submit(
                type=form.cleaned_data["type"],
                channel=(
                    PrivacyRequest.Channel.CENTRE if user else PrivacyRequest.Channel.PUBLIC_FORM
                ),
                user=user,
                email="" if user else form.cleaned_data["email"],
                details=form.cleaned_data["details"],
            )
        except RequestError as error:
            form.add_error(
                None,
                _("You already have an open request of this type.")
                if error.code == "duplicate"
                else error.detail,
            )
        else:
            messages.success(
                request,
                _("Your request is registered. We answer within one month.")
                if user
                else _("Check your e-mail: open the link we sent to confirm the request."),
            )
            return redirect("privacy:requests")
    own = (
        [
            {"request": r, "download_url": download_url(r)}
            for r in PrivacyRequest.objects.filter(subject=user).order_by("-created_at")
        ]
        if user
        else []
    )
    return render(request, "privacy/desk/requests.html", {"form": form, "own": own})


def request_verify_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        privacy_request = request_verify(token=token)
    except RequestError as error:
        return render(request, "privacy/desk/verify.html", {"error": error.code}, status=400)
    return render(request, "privacy/desk/verify.html", {"privacy_request": privacy_request})


def export_download(request: HttpRequest, token: str) -> FileResponse:
    privacy_request = export_for_token(token)
    if privacy_request is None:
        raise Http404
    # An account's export is only for that account, even with the link.
    if privacy_request.subject_id is not None and request.user.pk != privacy_request.subject_id:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    audit_log(
        action="export.downloaded", subject=privacy_request.subject_public_id, obj=privacy_request
    )
    return FileResponse(
        open(export_file_path(privacy_request.export_path), "rb"),
        as_attachment=True,
        filename="bookingtjeneste-mine-data.zip",
        content_type="application/zip",
    )
