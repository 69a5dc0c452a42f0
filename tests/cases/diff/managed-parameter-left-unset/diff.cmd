diff site.mailpolicy --against -
