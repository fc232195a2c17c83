"""Static pages of the API: the operator console (`/console`) and Swagger UI (`/v1/docs`)."""
