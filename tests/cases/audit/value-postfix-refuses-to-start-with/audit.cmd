audit .
