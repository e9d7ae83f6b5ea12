"""Reminders as rows: what is due (`kinds`), the sweep that stores and claims it (`sweep`,
`claims`), and the send task's work (`delivery`, `messages`). Calendar arithmetic in `clock`."""
