fmt messy.txt canonical.txt
