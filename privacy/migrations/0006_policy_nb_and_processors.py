"""Fill the Bokmål text of existing policy versions and seed the processor register from §6/§10
of the published policy (admin-editable afterwards)."""

from pathlib import Path

from django.db import migrations

TEXTS = Path(__file__).resolve().parent.parent / "policy_texts"

PROCESSORS = [
    {
        "name": "Kinsta",
        "website": "https://kinsta.com/",
        "service": "Web hosting / Webhotell",
        "purpose_nb": "Drift av nettstedet og databasen; alle data lagres på denne serveren.",
        "purpose_en": "Hosting of the website and database; all data is stored on this server.",
        "data_categories_nb": "Alle personopplysninger tjenesten behandler.",
        "data_categories_en": "All personal data the service processes.",
        "location": "Eemshaven, Netherlands (EU)",
    },
    {
        "name": "Brevo",
        "website": "https://www.brevo.com/",
        "service": "E-mail / E-post",
        "purpose_nb": "Utsending av e-post (bestillinger, kontomeldinger og nyhetsbrev med samtykke).",
        "purpose_en": "Sending e-mail (bookings, account messages, and newsletters with consent).",
        "data_categories_nb": "Navn, e-postadresse, meldingsinnhold, leveringsstatus.",
        "data_categories_en": "Name, e-mail address, message content, delivery status.",
        "location": "Vitry-sur-Seine, France (DC2/DC3) and Google Cloud, Belgium (EU)",
    },
    {
        "name": "Twilio (SMS)",
        "website": "https://www.twilio.com/en-us/gdpr",
        "service": "SMS notifications / SMS-varsler",
        "purpose_nb": "SMS-varsler om bestillinger (med samtykke) og SMS-markedsføring (med grunnlag).",
        "purpose_en": "SMS notifications about bookings (with consent) and SMS marketing (with a basis).",
        "data_categories_nb": "Mobilnummer og relevante bestillingsdetaljer.",
        "data_categories_en": "Mobile number and relevant booking details.",
        "location": "United States and other countries outside the EU/EEA",
        "transfers_outside_eea": True,
        "transfer_mechanism": "scc",
    },
    {
        "name": "Twilio Verify (OTP)",
        "website": "https://www.twilio.com/en-us/gdpr",
        "service": "Phone number verification / Bekreftelse av telefonnummer",
        "purpose_nb": "Sende engangskode for å bekrefte telefonnummeret ditt.",
        "purpose_en": "Sending a one-time code to verify your phone number.",
        "data_categories_nb": "Mobilnummer og engangskode.",
        "data_categories_en": "Mobile number and one-time code.",
        "location": "United States and other countries outside the EU/EEA",
        "transfers_outside_eea": True,
        "transfer_mechanism": "scc",
    },
    {
        "name": "Google Calendar",
        "website": "https://policies.google.com/privacy",
        "service": "Calendar synchronisation / Kalendersynkronisering",
        "purpose_nb": "Synkronisere bestillinger med leverandørens Google Kalender; deles ikke videre.",
        "purpose_en": "Synchronising bookings with the supplier's Google Calendar; not shared further.",
        "data_categories_nb": "Tidspunkt og tjeneste for bestillingen, bestillingsreferanse.",
        "data_categories_en": "Booking time and service, booking reference.",
        "location": "Google (EU and United States)",
        "transfers_outside_eea": True,
        "transfer_mechanism": "adequacy",
    },
    {
        "name": "Google Analytics",
        "website": "https://policies.google.com/privacy",
        "service": "Web statistics / Nettstatistikk",
        "purpose_nb": "Delvis anonymisert statistikk over hvilke sider som besøkes og når.",
        "purpose_en": "Partly anonymised statistics of which pages are visited and when.",
        "data_categories_nb": "Informasjonskapsel-ID, sidevisninger, forkortet IP-adresse, nettleser.",
        "data_categories_en": "Cookie id, page views, truncated IP address, browser.",
        "location": "Google Ireland Ltd. (EU), with transfers to the United States",
        "transfers_outside_eea": True,
        "transfer_mechanism": "adequacy",
        "consent_purpose": "analytics_cookies",
    },
    {
        "name": "Google Ads",
        "website": "https://policies.google.com/privacy",
        "service": "Advertising / Annonsering",
        "purpose_nb": "Tilpasset reklame i Googles nettverk og måling av annonser.",
        "purpose_en": "Tailored advertising in Google's network and ad measurement.",
        "data_categories_nb": "Informasjonskapsel-ID, besøkte sider, annonseklikk.",
        "data_categories_en": "Cookie id, pages visited, ad clicks.",
        "location": "Google Ireland Ltd. (EU), with transfers to the United States",
        "transfers_outside_eea": True,
        "transfer_mechanism": "adequacy",
        "consent_purpose": "advertising_cookies",
    },
    {
        "name": "Stripe",
        "website": "https://stripe.com/privacy",
        "service": "Card payments / Kortbetaling",
        "purpose_nb": "Behandle betalinger og refusjoner for bestillinger.",
        "purpose_en": "Processing payments and refunds for bookings.",
        "data_categories_nb": "Navn, e-post, betalingskortdata (hos Stripe), beløp.",
        "data_categories_en": "Name, e-mail, card data (held by Stripe), amount.",
        "location": "Stripe Payments Europe Ltd., Ireland (EU), with transfers to the United States",
        "transfers_outside_eea": True,
        "transfer_mechanism": "adequacy",
    },
    {
        "name": "Vipps MobilePay",
        "website": "https://vippsmobilepay.com/",
        "service": "Payments and login / Betaling og innlogging",
        "purpose_nb": "Betaling med Vipps og eventuelt innlogging med Vipps.",
        "purpose_en": "Payment with Vipps and, if chosen, login with Vipps.",
        "data_categories_nb": "Mobilnummer, navn, beløp, ordrereferanse.",
        "data_categories_en": "Mobile number, name, amount, order reference.",
        "location": "Norway / Nordics (EEA)",
    },
    {
        "name": "Mollie",
        "website": "https://www.mollie.com/privacy",
        "service": "Payments / Betaling",
        "purpose_nb": "Behandle betalinger og refusjoner for bestillinger.",
        "purpose_en": "Processing payments and refunds for bookings.",
        "data_categories_nb": "Navn, e-post, betalingsdata, beløp.",
        "data_categories_en": "Name, e-mail, payment data, amount.",
        "location": "Amsterdam, Netherlands (EU)",
    },
    {
        "name": "YouTube",
        "website": "https://policies.google.com/privacy",
        "service": "Embedded videos / Innebygde videoer",
        "purpose_nb": "Vise innebygde videoer (youtube-nocookie.com), bare etter klikk og samtykke.",
        "purpose_en": "Showing embedded videos (youtube-nocookie.com), only after a click and consent.",
        "data_categories_nb": "IP-adresse, nettleserdata, visninger.",
        "data_categories_en": "IP address, browser data, views.",
        "location": "Google (EU and United States)",
        "transfers_outside_eea": True,
        "transfer_mechanism": "adequacy",
        "consent_purpose": "advertising_cookies",
    },
    {
        "name": "Social advertising networks",
        "website": "",
        "service": "Facebook/Instagram (Meta), TikTok, Snapchat and others",
        "purpose_nb": "Annonsering i sosiale medier og måling av annonser (piksler), bare med samtykke.",
        "purpose_en": "Advertising on social media and ad measurement (pixels), only with consent.",
        "data_categories_nb": "Informasjonskapsel-ID, besøkte sider, annonseklikk.",
        "data_categories_en": "Cookie id, pages visited, ad clicks.",
        "location": "EU and United States (per network)",
        "transfers_outside_eea": True,
        "transfer_mechanism": "adequacy",
        "consent_purpose": "advertising_cookies",
    },
]


def forwards(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    for version in PolicyVersion.objects.filter(body_nb=""):
        path = TEXTS / f"{version.version}.nb.txt"
        if path.exists():
            version.body_nb = path.read_text(encoding="utf-8")
            version.save(update_fields=["body_nb"])
    Processor = apps.get_model("privacy", "Processor")
    for order, data in enumerate(PROCESSORS):
        Processor.objects.get_or_create(name=data["name"], defaults={**data, "order": order})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0005_purpose_texts")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
