"""A compiled policy against an existing main.cf: the merge into a base file and the semantic comparison."""
