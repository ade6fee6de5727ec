"""Reading the lists NGOs and authorities send: files (CSV, XLSX), column mapping, row validation.

No database here: `casework.services.imports` turns validated rows into persons and outcomes.
"""
