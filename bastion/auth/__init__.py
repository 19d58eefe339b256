"""Authentication: passwords, tokens, OTP/MFA, OAuth2 providers."""
