"""Writing compiled files to disk, safely."""
