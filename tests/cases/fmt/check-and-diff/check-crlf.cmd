fmt --check crlf.mailpolicy
