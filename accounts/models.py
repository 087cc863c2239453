import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: customer, supplier staff, DPO or administrator (see roles.py)."""

    class Language(models.TextChoices):
        BOKMAAL = "nb", _("Norwegian Bokmål")
        ENGLISH = "en", _("English")

    # Pseudonymous id: what audit logs, exports and task arguments use instead of name/e-mail.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(
        _("e-mail address"), max_length=254, unique=True, null=True, blank=True
    )
    # Where booking messages go for a customer booked by phone, who has no login: the address
    # the staff member typed. Never a login and never unique, because it may well belong to
    # someone else's account (phone booking must not reveal that an account exists).
    contact_email = models.EmailField(
        _("contact e-mail address"),
        max_length=254,
        blank=True,
        help_text=_("Given for booking messages by someone booked by phone; not a login."),
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = PhoneNumberField(_("mobile number"), blank=True, null=True)
    phone_verified_at = models.DateTimeField(_("mobile number verified at"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.BOKMAAL
    )
    age_confirmed_at = models.DateTimeField(
        _("18+ confirmation given at"),
        null=True,
        blank=True,
        help_text=_("When the person confirmed being 18 or older, or the parent/guardian."),
    )
    age_confirmed_policy_version = models.ForeignKey(
        "privacy.PolicyVersion",
        verbose_name=_("policy version at 18+ confirmation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Can log into the admin site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        # Never the e-mail: __str__ ends up in logs and admin history.
        # str(): allauth's pending single sign-on sign-up hands the UUID back as a string.
        return self.full_name or f"user {str(self.public_id)[:8]}"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else ""

    @property
    def message_email(self) -> str:
        """The address booking messages go to: the login address, else the contact address."""
        return self.email or self.contact_email

    @property
    def has_verified_phone(self) -> bool:
        return bool(self.phone and self.phone_verified_at)


class ApiToken(models.Model):
    """A token for scripts and apps (DRF `Authorization: Token ...`). Only its SHA-256 is
    stored: the token is shown once when issued, and a copy of the database opens nothing.
    A plain hash suffices because the token is 256 random bits, not a guessable password."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="api_token", verbose_name=_("user")
    )
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    # The first characters, so the person can tell which token the profile means.
    prefix = models.CharField(_("token start"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"
