diff site.mailpolicy --against main.cf
