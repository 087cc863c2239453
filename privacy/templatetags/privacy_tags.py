from django import template

register = template.Library()


@register.inclusion_tag("privacy/_youtube.html", takes_context=True)
def youtube_embed(context, video_id: str, title: str = "") -> dict:
    """A click-to-load YouTube placeholder (youtube-nocookie.com). The player can load only when
    advertising cookies are granted; the CSP allows the frame host only on those responses."""
    request = context.get("request")
    consent = getattr(request, "consent", None)
    allowed = bool(consent and consent.allow_youtube())
    return {"video_id": video_id, "title": title, "allowed": allowed, "request": request}
