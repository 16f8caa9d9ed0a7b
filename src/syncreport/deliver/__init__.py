"""Delivery: report files on disk (atomic, dated, retained), the run lock, and e-mail over SMTP."""
