"""Identity: the district roster (OneRoster 1.1 import) and verification of who is asking about a student.

``identity.roster`` keeps the people the district knows (students, parents, guardians), their links, their contacts
on file (encrypted) and a keyed hash of each student's date of birth. ``identity.verification`` matches what a
family types against it and sends a one-time code to the contact on file. ``identity.names`` compares names (both use
it); the keys are the kernel's (``core.secrets``).
"""
