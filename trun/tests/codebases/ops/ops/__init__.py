"""The platform team's jobs and the tooling they run around the central scheduler."""
