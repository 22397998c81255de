"""Records: activities, the contact mechanism, points and rankings, the monthly report, the ledger export."""
