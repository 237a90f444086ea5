"""Fakes of the services the stack talks to but tests do not run: Twilio's REST API."""
