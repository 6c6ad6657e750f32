"""Entry points: HTTP routes and Kafka event handlers."""
