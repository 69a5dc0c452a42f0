fmt --check a.mailpolicy
