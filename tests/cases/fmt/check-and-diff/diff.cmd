fmt --diff messy.txt
