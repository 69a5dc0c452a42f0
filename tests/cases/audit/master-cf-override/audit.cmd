audit --verbose .
