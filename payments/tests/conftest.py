from .fixtures import booking, eager_tasks, mollie_fake, stripe_fake, vipps_fake  # noqa: F401
