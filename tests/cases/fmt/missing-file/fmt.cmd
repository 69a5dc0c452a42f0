fmt missing.mailpolicy
