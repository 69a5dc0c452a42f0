diff site.mailpolicy --against nowhere/main.cf
