"""The conversation record: who is talking (pseudonymously) and the redacted transcript, apart from the channels."""
