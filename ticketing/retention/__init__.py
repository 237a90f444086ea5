"""Retention (Student Data Principle 7): destroying what families sent once it is no longer needed."""
