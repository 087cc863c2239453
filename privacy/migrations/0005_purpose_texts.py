"""Version 1 of the wording shown for every consent purpose (what the ledger rows point at)."""

from django.db import migrations

TEXTS = {
    "sms_notifications": (
        "consent",
        "Bekreftelser, påminnelser og endringer for bestillinger på SMS. Mobilnummeret ditt og "
        "bestillingsdetaljene sendes til Twilio, som kan ha servere utenfor EU/EØS "
        "(standard personvernbestemmelser).",
        "Booking confirmations, reminders and changes by SMS. Your mobile number and the booking "
        "details are sent to Twilio, whose servers may be outside the EU/EEA (standard "
        "contractual clauses).",
    ),
    "marketing_email": (
        "consent_or_existing_customer",
        "Nyhetsbrev, tilbud, kampanjer og arrangementer fra Bookingtjeneste på e-post, sendt via "
        "Brevo (EU). Hver e-post har en lenke for å melde seg av med ett klikk.",
        "Newsletters, offers, campaigns and events from Bookingtjeneste by e-mail, sent through "
        "Brevo (EU). Every e-mail has a one-click unsubscribe link.",
    ),
    "marketing_sms": (
        "consent_or_existing_customer",
        "Tilbud og kampanjer fra Bookingtjeneste på SMS, sendt via Twilio. Svar STOPP på en "
        "melding for å stanse dem.",
        "Offers and campaigns from Bookingtjeneste by SMS, sent through Twilio. Reply STOP to any "
        "message to stop them.",
    ),
    "analytics_cookies": (
        "consent",
        "Informasjonskapsler fra Google Analytics som viser oss, delvis anonymisert, hvilke sider "
        "som besøkes og når, slik at vi kan forbedre tjenesten.",
        "Google Analytics cookies that show us, in partly anonymised form, which pages are "
        "visited and when, so that we can improve the service.",
    ),
    "advertising_cookies": (
        "consent",
        "Informasjonskapsler og piksler for annonsering fra Google Ads og sosiale medier "
        "(Facebook, TikTok, Snapchat m.fl.) og innebygde YouTube-videoer, brukt til å vise deg "
        "tilpasset reklame på andre nettsteder.",
        "Google Ads and social media advertising cookies and pixels (Facebook, TikTok, Snapchat "
        "and others), and embedded YouTube videos, used to show you tailored advertising on "
        "other websites.",
    ),
    "personalisation": (
        "consent",
        "Anbefalinger og innhold tilpasset deg, basert på sidene du besøker og tjenestene du "
        "bestiller (profilering).",
        "Recommendations and content adapted to you, based on the pages you visit and the "
        "services you book (profiling).",
    ),
}


def create_texts(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    PurposeText = apps.get_model("privacy", "PurposeText")
    policy = PolicyVersion.objects.order_by("effective_date", "pk").first()
    if policy is None:
        return
    for purpose, (basis, text_nb, text_en) in TEXTS.items():
        PurposeText.objects.get_or_create(
            purpose=purpose,
            version=1,
            defaults={
                "legal_basis": basis,
                "text_nb": text_nb,
                "text_en": text_en,
                "policy_version": policy,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_consent_ledger_guard")]
    operations = [migrations.RunPython(create_texts, migrations.RunPython.noop)]
