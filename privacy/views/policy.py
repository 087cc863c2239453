"""Transparency pages: the policy (current and older versions) and the processor register."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from ..selectors import (
    policy_version_current,
    policy_version_get,
    policy_version_upcoming,
    policy_versions_published,
    processors_active,
)


def policy(request: HttpRequest) -> HttpResponse:
    current = policy_version_current()
    return render(
        request,
        "privacy/policy.html",
        {
            "policy": current,
            "body": current.body_for(get_language()) if current else "",
            "title": current.title_for(get_language()) if current else "",
            "versions": policy_versions_published(),
            "is_current": True,
            "upcoming": policy_version_upcoming(),
        },
    )


def policy_version(request: HttpRequest, version: str) -> HttpResponse:
    found = policy_version_get(version=version)
    if found is None:
        raise Http404
    current = policy_version_current()
    return render(
        request,
        "privacy/policy.html",
        {
            "policy": found,
            "body": found.body_for(get_language()),
            "title": found.title_for(get_language()),
            "versions": policy_versions_published(),
            "is_current": current is not None and current.pk == found.pk,
            "is_upcoming": found.effective_date > timezone.localdate(),
            "current": current,
        },
    )


def processors(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/processors.html", {"processors": processors_active()})
