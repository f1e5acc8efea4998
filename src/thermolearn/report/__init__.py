"""The reproduction report: every number the papers state beside ours."""
