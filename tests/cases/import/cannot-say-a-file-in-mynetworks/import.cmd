import .
