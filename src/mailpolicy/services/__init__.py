"""The listeners a policy manages (master.cf smtpd services) and the TLS they speak."""
