"""Payment providers behind one interface (base.PaymentProvider); provider_for picks one."""
