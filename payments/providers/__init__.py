"""Payment providers: one small class per provider behind `base.PaymentProvider`."""
