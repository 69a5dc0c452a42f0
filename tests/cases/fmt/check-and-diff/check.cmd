fmt --check messy.txt
