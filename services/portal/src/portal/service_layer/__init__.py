"""service_layer of the portal."""
