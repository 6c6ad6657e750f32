"""Entry points: the HTTP routes (Kafka events are handled by service_layer/handlers.REGISTRY)."""
