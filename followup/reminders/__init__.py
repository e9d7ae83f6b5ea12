"""Reminders as rows. Each kind lives whole in `kinds/<kind>.py` and is listed in `registry`;
`context` holds what every kind reads. The sweep (`sweep`) stores what is due and claims it
(`claims`); the send task's work is in `delivery`."""
