"""The model stage: statements as written, and the validated policy built from them."""
