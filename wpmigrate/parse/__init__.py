"""Parse stage: export bytes (plain, compressed, zipped, repaired) into typed posts and comments."""
