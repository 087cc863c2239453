from django.utils import timezone

from .models import PolicyVersion


def seed_privacy() -> None:
    """The first policy version is created by a migration; make sure it is published."""
    from .reference_data import reference_data_ensure

    reference_data_ensure()
    PolicyVersion.objects.filter(published_at__isnull=True, version="2025-02-21").update(
        published_at=timezone.now()
    )
