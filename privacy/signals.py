"""Events privacy announces to the apps above it, sent inside the transaction that records them.

Privacy never imports those apps; a receiver writes its rows in the same transaction and sends
nothing before commit (publishing a task is on commit).
"""

from django.dispatch import Signal

# kwargs: event (ConsentEvent) — a signed-in user's marketing choice (e-mail or SMS) was recorded.
marketing_consent_recorded = Signal()
