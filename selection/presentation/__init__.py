"""How the staff pages present what the selectors read: tables, words, reports."""
