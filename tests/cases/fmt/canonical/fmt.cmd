fmt site.mailpolicy
