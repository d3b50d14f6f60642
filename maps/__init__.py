"""The maps app: datasets, their points and topics, the API and the pages."""
