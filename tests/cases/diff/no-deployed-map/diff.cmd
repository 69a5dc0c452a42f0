diff site.mailpolicy --against etc
