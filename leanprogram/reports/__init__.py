"""PDF reports for the management: a pilot's project plan and the programme report."""
