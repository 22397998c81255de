"""The organization: committees at three levels, branches under them, members, joint meetings."""
