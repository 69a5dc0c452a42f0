diff site.mailpolicy --against etc/main.cf
