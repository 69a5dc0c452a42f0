"""The loading stage: read a policy file and the files it includes, confined and within limits."""
