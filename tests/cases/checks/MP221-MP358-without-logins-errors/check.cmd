check site.mailpolicy
