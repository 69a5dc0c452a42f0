audit main.cf
