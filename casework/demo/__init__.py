"""Invented demo data: name pools, facilities, and the generator behind `manage.py seed_demo`."""
