"""The ambassadors service: rosters, availability, team matching, offers and answers."""
