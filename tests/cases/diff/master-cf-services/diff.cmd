diff site.mailpolicy --against deployed
