"""What the public portal keeps."""
