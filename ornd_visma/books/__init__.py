"""The books: invoice lines, booking accounting, revenue schedule and deferrals."""
