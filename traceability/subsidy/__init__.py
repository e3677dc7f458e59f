"""The 60 / 40 subsidy: yearly budgets, orders that wait for approval, payments, statements."""
