"""The district roster: students, parents and guardians from OneRoster 1.1 CSV, with their contacts on file."""
