fmt messy.txt
