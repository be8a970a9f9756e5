"""marshmallow schemas of every API request and response (they also make the OpenAPI document)."""
