"""Appeals (诉求): intake by conversation, a tracked workflow with time limits, follow-up and statistics."""
