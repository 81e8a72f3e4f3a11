"""Spend & Expense responses (apiToken routes), one module per family of backends/spend/."""
