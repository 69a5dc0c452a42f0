explain missing.mailpolicy
