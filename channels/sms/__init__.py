"""The SMS channel: Twilio's webhook, STOP/START/HELP, SMS-shaped replies through the outbox."""
