"""Officer sign-in: passwords (argon2), the TOTP second factor, sessions and the login rate limit."""
