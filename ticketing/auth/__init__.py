"""Officer sign-in: passwords, the steps after them (TOTP, new password, enrolment), sessions, the delay."""
