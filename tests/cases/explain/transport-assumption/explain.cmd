explain site.mailpolicy
