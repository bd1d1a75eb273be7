"""The health bureau's web pages: server-rendered, Traditional Chinese first, English selectable."""
